//! The Kubernetes network graph and its rules (SS2030 edge-reaches-data, SS2034
//! network-policy-missing) on manifests analysed together.

use shipshape_core::report::Analysis;
use shipshape_core::{Severity, SourceFile};
use shipshape_runtime::{analyse_kubernetes_set, kubernetes_graph};

fn deployment(name: &str, ns: Option<&str>, image: &str) -> String {
    let ns = ns
        .map(|n| format!("\n  namespace: {n}"))
        .unwrap_or_default();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}{ns}\n  labels: {{app: {name}}}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: {name}\n        image: {image}\n"
    )
}

fn service(name: &str, ns: Option<&str>, ty: &str, port: u16) -> String {
    let ns = ns
        .map(|n| format!("\n  namespace: {n}"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}{ns}\nspec:\n  type: {ty}\n  ports:\n  - port: {port}\n  selector:\n    app: {name}\n"
    )
}

/// The dockersamples voting app, one object per file as upstream ships it.
fn voting_app(result_type: &str) -> Vec<SourceFile> {
    vec![
        SourceFile::new(
            "k8s/db-deployment.yaml",
            deployment("db", None, "postgres:15-alpine"),
        ),
        SourceFile::new(
            "k8s/db-service.yaml",
            service("db", None, "ClusterIP", 5432),
        ),
        SourceFile::new(
            "k8s/redis-deployment.yaml",
            deployment("redis", None, "redis:alpine"),
        ),
        SourceFile::new(
            "k8s/redis-service.yaml",
            service("redis", None, "ClusterIP", 6379),
        ),
        SourceFile::new(
            "k8s/result-deployment.yaml",
            deployment("result", None, "dockersamples/examplevotingapp_result"),
        ),
        SourceFile::new(
            "k8s/result-service.yaml",
            service("result", None, result_type, 8081),
        ),
        SourceFile::new(
            "k8s/vote-deployment.yaml",
            deployment("vote", None, "dockersamples/examplevotingapp_vote"),
        ),
        SourceFile::new(
            "k8s/vote-service.yaml",
            service("vote", None, "NodePort", 8080),
        ),
        SourceFile::new(
            "k8s/worker-deployment.yaml",
            deployment("worker", None, "dockersamples/examplevotingapp_worker"),
        ),
    ]
}

const DEFAULT_DENY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";

const DB_FROM_RESULT_AND_WORKER: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db-from-app\nspec:\n  podSelector:\n    matchLabels: {app: db}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n        - {key: app, operator: In, values: [result, worker]}\n    ports:\n    - {port: 5432, protocol: TCP}\n";

fn with(mut files: Vec<SourceFile>, extra: &[(&str, &str)]) -> Vec<SourceFile> {
    for (name, text) in extra {
        files.push(SourceFile::new(*name, *text));
    }
    files
}

fn findings<'a>(a: &'a Analysis, code: &str) -> Vec<&'a shipshape_core::Finding> {
    a.findings.iter().filter(|f| f.rule.code == code).collect()
}

#[test]
fn voting_app_without_policies_reaches_the_database_from_the_public_tier() {
    let files = voting_app("NodePort");
    let a = analyse_kubernetes_set(&files);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let skips = findings(&a, "SS2030");
    assert_eq!(skips.len(), 2, "{skips:#?}");
    let vote = skips
        .iter()
        .find(|f| f.location.path == "k8s/vote-deployment.yaml")
        .expect("vote reported");
    assert!(
        vote.message.contains("`db`") && vote.message.contains("`redis`"),
        "{}",
        vote.message
    );
    assert!(
        vote.message.contains("NodePort Service/vote"),
        "{}",
        vote.message
    );
    assert_eq!(vote.location.line(), Some(4), "points at metadata.name");
    let open = findings(&a, "SS2034");
    assert_eq!(open.len(), 5, "every workload: {open:#?}");
    let sev = |file: &str| {
        open.iter()
            .find(|f| f.location.path == file)
            .map(|f| f.severity)
    };
    assert_eq!(sev("k8s/db-deployment.yaml"), Some(Severity::Medium));
    assert_eq!(sev("k8s/vote-deployment.yaml"), Some(Severity::Medium));
    assert_eq!(sev("k8s/worker-deployment.yaml"), Some(Severity::Low));
    // each file is an input of the set
    assert_eq!(a.inputs.len(), files.len());
}

