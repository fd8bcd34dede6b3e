//! Typed accessors, error spans, comments, stage resolution and scopes.

use shipshape_dockerfile::stages::{BaseRef, RefTarget, StageError};
use shipshape_dockerfile::*;
use std::collections::BTreeMap;

#[test]
fn typed_accessors() {
    let src = r#"FROM --platform=linux/arm64 node:20-alpine AS deps
COPY --from=deps --chown=node:node --chmod=644 package.json package-lock.json ./
USER node:node
EXPOSE 3000/tcp
HEALTHCHECK --interval=10s --retries=5 CMD ["wget", "-qO-", "http://localhost:3000/health"]
CMD ["node", "index.js"]
"#;
    let df = parse(src).unwrap();
    let InstructionKind::From(f) = df.instructions[0].kind() else {
        panic!("FROM expected")
    };
    assert_eq!(f.image.value, "node:20-alpine");
    assert_eq!(f.alias.as_ref().map(|a| a.value.as_str()), Some("deps"));
    assert_eq!(
        f.platform.as_ref().map(|p| df.text(p.span)),
        Some("linux/arm64")
    );

    let copy = &df.instructions[1];
    let InstructionKind::Copy(c) = copy.kind() else {
        panic!("COPY expected")
    };
    let srcs: Vec<&str> = c.sources.iter().map(|s| s.word.value.as_str()).collect();
    assert_eq!(srcs, ["package.json", "package-lock.json"]);
    assert_eq!(c.dest.value, "./");
    assert_eq!(c.from.as_ref().map(|w| w.value.as_str()), Some("deps"));
    assert_eq!(c.chown.as_ref().map(|w| df.text(w.span)), Some("node:node"));
    assert_eq!(c.chmod.as_ref().map(|w| w.value.as_str()), Some("644"));
    let chown = copy.flag("chown").unwrap();
    assert_eq!(df.text(chown.span), "--chown=node:node");
    assert_eq!(df.text(chown.name_span), "chown");

    let InstructionKind::User(u) = df.instructions[2].kind() else {
        panic!("USER expected")
    };
    assert_eq!(
        (
            u.name.value.as_str(),
            u.group.as_ref().map(|g| g.value.as_str())
        ),
        ("node", Some("node"))
    );

    let InstructionKind::Expose(e) = df.instructions[3].kind() else {
        panic!("EXPOSE expected")
    };
    assert_eq!(e.ports[0].range, Some((3000, 3000)));
    assert_eq!(e.ports[0].protocol.as_deref(), Some("tcp"));

    let InstructionKind::Healthcheck(HealthcheckInstr::Cmd { command, options }) =
        df.instructions[4].kind()
    else {
        panic!("HEALTHCHECK CMD expected")
    };
    assert_eq!(options.interval, Some(std::time::Duration::from_secs(10)));
    assert_eq!(options.retries, Some(5));
    assert!(command.is_exec());
    assert!(df.instructions[5]
        .command()
        .is_some_and(CommandForm::is_exec));
}

#[test]
fn lossless_instruction_text() {
    let src = "FROM alpine\n\nRUN echo a \\\n  # inner\n  && echo b\nCOPY <<EOF /x\nhello\nEOF\nCMD [\"sh\"]";
    let df = parse(src).unwrap();
    let texts: Vec<&str> = df.instructions.iter().map(|i| i.text(src)).collect();
    assert_eq!(
        texts,
        [
            "FROM alpine",
            "RUN echo a \\\n  # inner\n  && echo b",
            "COPY <<EOF /x\nhello\nEOF",
            "CMD [\"sh\"]"
        ]
    );
    assert_eq!(df.instructions[1].logical.text, "RUN echo a   && echo b");
    assert_eq!(df.comments[0].text, "inner");
    assert_eq!(df.text(df.comments[0].span), "# inner");
}

#[test]
fn suppression_comments_are_attached() {
    let src = "FROM debian\n# hadolint ignore=DL3008\n# shipshape:ignore SS1001\nRUN apt-get install -y curl\nRUN true\n";
    let df = parse(src).unwrap();
    let attached: Vec<&str> = df.comments_before(1).map(|c| c.text.as_str()).collect();
    assert_eq!(
        attached,
        ["hadolint ignore=DL3008", "shipshape:ignore SS1001"]
    );
    assert_eq!(df.comments_before(2).count(), 0);
}

