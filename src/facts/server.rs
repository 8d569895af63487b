//! Which well-known server a service runs (PostgreSQL, Redis, RabbitMQ…),
//! from its image's name — exactly, never by prefix: `postgres-exporter`
//! and `redis-commander` are clients, not servers.

use crate::facts::image_ref::ImageRef;
use crate::model::types::Service;

/// A well-known server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ServerKind {
    Postgres,
    Mysql,
    Redis,
    Mongo,
    RabbitMq,
    Memcached,
    Elasticsearch,
    Nats,
    Kafka,
    ClickHouse,
}

/// What a server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Database,
    Cache,
    Broker,
    Search,
}

/// Image names (the last path component) of each server: the official
/// images and the well-known distributions of it.
const IMAGES: &[(ServerKind, &[&str])] = &[
    (
        ServerKind::Postgres,
        &[
            "postgres",
            "postgresql",
            "postgis",
            "timescaledb",
            "timescaledb-ha",
            "pgvector",
            "pgvecto-rs",
            "postgresql-repmgr",
            "supabase-postgres",
        ],
    ),
    (
        ServerKind::Mysql,
        &[
            "mysql",
            "mariadb",
            "percona",
            "percona-server",
            "mysql-server",
        ],
    ),
    (
        ServerKind::Redis,
        &[
            "redis",
            "redis-stack",
            "redis-stack-server",
            "valkey",
            "keydb",
            "dragonfly",
        ],
    ),
    (
        ServerKind::Mongo,
        &["mongo", "mongodb", "mongodb-community-server"],
    ),
    (ServerKind::RabbitMq, &["rabbitmq"]),
    (ServerKind::Memcached, &["memcached"]),
    (ServerKind::Elasticsearch, &["elasticsearch", "opensearch"]),
    (ServerKind::Nats, &["nats"]),
    (ServerKind::Kafka, &["kafka", "cp-kafka", "redpanda"]),
    (ServerKind::ClickHouse, &["clickhouse-server", "clickhouse"]),
];

impl ServerKind {
    pub const ALL: [ServerKind; 10] = [
        ServerKind::Postgres,
        ServerKind::Mysql,
        ServerKind::Redis,
        ServerKind::Mongo,
        ServerKind::RabbitMq,
        ServerKind::Memcached,
        ServerKind::Elasticsearch,
        ServerKind::Nats,
        ServerKind::Kafka,
        ServerKind::ClickHouse,
    ];

    /// The server an image runs, when its name is one of a well-known
    /// server's images.
    pub fn of_image(image: &ImageRef) -> Option<ServerKind> {
        let name = image.name().to_ascii_lowercase();
        IMAGES
            .iter()
            .find(|(_, names)| names.contains(&name.as_str()))
            .map(|(k, _)| *k)
    }

    /// The server a service runs: its `image:`, or the base image of the
    /// stage it builds.
    pub fn of_service(s: &Service) -> Option<ServerKind> {
        let reference = image_reference(s)?;
        ImageRef::parse(&reference).and_then(|r| ServerKind::of_image(&r))
    }

    /// Its default port.
    pub fn port(self) -> u16 {
        match self {
            ServerKind::Postgres => 5432,
            ServerKind::Mysql => 3306,
            ServerKind::Redis => 6379,
            ServerKind::Mongo => 27017,
            ServerKind::RabbitMq => 5672,
            ServerKind::Memcached => 11211,
            ServerKind::Elasticsearch => 9200,
            ServerKind::Nats => 4222,
            ServerKind::Kafka => 9092,
            ServerKind::ClickHouse => 8123,
        }
    }

    /// The server whose default port is `port`.
    pub fn of_port(port: u16) -> Option<ServerKind> {
        ServerKind::ALL.into_iter().find(|k| k.port() == port)
    }