#[test]
fn default_deny_and_an_allow_list_for_the_database_close_the_public_path() {
    let files = with(
        voting_app("NodePort"),
        &[
            ("k8s/default-deny.yaml", DEFAULT_DENY),
            ("k8s/db-policy.yaml", DB_FROM_RESULT_AND_WORKER),
        ],
    );
    let a = analyse_kubernetes_set(&files);
    assert!(
        findings(&a, "SS2034").is_empty(),
        "every workload is selected"
    );
    let skips = findings(&a, "SS2030");
    // vote reaches neither db (not in the allow list) nor redis (default deny)
    assert!(
        !skips
            .iter()
            .any(|f| f.location.path == "k8s/vote-deployment.yaml"),
        "{skips:#?}"
    );
    // result is public too (a NodePort Service), and the policy lets it reach db: still a skip
    assert_eq!(skips.len(), 1, "{skips:#?}");
    assert!(
        skips[0].message.contains("allowed by default/db-from-app"),
        "{}",
        skips[0].message
    );

    // with result internal (ClusterIP), the same policies leave no edge-to-data path at all
    let files = with(
        voting_app("ClusterIP"),
        &[
            ("k8s/default-deny.yaml", DEFAULT_DENY),
            ("k8s/db-policy.yaml", DB_FROM_RESULT_AND_WORKER),
        ],
    );
    let a = analyse_kubernetes_set(&files);
    assert!(findings(&a, "SS2030").is_empty(), "{:#?}", a.findings);
    assert!(findings(&a, "SS2034").is_empty());
    let g = kubernetes_graph(&files).unwrap();
    assert!(g.reachable("worker", "db") && g.reachable("result", "db"));
    assert!(!g.reachable("vote", "db") && !g.reachable("vote", "redis"));
}

#[test]
fn namespaces_isolate_only_through_policies() {
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n  labels: {tier: backend}\n";
    let base = || {
        vec![
            SourceFile::new("ns.yaml", ns),
            SourceFile::new(
                "web.yaml",
                format!(
                    "{}---\n{}",
                    deployment("web", Some("web"), "nginx:1.27"),
                    service("web", Some("web"), "LoadBalancer", 443)
                ),
            ),
            SourceFile::new("api.yaml", deployment("api", Some("app"), "acme/api:1.0")),
            SourceFile::new("db.yaml", deployment("db", Some("data"), "postgres:16")),
        ]
    };
    // different namespaces alone do not separate anything
    let a = analyse_kubernetes_set(&base());
    assert_eq!(findings(&a, "SS2030").len(), 1);

    // the data namespace admits only pods of namespaces labelled tier=backend
    let from_backend = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-backend, namespace: data}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {tier: backend}\n";
    let files = with(base(), &[("db-policy.yaml", from_backend)]);
    let a = analyse_kubernetes_set(&files);
    assert!(findings(&a, "SS2030").is_empty(), "{:#?}", a.findings);
    let g = kubernetes_graph(&files).unwrap();
    assert!(g.reachable("api", "db"));
    assert!(!g.reachable("web", "db"));

    // by the namespace's automatic name label, pod and namespace selectors together
    let by_name = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-web, namespace: data}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: web}\n      podSelector:\n        matchLabels: {app: web}\n";
    let files = with(base(), &[("db-policy.yaml", by_name)]);
    let a = analyse_kubernetes_set(&files);
    let skips = findings(&a, "SS2030");
    assert_eq!(skips.len(), 1, "the policy lets web in: {:#?}", a.findings);
    assert!(skips[0].message.contains("allowed by data/from-web"));
    let g = kubernetes_graph(&files).unwrap();
    assert!(!g.reachable("api", "db"));

    // a podSelector alone only matches pods of the policy's own namespace
    let same_ns = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: same-ns, namespace: data}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: web}}\n";
    let a = analyse_kubernetes_set(&with(base(), &[("db-policy.yaml", same_ns)]));
    assert!(findings(&a, "SS2030").is_empty(), "{:#?}", a.findings);

    // an ipBlock admits addresses outside the cluster, not pods
    let ip_only = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lb-only, namespace: data}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 0.0.0.0/0}\n";
    let a = analyse_kubernetes_set(&with(base(), &[("db-policy.yaml", ip_only)]));
    assert!(findings(&a, "SS2030").is_empty(), "{:#?}", a.findings);
}

