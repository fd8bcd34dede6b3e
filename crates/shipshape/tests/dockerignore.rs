//! `.dockerignore` findings by evidence: the CLI walks the build context, so files that exist and
//! are not excluded are reported by name (high), and patterns missing for files that do not
//! exist are hygiene (low).

mod common;

use common::*;

const IGNORE: &str = ".git\n**/.env*\n**/*.pem\n**/*.key\n**/id_rsa*\n.aws\n.ssh\n";

fn ss1016(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let dir = project(files);
    let (_, doc) = check_json(dir.path(), &["--no-secrets"]);
    findings_of(&doc, "SS1016")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_absent_npmrc_is_hygiene() {
    let found = ss1016(&[
        ("Dockerfile", "FROM node:22-slim\nCOPY . /app\n"),
        (".dockerignore", IGNORE),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "low", "{found:?}");
    assert!(found[0].1.contains("none is in the context today"));
}

#[test]
fn a_present_npmrc_is_reported_by_name() {
    let found = ss1016(&[
        ("Dockerfile", "FROM node:22-slim\nCOPY . /app\n"),
        (".dockerignore", IGNORE),
        (".npmrc", "//registry.example/:_authToken=${NPM_TOKEN}\n"),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "high", "{found:?}");
    assert!(found[0].1.contains("`.npmrc`"), "{found:?}");
}

#[test]
fn a_complete_dockerignore_draws_nothing() {
    let found = ss1016(&[
        ("Dockerfile", "FROM node:22-slim\nCOPY . /app\n"),
        (
            ".dockerignore",
            &format!("{IGNORE}**/id_ed25519*\n**/.npmrc\n**/.pypirc\n**/.netrc\n**/.git-credentials\n.docker\n"),
        ),
        (".env", "A=1\n"),
    ]);
    assert!(found.is_empty(), "{found:?}");
}
