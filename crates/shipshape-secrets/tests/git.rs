//! History scans over a scratch repository built with the `git` command (skipped when absent).

use shipshape_secrets::rules::expand_example;
use shipshape_secrets::{scan_git_with_stats, SecretsOptions};
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn deleted_and_branch_secrets_are_found_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    if !git(d, &["init", "-q", "-b", "main"]) {
        eprintln!("skipping: git not available");
        return;
    }
    let gh = expand_example("ghp_{r30}{crc}");
    let npm = expand_example("npm_{r30}{crc}");
    std::fs::write(d.join("README"), "hello\n").unwrap();
    assert!(git(d, &["add", "."]));
    assert!(git(
        d,
        &[
            "commit",
            "-q",
            "-m",
            "init",
            "--date",
            "2020-01-01T00:00:00Z"
        ]
    ));
    std::fs::create_dir_all(d.join("conf")).unwrap();
    std::fs::write(d.join("conf/app.env"), format!("GITHUB_TOKEN={gh}\n")).unwrap();
    assert!(git(d, &["add", "."]));
    assert!(git(
        d,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "-m",
            "add token"
        ]
    ));
    // An unrelated edit above the token: the token is not reported again for the new version.
    std::fs::write(d.join("conf/app.env"), format!("A=1\nGITHUB_TOKEN={gh}\n")).unwrap();
    assert!(git(d, &["commit", "-q", "-am", "edit"]));
    // Same content copied elsewhere, then the original deleted: one blob, reported once.
    std::fs::copy(d.join("conf/app.env"), d.join("copy.env")).unwrap();
    std::fs::remove_file(d.join("conf/app.env")).unwrap();
    assert!(git(d, &["add", "-A"]));
    assert!(git(d, &["commit", "-q", "-m", "move"]));
    std::fs::remove_file(d.join("copy.env")).unwrap();
    assert!(git(d, &["add", "-A"]));
    assert!(git(d, &["commit", "-q", "-m", "remove"]));
    assert!(git(d, &["checkout", "-q", "-b", "feature"]));
    std::fs::write(
        d.join(".npmrc"),
        format!("//registry.npmjs.org/:_authToken={npm}\n"),
    )
    .unwrap();
    assert!(git(d, &["add", "."]));
    assert!(git(d, &["commit", "-q", "-m", "npm"]));
    assert!(git(d, &["checkout", "-q", "main"]));

    let (a, stats) = scan_git_with_stats(d, &SecretsOptions::default()).unwrap();
    assert_eq!(stats.commits, 6);
    let got: Vec<(&str, &str)> = a
        .findings
        .iter()
        .map(|f| (f.location.path.as_str(), f.rule.code))
        .collect();
    assert_eq!(
        got,
        vec![(".npmrc", "SS4201"), ("conf/app.env", "SS4101")],
        "{:?}",
        a.findings
    );
    let f = &a.findings[1];
    assert!(
        f.message.contains("by Ada <ada@example.org>"),
        "{}",
        f.message
    );
    assert!(!f.message.contains(&gh));
    let rel = &f.related[0];
    assert!(
        rel.key.as_deref().unwrap_or("").starts_with("commit "),
        "{rel:?}"
    );
    assert_eq!(f.location.line(), Some(1));

    // Packed (trees then come from the pack-order decode, not one-by-one lookups): same report.
    assert!(git(d, &["gc", "-q", "--aggressive"]));
    assert!(std::fs::read_dir(d.join(".git/objects/pack"))
        .unwrap()
        .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "idx")));
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&reports);
    let with_progress = SecretsOptions {
        progress: shipshape_core::progress::Progress::new(move |_, done, total| {
            sink.lock().unwrap().push((done, total))
        }),
        ..SecretsOptions::default()
    };
    let (packed, packed_stats) = scan_git_with_stats(d, &with_progress).unwrap();
    assert_eq!(packed_stats, stats);
    // Progress: every blob found is counted once scanned, and never more than found.
    let reports = reports.lock().unwrap();
    let last = reports.iter().map(|r| r.0).max();
    let total = reports.iter().map(|r| r.1).max();
    assert!(last.is_some() && last == total, "{reports:?}");
    assert!(
        reports.iter().all(|(done, total)| done <= total),
        "{reports:?}"
    );
    let key = |a: &shipshape_core::report::Analysis| -> Vec<String> {
        a.findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {:?} {}",
                    f.location.path,
                    f.rule,
                    f.location.line(),
                    f.message
                )
            })
            .collect()
    };
    assert_eq!(key(&packed), key(&a));
    // Packed history plus a loose commit on top: its trees are looked up one by one.
    std::fs::write(d.join("later.txt"), "nothing secret\n").unwrap();
    assert!(git(d, &["add", "."]));
    assert!(git(d, &["commit", "-q", "-m", "later"]));
    let (mixed, mixed_stats) = scan_git_with_stats(d, &SecretsOptions::default()).unwrap();
    assert_eq!(mixed_stats.commits, 7);
    assert_eq!(mixed_stats.blobs_scanned, stats.blobs_scanned + 1);
    assert_eq!(key(&mixed), key(&a));

    // Not a repository: an error, not an empty pass.
    let empty = tempfile::tempdir().unwrap();
    assert!(scan_git_with_stats(empty.path(), &SecretsOptions::default()).is_err());
}
