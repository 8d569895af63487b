//! `docker-socket-mounted`: a service mounts the Docker daemon's socket
//! (or the folder that holds it) without being a tool that exists for it:
//! whoever takes over the service controls every container, and the host.

use crate::facts::host_access::{docker_socket_mounts, host_tool, SocketMount};
use std::collections::HashMap;

use crate::rules::flow::{active_services, Grouped, Services};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::DockerSocketMounted,
        severity: Severity::Error,
        summary: "A service that is not a Docker tool (a proxy reading labels, an updater, a CI runner...) mounts the Docker daemon's socket: whoever takes over the service is root on the host. `:ro` does not change that.",
        doc: include_str!("../../rules/docker-socket-mounted.md"),
        cases: &[],
    },
    check,
};

/// One mount, once for every service that has it (a mount in a service
/// others extend).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    path: String,
    read_only: bool,
    folder: bool,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut groups: Vec<Grouped<Problem>> = Vec::new();
    let mut at: HashMap<Span, usize> = HashMap::new();
    for (project, service) in active_services(ctx.ws) {
        let tool = host_tool(service);
        for SocketMount {
            path,
            span,
            read_only,
            folder,
        } in docker_socket_mounts(service)
        {
            // A tool of the Docker API; a host monitor reading the host's
            // `/` (node-exporter's `/:/host:ro`).
            if tool.is_some_and(|t| t.docker_api() || (t.kernel() && folder)) {
                continue;
            }
            // Development, test and CI: testcontainers, a local runner.
            if purposes.setting(project, service, span.file).is_some() {
                continue;
            }
            let i = *at.entry(span).or_insert_with(|| {
                groups.push(Grouped {
                    key: Problem {
                        at: span,
                        path,
                        read_only,
                        folder,
                    },
                    services: Services::default(),
                    details: Vec::new(),
                    labels: Vec::new(),
                });
                groups.len() - 1
            });
            groups[i].services.add(&service.name);
        }
    }
    groups.into_iter().map(diagnostic).collect()
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let p = &g.key;
    let what = if p.folder {
        format!(
            "`{}` (which holds the container runtime's socket) is mounted into {}",
            p.path, g.services
        )
    } else if p.path.ends_with("containerd.sock") {
        format!("containerd's socket is mounted into {}", g.services)
    } else {
        format!("the Docker daemon's socket is mounted into {}", g.services)
    };
    let mut message = format!(
        "{what}: whoever takes over {} can start a privileged container that mounts the host's `/`, and so is root on the host",
        g.services.names()
    );
    if p.read_only {
        message.push_str(
            "; `:ro` does not prevent that (a read-only mount still connects to the socket)",
        );
    }
    let mut d = Diagnostic::new(RULE.meta.id, p.at, message)
        .with_span_label("the Docker API, read-write whatever the mode")
        .with_help(
            "remove the mount; if the service needs the Docker API, give it a socket proxy (tecnativa/docker-socket-proxy) that allows only the calls it makes, over DOCKER_HOST=tcp://…",
        );
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn at_the_host_path_with_ro_said() {
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    build: .\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n",
            ), ("Dockerfile", "FROM python:3.12-slim\n")],
        );
        assert_eq!(d[0].text, "/var/run/docker.sock");
        assert!(
            d[0].message.contains("`:ro` does not prevent"),
            "{}",
            d[0].message
        );
        // Long syntax, through a variable: the value written.
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: myorg/app\n    volumes:\n      - type: bind\n        source: ${SOCK:-/run/docker.sock}\n        target: /sock\n",
            )],
        );
        assert_eq!(d[0].text, "/run/docker.sock");
        // A service that others extend: one finding naming both.
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  base:\n    image: myorg/app\n    volumes: [\"/var/run:/host-run\"]\n  worker:\n    extends: base\n",
            )],
        );
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("`base` and `worker`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn silent_for_docker_tools_named_volumes_and_dev_files() {
        for files in [
            &[(
                "compose.yaml",
                "services:\n  proxy:\n    image: traefik:v3.1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n",
            )][..],
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: myorg/app\n    volumes:\n      - docker.sock:/var/run/docker.sock\n      - ./docker.sock:/x\n",
            )],
            &[(
                "docker-compose.test.yml",
                "services:\n  tests:\n    image: myorg/tests\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
            )],
        ] {
            assert_silent(&RULE, files);
        }
    }

    /// Found by review: production settings were silenced by a file that
    /// only looked like development.
    #[test]
    fn production_settings_next_to_development_files() {
        // The base file has a `prod` sibling (so it is development); the
        // mount is written in the production file merged over it.
        let d = assert_fires(
            &RULE,
            &[
                ("docker-compose.yml", "services:\n  app:\n    image: myorg/app:1\n"),
                (
                    "docker-compose.prod.yml",
                    "services:\n  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
                ),
            ],
        );
        assert_eq!(d[0].file, "docker-compose.prod.yml");
        // The mount in the base file, which the production file completes.
        let d = assert_fires(
            &RULE,
            &[
                (
                    "docker-compose.yml",
                    "services:\n  app:\n    image: myorg/app:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
                ),
                ("docker-compose.prod.yml", "services:\n  app:\n    restart: always\n"),
            ],
        );
        assert_eq!(d[0].file, "docker-compose.yml");
        // A production file that points at development elsewhere.
        assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "# Production stack. For local development, see README.\nservices:\n  app:\n    image: myorg/app:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
            )],
        );
        // Extended from a development-named file into a production service.
        let d = assert_fires(
            &RULE,
            &[
                ("common-dev.yml", "services:\n  base:\n    image: myorg/app:1\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n"),
                ("compose.yaml", "services:\n  app:\n    extends: {file: common-dev.yml, service: base}\n"),
            ],
        );
        assert!(d[0].message.contains("`app`"), "{}", d[0].message);
    }

    #[test]
    fn other_ways_to_the_daemon() {
        for (item, text) in [
            ("- /:/host:ro", "/"),
            ("- /run/containerd/containerd.sock:/run/containerd/containerd.sock", "/run/containerd/containerd.sock"),
            ("- \\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine", r"\\.\pipe\docker_engine"),
            ("- type: npipe\n        source: \\\\.\\pipe\\docker_engine\n        target: \\\\.\\pipe\\docker_engine", r"\\.\pipe\docker_engine"),
        ] {
            let compose = format!("services:\n  app:\n    image: myorg/app:1\n    volumes:\n      {item}\n");
            let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
            assert_eq!(d[0].text, text, "{item}");
        }
        // A host monitor reading the host's `/`.
        assert_silent(
            &RULE,
            &[("compose.yaml", "services:\n  node-exporter:\n    image: prom/node-exporter:v1.8.2\n    volumes:\n      - /:/host:ro,rslave\n")],
        );
    }
}
