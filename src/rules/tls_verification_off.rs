//! `tls-verification-off`: a container receives a variable that turns off
//! certificate verification for a whole runtime or tool
//! (`NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`...).

use crate::rules::flow::{active_services, group_by_key, trace, Grouped, Part};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity, SeverityCase};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::TlsVerificationOff,
        severity: Severity::Error,
        summary: "A container receives a variable that turns off TLS certificate checks for a whole runtime or tool: NODE_TLS_REJECT_UNAUTHORIZED=0, GIT_SSL_NO_VERIFY, PIP_TRUSTED_HOST, NPM_CONFIG_STRICT_SSL=false.",
        doc: include_str!("../../rules/tls-verification-off.md"),
        cases: &[SeverityCase {
            key: "python",
            severity: Severity::Warning,
            when: "PYTHONHTTPSVERIFY=0, which only the Python builds of RHEL and CentOS read (PEP 493)",
        }],
    },
    check,
};

/// What a variable turns off, when its value does.
struct Switch {
    key: &'static str,
    /// Whether the value (as the container receives it) turns checks off.
    off: fn(&str) -> bool,
    what: &'static str,
    instead: &'static str,
    case: Option<&'static str>,
}

const SWITCHES: &[Switch] = &[
    Switch {
        key: "NODE_TLS_REJECT_UNAUTHORIZED",
        // Node compares the value with "0" and nothing else.
        off: |v| v == "0",
        what: "Node.js then accepts any certificate on every HTTPS and TLS connection of the process",
        instead: "remove it; to trust a private CA, give its certificate with NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
        case: None,
    },
    Switch {
        key: "GIT_SSL_NO_VERIFY",
        // git checks only that it is set: `false` and an empty value too.
        off: |_| true,
        what: "git then skips certificate checks on every HTTPS fetch and clone, whatever the value (even `false`)",
        instead: "remove it; to trust a private CA, set GIT_SSL_CAINFO=/path/to/ca.pem",
        case: None,
    },
    Switch {
        key: "PIP_TRUSTED_HOST",
        off: |v| !v.trim().is_empty(),
        what: "pip then installs from those hosts over plain HTTP or without a valid certificate",
        instead: "remove it and serve the index over HTTPS; to trust a private CA, set PIP_CERT=/path/to/ca.pem",
        case: None,
    },
    Switch {
        key: "NPM_CONFIG_STRICT_SSL",
        off: |v| v.trim().eq_ignore_ascii_case("false"),
        what: "npm then accepts any certificate from the registry",
        instead: "remove it; to trust a private CA, set NPM_CONFIG_CAFILE=/path/to/ca.pem",
        case: None,
    },
    Switch {
        key: "npm_config_strict_ssl",
        off: |v| v.trim().eq_ignore_ascii_case("false"),
        what: "npm then accepts any certificate from the registry",
        instead: "remove it; to trust a private CA, set npm_config_cafile=/path/to/ca.pem",
        case: None,
    },
    Switch {
        key: "PYTHONHTTPSVERIFY",
        off: |v| v.trim() == "0",
        what: "the Python of RHEL and CentOS images then skips certificate checks in every HTTPS client of the standard library (PEP 493); other Pythons, such as the official `python` images, ignore it",
        instead: "remove it: where it works it is dangerous, elsewhere it does nothing",
        case: Some("python"),
    },
];

