//! `privileged-service`: a service lifts its container's isolation
//! (`privileged: true`, `cap_add: [ALL]` or `SYS_ADMIN`, seccomp or
//! AppArmor `unconfined`, `pid: host`, `ipc: host`) without being a tool
//! that exists for it.

use crate::facts::host_access::{host_tool, privileges, runs_ebpf, Privilege, PrivilegeKind};
use std::collections::HashMap;

use crate::rules::flow::{active_services, Grouped, Services};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::PrivilegedService,
        severity: Severity::Error,
        summary: "A service lifts its container's isolation: `privileged: true`, `cap_add: [ALL]` or `SYS_ADMIN`, seccomp or AppArmor `unconfined`, `pid: host` or `ipc: host`.",
        doc: include_str!("../../rules/privileged-service.md"),
        cases: &[],
    },
    check,
};

/// The settings of a service, and of the services that share its first
/// one (a base service others extend): one finding, at that first one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem(Vec<Privilege>);

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut groups: Vec<Grouped<Problem>> = Vec::new();
    let mut at: HashMap<Span, usize> = HashMap::new();
    for (project, service) in active_services(ctx.ws) {
        // Docker in Docker, monitors and eBPF tools exist to reach the
        // host's kernel.
        if host_tool(service).is_some_and(|t| t.kernel()) || runs_ebpf(service) {
            continue;
        }
        // Development, test and CI: a setting of a development file.
        let found: Vec<Privilege> = privileges(service)
            .into_iter()
            .filter(|p| purposes.setting(project, service, p.span.file).is_none())
            .collect();
        let Some(first) = found.first() else { continue };
        let i = *at.entry(first.span).or_insert_with(|| {
            groups.push(Grouped {
                key: Problem(Vec::new()),
                services: Services::default(),
                details: Vec::new(),
                labels: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[i];
        g.services.add(&service.name);
        for p in found {
            if !g.key.0.iter().any(|q| q.span == p.span) {
                g.key.0.push(p);
            }
        }
    }
    groups.into_iter().map(diagnostic).collect()
}

/// What the setting gives, what it is written as, and what to do instead.
fn explain(kind: PrivilegeKind, text: &str) -> (String, &'static str, &'static str) {
    match kind {
        PrivilegeKind::Privileged => (
            "`privileged: true`".into(),
            "every capability, every device of the host, no seccomp or AppArmor: a process that breaks out of the application is root on the host",
            "remove it and add only the capability the service needs (`cap_add: [NET_ADMIN]`, `NET_BIND_SERVICE` for a port below 1024) or the device (`devices: [/dev/ttyUSB0]`)",
        ),
        PrivilegeKind::AllCapabilities => (
            format!("`cap_add: {text}`"),
            "every capability, as `privileged` gives them: mounting file systems, loading kernel modules, tracing any process",
            "add only the capabilities the service needs, by name",
        ),
        PrivilegeKind::SysAdmin => (
            format!("`cap_add: {text}`"),
            "`SYS_ADMIN` (mount, namespaces, BPF and much more), the capability most container escapes start from",
            "find the one operation that needs it and give only that (a FUSE mount needs `/dev/fuse` and `SYS_ADMIN` only where seccomp allows it; often a volume does instead)",
        ),
        PrivilegeKind::SysModule => (
            format!("`cap_add: {text}`"),
            "`SYS_MODULE`: a kernel module loaded from the container runs as the host's kernel",
            "remove it; load the module on the host if the service needs it",
        ),
        PrivilegeKind::NoSeccomp => (
            format!("`security_opt: {text}`"),
            "no seccomp filter: the system calls Docker blocks to keep containers in (`unshare`, `keyctl`, `bpf`…) are allowed",
            "remove it; if one system call is missing, give a profile that allows it (`seccomp=./seccomp.json`, from Docker's default)",
        ),
        PrivilegeKind::NoAppArmor => (
            format!("`security_opt: {text}`"),
            "no AppArmor profile: writes to `/proc` and `/sys` and mounts that Docker's profile denies are allowed",
            "remove it, or give a profile of your own that allows what is missing",
        ),
        PrivilegeKind::UnmaskedPaths => (
            format!("`security_opt: {text}`"),
            "the host's `/proc` and `/sys` paths that Docker masks (`/proc/kcore`, `/proc/sysrq-trigger`, `/sys/firmware`) become readable and writable",
            "remove it",
        ),
        PrivilegeKind::HostPid => (
            "`pid: host`".into(),
            "the host's processes: the container sees every process of the host and their command lines and environments, and as root can signal or trace them",
            "remove it; to share processes with one container only, use `pid: \"service:NAME\"`",
        ),
        PrivilegeKind::HostIpc => (
            "`ipc: host`".into(),
            "the host's shared memory and semaphores: the container reads and writes what host processes share there",
            "remove it; to share memory with one container only, use `ipc: shareable` there and `ipc: \"service:NAME\"` here",
        ),
    }
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let settings = &g.key.0;
    let explained: Vec<(String, &str, &str)> =
        settings.iter().map(|p| explain(p.kind, &p.text)).collect();
    let listed: Vec<String> = explained
        .iter()
        .map(|(written, gives, _)| format!("{written} ({gives})"))
        .collect();
    let message = match listed.as_slice() {
        [one] => format!("{} gives {}", one, g.services.names()),
        _ => format!(
            "{} {} with its isolation lifted: {}",
            g.services.names(),
            g.services.verb("runs", "run"),
            listed.join("; ")
        ),
    };
    let mut helps: Vec<&str> = Vec::new();
    for (_, _, instead) in &explained {
        if !helps.contains(instead) {
            helps.push(instead);
        }
    }
    let mut d = Diagnostic::new(RULE.meta.id, settings[0].span, message)
        .with_span_label("isolation lifted")
        .with_help(helps.join("; "));
    for (p, (written, _, _)) in settings.iter().zip(&explained).skip(1) {
        d = d.with_label(p.span, format!("also {written}"));
    }
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn each_setting_at_its_value() {
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                concat!(
                    "services:\n  app:\n    image: myorg/app\n    privileged: true\n",
                    "    cap_add: [NET_ADMIN, CAP_SYS_ADMIN]\n",
                    "    security_opt:\n      - seccomp=unconfined\n      - no-new-privileges:true\n",
                    "    pid: host\n    ipc: host\n",
                ),
            )],
        );
        // One finding for the service, at its first setting, the others
        // labelled.
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "true");
        let labels: Vec<&str> = d[0].labels.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(
            labels,
            ["CAP_SYS_ADMIN", "seccomp=unconfined", "host", "host"]
        );
    }

    #[test]
    fn merged_as_compose_runs_it() {
        // An override turns it off: silent.
        assert_silent(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: myorg/app\n    privileged: true\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  app:\n    privileged: false\n",
                ),
            ],
        );
        // An override turns it on: at the override.
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    image: myorg/app\n"),
                (
                    "compose.override.yaml",
                    "services:\n  app:\n    pid: host\n",
                ),
            ],
        );
        assert_eq!(d[0].file, "compose.override.yaml");
    }

    #[test]
    fn silent_for_tools_that_need_the_kernel() {
        // An eBPF profiler built here, an image with eBPF instrumentation on.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  otel-ebpf-profiler:\n    build: .\n    privileged: true\n    pid: host\n"),
                ("Dockerfile", "FROM debian:12-slim\n"),
            ],
        );
        assert_silent(
            &RULE,
            &[("compose.yaml", "services:\n  lgtm:\n    image: grafana/otel-lgtm:0.30.2\n    environment:\n      ENABLE_OBI: \"true\"\n    privileged: true\n    pid: host\n")],
        );
        // Set by a development override.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    image: myorg/app\n"),
                (
                    "compose.dev.yaml",
                    "services:\n  app:\n    cap_add: [SYS_ADMIN]\n",
                ),
            ],
        );
        for image in [
            "docker:27-dind",
            "gcr.io/cadvisor/cadvisor:v0.49.1",
            "netdata/netdata",
        ] {
            assert_silent(
                &RULE,
                &[(
                    "compose.yaml",
                    &format!("services:\n  s:\n    image: {image}\n    privileged: true\n    pid: host\n"),
                )],
            );
        }
    }

    /// Found by review: a base service's setting shared by the services
    /// that extend it is one finding, with their own settings in it.
    #[test]
    fn one_finding_for_a_base_and_those_that_extend_it() {
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  base:\n    image: myorg/app:1\n    privileged: true\n  w1:\n    extends: base\n    pid: host\n  w2:\n    extends: base\n    ipc: host\n",
            )],
        );
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("`base`, `w1` and `w2`"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].labels.len(), 2);
        // At the default's text; SYS_MODULE too.
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: myorg/app:1\n    privileged: \"${PRIV:-true}\"\n    cap_add: [SYS_MODULE]\n",
            )],
        );
        assert_eq!(d[0].text, "true");
        assert_eq!(d[0].labels[0].1, "SYS_MODULE");
    }
}
