//! A parsed compose service turned into a model [`Service`], reading the
//! interpolated values of its file.

use super::*;

/// Turns a parsed compose service into a model [`Service`], reading
/// interpolated values from the file's table.
pub(super) struct Converter<'a> {
    pub(super) file: FileId,
    /// The file's text.
    pub(super) source: &'a str,
    pub(super) values: &'a Interpolated,
    pub(super) directory: &'a Path,
}

impl Converter<'_> {
    pub(super) fn span(&self, r: TextRange) -> Span {
        Span::new(self.file, r)
    }

    pub(super) fn value(&self, s: &Spanned<String>) -> Value {
        match self.values.get(&s.range) {
            Some(v) => v.clone(),
            None => Value {
                text: s.value.clone(),
                span: self.span(s.range),
                via: Vec::new(),
                segments: plain_segments(self.source, &s.value, self.span(s.range)),
            },
        }
    }

    pub(super) fn opt(&self, s: &Option<Spanned<String>>) -> Option<Value> {
        s.as_ref().map(|s| self.value(s))
    }

    pub(super) fn command(&self, c: &Option<cs::Command>) -> Option<CommandConfig> {
        c.as_ref().map(|c| match c {
            cs::Command::Exec(v) => CommandConfig::Exec(v.iter().map(|x| self.value(x)).collect()),
            cs::Command::Shell(s) => CommandConfig::Shell(self.value(s)),
        })
    }

    pub(super) fn service(&self, s: &cs::Service) -> Service {
        let environment = s
            .environment
            .iter()
            .map(|e| self.environment_entry(e))
            .collect();
        let mut env_files: Vec<EnvFileUse> = Vec::new();
        for f in &s.env_file {
            let path = self.value(&f.path);
            // A repeated path is dropped: the first position is kept.
            if env_files.iter().any(|e| e.path.text == path.text) {
                continue;
            }
            let resolved = crate::fs::normalize(&self.directory.join(&path.text));
            let mut invalid = None;
            // `required:` after interpolation: true/false in any case, and
            // YAML 1.1's y/yes/on and n/no/off (Compose warns of these).
            let required = match f.required.as_ref().map(|r| (self.value(r), r.range)) {
                None => true,
                Some((v, range)) => match v.text.to_ascii_lowercase().as_str() {
                    "true" | "y" | "yes" | "on" => true,
                    "false" | "n" | "no" | "off" => false,
                    _ => {
                        invalid = Some(ModelError::new(
                            format!(
                                "'services[{}].env_file[{}].required' invalid boolean: {}",
                                s.name.value,
                                env_files.len(),
                                v.text
                            ),
                            Some(self.span(range)),
                        ));
                        true
                    }
                },
            };
            let raw = match f.format.as_ref().map(|x| (self.value(x), x.range)) {
                None => false,
                Some((v, range)) => match v.text.as_str() {
                    "" => false,
                    "raw" => true,
                    other => {
                        invalid.get_or_insert(ModelError::new(
                            format!("unsupported env_file format {other:?}"),
                            Some(self.span(range)),
                        ));
                        false
                    }
                },
            };
            env_files.push(EnvFileUse {
                path,
                resolved,
                required,
                raw,
                invalid,
                file: None,
            });
        }
        let build = s.build.as_ref().map(|b| {
            let context_value = self.opt(&b.context);
            let context_text = context_value
                .as_ref()
                .map(|v| v.text.clone())
                .unwrap_or_else(|| ".".into());
            let context = crate::fs::normalize(&self.directory.join(&context_text));
            let dockerfile = self.opt(&b.dockerfile);
            let dockerfile_path = crate::fs::normalize(
                &context.join(
                    dockerfile
                        .as_ref()
                        .map(|d| d.text.as_str())
                        .unwrap_or("Dockerfile"),
                ),
            );
            BuildConfig {
                span: self.span(b.range),
                context,
                context_value,
                dockerfile,
                dockerfile_path,
                target: self.opt(&b.target),
                // Empty (`${X:-}` unset too) is not set, for Compose.
                inline: self.opt(&b.inline).is_some_and(|v| !v.text.is_empty()),
                // A repeated key: the last one counts, as in a merge.
                args: b.args.iter().fold(Vec::new(), |mut args, e| {
                    let e = self.environment_entry(e);
                    args.retain(|a: &(String, Span, Option<Value>)| a.0 != e.key);
                    args.push((e.key, e.key_span, e.value));
                    args
                }),
            }
        });
        Service {
            name: s.name.value.clone(),
            name_span: self.span(s.name.range),
            active: true,
            image: self.opt(&s.image),
            build,
            environment,
            env_files,
            user: self.opt(&s.user),
            healthcheck: s.healthcheck.as_ref().map(|h| HealthcheckConfig {
                span: self.span(h.range),
                test: self.command(&h.test),
                disable: h.disable,
            }),
            depends_on: s
                .depends_on
                .iter()
                .map(|d| Dependency {
                    service: d.service.value.clone(),
                    span: self.span(d.service.range),
                    condition: self.opt(&d.condition),
                    required: d.required,
                })
                .collect(),
            network_mode: self.opt(&s.network_mode),
            networks: s
                .networks
                .iter()
                .map(|n| NetworkAttachment {
                    name: n.name.value.clone(),
                    span: self.span(n.name.range),
                    aliases: n.aliases.iter().map(|a| self.value(a)).collect(),
                })
                .collect(),
            ports: s
                .ports
                .iter()
                .map(|p| PortConfig {
                    raw: self.value(&p.raw),
                    published: p.published.clone(),
                    target: p.target.clone(),
                })
                .collect(),
            expose: s.expose.iter().map(|e| self.value(e)).collect(),
            profiles: s.profiles.iter().map(|p| self.value(p)).collect(),
            command: self.command(&s.command),
            entrypoint: self.command(&s.entrypoint),
            container_name: self.opt(&s.container_name),
            hostname: self.opt(&s.hostname),
            pull_policy: self.opt(&s.pull_policy),
            volumes: {
                let mut volumes = Vec::new();
                let items = s.volumes.iter().map(|m| MountConfig {
                    span: self.span(m.range),
                    short: self.opt(&m.short),
                    kind: self.opt(&m.kind),
                    source: self.opt(&m.source),
                    target: self.opt(&m.target),
                    read_only: self.opt(&m.read_only),
                });
                merge_mounts(&mut volumes, items.collect());
                volumes
            },
            privileged: self.opt(&s.privileged),
            cap_add: unique(s.cap_add.iter().map(|c| self.value(c))),
            security_opt: unique(s.security_opt.iter().map(|o| self.value(o))),
            pid: self.opt(&s.pid),
            ipc: self.opt(&s.ipc),
            container_env: ContainerEnvironment::default(),
            image_facts: None,
            resets: s.resets.clone(),
            overrides: s.overrides.clone(),
            tag: s.tag,
            scope: 0,
        }
    }
}

