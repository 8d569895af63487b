//! Rule identity, typed: every rule and built-in diagnostic is a [`RuleId`];
//! names (`quoted-value`) exist only at the edges — the command line, the
//! configuration, suppression comments and the output.

macro_rules! rule_ids {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A rule or a built-in diagnostic.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($variant),*
        }

        impl RuleId {
            /// Every rule and built-in diagnostic, in catalogue order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The kebab-case name users write and outputs show.
            pub fn name(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $name),*
                }
            }

            /// The rule a name names, if any.
            pub fn from_name(name: &str) -> Option<RuleId> {
                match name {
                    $($name => Some(RuleId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

rule_ids! {
    QuotedValue => "quoted-value",
    LocalhostInContainer => "localhost-in-container",
    MissingSecret => "missing-secret",
    MissingDotenv => "missing-dotenv",
    RootUser => "root-user",
    NoHealthcheck => "no-healthcheck",
    ShadowedEnv => "shadowed-env",
    UnsetVariable => "unset-variable",
    EnvOnlyInDotenv => "env-only-in-dotenv",
    BindLocalhost => "bind-localhost",
    DependsOnNotHealthy => "depends-on-not-healthy",
    DebugInProduction => "debug-in-production",
    PortMismatch => "port-mismatch",
    UnreachableHost => "unreachable-host",
    EnvSyntax => "env-syntax",
    DuplicateKey => "duplicate-key",
    BuildToolsInFinalStage => "build-tools-in-final-stage",
    AptListsNotRemoved => "apt-lists-not-removed",
    PipCache => "pip-cache",
    UnpinnedImage => "unpinned-image",
    EnvFileInImage => "env-file-in-image",
    SecretInImage => "secret-in-image",
    HealthcheckToolMissing => "healthcheck-tool-missing",
    IgnoredComposeFile => "ignored-compose-file",
    ObsoleteVersionKey => "obsolete-version-key",
    TlsVerificationOff => "tls-verification-off",
    CopyFromUnknownStage => "copy-from-unknown-stage",
    DockerSocketMounted => "docker-socket-mounted",
    PrivilegedService => "privileged-service",
    PublishedDatastore => "published-datastore",
    ShellFormEntrypoint => "shell-form-entrypoint",
    EnvExampleDrift => "env-example-drift",
    UndefinedVariable => "undefined-variable",
    AppSettingNotProvided => "app-setting-not-provided",
    InsecureDefaultInUse => "insecure-default-in-use",
    SettingTypeMismatch => "setting-type-mismatch",
    SyntaxError => "syntax-error",
    ComposeError => "compose-error",
    UnreadableFile => "unreadable-file",
    InternalError => "internal-error",
    UnknownRule => "unknown-rule",
}

/// Outputs write a rule as its name.
impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in RuleId::ALL {
            assert_eq!(RuleId::from_name(id.name()), Some(*id));
        }
        assert_eq!(RuleId::from_name("no-such-rule"), None);
    }
}
