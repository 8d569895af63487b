//! What a service reaches of its host beyond its own container: the
//! Docker daemon's socket mounted in, the privileges that lift its
//! isolation (`privileged`, capabilities, seccomp and AppArmor off, the
//! host's process and IPC namespaces); and the tools that exist to have
//! them (a reverse proxy that reads containers' labels, an updater, a
//! monitoring agent, Docker in Docker).

use crate::facts::image_ref::ImageRef;
use crate::facts::server::image_reference;
use crate::model::mount::{is_true, MountKind};
use crate::model::types::{Service, Value};
use crate::source::Span;

/// A `volumes:` item that gives the container the Docker daemon's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SocketMount {
    /// The host path as written after interpolation.
    pub path: String,
    /// Where the host path is written (the item, when it does not map onto
    /// its source one to one).
    pub span: Span,
    pub read_only: bool,
    /// A folder holding the socket (`/var/run`), not the socket itself.
    pub folder: bool,
}

/// `path` with `.` and `..` taken out, `/` repeated once (`//var/run` is
/// `/var/run` to the kernel), no `/` at the end.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether a cleaned absolute host path is a Docker (or Podman) API
/// socket: the system daemon's, a rootless one (`/run/user/1000/…`),
/// Docker Desktop's (`~/.docker/run/docker.sock`).
fn is_socket(path: &str) -> bool {
    path.ends_with("/docker.sock")
        || path.ends_with("/podman.sock")
        || path.ends_with("/containerd.sock")
}

/// The folders that hold the system daemon's socket (`/` holds them all).
const SOCKET_FOLDERS: &[&str] = &["/", "/var/run", "/run", "/run/containerd"];

/// Docker Desktop's named pipe on Windows, as Compose reads it from a
/// short item (`\\.\pipe\docker_engine`) or a `type: npipe` one.
fn is_windows_pipe(source: &str) -> bool {
    source
        .replace('/', "\\")
        .to_ascii_lowercase()
        .ends_with("\\pipe\\docker_engine")
}

/// The service's mounts of the Docker daemon's socket, or of the folder
/// that holds it.
pub(crate) fn docker_socket_mounts(s: &Service) -> Vec<SocketMount> {
    let mut out = Vec::new();
    for m in &s.volumes {
        let Some(mount) = m.read() else { continue };
        let (Some(source), Some((value, range))) = (mount.source, mount.source_at.clone()) else {
            continue;
        };
        if is_windows_pipe(source) {
            out.push(SocketMount {
                path: source.to_string(),
                span: crate::facts::commands::span_in(value, range),
                read_only: mount.read_only,
                folder: false,
            });
            continue;
        }
        if mount.kind != MountKind::Bind || !(source.starts_with('/') || source.starts_with('~')) {
            continue;
        }
        let path = if source.starts_with('~') {
            source.to_string()
        } else {
            clean(source)
        };
        let folder = SOCKET_FOLDERS.contains(&path.as_str());
        if !is_socket(&path) && !folder {
            continue;
        }
        out.push(SocketMount {
            path: source.to_string(),
            span: crate::facts::commands::span_in(value, range),
            read_only: mount.read_only,
            folder,
        });
    }
    out
}

/// A setting that lifts a part of the container's isolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Privilege {
    pub kind: PrivilegeKind,
    /// The value that sets it.
    pub span: Span,
    /// As written after interpolation (`SYS_ADMIN`, `seccomp:unconfined`).
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrivilegeKind {
    /// `privileged: true`.
    Privileged,
    /// `cap_add: [ALL]`.
    AllCapabilities,
    /// `cap_add: [SYS_ADMIN]`.
    SysAdmin,
    /// `cap_add: [SYS_MODULE]`: loading kernel modules.
    SysModule,
    /// `security_opt: [seccomp:unconfined]`.
    NoSeccomp,
    /// `security_opt: [apparmor:unconfined]`.
    NoAppArmor,
    /// `security_opt: [systempaths=unconfined]`: /proc and /sys unmasked.
    UnmaskedPaths,
    /// `pid: host`.
    HostPid,
    /// `ipc: host`.
    HostIpc,
}

/// A `security_opt:` item's option and value (`seccomp:unconfined`,
/// `apparmor=unconfined`: Docker takes both separators).
fn security_option(text: &str) -> Option<(&str, &str)> {
    let at = text.find([':', '='])?;
    Some((text[..at].trim(), text[at + 1..].trim()))
}