/// Each text once, where it is first written (`cap_add:` and
/// `security_opt:` are sets to Compose).
fn unique(values: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut seen: HashSet<String> = HashSet::new();
    values.filter(|v| seen.insert(v.text.clone())).collect()
}

impl Converter<'_> {
    pub(super) fn environment_entry(&self, e: &cs::EnvironmentEntry) -> EnvironmentEntry {
        let key_span = self.span(e.key.range);
        let entry_span = self.span(e.raw.range);
        let (key, value) = match e.form {
            // As Compose: the whole item is interpolated, then split at the
            // first `=` (`- ${K}=v`, `- ${KV}` with KV=`A=1`, `- $$K=1` is
            // `$K`); without one it passes a variable through. The value's
            // map is the part of the item's after the `=`.
            EnvironmentForm::List => {
                let whole = self.value(&e.raw);
                match whole.text.find('=') {
                    Some(at) => {
                        // Where the value is written, when the `=` the
                        // item is split at is the one written in it.
                        let split_here = |v: &crate::source::Spanned<String>| {
                            whole
                                .span_of(at..at + 1)
                                .is_some_and(|s| s.range.end == v.range.start && s.range.len() == 1)
                        };
                        let span = match &e.value {
                            Some(v) if split_here(v) => self.span(v.range),
                            _ => entry_span,
                        };
                        let value = Value {
                            text: whole.text[at + 1..].to_string(),
                            span,
                            segments: slice_segments(&whole.segments, at + 1, whole.text.len()),
                            via: whole.via,
                        };
                        (whole.text[..at].to_string(), Some(value))
                    }
                    None => (whole.text, None),
                }
            }
            EnvironmentForm::Map => (e.key.value.clone(), e.value.as_ref().map(|v| self.value(v))),
        };
        EnvironmentEntry {
            key,
            key_span,
            entry_span,
            value,
            form: e.form,
            quoted_in_yaml: e.quoted_in_yaml,
        }
    }
}