#[test]
fn egress_policies_restrict_the_sender() {
    let files = vec![
        SourceFile::new(
            "app.yaml",
            format!(
                "{}---\n{}---\n{}---\n{}",
                deployment("web", None, "acme/web:1.0"),
                service("web", None, "NodePort", 80),
                deployment("api", None, "acme/api:1.0"),
                deployment("cache", None, "redis:7.2"),
            ),
        ),
        SourceFile::new(
            "egress.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-to-api}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector: {matchLabels: {app: api}}\n",
        ),
    ];
    let a = analyse_kubernetes_set(&files);
    assert!(findings(&a, "SS2030").is_empty(), "{:#?}", a.findings);
    // an egress-only policy leaves the web workload's own ingress open
    let open = findings(&a, "SS2034");
    assert_eq!(open.len(), 3, "{open:#?}");
    assert!(open
        .iter()
        .any(|f| f.message.contains("only Egress policies select it")));
}

#[test]
fn nothing_to_protect_means_no_policy_finding() {
    let files = vec![SourceFile::new(
        "app.yaml",
        format!(
            "{}---\n{}",
            deployment("api", None, "acme/api:1.0"),
            deployment("jobs", None, "acme/jobs:1.0")
        ),
    )];
    let a = analyse_kubernetes_set(&files);
    assert!(findings(&a, "SS2034").is_empty());
    assert!(findings(&a, "SS2030").is_empty());
}

#[test]
fn ingress_backends_are_edge_and_graph_json_describes_the_set() {
    let ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service: {name: front, port: {number: 80}}\n";
    let files = vec![SourceFile::new(
        "all.yaml",
        format!(
            "{}---\n{}---\n{}---\n{}---\n{ingress}---\n{DEFAULT_DENY}",
            deployment("front", None, "acme/front:1.0"),
            service("front", None, "ClusterIP", 80),
            deployment("api", None, "acme/api:1.0"),
            deployment("db", None, "mysql:8.4"),
        ),
    )];
    let g = kubernetes_graph(&files).unwrap();
    let j = g.to_json();
    assert_eq!(j["platform"], "kubernetes");
    let front = j["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "front")
        .unwrap();
    assert_eq!(front["tier"], "edge");
    assert_eq!(front["exposed_by"][0], "Ingress/web");
    assert_eq!(front["network_policies"][0], "default/default-deny");
    assert_eq!(j["ingresses"][0]["workloads"][0], "front");
    assert_eq!(j["kubernetes_services"][0]["workloads"][0], "front");
    assert_eq!(j["network_policies"][0]["pod_selector"], "{}");
    assert_eq!(
        j["connections"].as_array().unwrap().len(),
        0,
        "default deny: {j}"
    );
    assert_eq!(j["edge_reaches_data"].as_array().unwrap().len(), 0);
    assert!(g.render_text().contains("front -> db: unreachable"));
    assert!(g.render_dot().starts_with("digraph kubernetes"));
    assert!(g.render_mermaid().contains("outside"));
}