/// The settings of the service that lift its isolation, in the order
/// they are written.
pub(crate) fn privileges(s: &Service) -> Vec<Privilege> {
    let mut out = Vec::new();
    // At the text itself: the default of `${PRIV:-true}`, not the scalar.
    let mut add = |kind, v: &Value| {
        out.push(Privilege {
            kind,
            span: crate::facts::commands::span_in(v, 0..v.text.len()),
            text: v.text.clone(),
        })
    };
    if let Some(p) = s.privileged.as_ref().filter(|p| is_true(&p.text)) {
        add(PrivilegeKind::Privileged, p);
    }
    for c in &s.cap_add {
        let upper = c.text.trim().to_ascii_uppercase();
        match upper.strip_prefix("CAP_").unwrap_or(&upper) {
            "ALL" => add(PrivilegeKind::AllCapabilities, c),
            "SYS_ADMIN" => add(PrivilegeKind::SysAdmin, c),
            "SYS_MODULE" => add(PrivilegeKind::SysModule, c),
            _ => {}
        }
    }
    for o in &s.security_opt {
        let Some((option, value)) = security_option(&o.text) else {
            continue;
        };
        if !value.eq_ignore_ascii_case("unconfined") {
            continue;
        }
        match option.to_ascii_lowercase().as_str() {
            "seccomp" => add(PrivilegeKind::NoSeccomp, o),
            "apparmor" => add(PrivilegeKind::NoAppArmor, o),
            "systempaths" => add(PrivilegeKind::UnmaskedPaths, o),
            _ => {}
        }
    }
    if let Some(p) = s.pid.as_ref().filter(|p| p.text.trim() == "host") {
        add(PrivilegeKind::HostPid, p);
    }
    if let Some(i) = s.ipc.as_ref().filter(|i| i.text.trim() == "host") {
        add(PrivilegeKind::HostIpc, i);
    }
    out
}

/// What a well-known tool exists to do with its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostTool {
    /// It works through the Docker API: a reverse proxy reading labels, an
    /// updater, a log or metrics collector, a CI runner, a container UI.
    DockerApi,
    /// It needs the host's kernel: Docker in Docker, eBPF and system
    /// monitors, a host firewall, Kubernetes in a container.
    Kernel,
    /// Both (monitoring agents that read containers and the host).
    Both,
}

impl HostTool {
    pub fn docker_api(self) -> bool {
        matches!(self, HostTool::DockerApi | HostTool::Both)
    }
    pub fn kernel(self) -> bool {
        matches!(self, HostTool::Kernel | HostTool::Both)
    }
}