    /// Its name, as messages write it.
    pub fn display(self) -> &'static str {
        match self {
            ServerKind::Postgres => "PostgreSQL",
            ServerKind::Mysql => "MySQL",
            ServerKind::Redis => "Redis",
            ServerKind::Mongo => "MongoDB",
            ServerKind::RabbitMq => "RabbitMQ",
            ServerKind::Memcached => "Memcached",
            ServerKind::Elasticsearch => "Elasticsearch",
            ServerKind::Nats => "NATS",
            ServerKind::Kafka => "Kafka",
            ServerKind::ClickHouse => "ClickHouse",
        }
    }

    pub fn role(self) -> Role {
        match self {
            ServerKind::Postgres
            | ServerKind::Mysql
            | ServerKind::Mongo
            | ServerKind::ClickHouse => Role::Database,
            ServerKind::Redis | ServerKind::Memcached => Role::Cache,
            ServerKind::RabbitMq | ServerKind::Nats | ServerKind::Kafka => Role::Broker,
            ServerKind::Elasticsearch => Role::Search,
        }
    }

    /// Whether `name` (a host) is one of this server's image names:
    /// `postgres` for PostgreSQL.
    pub fn is_image_name(self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        IMAGES
            .iter()
            .any(|(k, names)| *k == self && names.contains(&name.as_str()))
    }
}

/// The image a service runs, as written: its `image:` when it pulls one,
/// else the external image at the root of the stage it builds (then its
/// `image:`, the name it tags the build with).
pub(crate) fn image_reference(s: &Service) -> Option<String> {
    let pulled = s.image.as_ref().filter(|_| s.build.is_none());
    match pulled {
        Some(i) => Some(i.text.clone()),
        None => s
            .image_facts
            .as_ref()
            .and_then(|f| f.base_image.as_ref())
            .map(|b| b.value.clone())
            .or_else(|| s.image.as_ref().map(|i| i.text.clone())),
    }
}

/// True when two services run the same image (tags aside): peers of one
/// cluster (`es01`, `es02`), a primary and its replica.
pub(crate) fn same_image(a: &Service, b: &Service) -> bool {
    match (image_reference(a), image_reference(b)) {
        (Some(x), Some(y)) => match (ImageRef::parse(&x), ImageRef::parse(&y)) {
            (Some(x), Some(y)) => x.same_repository(&y),
            _ => false,
        },
        _ => false,
    }
}

/// Image names of tools that connect to a server only when a user asks
/// (database and broker admin UIs): they start without it.
const ADMIN_UIS: &[&str] = &[
    "adminer",
    "pgadmin4",
    "pgadmin",
    "phpmyadmin",
    "mongo-express",
    "redis-commander",
    "redisinsight",
    "redis-insight",
    "pgweb",
    "cloudbeaver",
    "dbgate",
    "kafka-ui",
    "akhq",
    "kafdrop",
    "sqlpad",
];

/// True when the service is a database or broker admin UI
/// ([`ADMIN_UIS`]).
pub(crate) fn is_admin_ui(s: &Service) -> bool {
    image_reference(s)
        .as_deref()
        .and_then(ImageRef::parse)
        .is_some_and(|r| ADMIN_UIS.contains(&r.name().to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(image: &str) -> Option<ServerKind> {
        ImageRef::parse(image).and_then(|r| ServerKind::of_image(&r))
    }

    #[test]
    fn servers_by_exact_image_name() {
        assert_eq!(kind("postgres:16"), Some(ServerKind::Postgres));
        assert_eq!(
            kind("registry.local:5000/postgres:16"),
            Some(ServerKind::Postgres)
        );
        assert_eq!(kind("bitnami/postgresql"), Some(ServerKind::Postgres));
        assert_eq!(kind("postgis/postgis:16-3.4"), Some(ServerKind::Postgres));
        assert_eq!(
            kind("docker.io/library/redis:7-alpine"),
            Some(ServerKind::Redis)
        );
        assert_eq!(kind("valkey/valkey"), Some(ServerKind::Redis));
        assert_eq!(kind("rabbitmq:3-management"), Some(ServerKind::RabbitMq));
        // Clients, exporters and admin tools named after a server are not it.
        for client in [
            "prometheuscommunity/postgres-exporter",
            "oliver006/redis_exporter",
            "rediscommander/redis-commander",
            "dpage/pgadmin4",
            "mongo-express",
            "postgres-backup-s3",
        ] {
            assert_eq!(kind(client), None, "{client}");
        }
    }

    #[test]
    fn ports_and_roles() {
        assert_eq!(ServerKind::of_port(5432), Some(ServerKind::Postgres));
        assert_eq!(ServerKind::of_port(8080), None);
        assert_eq!(ServerKind::Redis.role(), Role::Cache);
        assert_eq!(ServerKind::RabbitMq.role(), Role::Broker);
        assert!(ServerKind::Postgres.is_image_name("postgres"));
        assert!(!ServerKind::Postgres.is_image_name("db"));
    }
}