#[test]
fn error_spans_are_exact() {
    let cases: [(&str, &str, &str); 6] = [
        ("FROM alpine\nFOO bar\n", "unknown instruction: FOO", "FOO"),
        ("FROM alpine\nRUN <<EOF\nx\n", "unterminated heredoc", "<<EOF"),
        ("FROM\n", "FROM requires either one or three arguments", "FROM"),
        ("FROM a\nCOPY --chown a b\n", "missing a value on flag: chown", "--chown"),
        ("FROM a AS b!\n", "invalid name for build stage: \"b!\", name can't start with a number or contain symbols", "b!"),
        ("FROM a\nENV A=1 B\n", "Syntax error - can't find = in \"B\". Must be of the form: name=value", "B"),
    ];
    for (src, msg, slice) in cases {
        let e = parse(src).expect_err(src);
        assert_eq!(e.message, msg, "{src:?}");
        assert_eq!(e.span.slice(src), slice, "{src:?}");
    }
}

#[test]
fn recovering_keeps_good_instructions() {
    let (df, errors) = parse_recovering("FROM alpine\nBAD x\nRUN ok\nWORKDIR\nCMD x\n");
    assert_eq!(errors.len(), 2);
    let kws: Vec<Keyword> = df.instructions.iter().map(|i| i.keyword).collect();
    assert_eq!(kws, [Keyword::From, Keyword::Run, Keyword::Cmd]);
}

#[test]
fn empty_and_comment_only_files() {
    assert!(parse("").unwrap().instructions.is_empty());
    let df = parse("# only\n\n# comments\n").unwrap();
    assert!(df.instructions.is_empty());
    assert_eq!(df.comments.len(), 2);
    assert_eq!(
        resolve(&df, &ResolveOptions::default()).unwrap_err(),
        StageError::NoStages
    );
}