/// Images of tools that exist to work with their host, by the last part
/// of their name when it is the tool's own, or by the end of their
/// repository where that part is generic (`portainer/agent`,
/// `library/docker`, `gethomepage/homepage`). Lowercase.
const TOOLS: &[(&str, HostTool)] = &[
    // Reverse proxies and certificate companions that read containers.
    ("traefik", HostTool::DockerApi),
    ("nginx-proxy", HostTool::DockerApi),
    ("docker-gen", HostTool::DockerApi),
    ("acme-companion", HostTool::DockerApi),
    ("letsencrypt-nginx-proxy-companion", HostTool::DockerApi),
    ("caddy-docker-proxy", HostTool::DockerApi),
    ("caddy-gen", HostTool::DockerApi),
    ("traefik-kop", HostTool::DockerApi),
    ("sablier", HostTool::DockerApi),
    // Socket proxies: the remedy itself.
    ("docker-socket-proxy", HostTool::DockerApi),
    ("socket-proxy", HostTool::DockerApi),
    ("dockerproxy", HostTool::DockerApi),
    // Updaters, schedulers, healers, backups that stop containers.
    ("watchtower", HostTool::DockerApi),
    ("ouroboros", HostTool::DockerApi),
    ("shepherd", HostTool::DockerApi),
    ("diun", HostTool::DockerApi),
    ("whats-up-docker", HostTool::DockerApi),
    ("wud", HostTool::DockerApi),
    ("ofelia", HostTool::DockerApi),
    ("swarm-cronjob", HostTool::DockerApi),
    ("autoheal", HostTool::DockerApi),
    ("docker-autoheal", HostTool::DockerApi),
    ("docker-volume-backup", HostTool::DockerApi),
    // Container UIs and platforms.
    ("portainer", HostTool::DockerApi),
    ("portainer-ce", HostTool::DockerApi),
    ("portainer-ee", HostTool::DockerApi),
    ("portainer/agent", HostTool::DockerApi),
    ("dockge", HostTool::DockerApi),
    ("yacht", HostTool::DockerApi),
    ("dozzle", HostTool::DockerApi),
    ("gethomepage/homepage", HostTool::DockerApi),
    ("glance", HostTool::DockerApi),
    ("dashdot", HostTool::DockerApi),
    ("uptime-kuma", HostTool::DockerApi),
    ("coolify", HostTool::DockerApi),
    ("dokploy", HostTool::DockerApi),
    ("komodo-periphery", HostTool::DockerApi),
    ("coder/coder", HostTool::DockerApi),
    ("jenkins/jenkins", HostTool::DockerApi),
    ("rancher/rancher", HostTool::Both),
    ("registrator", HostTool::DockerApi),
    ("logspout", HostTool::DockerApi),
    ("dockerapi", HostTool::DockerApi),
    // Collectors of containers' logs and metrics.
    ("promtail", HostTool::DockerApi),
    ("grafana/alloy", HostTool::DockerApi),
    ("grafana/agent", HostTool::DockerApi),
    ("timberio/vector", HostTool::DockerApi),
    ("filebeat", HostTool::DockerApi),
    ("metricbeat", HostTool::DockerApi),
    ("prom/prometheus", HostTool::DockerApi),
    ("fluent-bit", HostTool::DockerApi),
    ("fluentd", HostTool::DockerApi),
    ("opentelemetry-collector", HostTool::DockerApi),
    ("opentelemetry-collector-contrib", HostTool::DockerApi),
    ("crowdsec", HostTool::DockerApi),
    // Runners and platforms that start containers.
    ("gitlab-runner", HostTool::DockerApi),
    ("drone-runner-docker", HostTool::DockerApi),
    ("woodpecker-agent", HostTool::DockerApi),
    ("act_runner", HostTool::DockerApi),
    ("actions-runner", HostTool::DockerApi),
    ("localstack", HostTool::DockerApi),
    ("kestra", HostTool::DockerApi),
    ("ryuk", HostTool::DockerApi),
    ("docker/compose", HostTool::DockerApi),
    // Docker itself (the CLI, Docker in Docker), Kubernetes in Docker.
    ("library/docker", HostTool::Both),
    ("dind", HostTool::Both),
    ("moby/buildkit", HostTool::Kernel),
    ("buildkitd", HostTool::Kernel),
    ("k3s", HostTool::Kernel),
    ("kindest/node", HostTool::Kernel),
    // Host, eBPF and security monitors; host firewalls.
    ("cadvisor", HostTool::Both),
    ("netdata", HostTool::Both),
    ("glances", HostTool::Both),
    ("beszel-agent", HostTool::Both),
    ("datadog/agent", HostTool::Both),
    ("datadoghq/agent", HostTool::Both),
    ("newrelic/infrastructure", HostTool::Both),
    ("node-exporter", HostTool::Kernel),
    ("beyla", HostTool::Kernel),
    ("falco", HostTool::Both),
    ("falco-no-driver", HostTool::Both),
    ("tetragon", HostTool::Kernel),
    ("mailcow/netfilter", HostTool::Kernel),
    ("fail2ban", HostTool::Kernel),
];

/// Words of variable names that turn on eBPF instrumentation or
/// profiling (`OTEL_EBPF_…`, `ENABLE_OBI`, `BEYLA_…`).
const EBPF_WORDS: &[&str] = &["EBPF", "BPF", "OBI", "BEYLA"];

/// Whether the service runs an eBPF tool, which needs the host's kernel
/// (`privileged`, `pid: host`): its name or image says so, or it receives
/// a variable that turns one on.
pub(crate) fn runs_ebpf(s: &Service) -> bool {
    let named = |n: &str| {
        let n = n.to_ascii_lowercase();
        n.contains("ebpf") || n.split(['-', '_', '.', '/', ':']).any(|w| w == "bpf")
    };
    named(&s.name)
        || image_reference(s).is_some_and(|r| named(&r))
        || s.container_env.vars.keys().any(|k| {
            crate::model::secrets::name_words(k)
                .iter()
                .any(|w| EBPF_WORDS.contains(&w.as_str()))
        })
}

