//! Facts about well-known servers, images and variable names, shared by the
//! rules that reason about hosts and ports.

use crate::model::types::*;

/// Well-known server ports and the images that serve them.
pub(crate) const KNOWN_PORTS: &[(&str, &[&str], &str)] = &[
    ("5432", &["postgres", "postgis", "timescale"], "PostgreSQL"),
    ("3306", &["mysql", "mariadb"], "MySQL"),
    ("6379", &["redis", "valkey", "keydb"], "Redis"),
    ("27017", &["mongo"], "MongoDB"),
    ("5672", &["rabbitmq"], "RabbitMQ"),
    ("11211", &["memcached"], "Memcached"),
    ("9200", &["elasticsearch", "opensearch"], "Elasticsearch"),
    ("4222", &["nats"], "NATS"),
    ("9092", &["kafka", "redpanda"], "Kafka"),
    ("8123", &["clickhouse"], "ClickHouse"),
];

/// URL schemes of servers (not browsers): a localhost URL with one of these
/// is a connection the container makes.
pub(crate) const SERVER_SCHEMES: &[(&str, &str)] = &[
    ("postgres", "5432"),
    ("postgresql", "5432"),
    ("postgresql+psycopg", "5432"),
    ("postgresql+psycopg2", "5432"),
    ("postgresql+asyncpg", "5432"),
    ("mysql", "3306"),
    ("mysql+pymysql", "3306"),
    ("mysql+mysqldb", "3306"),
    ("mariadb", "3306"),
    ("redis", "6379"),
    ("rediss", "6379"),
    ("amqp", "5672"),
    ("amqps", "5671"),
    ("mongodb", "27017"),
    ("memcached", "11211"),
    ("nats", "4222"),
    ("kafka", "9092"),
    ("clickhouse", "8123"),
];

/// Key words that say a URL is meant for a browser or is an allow-list.
pub(crate) const BROWSER_WORDS: &[&str] = &[
    "ORIGIN", "ORIGINS", "CORS", "FRONTEND", "PUBLIC", "ALLOWED", "CALLBACK", "REDIRECT", "SITE",
    "DOMAIN", "HOSTS", "TRUSTED", "CSRF", "EXTERNAL", "WEB", "BROWSER",
];

pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h == "::1"
        || h.strip_prefix("127.").is_some_and(|r| {
            r.split('.').count() == 3 && r.split('.').all(|p| p.parse::<u8>().is_ok())
        })
}

pub(crate) fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if s.starts_with('[') {
        if let Some(close) = s.find(']') {
            let port = s[close + 1..].strip_prefix(':');
            return (&s[..close + 1], port);
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (s, None),
    }
}

pub(crate) fn key_words(key: &str) -> Vec<String> {
    key.to_ascii_uppercase()
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// `DB_HOST`, `REDIS_HOSTNAME`, `POSTGRES_SERVER`, `CACHE_ADDR`...
pub(crate) fn names_a_host(key: &str) -> bool {
    let words = key_words(key);
    !is_browser_facing(key)
        && words.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "HOST" | "HOSTNAME" | "SERVER" | "ADDR" | "ADDRESS" | "HOSTPORT"
            )
        })
}

pub(crate) fn is_browser_facing(key: &str) -> bool {
    key_words(key)
        .iter()
        .any(|w| BROWSER_WORDS.contains(&w.as_str()))
}

pub(crate) fn image_name(s: &Service) -> String {
    s.image
        .as_ref()
        .map(|i| i.text.to_ascii_lowercase())
        .or_else(|| {
            s.image_facts
                .as_ref()
                .and_then(|f| f.base_image.as_ref())
                .map(|b| b.value.to_ascii_lowercase())
        })
        .unwrap_or_default()
}

pub(crate) fn service_listens_on(s: &Service, port: &str) -> bool {
    let image = image_name(s);
    let by_image = KNOWN_PORTS
        .iter()
        .any(|(p, images, _)| *p == port && images.iter().any(|i| image_matches(&image, i)));
    let by_ports = s.ports.iter().any(|p| p.target.as_deref() == Some(port))
        || s.expose
            .iter()
            .any(|e| e.text.split('/').next() == Some(port))
        || s.image_facts.as_ref().is_some_and(|f| {
            f.expose
                .iter()
                .any(|e| e.value.split('/').next() == Some(port))
        });
    by_image || by_ports
}

/// `postgres:16`, `docker.io/library/postgres`, `bitnami/postgresql`...
pub(crate) fn image_matches(image: &str, name: &str) -> bool {
    let repo = image.split([':', '@']).next().unwrap_or("");
    let last = repo.rsplit('/').next().unwrap_or("");
    last == name || last.starts_with(&format!("{name}-")) || last.starts_with(name)
}
