//! Facts about hosts, ports and variable names, shared by the rules that
//! reason about connections: the one table of network URL schemes, the one
//! scanner of the hosts in a value (`url_hosts`, `hosts_in`, with offsets),
//! what a variable's name says its value is for, and the hosts each running
//! service receives as connections it makes ([`received_hosts`]).

use crate::facts::ports::{exposed_ports, published_ports};
use crate::facts::server::ServerKind;
use crate::model::types::*;
use crate::model::workspace::Workspace;

/// What a network URL scheme reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    /// A web address (`http`, `https`, `ws`, `wss`): a program or a
    /// browser opens it.
    Web,
    /// A protocol only programs speak: a database, cache, broker, mail,
    /// directory or RPC server, plain TCP or UDP.
    Server,
}

/// A URL scheme that names a server reached over the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scheme {
    pub name: &'static str,
    /// The port a URL without one connects to.
    pub port: Option<u16>,
    pub kind: SchemeKind,
}

const fn web(name: &'static str, port: u16) -> Scheme {
    Scheme {
        name,
        port: Some(port),
        kind: SchemeKind::Web,
    }
}

const fn server(name: &'static str, port: Option<u16>) -> Scheme {
    Scheme {
        name,
        port,
        kind: SchemeKind::Server,
    }
}

/// Every network scheme, once. A driver suffix (`postgresql+asyncpg`,
/// `mongodb+srv`) is read as its base scheme. Schemes not here name no
/// server on the network (`s3://bucket`, `file://`, `sqlite://`, `sms://`,
/// `mailto:`): their "host" is a bucket, a path or a provider.
const SCHEMES: &[Scheme] = &[
    web("http", 80),
    web("https", 443),
    web("ws", 80),
    web("wss", 443),
    server("postgres", Some(5432)),
    server("postgresql", Some(5432)),
    server("pgsql", Some(5432)),
    server("mysql", Some(3306)),
    server("mariadb", Some(3306)),
    server("redis", Some(6379)),
    server("rediss", Some(6379)),
    server("valkey", Some(6379)),
    server("sentinel", Some(26379)),
    server("amqp", Some(5672)),
    server("amqps", Some(5671)),
    server("mongodb", Some(27017)),
    server("memcached", Some(11211)),
    server("memcache", Some(11211)),
    server("nats", Some(4222)),
    server("kafka", Some(9092)),
    server("clickhouse", Some(8123)),
    server("smtp", Some(25)),
    server("smtps", Some(465)),
    server("imap", Some(143)),
    server("imaps", Some(993)),
    server("pop3", Some(110)),
    server("pop3s", Some(995)),
    server("ldap", Some(389)),
    server("ldaps", Some(636)),
    server("mqtt", Some(1883)),
    server("mqtts", Some(8883)),
    server("stomp", Some(61613)),
    server("bolt", Some(7687)),
    server("neo4j", Some(7687)),
    server("cassandra", Some(9042)),
    server("grpc", None),
    server("grpcs", None),
    server("dns", Some(53)),
    server("ftp", Some(21)),
    server("sftp", Some(22)),
    server("ssh", Some(22)),
    server("tcp", None),
    server("udp", None),
    server("tls", None),
    server("socks5", Some(1080)),
    server("socks5h", Some(1080)),
];

/// The network scheme named `name` (any case; `postgresql+asyncpg` is
/// `postgresql`); `None` when it names no server on the network.
pub(crate) fn network_scheme(name: &str) -> Option<Scheme> {
    let lower = name.to_ascii_lowercase();
    let base = lower.split('+').next().unwrap_or(&lower);
    SCHEMES.iter().find(|s| s.name == base).copied()
}

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
            let port = s[close + 1..]
                .strip_prefix(':')
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
            return (&s[..close + 1], port);
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (s, None),
    }
}

/// A host named in a value, and where: `at` is its byte offset in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRef<'a> {
    /// The URL's scheme, lower-cased; `None` for a bare `host[:port]`.
    pub scheme: Option<String>,
    pub host: &'a str,
    pub at: usize,
    pub port: Option<&'a str>,
}