/// The well-known tool the service runs, when its image is one
/// ([`TOOLS`]).
pub(crate) fn host_tool(s: &Service) -> Option<HostTool> {
    let reference = image_reference(s)?;
    let image = ImageRef::parse(&reference)?;
    let path = image.repository().to_ascii_lowercase();
    let name = image.name().to_ascii_lowercase();
    TOOLS
        .iter()
        .find(|(n, _)| {
            if n.contains('/') {
                path == *n || path.ends_with(&format!("/{n}"))
            } else {
                name == *n
            }
        })
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(compose: &str) -> Service {
        let dir = crate::rules::testing::write_project(&[("compose.yaml", compose)]);
        let ws = crate::rules::testing::workspace(dir.path());
        ws.projects[0].services[0].clone()
    }

    #[test]
    fn socket_mounts_as_the_kernel_reads_their_paths() {
        let s = service(concat!(
            "services:\n  s:\n    image: app\n    volumes:\n",
            "      - /var/run/docker.sock:/var/run/docker.sock\n",
            "      - //var/run/docker.sock:/a:ro\n",
            "      - /run/user/1000/docker.sock:/b\n",
            "      - type: bind\n        source: /var/run/../run/docker.sock\n        target: /c\n",
            "      - /var/run:/d\n",
            "      - ./docker.sock:/e\n",
            "      - docker.sock:/f\n",
            "      - /var/run/docker.sock.d:/g\n",
            "      - /var/lib/docker:/h\n",
        ));
        let got: Vec<(String, bool, bool)> = docker_socket_mounts(&s)
            .into_iter()
            .map(|m| (m.path, m.read_only, m.folder))
            .collect();
        assert_eq!(
            got,
            [
                ("/var/run/docker.sock".to_string(), false, false),
                ("//var/run/docker.sock".to_string(), true, false),
                ("/run/user/1000/docker.sock".to_string(), false, false),
                ("/var/run/../run/docker.sock".to_string(), false, false),
                ("/var/run".to_string(), false, true),
            ]
        );
    }

    #[test]
    fn privileges_as_docker_reads_them() {
        let s = service(concat!(
            "services:\n  s:\n    image: app\n    privileged: \"yes\"\n",
            "    cap_add: [CAP_SYS_ADMIN, all, NET_ADMIN]\n",
            "    security_opt: [\"seccomp=unconfined\", \"apparmor:unconfined\", \"no-new-privileges:true\", \"label:disable\", \"seccomp:./profile.json\"]\n",
            "    pid: host\n    ipc: shareable\n",
        ));
        let got: Vec<PrivilegeKind> = privileges(&s).into_iter().map(|p| p.kind).collect();
        assert_eq!(
            got,
            [
                PrivilegeKind::Privileged,
                PrivilegeKind::SysAdmin,
                PrivilegeKind::AllCapabilities,
                PrivilegeKind::NoSeccomp,
                PrivilegeKind::NoAppArmor,
                PrivilegeKind::HostPid,
            ]
        );
    }

    #[test]
    fn tools_by_image() {
        let tool =
            |image: &str| host_tool(&service(&format!("services:\n  s:\n    image: {image}\n")));
        assert_eq!(tool("traefik:v3.1"), Some(HostTool::DockerApi));
        assert_eq!(tool("portainer/agent:2.19"), Some(HostTool::DockerApi));
        assert_eq!(tool("docker:dind-rootless"), Some(HostTool::Both));
        assert_eq!(tool("kindest/node:v1.29.0"), Some(HostTool::Kernel));
        assert_eq!(tool("node:20"), None);
        assert_eq!(tool("someone/agent"), None);
        assert_eq!(tool("myapp"), None);
        // Found by review: the official images, not any image of that name.
        assert_eq!(tool("gcr.io/datadoghq/agent:7"), Some(HostTool::Both));
        assert_eq!(
            tool("falcosecurity/falco-no-driver:0.38"),
            Some(HostTool::Both)
        );
        assert_eq!(tool("docker:27-cli"), Some(HostTool::Both));
        for unrelated in [
            "registry.acme.com/marketing/homepage:3.2",
            "acme/compose:1.0",
            "acme/docker:2",
        ] {
            assert_eq!(tool(unrelated), None, "{unrelated}");
        }
    }

    #[test]
    fn ebpf_by_name_image_or_switch() {
        let ebpf = |compose: &str| runs_ebpf(&service(compose));
        assert!(ebpf("services:\n  otel-ebpf-profiler:\n    build: .\n"));
        assert!(ebpf("services:\n  lgtm:\n    image: grafana/otel-lgtm\n    environment:\n      ENABLE_OBI: \"true\"\n"));
        assert!(!ebpf(
            "services:\n  app:\n    image: myorg/app\n    environment:\n      OBJECT_STORE: s3\n"
        ));
    }
}