#[test]
fn stage_graph_and_target() {
    let src = "ARG BASE=alpine:3.20\nFROM ${BASE} AS base\nFROM golang AS build\nCOPY --from=base /etc/os-release /\nFROM base AS final\nCOPY --from=build /out /out\nFROM scratch AS other\n";
    let df = parse(src).unwrap();
    let g = resolve(&df, &ResolveOptions::default()).unwrap();
    assert_eq!(g.stages.len(), 4);
    assert_eq!(g.target, 3);
    assert_eq!(g.required_stages(), [3]);
    assert_eq!(g.stages[3].base_ref, BaseRef::Scratch);
    assert_eq!(g.stages[0].base.value, "alpine:3.20");
    assert_eq!(g.stages[2].base_ref, BaseRef::Stage(0));
    assert_eq!(g.dependencies(2), [0, 1]);
    assert_eq!(g.stage_of(5), Some(2));
    assert_eq!(g.stage_of(0), None);
    assert_eq!(g.from_refs[1].target, RefTarget::Stage(1));

    let g = resolve(
        &df,
        &ResolveOptions {
            target: Some("FINAL".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(g.target, 2);
    assert_eq!(g.required_stages(), [0, 1, 2]);
    assert!(g.is_target(2));

    let err = resolve(
        &df,
        &ResolveOptions {
            target: Some("nope".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "target stage \"nope\" could not be found");
}

#[test]
fn scopes_follow_buildkit_rules() {
    let src = "ARG V=1.0\nARG G\nFROM img:$V\nARG V\nARG G\nARG L=local-$V\nENV E=$L\nARG E=shadowed\nRUN true\nFROM img:$V AS second\nRUN true\n";
    let df = parse(src).unwrap();
    let g = resolve(&df, &ResolveOptions::default()).unwrap();
    assert_eq!(g.stages[0].base.value, "img:1.0");
    let env = g.env_before(&df, 8);
    assert_eq!(
        env.get("V"),
        Some("1.0"),
        "ARG without value inherits the global default"
    );
    assert_eq!(env.get("G"), None, "declared, no default anywhere");
    assert_eq!(env.get("L"), Some("local-1.0"));
    assert_eq!(env.get("E"), Some("local-1.0"), "ENV wins over ARG");
    let e = env.expand("${G:-dflt} $G x", '\\').unwrap();
    assert_eq!(e.value, "dflt  x");
    assert_eq!(e.unresolved, ["G"]);
    assert_eq!(e.defaulted, ["G"]);
    // A second stage does not see the first stage's ARGs.
    assert_eq!(g.env_before(&df, 10).get("L"), None);

    let mut build_args = BTreeMap::new();
    build_args.insert("V".to_string(), "2.0".to_string());
    build_args.insert("G".to_string(), "given".to_string());
    let g = resolve(
        &df,
        &ResolveOptions {
            target: None,
            build_args,
        },
    )
    .unwrap();
    assert_eq!(g.stages[0].base.value, "img:2.0");
    let env = g.env_before(&df, 8);
    assert_eq!(env.get("G"), Some("given"));
    assert_eq!(env.get("L"), Some("local-2.0"));
}

#[test]
fn env_inherited_from_base_stage() {
    let src = "FROM alpine AS a\nENV PATH_EXTRA=/opt/a\nARG ONLY_ARG=x\nFROM a\nRUN echo\n";
    let df = parse(src).unwrap();
    let g = resolve(&df, &ResolveOptions::default()).unwrap();
    let env = g.env_before(&df, 4);
    assert_eq!(env.get("PATH_EXTRA"), Some("/opt/a"));
    assert_eq!(env.get("ONLY_ARG"), None);
}

#[test]
fn from_with_unresolved_arg() {
    let df = parse("FROM $REGISTRY/app:${TAG:-latest}\n").unwrap();
    let g = resolve(&df, &ResolveOptions::default()).unwrap();
    let base = &g.stages[0].base;
    assert_eq!(base.value, "/app:latest");
    assert_eq!(base.unresolved, ["REGISTRY"]);
    assert!(!base.is_complete());
}

#[test]
fn expand_api() {
    let lookup = |k: &str| match k {
        "HOME" => Some("/root".to_string()),
        _ => None,
    };
    let e = expand("$HOME/${SUB:-x}/'$HOME'", &lookup).unwrap();
    assert_eq!(e.value, "/root/x/$HOME");
    assert!(e.is_complete());
    let e = expand_with_escape("`$HOME", '`', &lookup).unwrap();
    assert_eq!(e.value, "$HOME");
    assert!(expand("${HOME", &lookup).is_err());
    assert_eq!(unquote("\"a\"'b'\\c", '\\'), "abc");
}

#[test]
fn words_know_about_expansions() {
    let df = parse("FROM a\nENV A=\"$B\" C='$D' E=plain\n").unwrap();
    let InstructionKind::Env(kv) = df.instructions[1].kind() else {
        panic!("ENV expected")
    };
    let flags: Vec<bool> = kv.pairs.iter().map(|p| p.value.has_expansion()).collect();
    assert_eq!(flags, [true, false, false]);
}

#[test]
fn heredocs_only_for_run_copy_add_shell_forms() {
    // CMD does not take heredocs: the body line is parsed as an instruction, as in BuildKit.
    let e = parse("FROM a\nCMD cat <<EOF\nEOF\n").unwrap_err();
    assert_eq!(e.message, "unknown instruction: EOF");
    // Nor does the exec form of RUN.
    let e = parse("FROM a\nRUN [\"cat\", \"<<EOF\"]\nhello\n").unwrap_err();
    assert_eq!(e.message, "unknown instruction: HELLO");
    // ADD and COPY do, ONBUILD triggers too.
    let df = parse("FROM a\nADD <<A /a\nx\nA\nONBUILD COPY <<B /b\ny\nB\n").unwrap();
    assert_eq!(df.instructions[1].heredocs[0].content.text, "x\n");
    let InstructionKind::Onbuild(inner) = df.instructions[2].kind() else {
        panic!("ONBUILD expected")
    };
    assert_eq!(inner.heredocs[0].content.text, "y\n");
    assert_eq!(df.instructions.len(), 3);
}
