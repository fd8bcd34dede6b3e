//! Kubernetes manifests of one directory are analysed together: `check` reports the network
//! findings a CI log can act on, and `graph` draws the same graph (JSON valid against its schema).

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;

fn write_voting_app(dir: &std::path::Path) {
    let deployment = |name: &str, image: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: {name}\n        image: {image}\n")
    };
    let service = |name: &str, ty: &str| {
        format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: {ty}\n  ports: [{{port: 80}}]\n  selector: {{app: {name}}}\n")
    };
    for (name, image, ty) in [
        ("db", "postgres:15-alpine", "ClusterIP"),
        ("vote", "dockersamples/examplevotingapp_vote", "NodePort"),
        ("worker", "dockersamples/examplevotingapp_worker", ""),
    ] {
        fs::write(
            dir.join(format!("{name}-deployment.yaml")),
            deployment(name, image),
        )
        .unwrap();
        if !ty.is_empty() {
            fs::write(dir.join(format!("{name}-service.yaml")), service(name, ty)).unwrap();
        }
    }
}

#[test]
fn check_fails_the_network_item_for_a_directory_without_policies() {
    let dir = tempfile::tempdir().unwrap();
    write_voting_app(dir.path());
    let (_, doc) = check_json(dir.path(), &[]);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"SS2030"), "{rules:?}");
    assert!(rules.contains(&"SS2034"), "{rules:?}");
    let network = checklist_item(&doc, "network");
    assert_eq!(network["status"], "fail", "{network}");

    // a default-deny policy next to the manifests, and an allow from the worker to the database
    fs::write(
        dir.path().join("policies.yaml"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: worker}}}]\n",
    )
    .unwrap();
    let (_, doc) = check_json(dir.path(), &[]);
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "SS2030" || f["rule"] == "SS2034"),
        "{doc}"
    );
}

#[test]
fn graph_draws_kubernetes_manifests() {
    let dir = tempfile::tempdir().unwrap();
    write_voting_app(dir.path());
    shipshape()
        .arg("graph")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("vote -> db: reachable"));
    for (format, start) in [("dot", "digraph kubernetes"), ("mermaid", "flowchart LR")] {
        shipshape()
            .args(["graph", "--format", format])
            .arg(dir.path())
            .assert()
            .success()
            .stdout(predicate::str::starts_with(start));
    }
    let doc = graph_json(dir.path());
    assert_eq!(doc["platform"], "kubernetes");
    let skip = &doc["edge_reaches_data"][0];
    assert_eq!(
        (skip["from"].as_str(), skip["to"].as_str()),
        (Some("vote"), Some("db"))
    );
    assert_eq!(skip["network"], "<pod-network>");
    // every workload reaches every other: 3 workloads, 6 directed connections
    assert_eq!(doc["connections"].as_array().unwrap().len(), 6);

    // files named one by one are a set too; mixing in a compose file is refused
    shipshape()
        .arg("graph")
        .arg(dir.path().join("vote-deployment.yaml"))
        .arg(dir.path().join("db-deployment.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("vote"));
    fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  a: {image: x:1}\n",
    )
    .unwrap();
    shipshape()
        .arg("graph")
        .arg(dir.path().join("compose.yaml"))
        .arg(dir.path().join("db-deployment.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not both"));
}
