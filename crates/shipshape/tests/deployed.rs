//! Kubernetes as deployed: kustomizations rendered, Helm charts rendered with `helm template`
//! (or listed as not rendered), rendered manifests on standard input.

mod common;
use common::*;

/// `(rule, path, line)` of every finding.
fn findings(doc: &serde_json::Value) -> Vec<(String, String, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// `check - --format json` of `input` on standard input: exit code and report.
fn stdin_json(input: String) -> (Option<i32>, serde_json::Value) {
    run_json(
        shipshape()
            .args(["check", "-", "--format", "json"])
            .write_stdin(input),
    )
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n    securityContext:\n      privileged: true\n";

#[test]
fn check_reads_rendered_manifests_from_stdin() {
    let (code, doc) = stdin_json(format!(
        "---\n{POD}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    ));
    assert_eq!(code, Some(1));
    let fs = findings(&doc);
    assert!(
        fs.contains(&("SS2001".into(), "<stdin>".into(), 11)),
        "{fs:?}"
    );
    assert_eq!(doc["target"], "<stdin>");
    assert_eq!(doc["inputs"][0]["kind"], "kubernetes");
}

#[test]
fn check_reads_a_compose_file_from_stdin() {
    let (code, doc) =
        stdin_json("services:\n  web:\n    image: app:1.0\n    privileged: true\n".into());
    assert_eq!(code, Some(1));
    assert!(findings(&doc).contains(&("SS2001".into(), "<stdin>".into(), 4)));
    assert_eq!(doc["inputs"][0]["kind"], "compose");
}

#[test]
fn stdin_that_is_no_target_is_exit_2() {
    shipshape()
        .args(["check", "-"])
        .write_stdin("hello: world\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "<stdin>: neither Kubernetes manifests",
        ));
    shipshape()
        .args(["check", "-"])
        .write_stdin("apiVersion: v1\nkind: Pod\nspec: [\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("<stdin>:"));
}

#[test]
fn a_kustomization_is_analysed_as_rendered() {
    let d = project(&[
            ("base/kustomization.yaml", "resources:\n- pod.yaml\n"),
            (
                "base/pod.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n",
            ),
            (
                "overlay/kustomization.yaml",
                "resources:\n- ../base\nnamePrefix: prod-\npatches:\n- path: privileged.yaml\n",
            ),
            (
                "overlay/privileged.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    securityContext:\n      privileged: true\n",
            ),
    ]);
    let (code, doc) = check_json(d.path(), &["--no-secrets"]);
    assert_eq!(code, Some(1), "{:#}", doc["findings"]);
    let fs = findings(&doc);
    let root = d.path().display().to_string();
    // the privileged flag comes from the patch: the finding points there, once
    let privileged: Vec<_> = fs.iter().filter(|f| f.0 == "SS2001").collect();
    assert_eq!(
        privileged,
        vec![&(
            "SS2001".to_string(),
            format!("{root}/overlay/privileged.yaml"),
            9
        )],
        "{fs:?}"
    );
    // the base's settings are reported where the base wrote them, under the rendered name
    let f = finding(&doc, "SS2012");
    assert_eq!(f["location"]["path"], format!("{root}/base/pod.yaml"));
    assert!(f["location"]["key"]
        .as_str()
        .unwrap()
        .starts_with("Pod/prod-web:"));
    // the patch alone is no workload, and the base is not analysed a second time unpatched
    assert_eq!(fs.iter().filter(|f| f.0 == "SS2012").count(), 1, "{fs:?}");
}

#[test]
fn a_kustomization_with_a_missing_resource_is_exit_2() {
    let d = project(&[
        (
            "kustomization.yaml",
            "resources:\n- pod.yaml\n- gone.yaml\n",
        ),
        ("pod.yaml", POD),
    ]);
    check(d.path(), &[])
        .code(2)
        .stderr(predicates::str::contains(
            "kustomization.yaml:3:3: resource `gone.yaml` not found",
        ));
}

#[test]
fn a_helm_chart_is_rendered_or_listed_as_not_rendered() {
    let d = project(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        ),
        (
            "chart/templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
    ]);
    // no helm on PATH: said, not silent
    let empty = tempfile::tempdir().unwrap();
    shipshape()
        .arg("check")
        .arg(d.path())
        .env("PATH", empty.path())
        .assert()
        .stdout(predicates::str::contains(
            "chart/Chart.yaml: chart found, not rendered: no `helm` on PATH",
        ));
    // a helm on PATH renders it; findings point into the rendered output
    let bin = tempfile::tempdir().unwrap();
    let helm = bin.path().join("helm");
    std::fs::write(
        &helm,
        format!("#!/bin/sh\n[ \"$1\" = template ] || exit 3\ncat <<'EOF'\n---\n# Source: app/templates/pod.yaml\n{POD}EOF\n"),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (code, doc) = run_json(
        shipshape()
            .arg("check")
            .arg(d.path())
            .args(["--format", "json", "--no-secrets"])
            .env(
                "PATH",
                std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
                    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
                ))
                .unwrap(),
            ),
    );
    assert_eq!(code, Some(1));
    let root = d.path().display().to_string();
    assert!(
        findings(&doc).contains(&("SS2001".into(), format!("{root}/chart/<helm template>"), 12)),
        "{:?}",
        findings(&doc)
    );
}

#[test]
fn a_base_deployed_only_by_a_test_overlay_does_not_gate() {
    let d = project(&[
            ("base/kustomization.yaml", "resources:\n- pod.yaml\n"),
            ("base/pod.yaml", POD),
            ("tests/e2e/kustomization.yaml", "resources:\n- ../../base\n"),
            (
                "components/debug/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- debug.yaml\n",
            ),
            ("components/debug/debug.yaml", POD),
    ]);
    let (code, doc) = check_json(d.path(), &["--no-secrets"]);
    assert_eq!(code, Some(0), "{:#}", doc["findings"]);
    let privileged = findings_of(&doc, "SS2001");
    assert_eq!(privileged.len(), 1, "{privileged:?}");
    assert_eq!(privileged[0]["context"], "test");
    let skipped = doc["skipped"].to_string();
    assert!(
        skipped.contains("components/debug/kustomization.yaml")
            && skipped.contains("no kustomization here includes"),
        "{skipped}"
    );
    // a production overlay of the same base: the finding is production and gates
    write_files(
        d.path(),
        &[("prod/kustomization.yaml", "resources:\n- ../base\n")],
    );
    let (code, doc) = check_json(d.path(), &["--no-secrets"]);
    assert_eq!(code, Some(1), "{:#}", doc["findings"]);
    let contexts: Vec<_> = findings_of(&doc, "SS2001")
        .iter()
        .map(|f| f["context"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(contexts, vec!["production"]);
}