/// One variable that turns checks off, once for every service that
/// receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    key: &'static str,
    value: String,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut parts = Vec::new();
    for (_, service) in active_services(ctx.ws) {
        // Development, test and CI services (a local registry, a
        // self-signed certificate): a choice made there.
        if purposes.service(service).is_some() {
            continue;
        }
        for switch in SWITCHES {
            let Some(var) = service.container_env.vars.get(switch.key) else {
                continue;
            };
            let d = &var.winner;
            let Some(value) = &d.value else { continue };
            if !(switch.off)(value) {
                continue;
            }
            let t = if value.trim().is_empty() {
                trace(ctx.ws, service, d, 0..value.len())
            } else {
                let start = value.len() - value.trim_start().len();
                trace(ctx.ws, service, d, start..start + value.trim().len())
            };
            // Written in a file for development or tests (`.env.dev`).
            if purposes.file(t.primary.file).is_some() {
                continue;
            }
            parts.push(Part {
                key: Problem {
                    at: if t.exact || !value.trim().is_empty() {
                        t.primary
                    } else {
                        d.key_span
                    },
                    key: switch.key,
                    value: value.clone(),
                },
                service: service.name.clone(),
                detail: String::new(),
                labels: t.labels,
            });
        }
    }
    group_by_key(parts).into_iter().map(diagnostic).collect()
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let Problem { at, key, value } = &g.key;
    let Some(switch) = SWITCHES.iter().find(|s| s.key == *key) else {
        return Diagnostic::new(RULE.meta.id, *at, format!("{key} turns off TLS checks"));
    };
    let shown = if value.chars().count() > 40 {
        format!("{key}=…")
    } else {
        format!("{key}={value}")
    };
    let mut d = Diagnostic::new(
        RULE.meta.id,
        *at,
        format!(
            "{} {} {shown}: {}",
            g.services,
            g.services.verb("receives", "receive"),
            switch.what
        ),
    )
    .with_span_label("certificate checks off")
    .with_help(switch.instead);
    if let Some(case) = switch.case {
        d = d.with_case(case);
    }
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    fn compose(env: &str) -> String {
        format!("services:\n  app:\n    image: node:22-slim\n    environment:\n{env}")
    }

    #[test]
    fn each_switch_where_it_is_written() {
        for (env, text) in [
            ("      NODE_TLS_REJECT_UNAUTHORIZED: \"0\"\n", "0"),
            ("      - GIT_SSL_NO_VERIFY=false\n", "false"),
            ("      - PIP_TRUSTED_HOST=pypi.internal\n", "pypi.internal"),
            ("      npm_config_strict_ssl: \"false\"\n", "false"),
        ] {
            let d = assert_fires(&RULE, &[("compose.yaml", &compose(env))]);
            assert_eq!(d[0].text, text, "{env}");
        }
        // From .env, through ${VAR}: at the .env value, labelled.
        let files = [
            (
                "compose.yaml",
                compose("      - NODE_TLS_REJECT_UNAUTHORIZED=${TLS}\n"),
            ),
            (".env", "TLS=0\n".to_string()),
        ];
        let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let d = assert_fires(&RULE, &files);
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "0"));
        // An empty GIT_SSL_NO_VERIFY is set: at its key.
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", &compose("      - GIT_SSL_NO_VERIFY=\n"))],
        );
        assert_eq!(d[0].text, "GIT_SSL_NO_VERIFY");
    }

    #[test]
    fn image_env_counts_and_python_is_a_warning() {
        let files = [
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
            (
                "Dockerfile",
                "FROM python:3.12-slim\nENV PYTHONHTTPSVERIFY=0\nUSER nobody\n",
            ),
        ];
        let d = crate::rules::testing::fired(&RULE, &files);
        assert_eq!((d.len(), d[0].file.as_str()), (1, "Dockerfile"));
    }

    #[test]
    fn values_that_keep_checks_on_and_development_services() {
        for env in [
            "      NODE_TLS_REJECT_UNAUTHORIZED: \"1\"\n",
            "      - NPM_CONFIG_STRICT_SSL=true\n",
            "      - PIP_TRUSTED_HOST=\n",
            "      - GIT_SSL_NO_VERIFY\n",
            "      - REQUESTS_CA_BUNDLE=\n",
        ] {
            assert_silent(&RULE, &[("compose.yaml", &compose(env))]);
        }
        let env = "      NODE_TLS_REJECT_UNAUTHORIZED: \"0\"\n";
        assert_silent(&RULE, &[("docker-compose.dev.yml", &compose(env))]);
    }
}
