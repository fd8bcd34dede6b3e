//! Scan errors reach standard error in every format and with `--output`, naming file and line,
//! and stay in the report.

mod common;

use common::*;

fn malformed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20\nRUN echo ok\nFROBNICATE now\n",
    )
    .expect("write");
    dir
}

#[test]
fn scan_errors_reach_stderr_in_every_format() {
    let dir = malformed_project();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let out = shipshape()
            .current_dir(dir.path())
            .args(["check", ".", "--format", format])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{format}: fails closed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("error: Dockerfile:3:"),
            "{format}: stderr lacks the error: {stderr}"
        );
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(doc["errors"][0]["path"], "Dockerfile");
            assert_eq!(doc["errors"][0]["line"], 3);
        }
        if format == "human" {
            // Not repeated on stdout; the summary still counts it.
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(!stdout.contains("error: Dockerfile:3"), "{stdout}");
            assert!(stdout.contains("1 scan error"), "{stdout}");
        }
    }
}

#[test]
fn scan_errors_reach_stderr_with_output_file() {
    let dir = malformed_project();
    for format in ["human", "json", "sarif"] {
        let report = dir.path().join(format!("report.{format}"));
        let out = shipshape()
            .current_dir(dir.path())
            .args(["check", "Dockerfile", "--format", format, "--output"])
            .arg(&report)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("error: Dockerfile:3:"),
            "{format}: {stderr}"
        );
        let written = std::fs::read_to_string(&report).expect("report written");
        assert!(
            written.contains("FROBNICATE") || written.contains("Dockerfile"),
            "{written}"
        );
    }
}