impl HostRef<'_> {
    /// Byte offset of the port in the value (meaningful when there is one).
    pub(crate) fn port_at(&self) -> usize {
        self.at + self.host.len() + 1
    }
}

/// What ends a URL's authority: its path, query or fragment, a list
/// separator, or the quote, bracket or blank around it in shell text.
fn ends_authority(c: char) -> bool {
    matches!(c, '/' | '?' | '#' | ',' | ';' | '\'' | '"' | ')') || c.is_whitespace()
}

/// At most this many hosts are read from one value: no configuration names
/// more, and each is traced to its source, which reads the value again.
pub(crate) const MAX_HOSTS: usize = 64;

/// Every host of every URL in `value` (`scheme://user:pw@host:port/...`),
/// each host of a multi-host URL (`mongodb://a:1,b:2/db`) included; the
/// first [`MAX_HOSTS`].
pub(crate) fn url_hosts(value: &str) -> Vec<HostRef<'_>> {
    let end_from = |from: usize| {
        value[from..]
            .find(ends_authority)
            .map_or(value.len(), |i| from + i)
    };
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < MAX_HOSTS {
        let Some(i) = value[from..].find("://") else {
            break;
        };
        let sep = from + i;
        let scheme_start = value[from..sep]
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(from, |(p, c)| from + p + c.len_utf8());
        let scheme = value[scheme_start..sep].to_ascii_lowercase();
        let (mut start, mut end) = (sep + 3, end_from(sep + 3));
        loop {
            let authority = &value[start..end];
            let skip = authority.rfind('@').map_or(0, |p| p + 1);
            let (host, port) = split_host_port(&authority[skip..]);
            out.push(HostRef {
                scheme: Some(scheme.clone()),
                host,
                at: start + skip,
                port,
            });
            // `,next:port` is another host of this URL unless it starts a new
            // URL (`,https://...`).
            if out.len() == MAX_HOSTS || !value[end..].starts_with(',') {
                break;
            }
            let next_end = end_from(end + 1);
            if next_end == end + 1 || value[next_end..].starts_with("//") {
                break;
            }
            (start, end) = (end + 1, next_end);
        }
        from = end;
    }
    out
}

/// The hosts a variable's value names: those of its URLs, or, when it has
/// none and the key names a host (`DB_HOST`), the value itself as
/// `host[:port]` or a comma-separated list of them; the first [`MAX_HOSTS`].
pub(crate) fn hosts_in<'a>(key: &str, value: &'a str) -> Vec<HostRef<'a>> {
    let urls = url_hosts(value);
    if !urls.is_empty() || !names_a_host(key) {
        return urls;
    }
    let mut out = Vec::new();
    let mut at = 0;
    for item in value.split(',').take(MAX_HOSTS) {
        let trimmed = item.trim();
        let lead = item.len() - item.trim_start().len();
        let (host, port) = split_host_port(trimmed);
        out.push(HostRef {
            scheme: None,
            host,
            at: at + lead,
            port,
        });
        at += item.len() + 1;
    }
    out
}

pub(crate) fn key_words(key: &str) -> Vec<String> {
    key.to_ascii_uppercase()
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// `DB_HOST`, `REDIS_HOSTNAME`, `POSTGRES_SERVER`, `CACHE_ADDR`: the last
/// word names a host; not a switch about hosts (`VERIFY_HOSTNAME`,
/// `ONLY_MAILCOW_HOSTNAME`).
pub(crate) fn names_a_host(key: &str) -> bool {
    let words = key_words(key);
    let switch = words
        .first()
        .is_some_and(|w| SWITCH_WORDS.contains(&w.as_str()));
    !switch
        && words.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "HOST" | "HOSTNAME" | "SERVER" | "ADDR" | "ADDRESS" | "HOSTPORT"
            )
        })
}

/// First words of a switch about something (`SKIP_IP_CHECK`,
/// `VERIFY_HOSTNAME`): its value is a flag.
const SWITCH_WORDS: &[&str] = &[
    "ONLY", "SKIP", "USE", "ENABLE", "DISABLE", "ALLOW", "VERIFY", "CHECK", "IS", "HAS", "NO",
    "FORCE", "REQUIRE",
];

