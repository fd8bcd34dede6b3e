//! Recognising what a service is from its image and ports: data stores, proxies, admin and
//! debug endpoints. Used by the port rule and by the Compose network graph.

use shipshape_core::imageref::ImageRef;

/// Why a port is sensitive when published on every interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortRole {
    Data,
    Admin,
    Debug,
}

/// Well-known ports of databases, caches, queues, admin consoles and debuggers.
pub fn sensitive_port(n: u16) -> Option<(PortRole, &'static str)> {
    use PortRole::*;
    Some(match n {
        3306 => (Data, "MySQL/MariaDB"),
        5432 => (Data, "PostgreSQL"),
        27017..=27019 => (Data, "MongoDB"),
        6379 | 6380 => (Data, "Redis"),
        11211 => (Data, "Memcached"),
        9200 | 9300 => (Data, "Elasticsearch/OpenSearch"),
        5984 => (Data, "CouchDB"),
        7474 | 7687 => (Data, "Neo4j"),
        8086 => (Data, "InfluxDB"),
        9042 => (Data, "Cassandra"),
        1433 => (Data, "SQL Server"),
        1521 => (Data, "Oracle"),
        26257 => (Data, "CockroachDB"),
        28015 => (Data, "RethinkDB"),
        8529 => (Data, "ArangoDB"),
        8123 | 9004 => (Data, "ClickHouse"),
        2379 | 2380 => (Data, "etcd"),
        5672 => (Data, "RabbitMQ (AMQP)"),
        9092 => (Data, "Kafka"),
        2181 => (Data, "ZooKeeper"),
        4222 => (Data, "NATS"),
        1883 => (Data, "MQTT"),
        61616 => (Data, "ActiveMQ"),
        8983 => (Data, "Solr"),
        6333 | 6334 => (Data, "Qdrant"),
        19530 => (Data, "Milvus"),
        15672 => (Admin, "RabbitMQ management"),
        8500 => (Admin, "Consul"),
        8200 => (Admin, "Vault"),
        9090 => (Admin, "Prometheus"),
        9093 => (Admin, "Alertmanager"),
        5601 => (Admin, "Kibana"),
        8161 => (Admin, "ActiveMQ console"),
        10250 => (Admin, "kubelet"),
        6443 => (Admin, "Kubernetes API"),
        2376 => (Admin, "Docker API (TLS)"),
        9000 | 9443 => (Admin, "admin console (Portainer/MinIO)"),
        5005 => (Debug, "JDWP debugger"),
        9229 => (Debug, "Node.js inspector"),
        2345 => (Debug, "Delve debugger"),
        5678 => (Debug, "debugpy"),
        4040 => (Debug, "Spark UI"),
        _ => return None,
    })
}

/// Ports whose meaning depends on the image that listens on them: the same number is a data
/// protocol in one image and an admin console in another (ClickHouse's native protocol and
/// Portainer's UI both use 9000).
const IMAGE_PORTS: &[(&str, u16, PortRole, &str)] = &[
    (
        "clickhouse",
        9000,
        PortRole::Data,
        "ClickHouse native protocol",
    ),
    (
        "clickhouse-server",
        9000,
        PortRole::Data,
        "ClickHouse native protocol",
    ),
    ("minio", 9000, PortRole::Data, "MinIO S3 API"),
    ("minio", 9001, PortRole::Admin, "MinIO console"),
    ("portainer", 9000, PortRole::Admin, "Portainer"),
    ("portainer", 9443, PortRole::Admin, "Portainer"),
    ("portainer-ce", 9000, PortRole::Admin, "Portainer"),
    ("portainer-ce", 9443, PortRole::Admin, "Portainer"),
    ("rabbitmq", 15672, PortRole::Admin, "RabbitMQ management"),
    ("rabbitmq", 5672, PortRole::Data, "RabbitMQ (AMQP)"),
    ("n8n", 5678, PortRole::Admin, "n8n editor"),
];

/// Port numbers that [`sensitive_port`] can only guess at: without an image that names the
/// program (see [`IMAGE_PORTS`]) they are not called admin or debug ports.
const AMBIGUOUS_PORTS: &[u16] = &[9000, 9001, 9443, 5678];

/// What listens on port `n` of a container running `image` (empty when unknown), judged by the
/// image first and the number second: a port of a database image is that database's, whatever
/// its number; a number another program is known to use is only a guess for an image that does
/// not say which program it runs.
pub fn port_role(image: &str, n: u16) -> Option<(PortRole, String)> {
    let repo = image_repo(image);
    let last = repo.rsplit('/').next().unwrap_or("");
    if let Some((_, _, role, what)) = IMAGE_PORTS
        .iter()
        .find(|(img, port, _, _)| *port == n && last == *img)
    {
        return Some((*role, (*what).to_string()));
    }
    if let Some(store) = data_image(image) {
        // a data store's management UI stays an admin port
        if let Some((PortRole::Admin, what)) = sensitive_port(n) {
            if !AMBIGUOUS_PORTS.contains(&n) {
                return Some((PortRole::Admin, what.to_string()));
            }
        }
        return Some((PortRole::Data, store.to_string()));
    }
    let (role, what) = sensitive_port(n)?;
    if AMBIGUOUS_PORTS.contains(&n) && !last.is_empty() {
        return None;
    }
    Some((role, what.to_string()))
}

