//! `docker run` lines read right: comments in backticks on continued lines, inline ignores on
//! the line of the offending argument, Make variables in option position, `create` and `build`.

use shipshape_core::SourceFile;
use shipshape_runtime::analyse_docker_run_text;

fn lines_of(a: &shipshape_core::report::Analysis, code: &str) -> Vec<u32> {
    a.findings
        .iter()
        .filter(|f| f.rule == code)
        .filter_map(|f| f.location.line())
        .collect()
}

#[test]
fn a_backtick_comment_keeps_the_command_whole_and_ignores_its_line() {
    let text = "docker run -d \\\n  --cap-add SYS_ADMIN `# shipshape:ignore SS2002 fuse mounts` \\\n  registry.example/app:1.0\n";
    let a = analyse_docker_run_text(&SourceFile::new("run.sh", text));
    // the image after the comment is still this command's image
    assert!(a
        .findings
        .iter()
        .any(|f| f.rule == "SS2023" && f.message.contains("registry.example/app:1.0")));
    assert_eq!(lines_of(&a, "SS2002"), vec![2]);
    let ig = &a.ignores["run.sh"];
    assert!(ig.iter().any(|i| i.covers(2)
        && i.rules == ["SS2002"]
        && i.reason.as_deref() == Some("fuse mounts")));
}

#[test]
fn an_ignore_at_the_end_of_a_continued_command_covers_all_of_it() {
    let text = "docker run -d \\\n  --privileged \\\n  registry.example/app:1.0 # shipshape:ignore SS2001 the harness needs it\necho --privileged\n";
    let a = analyse_docker_run_text(&SourceFile::new("run.sh", text));
    assert_eq!(lines_of(&a, "SS2001"), vec![2]);
    let ig = &a.ignores["run.sh"];
    assert!(ig.iter().any(|i| i.covers(2) && i.covers(1)));
    assert!(
        !ig.iter().any(|i| i.covers(4)),
        "the next command is not covered"
    );
}

#[test]
fn make_variables_in_option_position_are_not_the_image() {
    let text = "run:\n\tdocker run -d $$EXTRA_ARGS $(DOCKER_FLAGS) ${OPTS} --privileged app:1.0\n\tdocker create --privileged app2:1.0\nbuild:\n\tdocker build -t app:latest .\n\tdocker buildx build --platform linux/amd64 -t app:latest .\n";
    let a = analyse_docker_run_text(&SourceFile::new("Makefile", text));
    let images: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rule == "SS2023")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(images.len(), 2, "{images:?}");
    assert!(images[0].contains("`app:1.0`"), "{images:?}");
    assert!(images[1].contains("`app2:1.0`"), "{images:?}");
    // `docker create` is a container; `docker build` lines are not
    assert_eq!(lines_of(&a, "SS2001"), vec![2, 3]);
    assert!(a.findings.iter().all(|f| f.location.line() < Some(5)));
}
