//! Property tests: no input makes the parser, the shell splitter, the stage resolver or the
//! dump panic, and every span stays inside the source on character boundaries.

use proptest::prelude::*;
use shipshape_dockerfile::*;

fn check_span(src: &str, s: Span) {
    assert!(
        s.start <= s.end && s.end <= src.len(),
        "span {s} out of 0..{}",
        src.len()
    );
    assert!(
        src.is_char_boundary(s.start) && src.is_char_boundary(s.end),
        "span {s} splits a char"
    );
}

fn exercise(src: &str) {
    let (df, errors) = parse_recovering(src);
    for e in &errors {
        check_span(src, e.span);
    }
    for i in &df.instructions {
        check_span(src, i.span);
        check_span(src, i.keyword_span);
        for f in &i.flags {
            check_span(src, f.span);
        }
        for c in shell::commands(i) {
            check_span(src, c.span);
            check_span(src, c.name.span);
            for a in &c.args {
                check_span(src, a.span);
            }
        }
    }
    for c in &df.comments {
        check_span(src, c.span);
    }
    let _ = dump(&df);
    if let Ok(g) = resolve(&df, &ResolveOptions::default()) {
        let _ = dump_stages(&df, &g);
        for n in 0..df.instructions.len() {
            let _ = g.env_before(&df, n);
        }
    }
    let _ = shell::split(src);
    let _ = expand(src, &|_| Some("v".to_string()));
    let _ = expand(src, &|_| None);
}

/// Fragments that trigger the interesting code paths.
const FRAGMENTS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "LABEL ",
    "ARG ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "CMD ",
    "SHELL ",
    "USER ",
    "EXPOSE ",
    "VOLUME ",
    "# escape=`\n",
    "# syntax=x\n",
    "\\\n",
    "`\n",
    "\n",
    "\r\n",
    " ",
    "\t",
    "<<EOF",
    "<<-EOF",
    "<<'E'",
    "EOF\n",
    "\tEOF\n",
    "[",
    "]",
    "\"",
    "'",
    ",",
    "=",
    "--mount=type=cache,target=/x ",
    "--from=",
    "$",
    "${",
    "}",
    "$(",
    ")",
    "(",
    "`",
    "&&",
    "||",
    "|",
    ";",
    "&",
    "if ",
    "then ",
    "fi",
    "for x in a; do ",
    "done",
    "case ",
    " in ",
    "esac",
    "{ ",
    "}",
    "sh -c '",
    "bash -c \"",
    "é",
    "\u{a0}",
    "\\",
    "#",
    "AS ",
    "a",
    "b=c ",
    "1",
    "CMD",
    "NONE",
    "\u{feff}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn fragments_never_panic(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..40)) {
        exercise(&parts.concat());
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        exercise(&s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn pathological_inputs() {
    exercise(&"RUN $(".repeat(2000));
    exercise(&format!("FROM a\nRUN {}", "${".repeat(5000)));
    exercise(&format!("FROM a\nCMD {}", "[".repeat(100_000)));
    exercise(&format!("FROM a\nRUN echo {}", "\\\n".repeat(10_000)));
    exercise(&format!("FROM a\nRUN {}", "<<A ".repeat(500)));
    exercise(&format!("FROM a\nRUN {}", "bash -c \"".repeat(500)));
    exercise(&format!("FROM a\nONBUILD {}", "RUN ".repeat(100)));
}