/// Name prefixes of the variables a frontend build hands to the browser.
pub(crate) const BROWSER_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "VUE_APP_",
    "GATSBY_",
    "EXPO_PUBLIC_",
    "PUBLIC_",
];

/// Words of a name that say its URL is opened by a browser or names the
/// site itself (not a server the container connects to).
const BROWSER_WORDS: &[&str] = &[
    "ORIGIN", "ORIGINS", "CORS", "FRONTEND", "PUBLIC", "CALLBACK", "REDIRECT", "SITE", "DOMAIN",
    "CSRF", "EXTERNAL", "WEB", "BROWSER", "VIRTUAL", "COOKIE",
];

/// Words of a name that say its hosts are trusted or allowed, not
/// connected to (`ALLOWED_HOSTS`, `TRUSTED_PROXIES`, `SET_REAL_IP_FROM`).
const ALLOW_WORDS: &[&str] = &[
    "ALLOW",
    "ALLOWED",
    "ALLOWLIST",
    "WHITELIST",
    "TRUST",
    "TRUSTED",
    "PROXIES",
];

/// First words of the servers whose variables set where they listen
/// (`UVICORN_HOST`, `FLASK_RUN_HOST`).
const LISTENING_SERVERS: &[&str] = &["UVICORN", "GUNICORN", "HYPERCORN", "DAPHNE", "FLASK"];

/// What a variable's value is for, as its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyUse {
    /// An address the container connects to (`DATABASE_URL`, `REDIS_HOST`).
    Connection,
    /// An address a browser opens or the site's own name (`CORS_ORIGINS`,
    /// `FRONTEND_URL`, `NEXT_PUBLIC_API_URL`, `VIRTUAL_HOST`).
    Browser,
    /// Hosts or networks to trust or allow (`ALLOWED_HOSTS`,
    /// `TRUSTED_PROXIES`, `SET_REAL_IP_FROM`).
    AllowList,
    /// Where the container itself listens (`HOST`, `LISTEN_ADDR`,
    /// `UVICORN_HOST`).
    Listen,
    /// A metrics sink over UDP (`STATSD_HOST`): a default sends to nobody
    /// and fails nothing.
    Metrics,
}

/// What the variable `key` is for, by its name.
pub(crate) fn key_use(key: &str) -> KeyUse {
    let upper = key.to_ascii_uppercase();
    let words = key_words(key);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    if has(&["STATSD", "DOGSTATSD"]) {
        KeyUse::Metrics
    } else if has(ALLOW_WORDS) || (has(&["REAL"]) && has(&["IP"])) {
        KeyUse::AllowList
    } else if BROWSER_PREFIXES.iter().any(|p| upper.starts_with(p)) || has(BROWSER_WORDS) {
        KeyUse::Browser
    } else if has(&["LISTEN", "BIND"])
        || matches!(upper.as_str(), "HOST" | "HOSTNAME" | "ADDR" | "ADDRESS")
        || words
            .first()
            .is_some_and(|w| LISTENING_SERVERS.contains(&w.as_str()))
    {
        KeyUse::Listen
    } else {
        KeyUse::Connection
    }
}

/// Words of a service name that say it serves a browser application.
const FRONTEND_NAMES: &[&str] = &[
    "frontend", "front", "ui", "webui", "webapp", "spa", "client", "www",
];

/// True when the service is a frontend: its name says so (`frontend`,
/// `web-ui`), or it receives variables a frontend build hands to the
/// browser (`NEXT_PUBLIC_*`, `VITE_*`...). Its web addresses are the
/// browser's.
pub(crate) fn is_frontend(s: &Service) -> bool {
    let by_name = s
        .name
        .to_ascii_lowercase()
        .split(['_', '-', '.'])
        .any(|w| FRONTEND_NAMES.contains(&w));
    let upper = |k: &String| k.to_ascii_uppercase();
    by_name
        || s.container_env
            .vars
            .keys()
            .any(|k| BROWSER_PREFIXES.iter().any(|p| upper(k).starts_with(p)))
}

