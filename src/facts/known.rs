//! Facts about well-known servers, images and variable names, shared by the
//! rules that reason about hosts and ports.

use crate::facts::server::ServerKind;
use crate::model::types::*;

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

/// Whether `s` listens on `port`: the default port of the server its image
/// is, or a port it publishes or exposes (in compose or its image).
pub(crate) fn service_listens_on(s: &Service, port: &str) -> bool {
    let by_image = ServerKind::of_service(s).is_some_and(|k| port.parse() == Ok(k.port()));
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
}
