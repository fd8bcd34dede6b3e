//! Shell splitting of realistic RUN lines (official-image style): command names, arguments,
//! connectors, pipelines, contexts, and spans that slice the Dockerfile source.

mod common;

use shipshape_dockerfile::shell::{self, Connector, SimpleCommand};
use shipshape_dockerfile::{parse, Dockerfile};

/// Parses `FROM x` + `RUN <line>` and returns the Dockerfile and the RUN's commands.
fn run(line: &str) -> (Dockerfile, Vec<SimpleCommand>) {
    let src = format!("FROM debian:bookworm\nRUN {line}\n");
    let df = parse(&src).unwrap_or_else(|e| panic!("parse {src:?}: {e}"));
    let cmds = shell::commands(&df.instructions[1]);
    let mut bad = Vec::new();
    for c in &cmds {
        common::check_command(&df, c, &mut bad);
    }
    assert!(bad.is_empty(), "span problems in {line:?}: {bad:?}");
    (df, cmds)
}

fn names(cmds: &[SimpleCommand]) -> Vec<&str> {
    cmds.iter().map(|c| c.name.value.as_str()).collect()
}

fn args(c: &SimpleCommand) -> Vec<&str> {
    c.args.iter().map(|a| a.value.as_str()).collect()
}

fn text<'a>(df: &'a Dockerfile, c: &SimpleCommand) -> &'a str {
    df.text(c.span)
}

#[test]
fn apt_get_chain() {
    let (df, c) = run("set -eux; apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*");
    assert_eq!(names(&c), ["set", "apt-get", "apt-get", "rm"]);
    assert_eq!(
        args(&c[2]),
        [
            "install",
            "-y",
            "--no-install-recommends",
            "ca-certificates",
            "curl"
        ]
    );
    assert_eq!(
        text(&df, &c[2]),
        "apt-get install -y --no-install-recommends ca-certificates curl"
    );
    assert_eq!(
        (c[1].before, c[1].after),
        (Connector::Semicolon, Connector::And)
    );
    assert_eq!(c[3].before, Connector::And);
    assert!(c[2].has_option(Some('y'), Some("yes")));
    assert!(c[2].has_option(None, Some("no-install-recommends")));
    assert_eq!(c[3].args[1].value, "/var/lib/apt/lists/*");
    assert_eq!(df.text(c[3].args[1].span), "/var/lib/apt/lists/*");
}

#[test]
fn curl_pipe_bash() {
    let (df, c) = run("curl -fsSL https://deb.nodesource.com/setup_20.x | bash -");
    assert_eq!(names(&c), ["curl", "bash"]);
    assert_eq!((c[0].pipeline.index, c[0].pipeline.len), (0, 2));
    assert_eq!((c[1].pipeline.index, c[1].pipeline.len), (1, 2));
    assert_eq!(c[0].pipeline.id, c[1].pipeline.id);
    assert_eq!(
        (c[0].after, c[1].before),
        (Connector::Pipe, Connector::Pipe)
    );
    assert_eq!(text(&df, &c[1]), "bash -");
}

#[test]
fn wget_pipe_bash_with_args() {
    let (df, c) = run("wget -O- https://get.example.sh | bash -s -- --prefix=/usr/local");
    assert_eq!(names(&c), ["wget", "bash"]);
    assert_eq!(args(&c[1]), ["-s", "--", "--prefix=/usr/local"]);
    assert!(c[1].is_piped());
    assert_eq!(df.text(c[1].args[2].span), "--prefix=/usr/local");
}

#[test]
fn sh_c_single_quoted() {
    let (df, c) = run("sh -c 'apk add --no-cache git && git clone https://x/y.git /src'");
    assert_eq!(names(&c), ["sh", "apk", "git"]);
    assert!(!c[0].context.in_shell_c && c[1].context.in_shell_c);
    assert_eq!(text(&df, &c[1]), "apk add --no-cache git");
    assert_eq!(text(&df, &c[2]), "git clone https://x/y.git /src");
    assert_eq!(df.text(c[2].args[1].span), "https://x/y.git");
    assert_eq!(c[2].before, Connector::And);
}

