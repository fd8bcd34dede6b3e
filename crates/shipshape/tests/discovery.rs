//! Discovery guesses by name and says what it did not analyse: other formats' files and
//! templates named like Dockerfiles do not fail a run; a file the user names still fails closed.

mod common;

use common::*;

#[test]
fn files_named_like_dockerfiles_that_are_not_do_not_fail_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    std::fs::write(
        p.join("Dockerfile"),
        "FROM alpine:3.20\nUSER 10001\nCMD [\"true\"]\n",
    )
    .unwrap();
    std::fs::write(
        p.join("dockerfile.vim"),
        "\" Vim syntax file\nsyn keyword dockerfileKeyword FROM\n",
    )
    .unwrap();
    std::fs::write(
        p.join("Dockerfile.5.gz"),
        [0x1f_u8, 0x8b, 0x08, 0x00, 0xff, 0x00],
    )
    .unwrap();
    std::fs::write(
        p.join("Dockerfile.j2"),
        "FROM {{ base }}\n{% for p in pkgs %}RUN x{% endfor %}\n",
    )
    .unwrap();
    std::fs::write(p.join("Dockerfile.notes"), "How we build the image\n").unwrap();
    let out = shipshape()
        .current_dir(p)
        .args(["check", ".", "--format", "json", "--no-secrets"])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert!(
        doc["errors"].as_array().unwrap().is_empty(),
        "{}",
        doc["errors"]
    );
    assert_ne!(out.status.code(), Some(2));
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        vec!["Dockerfile.j2", "Dockerfile.notes"],
        "{}",
        doc["skipped"]
    );
    let inputs: Vec<&str> = doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, vec!["Dockerfile"]);
    // Human output: the guessed file is said, the template only with --verbose.
    let human = shipshape()
        .current_dir(p)
        .args(["check", ".", "--no-secrets", "--no-color"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("skipped Dockerfile.notes: named like a Dockerfile"),
        "{text}"
    );
    assert!(!text.contains("skipped Dockerfile.j2"), "{text}");
    let verbose = shipshape()
        .current_dir(p)
        .args(["check", ".", "--no-secrets", "--no-color", "--verbose"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&verbose.stdout)
        .contains("skipped Dockerfile.j2: a Dockerfile template"));
}

#[test]
fn a_file_the_user_names_is_analysed_and_fails_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile.notes"),
        "How we build the image\n",
    )
    .unwrap();
    let out = shipshape()
        .current_dir(dir.path())
        .args(["check", "Dockerfile.notes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: Dockerfile.notes:1"));
    // A plain Dockerfile is never a guess.
    std::fs::write(dir.path().join("Dockerfile"), "How we build the image\n").unwrap();
    let out = shipshape()
        .current_dir(dir.path())
        .args(["check", ".", "--no-secrets"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_run_that_found_nothing_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.go"), "package main\n").unwrap();
    let out = shipshape()
        .current_dir(dir.path())
        .args(["check", ".", "--no-secrets"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: nothing was scanned"), "{stderr}");
    let out = shipshape()
        .current_dir(dir.path())
        .args(["check", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("only secrets were scanned"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_fifo_named_dockerfile_is_skipped_with_its_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("Dockerfile"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIP: mkfifo is not available");
        return;
    }
    let out = shipshape()
        .current_dir(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let doc = json_of(&out.stdout);
    assert_eq!(doc["skipped"][0]["path"], "Dockerfile");
    assert!(doc["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("FIFO"));
}
