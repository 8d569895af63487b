//! A service's ports as numbers, with where each is written: compose
//! `ports:` (`[ip:][published:]target[/protocol]`, read from the value
//! after interpolation), compose `expose:` and the image's `EXPOSE`; and the
//! ports debuggers listen on.

use std::collections::{HashMap, HashSet};

use crate::facts::commands::{span_in, RunCommand};
use crate::facts::server::ServerKind;
use crate::model::types::{PortConfig, Project, Service};
use crate::source::Span;

/// A port or a range of ports (`8000-8010`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    /// `8000`, `8000-8010`; `None` for anything else (an unexpanded
    /// variable, a name, an empty text).
    pub fn parse(text: &str) -> Option<PortRange> {
        let num = |t: &str| {
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u16>().ok())
                .flatten()
        };
        match text.split_once('-') {
            Some((a, b)) => {
                let (start, end) = (num(a)?, num(b)?);
                (start <= end).then_some(PortRange { start, end })
            }
            None => num(text).map(|p| PortRange { start: p, end: p }),
        }
    }

    /// The port, when the range is one port.
    pub fn single(self) -> Option<u16> {
        (self.start == self.end).then_some(self.start)
    }

    pub fn contains(self, port: u16) -> bool {
        (self.start..=self.end).contains(&port)
    }

    /// How many ports the range holds.
    pub fn width(self) -> u32 {
        u32::from(self.end) - u32::from(self.start) + 1
    }
}

/// Which running services of a project listen on a port (the default port
/// of the server their image is, a port they publish or expose) and which
/// ports the host publishes: read once per project, not once per address
/// a rule looks at (20,000 services each receiving a `localhost:PORT`
/// parsed every service's ports 20,000 times).
pub(crate) struct Listeners<'a> {
    services: Vec<&'a Service>,
    /// Indices into `services`, by port, for ranges of up to
    /// [`Listeners::SPREAD`] ports.
    by_port: HashMap<u16, Vec<usize>>,
    /// Wider ranges, looked at one by one.
    wide: Vec<(usize, PortRange)>,
    published: HashSet<u16>,
    wide_published: Vec<PortRange>,
}

impl<'a> Listeners<'a> {
    /// Ranges up to this many ports are indexed port by port...
    const SPREAD: u32 = 1_024;
    /// ...until this many ports are indexed in the project; the others
    /// (thousands of `expose: ["1-1024", …]`) are looked at one by one.
    const INDEXED: usize = 1 << 20;

    pub(crate) fn of(project: &'a Project) -> Self {
        let mut l = Listeners {
            services: Vec::new(),
            by_port: HashMap::new(),
            wide: Vec::new(),
            published: HashSet::new(),
            wide_published: Vec::new(),
        };
        let mut indexed = 0usize;
        for s in project.active_services() {
            let i = l.services.len();
            l.services.push(s);
            let published = published_ports(s);
            let mut ranges: Vec<PortRange> = ServerKind::of_service(s)
                .map(|k| PortRange {
                    start: k.port(),
                    end: k.port(),
                })
                .into_iter()
                .collect();
            ranges.extend(published.iter().map(|p| p.target));
            ranges.extend(exposed_ports(s).iter().map(|e| e.port));
            for r in ranges {
                if r.width() <= Self::SPREAD && indexed < Self::INDEXED {
                    indexed += r.width() as usize;
                    for port in r.start..=r.end {
                        let at = l.by_port.entry(port).or_default();
                        if at.last() != Some(&i) {
                            at.push(i);
                        }
                    }
                } else {
                    l.wide.push((i, r));
                }
            }
            for r in published.iter().filter_map(|p| p.published) {
                if r.width() <= Self::SPREAD && indexed < Self::INDEXED {
                    indexed += r.width() as usize;
                    l.published.extend(r.start..=r.end);
                } else {
                    l.wide_published.push(r);
                }
            }
        }
        l
    }