/// Ports an edge proxy is expected to publish.
pub fn is_edge_port(n: u16) -> bool {
    matches!(n, 80 | 443)
}

/// The repository part of an image reference, lower case, without registry host, tag or digest.
/// Split by the core parser, leniently: the text may be partly interpolated (`postgres:` when
/// `${TAG}` had no value, `/postgres:16` for `${REGISTRY}/postgres:16`).
pub fn image_repo(image: &str) -> String {
    let lower = image.to_ascii_lowercase();
    ImageRef::parse_lenient(&lower)
        .map(|r| r.repository.to_string())
        .unwrap_or_default()
}

const DATA_IMAGES: [&str; 38] = [
    "postgres",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
    "redis",
    "valkey",
    "keydb",
    "dragonfly",
    "memcached",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "scylla",
    "couchdb",
    "couchbase",
    "neo4j",
    "influxdb",
    "clickhouse",
    "cockroach",
    "rabbitmq",
    "kafka",
    "zookeeper",
    "nats",
    "etcd",
    "mssql",
    "oracle/database",
    "rethinkdb",
    "arangodb",
    "surrealdb",
    "qdrant",
    "milvus",
    "weaviate",
    "questdb",
    "mosquitto",
    "solr",
];

/// Whether an image is a database, cache or message broker (by repository name).
pub fn data_image(image: &str) -> Option<&'static str> {
    let repo = image_repo(image);
    let last = repo.rsplit('/').next().unwrap_or("");
    DATA_IMAGES
        .iter()
        .find(|d| {
            if d.contains('/') {
                repo.contains(*d)
            } else {
                last == **d
                    || last
                        .strip_prefix(*d)
                        .is_some_and(|rest| rest.starts_with(['-', '_']))
                    || last
                        .strip_suffix(*d)
                        .is_some_and(|rest| rest.ends_with('-'))
            }
        })
        .copied()
}

/// Whether an image is a reverse proxy or load balancer.
pub fn proxy_image(image: &str) -> bool {
    let repo = image_repo(image);
    let last = repo.rsplit('/').next().unwrap_or("");
    [
        "nginx",
        "traefik",
        "caddy",
        "haproxy",
        "envoy",
        "httpd",
        "apache",
        "nginx-proxy",
        "swag",
        "varnish",
    ]
    .iter()
    .any(|p| {
        last == *p || last.starts_with(&format!("{p}-")) || repo.ends_with("nginx-proxy-manager")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn classifies() {
        assert_eq!(
            image_repo("registry.example.com:5000/team/app:1.2@sha256:ab"),
            "team/app"
        );
        assert_eq!(image_repo("postgres:16"), "postgres");
        assert_eq!(image_repo("postgres:"), "postgres");
        assert_eq!(image_repo("/Postgres:16"), "/postgres");
        assert_eq!(image_repo("localhost/app"), "app");
        assert_eq!(
            data_image("docker.io/library/postgres:16-alpine"),
            Some("postgres")
        );
        assert_eq!(data_image("bitnami/redis:7"), Some("redis"));
        assert_eq!(data_image("ghcr.io/acme/api:1"), None);
        assert_eq!(data_image("redisinsight:1"), None);
        assert!(proxy_image("traefik:v3"));
        assert!(!proxy_image("node:20"));
        assert_eq!(sensitive_port(5432).map(|p| p.0), Some(PortRole::Data));
        assert!(sensitive_port(8080).is_none());
    }

    #[test]
    fn ports_by_what_listens() {
        let role = |img: &str, n: u16| port_role(img, n);
        assert_eq!(
            role("clickhouse/clickhouse-server:24.3", 9000),
            Some((PortRole::Data, "ClickHouse native protocol".into()))
        );
        assert_eq!(
            role("portainer/portainer-ce:2.20", 9443).map(|r| r.0),
            Some(PortRole::Admin)
        );
        assert_eq!(
            role("minio/minio", 9001).map(|r| r.0),
            Some(PortRole::Admin)
        );
        assert_eq!(role("minio/minio", 9000).map(|r| r.0), Some(PortRole::Data));
        // php-fpm's 9000 is not an admin console
        assert_eq!(role("php:8.3-fpm", 9000), None);
        // without an image, the number is all there is
        assert_eq!(role("", 9000).map(|r| r.0), Some(PortRole::Admin));
        // any port a database image publishes is its data port
        assert_eq!(
            role("postgres:16", 15432),
            Some((PortRole::Data, "postgres".into()))
        );
        assert_eq!(
            role("rabbitmq:3-management", 15672).map(|r| r.0),
            Some(PortRole::Admin)
        );
        assert_eq!(
            role("ghcr.io/acme/api:1", 5432).map(|r| r.0),
            Some(PortRole::Data)
        );
        assert_eq!(role("ghcr.io/acme/api:1", 8080), None);
    }
}