#[test]
fn nested_sh_c() {
    let (df, c) = run(r#"bash -c "sh -c 'echo nested && id -u'""#);
    assert_eq!(names(&c), ["bash", "sh", "echo", "id"]);
    assert!(c[3].context.depth >= 2);
    assert_eq!(text(&df, &c[2]), "echo nested");
    assert_eq!(text(&df, &c[3]), "id -u");
}

#[test]
fn sh_c_with_escapes_maps_spans() {
    let (df, c) = run(r#"sh -ec "echo \"a b\" > /x; cat /x""#);
    assert_eq!(names(&c), ["sh", "echo", "cat"]);
    assert_eq!(args(&c[1]), ["a b"]);
    // Inside `sh -c` strings spans cover the characters of the inner text: the escaped quote
    // starts at the `"` (its backslash is quoting of the outer string).
    assert_eq!(df.text(c[1].args[0].span), r#""a b\""#);
    assert_eq!(text(&df, &c[2]), "cat /x");
}

#[test]
fn if_then_else() {
    let (df, c) = run(
        r#"if [ "$TARGETARCH" = "arm64" ]; then ARCH=aarch64; else ARCH=x86_64; fi && curl -o /tmp/x.tgz "https://x/$ARCH.tgz""#,
    );
    assert_eq!(names(&c), ["[", "curl"]);
    assert!(c[0].context.in_condition);
    assert!(!c[1].context.in_condition);
    assert_eq!(args(&c[1]), ["-o", "/tmp/x.tgz", "https://x/$ARCH.tgz"]);
    assert!(c[1].args[2].has_expansion());
    assert_eq!(df.text(c[1].args[2].span), r#""https://x/$ARCH.tgz""#);
}

#[test]
fn for_loop() {
    let (df, c) = run(r#"for pkg in a b c; do pip install --no-cache-dir "$pkg"; done"#);
    assert_eq!(names(&c), ["pip"]);
    assert!(c[0].context.in_loop);
    assert_eq!(text(&df, &c[0]), r#"pip install --no-cache-dir "$pkg""#);
}

#[test]
fn command_substitution() {
    let (df, c) = run("VERSION=$(curl -fsSL https://api.example.com/latest | jq -r .tag_name) && echo $VERSION > /version");
    assert_eq!(names(&c), ["curl", "jq", "echo"]);
    assert!(c[0].context.in_substitution && c[1].context.in_substitution);
    assert!(c[0].is_piped() && c[1].is_piped());
    assert!(!c[2].context.in_substitution);
    assert_eq!(text(&df, &c[1]), "jq -r .tag_name");
    assert_eq!(c[2].redirects.len(), 1);
    assert_eq!(c[2].redirects[0].op, ">");
    assert_eq!(
        c[2].redirects[0].target.as_ref().map(|t| t.value.as_str()),
        Some("/version")
    );
    assert_eq!(args(&c[2]), ["$VERSION"]);
}

#[test]
fn backticks() {
    let (df, c) = run("echo `date +%s` > /build-time");
    assert_eq!(names(&c), ["date", "echo"]);
    assert!(c[0].context.in_substitution);
    assert_eq!(text(&df, &c[0]), "date +%s");
    assert_eq!(args(&c[1]), ["`date +%s`"]);
}

#[test]
fn assignments_before_command() {
    let (df, c) = run("DEBIAN_FRONTEND=noninteractive TZ=\"Etc/UTC\" apt-get install -y tzdata");
    assert_eq!(names(&c), ["apt-get"]);
    let a: Vec<(&str, &str)> = c[0]
        .assignments
        .iter()
        .map(|a| (a.name.as_str(), a.value.value.as_str()))
        .collect();
    assert_eq!(
        a,
        [("DEBIAN_FRONTEND", "noninteractive"), ("TZ", "Etc/UTC")]
    );
    assert_eq!(df.text(c[0].assignments[1].span), "TZ=\"Etc/UTC\"");
    assert_eq!(df.text(c[0].assignments[1].value.span), "\"Etc/UTC\"");
    assert_eq!(
        text(&df, &c[0]),
        "DEBIAN_FRONTEND=noninteractive TZ=\"Etc/UTC\" apt-get install -y tzdata"
    );
}

#[test]
fn redirections_are_not_args() {
    let (_, c) =
        run("apt-get update 2>&1 | tee /var/log/apt.log >/dev/null; test ${PIPESTATUS[0]} -eq 0");
    assert_eq!(names(&c), ["apt-get", "tee", "test"]);
    assert_eq!(args(&c[0]), ["update"]);
    assert_eq!(c[0].redirects[0].fd, Some(2));
    assert_eq!(c[0].redirects[0].op, ">&");
    assert_eq!(args(&c[1]), ["/var/log/apt.log"]);
    assert_eq!(args(&c[2]), ["${PIPESTATUS[0]}", "-eq", "0"]);
}

#[test]
fn useradd_chown() {
    let (_, c) =
        run("groupadd -r app && useradd -r -u 1001 -g app appuser && chown -R appuser:app /app");
    assert_eq!(names(&c), ["groupadd", "useradd", "chown"]);
    assert_eq!(args(&c[1]), ["-r", "-u", "1001", "-g", "app", "appuser"]);
}

#[test]
fn download_extract_cleanup_multiline() {
    let src = "FROM debian\nRUN cd /tmp \\\n    && wget -q https://x/a.tar.gz \\\n    && tar -xzf a.tar.gz -C /opt \\\n    && rm a.tar.gz\n";
    let df = parse(src).unwrap();
    let c = shell::commands(&df.instructions[1]);
    assert_eq!(names(&c), ["cd", "wget", "tar", "rm"]);
    assert_eq!(df.text(c[2].span), "tar -xzf a.tar.gz -C /opt");
    assert_eq!(df.text(c[1].args[1].span), "https://x/a.tar.gz");
    assert_eq!(df.line_col(c[3].span.start), (5, 8));
}

#[test]
fn sudo_and_env_wrappers() {
    let (df, c) = run("sudo -u app env FOO=1 apt-get install -y curl");
    assert_eq!(names(&c), ["apt-get"]);
    let w: Vec<&str> = c[0]
        .wrappers
        .iter()
        .map(|w| w.name.value.as_str())
        .collect();
    assert_eq!(w, ["sudo", "env"]);
    assert_eq!(c[0].wrappers[0].args.len(), 2);
    assert!(c[0].has_wrapper("sudo"));
    assert_eq!(df.text(c[0].name.span), "apt-get");
    assert_eq!(
        text(&df, &c[0]),
        "sudo -u app env FOO=1 apt-get install -y curl"
    );
}

#[test]
fn find_exec_and_or_true() {
    let (_, c) = run(r"find / -xdev -perm /6000 -type f -exec chmod a-s {} \; || true");
    assert_eq!(names(&c), ["find", "true"]);
    assert_eq!(c[0].args.last().map(|a| a.value.as_str()), Some(";"));
    assert_eq!(c[1].before, Connector::Or);
}

#[test]
fn echo_into_sources_list() {
    let (df, c) = run(
        r#"echo "deb [signed-by=/k.gpg] http://x stable main" > /etc/apt/sources.list.d/x.list"#,
    );
    assert_eq!(args(&c[0]), ["deb [signed-by=/k.gpg] http://x stable main"]);
    assert_eq!(
        df.text(c[0].redirects[0].span),
        "> /etc/apt/sources.list.d/x.list"
    );
}

#[test]
fn brace_group_on_failure() {
    let (_, c) = run("gpg --batch --verify x.asc x || { echo 'bad signature' >&2; exit 1; }");
    assert_eq!(names(&c), ["gpg", "echo", "exit"]);
    assert_eq!(args(&c[1]), ["bad signature"]);
}

#[test]
fn case_statement() {
    let (_, c) = run(
        r#"case "$(dpkg --print-architecture)" in amd64) ARCH=x64;; arm64) ARCH=arm64 ; echo arm;; *) exit 1 ;; esac"#,
    );
    assert_eq!(names(&c), ["dpkg", "echo", "exit"]);
    assert!(c[1].context.in_case && c[2].context.in_case);
    assert!(c[0].context.in_substitution);
}

#[test]
fn while_loop_condition() {
    let (_, c) = run("while ! nc -z db 5432; do sleep 1; done");
    assert_eq!(names(&c), ["nc", "sleep"]);
    assert!(c[0].context.in_condition && !c[0].context.in_loop);
    assert!(c[1].context.in_loop && !c[1].context.in_condition);
}

#[test]
fn export_and_make() {
    let (_, c) = run(r#"export PATH="/opt/bin:$PATH" && make -j"$(nproc)" install"#);
    assert_eq!(names(&c), ["export", "nproc", "make"]);
    assert_eq!(args(&c[0]), ["PATH=/opt/bin:$PATH"]);
    assert_eq!(args(&c[2]), ["-j$(nproc)", "install"]);
}

#[test]
fn subshell() {
    let (df, c) = run(
        "git clone --depth 1 https://github.com/x/y.git /src && (cd /src && ./configure && make)",
    );
    assert_eq!(names(&c), ["git", "cd", "./configure", "make"]);
    assert!(c[1].context.in_subshell && !c[0].context.in_subshell);
    assert_eq!(text(&df, &c[2]), "./configure");
}

#[test]
fn background_and_nohup() {
    let (_, c) = run("nohup /usr/bin/server --daemon >/dev/null 2>&1 &");
    assert_eq!(names(&c), ["/usr/bin/server"]);
    assert_eq!(c[0].base_name(), "server");
    assert!(c[0].has_wrapper("nohup"));
    assert_eq!(c[0].after, Connector::Background);
    assert_eq!(c[0].redirects.len(), 2);
}

#[test]
fn xargs_wrapper() {
    let (_, c) = run("printf '%s\\n' a b | xargs -r -n1 apt-get install -y");
    assert_eq!(names(&c), ["printf", "apt-get"]);
    assert!(c[1].has_wrapper("xargs"));
    assert_eq!(args(&c[1]), ["install", "-y"]);
    assert!(c[1].is_piped());
}

#[test]
fn virtual_build_deps() {
    let (_, c) = run("apk add --no-cache --virtual .build-deps gcc musl-dev && pip install cryptography && apk del .build-deps");
    assert_eq!(names(&c), ["apk", "pip", "apk"]);
    assert_eq!(args(&c[2]), ["del", ".build-deps"]);
}

#[test]
fn curl_pipe_tar() {
    let (_, c) = run("curl -sSL https://x/tool.tgz | tar -xz -C /usr/local/bin tool");
    assert_eq!(names(&c), ["curl", "tar"]);
    assert_eq!(c[1].pipeline.index, 1);
}

#[test]
fn double_brackets_and_functions() {
    let (_, c) = run("f() { echo hi; }; [[ -f /x && ! -d /y ]] && f");
    assert_eq!(names(&c), ["echo", "[[", "f"]);
    assert!(c[0].context.in_function);
    assert_eq!(args(&c[1]), ["-f", "/x", "&&", "!", "-d", "/y", "]]"]);
    assert_eq!(c[2].before, Connector::And);
}

#[test]
fn ansi_c_quotes_and_time() {
    let (_, c) = run("printf $'a\\tb\\n' > /x; time make -j4");
    assert_eq!(args(&c[0]), ["a\tb\n"]);
    assert_eq!(names(&c), ["printf", "make"]);
    assert!(c[1].has_wrapper("time"));
}

#[test]
fn gosu_and_timeout() {
    let (_, c) = run("gosu nobody true && timeout 30 curl -f http://localhost/health");
    assert_eq!(names(&c), ["true", "curl"]);
    assert_eq!(c[1].wrappers[0].args[0].value, "30");
}

#[test]
fn exec_form_shell_c() {
    let src =
        "FROM alpine\nRUN [\"/bin/sh\", \"-c\", \"apk add curl && curl -fsSL https://x | sh\"]\n";
    let df = parse(src).unwrap();
    let c = shell::commands(&df.instructions[1]);
    assert_eq!(names(&c), ["/bin/sh", "apk", "curl", "sh"]);
    assert_eq!(df.text(c[2].span), "curl -fsSL https://x");
    assert!(c[3].is_piped() && c[3].context.in_shell_c);
}

#[test]
fn heredoc_script_and_pipefail_shell() {
    let src = "FROM alpine\nRUN <<EOF\nset -o pipefail\nwget -qO- https://x | sh\nEOF\n";
    let df = parse(src).unwrap();
    let c = shell::commands(&df.instructions[1]);
    assert_eq!(names(&c), ["set", "wget", "sh"]);
    assert_eq!(df.text(c[1].span), "wget -qO- https://x");
    assert!(c[1].context.in_heredoc);
    assert_eq!(c[1].before, Connector::Newline);
}

#[test]
fn nested_heredoc_inside_script_is_skipped() {
    let src = "FROM alpine\nRUN <<EOF\ncat > /etc/x.conf <<'CONF'\nnot a command\nCONF\nchmod 600 /etc/x.conf\nEOF\n";
    let df = parse(src).unwrap();
    let c = shell::commands(&df.instructions[1]);
    assert_eq!(names(&c), ["cat", "chmod"]);
    assert_eq!(df.text(c[1].span), "chmod 600 /etc/x.conf");
}

#[test]
fn special_parameters_and_awk_programs() {
    let script = r#"export shellPid="$$"; ldd x | awk '/=>/ { so = $(NF-1); if (index(so, "/usr/") == 1) { next } }' | sort -u; echo "$?" "$"; test $# -eq 0"#;
    let c = shell::split(script);
    assert_eq!(names(&c), ["export", "ldd", "awk", "sort", "echo", "test"]);
    assert_eq!(args(&c[0]), ["shellPid=$$"]);
    assert_eq!(args(&c[4]), ["$?", "$"]);
    assert_eq!(args(&c[5]), ["$#", "-eq", "0"]);
    assert_eq!(c[2].args.len(), 1);
}

#[test]
fn backtick_comments_are_not_commands() {
    // (`$(# x)` would comment out its own `)`, in bash as here, so only backticks do this.)
    let c =
        shell::split("usermod -u 80 www && `# clean up` rm -rf /etc/nginx/*.d && `` mkdir /ssl");
    assert_eq!(names(&c), ["usermod", "rm", "mkdir"]);
    assert_eq!(args(&c[1]), ["-rf", "/etc/nginx/*.d"]);
}

#[test]
fn split_standalone_script() {
    let script = "a=1; b | c && d 'e f'\n# comment\ng";
    let c = shell::split(script);
    assert_eq!(names(&c), ["b", "c", "d", "g"]);
    assert_eq!(c[2].span.slice(script), "d 'e f'");
    assert_eq!(c[3].before, Connector::Newline);
}

#[test]
fn line_break_after_operator_keeps_connector() {
    let c = shell::split("apt-get update &&\n  apt-get install -y x |\n  tee log");
    assert_eq!(names(&c), ["apt-get", "apt-get", "tee"]);
    assert_eq!(c[1].before, Connector::And);
    assert_eq!(c[2].pipeline.index, 1);
}

#[test]
fn compound_pipeline_elements() {
    let c =
        shell::split("{ echo a; echo b; } | sort | uniq; a | while read x; do echo $x; done | cat");
    let sort = &c[2];
    assert_eq!(sort.name.value, "sort");
    assert_eq!((sort.pipeline.index, sort.pipeline.len), (1, 3));
    let cat = c.last().expect("cat");
    assert_eq!(cat.name.value, "cat");
    assert_eq!((cat.pipeline.index, cat.pipeline.len), (2, 3));
}

#[test]
fn malformed_scripts_do_not_panic() {
    for s in [
        "echo 'unterminated",
        "echo \"unterminated $(foo",
        "if then fi done esac }",
        "$(((((",
        "`unterminated",
        ")))) ;; && || | &",
        "case x in",
        "for",
        "cat <<EOF",
        "a=(1 2",
        "echo \\",
        "${",
        "é'ü\"ö`",
    ] {
        let _ = shell::split(s);
    }
    let deep = "$(".repeat(5000);
    let _ = shell::split(&deep);
    let deep = "(".repeat(5000);
    let _ = shell::split(&deep);
    let deep = "sh -c \"".repeat(200);
    let _ = shell::split(&deep);
}
