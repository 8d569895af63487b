//! How a service's container is networked, read once for every rule: its
//! `network_mode` as a typed value, the networks it is on, which of them
//! other projects share, and the names it resolves besides the project's
//! services (`links`, `external_links`, `extra_hosts`).

use std::collections::BTreeSet;

use crate::model::types::{Project, Service};
use crate::model::workspace::Workspace;
use crate::syntax::yaml::Node;

/// A service's `network_mode`, as Docker reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NetworkMode {
    /// `host`: the host's network namespace.
    Host,
    /// `none`: no network at all.
    None,
    /// `bridge`: Docker's default bridge, where compose service names do not
    /// resolve (only legacy `links`).
    Bridge,
    /// `service:NAME`: another service's namespace.
    Service(String),
    /// `container:NAME`: another container's namespace.
    Container(String),
    /// Any other text: a network Docker knows by that name.
    Named(String),
}

impl NetworkMode {
    /// Reads a `network_mode` value (after interpolation).
    pub fn parse(text: &str) -> NetworkMode {
        let t = text.trim();
        if let Some(s) = t.strip_prefix("service:") {
            return NetworkMode::Service(s.to_string());
        }
        if let Some(c) = t.strip_prefix("container:") {
            return NetworkMode::Container(c.to_string());
        }
        match t {
            "host" => NetworkMode::Host,
            "none" => NetworkMode::None,
            "bridge" | "default" => NetworkMode::Bridge,
            other => NetworkMode::Named(other.to_string()),
        }
    }

    /// The service's mode; `None` when it sets none (the project's
    /// networks).
    pub fn of(s: &Service) -> Option<NetworkMode> {
        s.network_mode
            .as_ref()
            .filter(|m| !m.text.trim().is_empty())
            .map(|m| NetworkMode::parse(&m.text))
    }

    /// True when the container's loopback is not its own: the host's
    /// (`host`) or another container's (`service:`, `container:`), where
    /// `localhost` and 127.0.0.1 reach what runs there.
    pub fn shares_loopback(&self) -> bool {
        matches!(
            self,
            NetworkMode::Host | NetworkMode::Service(_) | NetworkMode::Container(_)
        )
    }
}

/// True when the service's loopback is shared with the host or another
/// container (see [`NetworkMode::shares_loopback`]).
pub(crate) fn shares_loopback(s: &Service) -> bool {
    NetworkMode::of(s).is_some_and(|m| m.shares_loopback())
}

/// The networks a service is attached to (`default` when none is named).
pub(crate) fn attached(s: &Service) -> BTreeSet<&str> {
    if s.networks.is_empty() {
        ["default"].into_iter().collect()
    } else {
        s.networks.iter().map(|n| n.name.as_str()).collect()
    }
}

/// The networks of `a` and `b` overlap (each on `default` when it names
/// none).
pub(crate) fn share_a_network(a: &Service, b: &Service) -> bool {
    !attached(a).is_disjoint(&attached(b))
}

/// The top-level `networks:` entries of every compose file of the project.
fn network_definitions<'a>(
    ws: &'a Workspace,
    p: &Project,
) -> impl Iterator<Item = (&'a str, &'a Node)> + 'a {
    let files: Vec<_> = p.compose_files.clone();
    files
        .into_iter()
        .filter_map(|f| ws.compose.get(&f))
        .flat_map(|c| c.documents())
        .filter_map(|c| c.root.as_ref()?.get("networks")?.as_map())
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

fn is_true(n: &Node) -> bool {
    n.as_str().is_some_and(|t| t == "true") || n.as_map().is_some()
}

/// The project's networks that other projects may share, where containers
/// this project does not define answer to names: `external: true`, or an
/// explicit `name:` (another project naming the same network joins it).
pub(crate) fn shared_networks(ws: &Workspace, p: &Project) -> BTreeSet<String> {
    network_definitions(ws, p)
        .filter(|(_, v)| {
            v.get("external").is_some_and(is_true)
                || v.get("name")
                    .and_then(Node::as_str)
                    .is_some_and(|n| !n.trim().is_empty())
        })
        .map(|(k, _)| k.to_string())
        .collect()
}

/// True when the service is on a network other projects share
/// ([`shared_networks`]).
pub(crate) fn on_shared_network(ws: &Workspace, p: &Project, s: &Service) -> bool {
    let shared = shared_networks(ws, p);
    attached(s).iter().any(|n| shared.contains(*n))
}

/// `services.NAME.KEY` in every compose file of the project.
fn raw<'a>(ws: &'a Workspace, p: &Project, service: &str, key: &str) -> Vec<&'a Node> {
    p.compose_files
        .iter()
        .filter_map(|f| ws.compose.get(f))
        .flat_map(|c| c.documents())
        .filter_map(|c| c.root.as_ref()?.get("services")?.get(service)?.get(key))
        .collect()
}

/// The scalars of a list, or the keys of a mapping.
fn entries(n: &Node) -> Vec<String> {
    match (n.as_seq(), n.as_map()) {
        (Some(items), _) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        (_, Some(pairs)) => pairs
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Names `service` resolves besides the project's services
/// ([`Service::answers_to`]): its `links` and `external_links` (`db:alias`:
/// both names) and the hosts of its `extra_hosts`.
pub(crate) fn extra_names(ws: &Workspace, p: &Project, service: &Service) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for key in ["links", "external_links"] {
        for n in raw(ws, p, &service.name, key) {
            for l in entries(n) {
                names.extend(l.split(':').map(str::to_string));
            }
        }
    }
    for n in raw(ws, p, &service.name, "extra_hosts") {
        for l in entries(n) {
            if let Some(h) = l.split(['=', ':']).next() {
                names.insert(h.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_modes_as_docker_reads_them() {
        assert_eq!(NetworkMode::parse("host"), NetworkMode::Host);
        assert_eq!(NetworkMode::parse("none"), NetworkMode::None);
        assert_eq!(NetworkMode::parse("bridge"), NetworkMode::Bridge);
        assert_eq!(
            NetworkMode::parse("service:vpn"),
            NetworkMode::Service("vpn".into())
        );
        assert_eq!(
            NetworkMode::parse("container:abc"),
            NetworkMode::Container("abc".into())
        );
        assert_eq!(
            NetworkMode::parse("my-net"),
            NetworkMode::Named("my-net".into())
        );
        assert!(NetworkMode::Host.shares_loopback());
        assert!(NetworkMode::Service("vpn".into()).shares_loopback());
        assert!(!NetworkMode::Bridge.shares_loopback());
        assert!(!NetworkMode::None.shares_loopback());
        // `hostname` is no mode of its own: a network of that name.
        assert_eq!(
            NetworkMode::parse("hostnet"),
            NetworkMode::Named("hostnet".into())
        );
    }
}