    /// The running services that listen on `port`, in the project's order
    /// (read lazily: a caller that wants the first or "another than me"
    /// reads one or two).
    pub(crate) fn on(&self, port: u16) -> Box<dyn Iterator<Item = &'a Service> + '_> {
        let indexed = self.by_port.get(&port).map_or(&[][..], Vec::as_slice);
        if !self.wide.iter().any(|(_, r)| r.contains(port)) {
            return Box::new(indexed.iter().map(|&i| self.services[i]));
        }
        let mut at: Vec<usize> = indexed.to_vec();
        let wide = self.wide.iter().filter(|(_, r)| r.contains(port));
        at.extend(wide.map(|(i, _)| *i));
        at.sort_unstable();
        at.dedup();
        Box::new(at.into_iter().map(|i| self.services[i]))
    }

    /// Whether a running service publishes `port` on the host.
    pub(crate) fn published(&self, port: u16) -> bool {
        self.published.contains(&port) || self.wide_published.iter().any(|r| r.contains(port))
    }
}

/// An entry of compose `ports:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Published {
    /// The host side; `None` when Docker picks one (`"8080"`, `"::8080"`).
    pub published: Option<PortRange>,
    /// The container side.
    pub target: PortRange,
    /// Where the container side is written (the whole entry when the value
    /// does not map onto its source one to one).
    pub target_span: Span,
    /// The whole entry.
    pub span: Span,
    pub udp: bool,
    /// The host address it is published on (`127.0.0.1`, `::1`); `None`:
    /// every interface.
    pub host_ip: Option<String>,
}

/// A port the image or compose `expose:` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exposed {
    pub port: PortRange,
    pub span: Span,
    /// True for the image's `EXPOSE`, false for compose `expose:`.
    pub from_image: bool,
}

/// The host address of `[ip:][published:]target[/protocol]`, without its
/// brackets; `None` when there is none.
fn host_ip(text: &str) -> Option<&str> {
    let spec = text.split('/').next().unwrap_or(text);
    if let Some(rest) = spec.strip_prefix('[') {
        return rest.split(']').next().filter(|ip| !ip.is_empty());
    }
    // Without brackets, everything before `published:target` (`::1`, an
    // IPv6 address written bare, as Compose reads it).
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() < 3 {
        return None;
    }
    let cut = spec.len() - parts[parts.len() - 2].len() - parts[parts.len() - 1].len() - 2;
    Some(&spec[..cut]).filter(|ip| !ip.is_empty())
}

/// Where a host address publishes: `None` (every interface, `0.0.0.0`,
/// `::`), or `Some(true)` for an address other networks reach (a public
/// one), `Some(false)` for the loopback, a private or link-local address,
/// or one not read (a variable left in it).
pub(crate) fn public_address(ip: Option<&str>) -> Option<bool> {
    let ip = ip?.trim().trim_start_matches('[').trim_end_matches(']');
    match ip.parse::<std::net::IpAddr>() {
        Ok(a) if a.is_unspecified() => None,
        Ok(std::net::IpAddr::V4(a)) => {
            {
                // 100.64.0.0/10 (carrier-grade NAT, Tailscale) is not public.
                let shared = a.octets()[0] == 100 && (a.octets()[1] & 0xc0) == 64;
                Some(!(a.is_loopback() || a.is_private() || a.is_link_local() || shared))
            }
        }
        Ok(std::net::IpAddr::V6(a)) => {
            Some(!(a.is_loopback() || a.is_unique_local() || a.is_unicast_link_local()))
        }
        Err(_) => Some(false),
    }
}

