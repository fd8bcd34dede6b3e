//! One picture of a workload across sources: a Compose service that builds a Dockerfile of the
//! scan counts that Dockerfile's `USER` and `HEALTHCHECK`, and a non-root `user:` set where the
//! image runs mitigates the Dockerfile's root finding.

mod common;

use common::*;
use serde_json::Value;

/// `check` of the project in `dir`, run inside it, secrets left out.
fn run(dir: &std::path::Path) -> (Option<i32>, Value) {
    check_json_in(dir, &["--no-secrets"])
}

const APP_DOCKERFILE: &str = "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n";
const SKAFFOLD: &str = "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n  - image: api\n    context: src/api\n";

#[test]
fn compose_build_counts_the_dockerfile_user_and_healthcheck() {
    let dir = project(&[
        (
            "app/Dockerfile",
            "FROM python:3.12-slim\nRUN useradd --system --uid 10001 nonroot\nHEALTHCHECK CMD [\"python\", \"-c\", \"1\"]\nUSER nonroot\nCMD [\"python\", \"-m\", \"flask\", \"run\"]\n",
        ),
        (
            "compose.yaml",
            "services:\n  web:\n    build:\n      context: app\n    ports:\n      - \"127.0.0.1:8000:8000\"\n",
        ),
    ]);
    let p = dir.path();
    let (_, doc) = run(p);
    assert!(
        findings_of(&doc, "SS2015").is_empty(),
        "{:#}",
        doc["findings"]
    );
    assert!(
        findings_of(&doc, "SS2024").is_empty(),
        "{:#}",
        doc["findings"]
    );
    assert!(findings_of(&doc, "SS1001").is_empty());

    // The same Dockerfile without USER and HEALTHCHECK: the service draws both, naming it.
    write_files(
        p,
        &[(
            "app/Dockerfile",
            "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"flask\", \"run\"]\n",
        )],
    );
    let (_, doc) = run(p);
    let user = only_finding(&doc, "SS2015");
    assert!(
        user["message"]
            .as_str()
            .is_some_and(|m| m.contains("app/Dockerfile")),
        "{}",
        user["message"]
    );
    assert_eq!(findings_of(&doc, "SS2024").len(), 1);
    assert_eq!(finding(&doc, "SS1001")["severity"], "high");
}

#[test]
fn a_non_root_user_where_the_image_runs_mitigates_the_dockerfile_root_finding() {
    let dir = project(&[
        ("app/Dockerfile", APP_DOCKERFILE),
        (
            "compose.yaml",
            "services:\n  web:\n    build: ./app\n    user: \"10001:10001\"\n",
        ),
    ]);
    let p = dir.path();
    let (_, doc) = run(p);
    let root = only_finding(&doc, "SS1001");
    assert_eq!(root["severity"], "info", "{:#}", root);
    assert!(root["message"]
        .as_str()
        .is_some_and(|m| m.contains("mitigated") && m.contains("`web`")));
    let related = root["related"].as_array().expect("related locations");
    assert!(
        related
            .iter()
            .any(|r| r["path"] == "compose.yaml" && r["line"] == 4),
        "{related:#?}"
    );
    // The runtime side is satisfied by the user it sets.
    assert!(findings_of(&doc, "SS2015").is_empty());
    // A mitigation is said with the report's own fields: the schema holds.
    assert_report_schema(&doc);

    // A second service runs the same image without a user: no longer mitigated.
    write_files(
        p,
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    build: ./app\n    user: \"10001:10001\"\n  job:\n    build: ./app\n",
            ),
        ],
    );
    let (code, doc) = run(p);
    assert_eq!(finding(&doc, "SS1001")["severity"], "high");
    assert_eq!(code, Some(1));
}

#[test]
fn a_privilege_dropping_entrypoint_does_not_fail_the_default_gate() {
    let dir = project(&[
        (
            "Dockerfile",
            "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"mydb\"]\n",
        ),
        (
            "docker-entrypoint.sh",
            "#!/bin/sh\nif [ \"$(id -u)\" = 0 ]; then exec gosu db \"$0\" \"$@\"; fi\nexec \"$@\"\n",
        ),
    ]);
    let p = dir.path();
    let (_, doc) = run(p);
    let root = only_finding(&doc, "SS1001");
    assert_eq!(root["severity"], "low");
    assert!(root["message"].as_str().is_some_and(|m| m.contains("gosu")));
    assert_eq!(doc["summary"]["high"], 0, "{:#}", doc["findings"]);
}

#[test]
fn kubernetes_workloads_running_an_image_skaffold_builds_mitigate_its_root_finding() {
    let dir = project(&[
        ("src/api/Dockerfile", APP_DOCKERFILE),
        ("skaffold.yaml", SKAFFOLD),
    ]);
    let p = dir.path();
    let deployment = |security: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n{security}      containers:\n      - name: server\n        image: gcr.io/demo/api:v1\n"
        )
    };
    write_files(
        p,
        &[(
            "k8s/api.yaml",
            &deployment(
                "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n",
            ),
        )],
    );
    let (_, doc) = run(p);
    let root = only_finding(&doc, "SS1001");
    assert_eq!(root["severity"], "info", "{:#}", root);
    assert!(root["message"]
        .as_str()
        .is_some_and(|m| m.contains("`Deployment/api`")));
    assert!(root["related"]
        .as_array()
        .is_some_and(|r| r.iter().any(|l| l["path"] == "k8s/api.yaml")));

    // Without a securityContext the workload runs the image's root user.
    write_files(p, &[("k8s/api.yaml", &deployment(""))]);
    let (_, doc) = run(p);
    assert_eq!(finding(&doc, "SS1001")["severity"], "high");
}

#[test]
fn kubernetes_containers_count_the_dockerfile_of_an_image_skaffold_builds() {
    let dir = project(&[
        (
            "src/api/Dockerfile",
            "FROM python:3.12-slim\nRUN useradd -u 10001 app\nUSER 10001\nCMD [\"python\", \"app.py\"]\n",
        ),
        ("skaffold.yaml", SKAFFOLD),
        (
            "k8s/api.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: server\n        image: api\n      - name: sidecar\n        image: busybox\n",
        ),
    ]);
    let p = dir.path();
    let (_, doc) = run(p);
    // The Dockerfile's USER runs `server`; the sidecar's image says nothing.
    let user = only_finding(&doc, "SS2015");
    assert!(user["message"]
        .as_str()
        .is_some_and(|m| m.contains("sidecar")));
    // Skaffold deploys the reference it built: `api` is not an untagged image, `busybox` is.
    let latest = only_finding(&doc, "SS2022");
    assert!(latest["message"]
        .as_str()
        .is_some_and(|m| m.contains("busybox")));
}

#[test]
fn a_compose_file_found_by_its_content_is_a_deployment_too() {
    let dir = project(&[
        ("app/Dockerfile", APP_DOCKERFILE),
        (
            "stack.yml",
            "services:\n  web:\n    build: ./app\n    user: \"10001\"\n",
        ),
    ]);
    let p = dir.path();
    let (_, doc) = run(p);
    let root = only_finding(&doc, "SS1001");
    assert_eq!(root["severity"], "info", "{:#}", root);
}