impl HostRef<'_> {
    /// The network scheme of its URL; `None` for a bare host or a scheme
    /// that names no server ([`network_scheme`]).
    pub(crate) fn network_scheme(&self) -> Option<Scheme> {
        self.scheme.as_deref().and_then(network_scheme)
    }

    /// The port it connects to: written, or its scheme's default.
    pub(crate) fn port_number(&self) -> Option<u16> {
        match self.port.filter(|p| !p.is_empty()) {
            Some(p) => p.parse().ok(),
            None => self.network_scheme().and_then(|s| s.port),
        }
    }
}

/// A host a running service receives in its container environment, as an
/// address it connects to.
#[derive(Debug, Clone)]
pub(crate) struct ReceivedHost<'a> {
    pub project: &'a Project,
    pub service: &'a Service,
    pub key: &'a str,
    /// The definition that wins, whose value the container receives.
    pub definition: &'a EnvDefinition,
    /// A host of the definition's value (`at`: its offset in the value).
    pub host: HostRef<'a>,
}

/// Every host each running service receives as a connection it makes: in a
/// URL of a network scheme ([`network_scheme`]), or as the value of a
/// variable named like a host (`DB_HOST=db:5432`). Not read: the
/// environment of a database, cache or broker server (it configures the
/// server; a shared env_file also hands it its clients' settings); variables
/// whose name says they are for a browser, an allow list, a listen address
/// or a UDP metrics sink ([`key_use`]); a bare host without a port in an
/// `*_ADDR` variable (as often where to listen as where to connect).
pub(crate) fn received_hosts(ws: &Workspace) -> Vec<ReceivedHost<'_>> {
    let mut out = Vec::new();
    for (project, service) in ws.active_services() {
        if ServerKind::of_service(service).is_some() {
            continue;
        }
        for (key, var) in &service.container_env.vars {
            if key_use(key) != KeyUse::Connection {
                continue;
            }
            let definition = &var.winner;
            let Some(value) = &definition.value else {
                continue;
            };
            let addr_key = key_words(key)
                .last()
                .is_some_and(|w| w == "ADDR" || w == "ADDRESS");
            for host in hosts_in(key, value) {
                let keep = match &host.scheme {
                    Some(_) => host.network_scheme().is_some(),
                    None => !(addr_key && host.port.is_none()),
                };
                if keep && !host.host.is_empty() {
                    out.push(ReceivedHost {
                        project,
                        service,
                        key,
                        definition,
                        host,
                    });
                }
            }
        }
    }
    out
}

/// Values that are flags, not hosts (`REV_SERVER=true`, `X_HOSTNAME=n`).
pub(crate) fn is_flag_value(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "y"
            | "n"
            | "on"
            | "off"
            | "none"
            | "null"
            | "nil"
            | "enabled"
            | "disabled"
            | "auto"
            | "default"
    )
}

