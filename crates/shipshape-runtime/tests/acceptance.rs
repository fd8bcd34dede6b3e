//! Acceptance tests of issue 4: the hardened `docker run` template and the Compose tier graph.

use shipshape_core::SourceFile;
use shipshape_runtime::{analyse_compose, analyse_docker_run_text, compose_graph};
use std::path::Path;

const DIGEST: &str = "sha256:3f1a9c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf0246a";

/// The hardened template, one flag (with its value) per element.
fn seed_parts() -> Vec<String> {
    [
        "-d",
        "--name app",
        "--user 10001:10001",
        "--read-only",
        "--tmpfs /tmp:rw,noexec,nosuid,size=64m",
        "--memory 512m",
        "--cpus 1.0",
        "--pids-limit 200",
        "--cap-drop ALL",
        "--cap-add NET_BIND_SERVICE",
        "--security-opt no-new-privileges:true",
        "--security-opt seccomp=/etc/docker/seccomp.json",
        "--restart on-failure:5",
        "--log-driver json-file",
        "--log-opt max-size=10m",
        "--log-opt max-file=3",
        "--health-cmd 'wget -qO- http://127.0.0.1:8080/healthz || exit 1'",
        "--health-interval 30s",
        "-p 127.0.0.1:8080:8080",
        "--network app-net",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn command(parts: &[String], image: &str) -> String {
    // written as in the issue: continuation lines
    let mut s = String::from("#!/bin/sh\ndocker run");
    for (i, p) in parts.iter().enumerate() {
        s.push(' ');
        s.push_str(p);
        if i % 4 == 3 {
            s.push_str(" \\\n ");
        }
    }
    s.push(' ');
    s.push_str(image);
    s.push('\n');
    s
}

fn codes(text: &str) -> Vec<String> {
    let a = analyse_docker_run_text(&SourceFile::new("deploy.sh", text.to_string()));
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let mut v: Vec<String> = a.findings.iter().map(|f| f.rule.code.to_string()).collect();
    v.sort();
    v
}

#[test]
fn hardened_template_is_clean() {
    let image = format!("registry.example.com/app:1.4.2@{DIGEST}");
    let text = command(&seed_parts(), &image);
    let a = analyse_docker_run_text(&SourceFile::new("deploy.sh", text.clone()));
    assert!(a.findings.is_empty(), "{:#?}", a.findings);
    assert!(a.covered_items(|_| true).len() >= 9);
    // the same command inside a Makefile recipe, a README block, a workflow step and a unit
    let recipe = format!(
        "deploy:\n\t{}",
        text.lines().skip(1).collect::<Vec<_>>().join("\n\t")
    );
    assert!(codes(&recipe).is_empty());
}

#[test]
fn removing_one_flag_gives_exactly_its_finding() {
    let expected: &[(&str, Option<&str>)] = &[
        ("-d", None),
        ("--name app", None),
        ("--user 10001:10001", Some("SS2015")),
        ("--read-only", Some("SS2011")),
        // tmpfs only gives a read-only root somewhere to write: no checklist item fails without it
        ("--tmpfs /tmp:rw,noexec,nosuid,size=64m", None),
        ("--memory 512m", Some("SS2012")),
        ("--cpus 1.0", Some("SS2013")),
        ("--pids-limit 200", Some("SS2014")),
        ("--cap-drop ALL", Some("SS2003")),
        ("--cap-add NET_BIND_SERVICE", None),
        ("--security-opt no-new-privileges:true", Some("SS2010")),
        // Docker's default seccomp profile still applies
        ("--security-opt seccomp=/etc/docker/seccomp.json", None),
        ("--restart on-failure:5", Some("SS2017")),
        // max-size still applies to the default json-file driver
        ("--log-driver json-file", None),
        ("--log-opt max-size=10m", Some("SS2018")),
        // max-file only matters with max-size; max-size alone already rotates
        ("--log-opt max-file=3", None),
        (
            "--health-cmd 'wget -qO- http://127.0.0.1:8080/healthz || exit 1'",
            Some("SS2024"),
        ),
        ("--health-interval 30s", None),
        ("-p 127.0.0.1:8080:8080", None),
        ("--network app-net", Some("SS2026")),
    ];
    let parts = seed_parts();
    assert_eq!(parts.len(), expected.len());
    let image = format!("registry.example.com/app:1.4.2@{DIGEST}");
    for (i, (flag, code)) in expected.iter().enumerate() {
        assert_eq!(parts[i], *flag);
        let mut p = parts.clone();
        p.remove(i);
        let got = codes(&command(&p, &image));
        let want: Vec<String> = code.iter().map(|c| c.to_string()).collect();
        assert_eq!(got, want, "removing `{flag}`");
    }
    // and the image reference
    assert_eq!(
        codes(&command(&parts, "registry.example.com/app:1.4.2")),
        ["SS2023"]
    );
    assert_eq!(
        codes(&command(&parts, "registry.example.com/app")),
        ["SS2022"]
    );
    // each removal points at the `docker run` words or the flag itself
    let mut p = parts.clone();
    p.retain(|x| x != "--read-only");
    let text = command(&p, &image);
    let a = analyse_docker_run_text(&SourceFile::new("deploy.sh", text.clone()));
    let span = a.findings[0].location.span.unwrap();
    assert_eq!(&text[span.byte_start..span.byte_end], "docker run");
    assert_eq!(span.line, 2);
}

#[test]
fn flag_locations_survive_continuations() {
    let text = "docker run -d \\\n  --privileged \\\n  --user 10001 app:1\n";
    let a = analyse_docker_run_text(&SourceFile::new("run.sh", text));
    let f = a.findings.iter().find(|f| f.rule == "SS2001").unwrap();
    let span = f.location.span.unwrap();
    assert_eq!((span.line, span.column), (2, 3));
    assert_eq!(&text[span.byte_start..span.byte_end], "--privileged");
}

fn compose(text: &str) -> shipshape_core::report::Analysis {
    analyse_compose(
        &[SourceFile::new("compose.yaml", text.to_string())],
        Path::new("/nonexistent"),
    )
}

const FLAT: &str = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n  api:\n    image: registry.example.com/api:1.0\n  db:\n    image: postgres:16\n";
const SEGMENTED: &str = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n    networks: [edge, app]\n  api:\n    image: registry.example.com/api:1.0\n    networks: [app, data]\n  db:\n    image: postgres:16\n    networks: [data]\nnetworks:\n  edge: {}\n  app: {}\n  data:\n    internal: true\n";

#[test]
fn web_reaches_db_on_the_default_network() {
    let a = compose(FLAT);
    assert!(a.errors.is_empty());
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "SS2030")
        .expect("web->db reported");
    assert!(
        f.message.contains("`web`") && f.message.contains("`db`"),
        "{}",
        f.message
    );
    let g = compose_graph(
        &[SourceFile::new("compose.yaml", FLAT)],
        Path::new("/nonexistent"),
    )
    .unwrap();
    assert!(g.reachable("web", "db"));
    assert!(g.render_text().contains("web -> db: reachable via default"));
}

#[test]
fn segmented_project_keeps_db_unreachable() {
    let a = compose(SEGMENTED);
    assert!(a.errors.is_empty());
    assert!(
        !a.findings
            .iter()
            .any(|f| matches!(f.rule.code, "SS2030" | "SS2032")),
        "{:#?}",
        a.findings
    );
    let g = compose_graph(
        &[SourceFile::new("compose.yaml", SEGMENTED)],
        Path::new("/nonexistent"),
    )
    .unwrap();
    assert!(!g.reachable("web", "db"));
    assert!(g.reachable("api", "db"));
    assert!(g.render_text().contains("web -> db: unreachable"));
    assert!(g.render_dot().contains("style=dashed"));
    assert!(g.render_mermaid().starts_with("flowchart LR"));
}

#[test]
fn profiled_services_are_analysed_and_named() {
    let text = FLAT.replace(
        "  db:\n    image: postgres:16\n",
        "  db:\n    image: postgres:16\n    profiles: [debug]\n    privileged: true\n",
    );
    let a = compose(&text);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    // per-container rules run on the profiled service
    assert!(a.findings.iter().any(|f| f.rule == "SS2001"));
    // the graph keeps it reachable (profiles can be enabled together) and says which profile
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "SS2030")
        .expect("web->db still reported");
    assert!(
        f.message
            .contains("`db` (via default; only with profile debug)"),
        "{}",
        f.message
    );
    let g = compose_graph(
        &[SourceFile::new("compose.yaml", text.clone())],
        Path::new("/nonexistent"),
    )
    .unwrap();
    assert!(g.reachable("web", "db"));
    assert!(g.render_text().contains("profiles: debug"));
    // without profiles the message carries no note
    let plain = compose(FLAT);
    assert!(plain
        .findings
        .iter()
        .all(|f| !f.message.contains("only with profile")));
}
