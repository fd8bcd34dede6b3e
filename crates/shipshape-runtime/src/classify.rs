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
}