/// Whether an entry is `HOST:CONTAINER[/protocol]`, ports or ranges only:
/// no address, no variable, the host port written.
pub(crate) fn host_and_container(text: &str) -> bool {
    let spec = text.split('/').next().unwrap_or(text);
    let numbers = |t: &str| {
        !t.is_empty()
            && t.split('-')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(spec.split(':').collect::<Vec<_>>().as_slice(), [h, c] if numbers(h) && numbers(c))
}

/// `[ip:][published:]target[/protocol]` → (published text, target text,
/// offset of the target, protocol).
fn split_entry(text: &str) -> Option<(Option<&str>, &str, usize, &str)> {
    let (spec, protocol) = match text.split_once('/') {
        Some((s, p)) => (s, p),
        None => (text, "tcp"),
    };
    // An IPv6 host is bracketed: `[::1]:8080:80`.
    let from = spec.rfind(']').map_or(0, |i| i + 1);
    let parts: Vec<(usize, &str)> = {
        let mut at = from;
        spec[from..]
            .split(':')
            .map(|p| {
                let r = (at, p);
                at += p.len() + 1;
                r
            })
            .filter(|(i, p)| !(from > 0 && *i == from && p.is_empty()))
            .collect()
    };
    let (target_at, target) = *parts.last()?;
    let published = match parts.len() {
        0 | 1 => None,
        _ => Some(parts[parts.len() - 2].1).filter(|p| !p.is_empty()),
    };
    Some((published, target, target_at, protocol))
}

/// One `ports:` entry, read from its value after interpolation.
pub(crate) fn published(p: &PortConfig) -> Option<Published> {
    let text = p.raw.text.trim();
    let lead = p.raw.text.len() - p.raw.text.trim_start().len();
    let (published, target, at, protocol) = split_entry(text)?;
    Some(Published {
        published: published.and_then(PortRange::parse),
        target: PortRange::parse(target)?,
        target_span: span_in(&p.raw, lead + at..lead + at + target.len()),
        span: p.raw.span,
        udp: protocol.eq_ignore_ascii_case("udp"),
        host_ip: host_ip(text).map(String::from),
    })
}

/// Every `ports:` entry of the service that names its ports.
pub(crate) fn published_ports(s: &Service) -> Vec<Published> {
    s.ports.iter().filter_map(published).collect()
}

/// What the service declares it listens on: compose `expose:`, then the
/// `EXPOSE`s of the image it builds.
pub(crate) fn exposed_ports(s: &Service) -> Vec<Exposed> {
    let port = |t: &str| PortRange::parse(t.split('/').next().unwrap_or(t).trim());
    let compose = s.expose.iter().filter_map(|e| {
        Some(Exposed {
            port: port(&e.text)?,
            span: e.span,
            from_image: false,
        })
    });
    let image = s
        .image_facts
        .iter()
        .flat_map(|f| &f.expose)
        .filter_map(|e| {
            Some(Exposed {
                port: port(&e.value)?,
                span: e.span,
                from_image: true,
            })
        });
    compose.chain(image).collect()
}

/// Ports that debuggers listen on by default: debugpy, the Node.js
/// inspector (and its legacy protocol), Java's JDWP, Delve, Xdebug 3.
pub(crate) const DEBUGGER_PORTS: &[(u16, &str)] = &[
    (5678, "debugpy"),
    (9229, "the Node.js inspector"),
    (5858, "the Node.js debugger"),
    (5005, "JDWP"),
    (2345, "Delve"),
    (9003, "Xdebug"),
];

/// The port after the last `:` of an address (`0.0.0.0:6899`, `*:5005`,
/// `:2345`, `9229`).
fn address_port(addr: &str) -> Option<u16> {
    let p = addr.rsplit(':').next()?;
    p.parse().ok()
}

/// Ports a debugger in the container's command listens on:
/// `debugpy --listen [HOST:]PORT`, `node --inspect[-brk]=[HOST:]PORT`,
/// `-agentlib:jdwp=…,address=[HOST:]PORT`, `dlv … --listen=[HOST]:PORT`.
pub(crate) fn debugger_ports(cmd: &RunCommand) -> Vec<u16> {
    let mut out = Vec::new();
    for inv in &cmd.invocations {
        let words: Vec<&str> = inv.args.iter().map(|a| a.text.as_str()).collect();
        let debugger = words
            .iter()
            .any(|w| *w == "debugpy" || w.ends_with("/debugpy") || *w == "dlv");
        for (i, w) in words.iter().enumerate() {
            let value = if let Some(v) = w
                .strip_prefix("--inspect-brk=")
                .or_else(|| w.strip_prefix("--inspect="))
            {
                Some(v)
            } else if let Some(opts) = w
                .strip_prefix("-agentlib:jdwp=")
                .or_else(|| w.strip_prefix("-Xrunjdwp:"))
            {
                opts.split(',').find_map(|o| o.strip_prefix("address="))
            } else if debugger {
                match w.strip_prefix("--listen=") {
                    Some(v) => Some(v),
                    None if *w == "--listen" => words.get(i + 1).copied(),
                    None => None,
                }
            } else {
                None
            };
            if let Some(p) = value.and_then(address_port) {
                out.push(p);
            }
        }
    }
    out
}

/// True when `port` is a debugger's: a default debugger port, or one a
/// debugger in the container's command listens on.
pub(crate) fn is_debugger_port(port: u16, cmd: Option<&RunCommand>) -> bool {
    DEBUGGER_PORTS.iter().any(|(p, _)| *p == port)
        || cmd.is_some_and(|c| debugger_ports(c).contains(&port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: &str) -> Option<(Option<&str>, &str, usize, &str)> {
        split_entry(t)
    }

    #[test]
    fn entries_as_compose_reads_them() {
        assert_eq!(entry("80"), Some((None, "80", 0, "tcp")));
        assert_eq!(entry("8080:80"), Some((Some("8080"), "80", 5, "tcp")));
        assert_eq!(
            entry("127.0.0.1:8080:80/udp"),
            Some((Some("8080"), "80", 15, "udp"))
        );
        assert_eq!(entry("127.0.0.1::80"), Some((None, "80", 11, "tcp")));
        assert_eq!(
            entry("[::1]:8080:9000"),
            Some((Some("8080"), "9000", 11, "tcp"))
        );
        assert_eq!(
            entry("8000-8010:8000-8010"),
            Some((Some("8000-8010"), "8000-8010", 10, "tcp"))
        );
    }

    #[test]
    fn host_addresses() {
        assert_eq!(host_ip("5432:5432"), None);
        assert_eq!(host_ip("127.0.0.1:5432:5432"), Some("127.0.0.1"));
        assert_eq!(host_ip("0.0.0.0::5432/tcp"), Some("0.0.0.0"));
        assert_eq!(host_ip("[::1]:5432:5432"), Some("::1"));
        assert_eq!(host_ip("5432"), None);
        assert_eq!(host_ip("::1:6379:6379"), Some("::1"));
        assert_eq!(host_ip("fd00::5:6380:6379"), Some("fd00::5"));
        assert_eq!(host_ip(":6379:6379"), None);
    }

    #[test]
    fn addresses_and_plain_entries() {
        assert_eq!(public_address(None), None);
        assert_eq!(public_address(Some("0.0.0.0")), None);
        assert_eq!(public_address(Some("[::]")), None);
        assert_eq!(public_address(Some("203.0.113.7")), Some(true));
        for private in [
            "127.0.0.1",
            "10.0.0.5",
            "192.168.1.2",
            "100.100.1.1",
            "::1",
            "fd00::1",
            "${IP}",
        ] {
            assert_eq!(public_address(Some(private)), Some(false), "{private}");
        }
        assert!(host_and_container("5432:5432"));
        assert!(host_and_container("8000-8010:8000-8010/tcp"));
        for not in ["5432", ":5432:5432", "0.0.0.0:5432:5432", "${P}:5432"] {
            assert!(!host_and_container(not), "{not}");
        }
    }

    #[test]
    fn port_ranges() {
        assert_eq!(
            PortRange::parse("8000"),
            Some(PortRange {
                start: 8000,
                end: 8000
            })
        );
        assert_eq!(PortRange::parse("8000-8002").unwrap().single(), None);
        assert!(PortRange::parse("8000-8002").unwrap().contains(8001));
        for bad in ["", "${PORT}", "http", "70000", "9-1"] {
            assert_eq!(PortRange::parse(bad), None, "{bad}");
        }
    }
}
