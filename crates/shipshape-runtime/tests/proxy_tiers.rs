//! A reverse proxy in front of a Compose service makes that service the application tier, even
//! when it also publishes a port; the proxy sharing a network with the database is then SS2030.

use shipshape_core::SourceFile;
use shipshape_runtime::graph::Role;
use shipshape_runtime::{analyse_compose, compose_graph};
use std::fs;
use std::path::Path;

fn skips(text: &str, dir: &Path) -> Vec<String> {
    let a = analyse_compose(&[SourceFile::new("compose.yaml", text)], dir);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    a.findings
        .iter()
        .filter(|f| f.rule.code == "SS2030")
        .map(|f| f.message.clone())
        .collect()
}

fn role(text: &str, dir: &Path, name: &str) -> Role {
    let g = compose_graph(&[SourceFile::new("compose.yaml", text)], dir).unwrap();
    g.services.iter().find(|s| s.name == name).unwrap().role
}

const API_AND_DB: &str =
    "  api:\n    image: acme/api:1.0\n    ports: [\"8000:8000\"]\n  db:\n    image: postgres:16\n";

#[test]
fn a_proxy_that_depends_on_the_api_makes_it_the_app_tier() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "services:\n  proxy:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n    depends_on: [api]\n{API_AND_DB}"
    );
    assert_eq!(role(&text, dir.path(), "api"), Role::App);
    let found = skips(&text, dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("`proxy`") && found[0].contains("`db`"),
        "{}",
        found[0]
    );
    let g = compose_graph(
        &[SourceFile::new("compose.yaml", text.as_str())],
        dir.path(),
    )
    .unwrap();
    let api = &g.to_json()["services"][1];
    assert_eq!(api["name"], "api");
    assert_eq!(api["behind_proxy"], "proxy (depends_on)");
}

#[test]
fn without_a_proxy_in_front_the_published_api_stays_edge() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("services:\n{API_AND_DB}");
    assert_eq!(role(&text, dir.path(), "api"), Role::Edge);
    assert!(skips(&text, dir.path()).is_empty());
    // a proxy that forwards somewhere else leaves the api alone too
    let text = format!(
        "services:\n  proxy:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n    command: [\"nginx\", \"-g\", \"daemon off;\"]\n{API_AND_DB}"
    );
    assert_eq!(role(&text, dir.path(), "api"), Role::Edge);
    assert!(skips(&text, dir.path()).is_empty());
}

#[test]
fn upstreams_in_mounted_configuration_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("nginx.conf"),
        "server {\n  listen 443 ssl;\n  location / {\n    proxy_pass http://api:8000;\n  }\n}\n",
    )
    .unwrap();
    let nginx = format!(
        "services:\n  proxy:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf:ro\"]\n{API_AND_DB}"
    );
    assert_eq!(role(&nginx, dir.path(), "api"), Role::App);
    assert_eq!(skips(&nginx, dir.path()).len(), 1);

    fs::create_dir(dir.path().join("caddy")).unwrap();
    fs::write(
        dir.path().join("caddy/Caddyfile"),
        "example.com {\n\treverse_proxy api:8000\n}\n",
    )
    .unwrap();
    let caddy = format!(
        "services:\n  caddy:\n    image: caddy:2.8\n    ports: [\"443:443\"]\n    volumes:\n      - type: bind\n        source: ./caddy\n        target: /etc/caddy\n{API_AND_DB}"
    );
    assert_eq!(role(&caddy, dir.path(), "api"), Role::App);
    assert_eq!(skips(&caddy, dir.path()).len(), 1);

    fs::write(
        dir.path().join("haproxy.cfg"),
        "backend app\n  server s1 api:8000 check\n",
    )
    .unwrap();
    let haproxy = format!(
        "services:\n  lb:\n    image: haproxy:3.0\n    ports: [\"80:80\"]\n    volumes: [\"./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro\"]\n{API_AND_DB}"
    );
    assert_eq!(role(&haproxy, dir.path(), "api"), Role::App);

    // the same configuration naming another host leaves the api edge
    fs::write(
        dir.path().join("nginx.conf"),
        "server {\n  location / {\n    proxy_pass http://example.org;\n  }\n}\n",
    )
    .unwrap();
    assert_eq!(role(&nginx, dir.path(), "api"), Role::Edge);
}

#[test]
fn upstreams_in_command_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "services:\n  edge:\n    image: envoyproxy/envoy:v1.31-latest\n    ports: [\"80:80\"]\n    command: [\"--config-yaml\", \"{{static_resources: {{clusters: [{{name: a, load_assignment: {{endpoints: [{{lb_endpoints: [{{endpoint: {{address: {{socket_address: {{address: api, port_value: 8000}}}}}}}}]}}]}}}}]}}}}\"]\n{API_AND_DB}"
    );
    assert_eq!(role(&command, dir.path(), "api"), Role::App);
    let traefik = "services:\n  traefik:\n    image: traefik:v3.1\n    ports: [\"80:80\"]\n  api:\n    image: acme/api:1.0\n    ports: [\"8000:8000\"]\n    labels:\n      - traefik.enable=true\n      - traefik.http.routers.api.rule=Host(`api.example.com`)\n  db:\n    image: postgres:16\n";
    assert_eq!(role(traefik, dir.path(), "api"), Role::App);
    let found = skips(traefik, dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    // routing labels switched off do not count
    let off = traefik
        .replace("traefik.enable=true", "traefik.enable=false")
        .replace(
            "      - traefik.http.routers.api.rule=Host(`api.example.com`)\n",
            "",
        );
    assert_eq!(role(&off, dir.path(), "api"), Role::Edge);
}