/// Whether `host` could be a compose service name (or alias): one label,
/// letters, digits, `-`, `_`; not an IP address, a domain, loopback or a
/// flag.
pub(crate) fn is_service_like(host: &str) -> bool {
    !host.is_empty()
        && !is_loopback(host)
        && !is_flag_value(host)
        && host.chars().any(|c| c.is_ascii_alphabetic())
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `s` listens on `port`: the default port of the server its image
/// is, or a port it publishes or exposes (in compose or its image).
pub(crate) fn service_listens_on(s: &Service, port: u16) -> bool {
    ServerKind::of_service(s).is_some_and(|k| k.port() == port)
        || published_ports(s).iter().any(|p| p.target.contains(port))
        || exposed_ports(s).iter().any(|e| e.port.contains(port))
}

/// The local addresses a command word probes: the hosts of its URLs, and
/// bare `localhost:PORT`, `127.0.0.1:PORT`, `0.0.0.0:PORT`
/// (`nc -z localhost:8000`, `wget -q 0.0.0.0:8123/ping`); loopback or
/// `0.0.0.0` only, in order.
pub(crate) fn local_addresses(text: &str) -> Vec<HostRef<'_>> {
    let mut hosts = url_hosts(text);
    for bare in ["localhost:", "127.0.0.1:", "0.0.0.0:"] {
        for (i, _) in text.match_indices(bare).take(MAX_HOSTS) {
            if !hosts.iter().any(|h| h.at == i) {
                let end = text[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':')))
                    .map_or(text.len(), |e| i + e);
                let (host, port) = split_host_port(&text[i..end]);
                hosts.push(HostRef {
                    scheme: None,
                    host,
                    at: i,
                    port,
                });
            }
        }
    }
    hosts.retain(|h| is_loopback(h.host) || h.host == "0.0.0.0");
    hosts.sort_by_key(|h| h.at);
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(key: &str, value: &str) -> Vec<(Option<String>, String, usize, Option<String>)> {
        hosts_in(key, value)
            .into_iter()
            .map(|h| {
                (
                    h.scheme,
                    h.host.to_string(),
                    h.at,
                    h.port.map(str::to_string),
                )
            })
            .collect()
    }

    #[test]
    fn hosts_of_urls_with_offsets() {
        let v = "postgresql+asyncpg://postgres:pw@postgres:5432/app";
        let h = url_hosts(v);
        assert_eq!(
            (h[0].host, h[0].port, h[0].scheme.as_deref()),
            ("postgres", Some("5432"), Some("postgresql+asyncpg"))
        );
        assert_eq!(&v[h[0].at..h[0].at + 8], "postgres");
        assert_eq!(&v[h[0].port_at()..h[0].port_at() + 4], "5432");
        assert_eq!(url_hosts("http://[::1]:80/")[0].host, "[::1]");
        let v = "mongodb://a:1,b,c:3/db?x=1";
        let h: Vec<_> = url_hosts(v)
            .iter()
            .map(|h| (h.host, h.at, h.port))
            .collect();
        assert_eq!(
            h,
            [("a", 10, Some("1")), ("b", 14, None), ("c", 16, Some("3"))]
        );
        // Two URLs, two hosts; a URL in shell text ends at its quote.
        let h: Vec<_> = url_hosts("http://x:1,https://y")
            .iter()
            .map(|h| h.host)
            .collect();
        assert_eq!(h, ["x", "y"]);
        let h: Vec<_> = url_hosts("curl 'http://localhost:8000' && wget http://127.0.0.1")
            .iter()
            .map(|h| h.host)
            .collect();
        assert_eq!(h, ["localhost", "127.0.0.1"]);
        assert!(url_hosts("no url here").is_empty());
        assert_eq!(url_hosts("x://")[0].host, "");
    }

    /// Fuzzing found it: a multi-byte character right before `://`.
    #[test]
    fn a_scheme_after_a_multi_byte_character() {
        let h = url_hosts("\u{797}ttp://localhost/health");
        assert_eq!(
            (h[0].scheme.as_deref(), h[0].host),
            (Some("ttp"), "localhost")
        );
        let h = url_hosts("é://x é+ü://y");
        assert_eq!(
            (h[0].scheme.as_deref(), h[1].scheme.as_deref()),
            (Some(""), Some(""))
        );
    }

    /// A value of a million hosts is read no further than the first 64.
    #[test]
    fn hosts_are_bounded() {
        assert_eq!(
            hosts_in("DB_HOST", &"a,".repeat(1_000_000)).len(),
            MAX_HOSTS
        );
        assert_eq!(url_hosts(&"redis://a ".repeat(1_000)).len(), MAX_HOSTS);
        assert_eq!(
            url_hosts(&format!("mongodb://{}", "a:1,".repeat(1_000))).len(),
            MAX_HOSTS
        );
    }

    #[test]
    fn a_bracketed_host_has_a_numeric_port_or_none() {
        assert_eq!(split_host_port("[::1]:80"), ("[::1]", Some("80")));
        assert_eq!(split_host_port("[::1]:80x"), ("[::1]", None));
        assert_eq!(split_host_port("[::1]"), ("[::1]", None));
    }

    #[test]
    fn bare_hosts_only_for_host_keys() {
        assert_eq!(
            hosts("DB_HOST", " db:5432"),
            [(None, "db".into(), 1, Some("5432".into()))]
        );
        assert_eq!(
            hosts("KAFKA_SERVER", "k1:9092, k2:9092"),
            [
                (None, "k1".into(), 0, Some("9092".into())),
                (None, "k2".into(), 9, Some("9092".into()))
            ]
        );
        assert!(hosts("GREETING", "db").is_empty());
        // A URL in a host key is read as a URL.
        assert_eq!(hosts("DB_HOST", "tcp://db:1")[0].0.as_deref(), Some("tcp"));
    }

    #[test]
    fn network_schemes_once() {
        for (name, port) in [
            ("postgresql+asyncpg", Some(5432)),
            ("mongodb+srv", Some(27017)),
            ("HTTPS", Some(443)),
            ("smtp", Some(25)),
            ("grpc", None),
        ] {
            assert_eq!(network_scheme(name).map(|s| s.port), Some(port), "{name}");
        }
        for name in ["s3", "sms", "file", "sqlite", "mailto", "gs", ""] {
            assert_eq!(network_scheme(name), None, "{name}");
        }
        assert_eq!(network_scheme("ws").unwrap().kind, SchemeKind::Web);
        assert_eq!(network_scheme("redis").unwrap().kind, SchemeKind::Server);
        let h = &url_hosts("redis://cache/0")[0];
        assert_eq!(h.port_number(), Some(6379));
        assert_eq!(url_hosts("s3://bucket/x")[0].port_number(), None);
    }

    #[test]
    fn what_a_name_says_its_value_is_for() {
        for (key, expected) in [
            ("DATABASE_URL", KeyUse::Connection),
            ("REDIS_HOST", KeyUse::Connection),
            ("ELASTICSEARCH_HOSTS", KeyUse::Connection),
            ("BACKEND_CORS_ORIGINS", KeyUse::Browser),
            ("NEXT_PUBLIC_API_URL", KeyUse::Browser),
            ("VITE_API_URL", KeyUse::Browser),
            ("REACT_APP_BACKEND", KeyUse::Browser),
            ("VIRTUAL_HOST", KeyUse::Browser),
            ("SESSION_COOKIE_DOMAIN", KeyUse::Browser),
            ("ALLOWED_HOSTS", KeyUse::AllowList),
            ("DJANGO_ALLOWED_HOSTS", KeyUse::AllowList),
            ("TRUSTED_PROXIES", KeyUse::AllowList),
            ("SET_REAL_IP_FROM", KeyUse::AllowList),
            ("CSRF_TRUSTED_ORIGINS", KeyUse::AllowList),
            ("HOST", KeyUse::Listen),
            ("HOSTNAME", KeyUse::Listen),
            ("LISTEN_ADDR", KeyUse::Listen),
            ("BIND_ADDRESS", KeyUse::Listen),
            ("UVICORN_HOST", KeyUse::Listen),
            ("FLASK_RUN_HOST", KeyUse::Listen),
            ("STATSD_HOST", KeyUse::Metrics),
            ("DD_DOGSTATSD_URL", KeyUse::Metrics),
        ] {
            assert_eq!(key_use(key), expected, "{key}");
        }
    }

    #[test]
    fn flags_are_not_hosts() {
        assert!(!names_a_host("ONLY_MAILCOW_HOSTNAME"));
        assert!(!names_a_host("VERIFY_HOSTNAME"));
        assert!(!names_a_host("SKIP_SERVER"));
        assert!(names_a_host("MAILCOW_HOSTNAME"));
        for flag in ["n", "y", "true", "None", "auto"] {
            assert!(!is_service_like(flag), "{flag}");
        }
        for host in ["db", "redis-cache", "pg_primary", "mongo3"] {
            assert!(is_service_like(host), "{host}");
        }
        for not in [
            "db.example.com",
            "10.0.0.5",
            "localhost",
            "${HOST}",
            "[::1]",
            "",
        ] {
            assert!(!is_service_like(not), "{not}");
        }
    }
}
