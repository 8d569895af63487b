//! Each service's container environment, as the container sees it:
//! image `ENV` < `env_file` lines < `environment:`.

use super::*;

impl Builder<'_, '_> {
    /// image ENV < env_file entries in order < environment.
    pub(super) fn container_environment(&mut self, service: &Service) -> ContainerEnvironment {
        let mut defs: BTreeMap<String, Vec<EnvDefinition>> = BTreeMap::new();
        if let Some(facts) = &service.image_facts {
            let copied = facts
                .env
                .iter()
                .map(|(k, v, _)| k.len() + v.value.len())
                .sum();
            if !self.allowance.spend(copied) {
                self.over(service.name_span);
                return ContainerEnvironment::default();
            }
            for (key, value, key_span) in &facts.env {
                let src = &self.loader.file(value.span.file).text;
                defs.entry(key.clone()).or_default().push(EnvDefinition {
                    key: key.clone(),
                    value: Some(value.value.clone()),
                    source: EnvSource::ImageEnv,
                    key_span: *key_span,
                    value_span: Some(value.span),
                    via: Vec::new(),
                    segments: plain_segments(src, &value.value, value.span),
                    form: None,
                    stage: Some(value.stage),
                });
            }
        }
        // Inside an env_file, `${A}` is looked up in the project variables,
        // then in the service's own `environment:` values, then in the
        // file's earlier lines, then in what earlier env_files set.
        // Shared by every env_file line that reads them (one copy each).
        let own: HashMap<&str, Arc<Value>> = service
            .environment
            .iter()
            .filter_map(|e| {
                e.value
                    .as_ref()
                    .map(|v| (e.key.as_str(), Arc::new(v.clone())))
            })
            .collect();
        let mut set_by_files: HashMap<String, Earlier> = HashMap::new();
        'files: for ef in &service.env_files {
            let Some(id) = ef.file else { continue };
            if self.allowance.exhausted() {
                break;
            }
            self.credit(id);
            let parsed = if ef.raw {
                self.loader.dotenv_raw(id)
            } else {
                self.loader.dotenv(id)
            };
            if !parsed.errors.is_empty() {
                for e in &parsed.errors {
                    self.errors.push(ModelError {
                        message: e.message.clone(),
                        span: Some(Span::new(id, e.range)),
                        kind: ModelErrorKind::Syntax,
                    });
                }
                continue;
            }
            let vars = &self.variables;
            let mut lookup = |name: &str| {
                vars.get(name)
                    .map(|v| v.value.clone())
                    .or_else(|| own.get(name).map(|v| v.text.clone()))
            };
            let mut from_earlier = |name: &str| set_by_files.get(name).map(|(v, _, _)| v.clone());
            let Some(resolved) = resolve_or_report(
                id,
                &parsed,
                &mut lookup,
                &mut from_earlier,
                &mut self.allowance,
                &mut self.errors,
            ) else {
                continue;
            };
            // This file's lines, by entry, as later lines see them.
            let mut by_entry: HashMap<usize, Arc<Value>> = HashMap::new();
            let resolved_at: HashMap<usize, usize> = resolved
                .iter()
                .enumerate()
                .map(|(i, r)| (r.entry, i))
                .collect();
            let line_of = |entry: usize, by_entry: &HashMap<usize, Arc<Value>>| {
                let r = resolved.get(*resolved_at.get(&entry)?)?;
                let e = parsed.entries.get(entry)?;
                Some((
                    r.value.clone(),
                    VariableSource::Dotenv {
                        file: id,
                        key: Span::new(id, e.key_range),
                        value: Span::new(id, dotenv_value_range(e)),
                    },
                    by_entry.get(&entry)?.clone(),
                ))
            };
            let mut set_here = Vec::new();
            for r in &resolved {
                let Some(entry) = parsed.entries.get(r.entry) else {
                    continue;
                };
                let value_span = match &entry.value {
                    crate::syntax::dotenv::DotenvValue::Assigned(a) => {
                        Some(Span::new(id, a.raw_range))
                    }
                    crate::syntax::dotenv::DotenvValue::Inherit => None,
                };
                let via: Vec<Via> = r
                    .used
                    .iter()
                    .map(|u| {
                        let var = self.variables.get(&u.var.name);
                        let mine = own.get(u.var.name.as_str());
                        let (source, value, written) = match u.from {
                            VarOrigin::Lookup => (
                                var.map(|v| v.source.clone()),
                                var.map(|v| v.value.clone())
                                    .or_else(|| mine.map(|v| v.text.clone())),
                                match var {
                                    Some(v) => v.written.clone(),
                                    None => mine.cloned(),
                                },
                            ),
                            VarOrigin::EarlierEntry(i) => match line_of(i, &by_entry) {
                                Some((value, source, w)) => (Some(source), Some(value), Some(w)),
                                None => (None, None, None),
                            },
                            VarOrigin::EarlierFile => match set_by_files.get(&u.var.name) {
                                Some((value, source, w)) => {
                                    (Some(source.clone()), Some(value.clone()), Some(w.clone()))
                                }
                                None => (None, None, None),
                            },
                            VarOrigin::Missing => (None, None, None),
                        };
                        Via {
                            variable: u.var.name.clone(),
                            reference: Span::new(id, u.var.range),
                            form: u.var.form,
                            source,
                            value,
                            written,
                        }
                    })
                    .collect();
                // Copied into this line's value, its definition and what
                // later files see.
                let copied = 3 * r.value.len() + 2 * via_bytes(&via);
                if !self.allowance.spend(copied) {
                    self.over(Span::new(id, entry.key_range));
                    break 'files;
                }
                let segments =
                    segments(&self.loader.file(id).text, id, &r.value, &r.segments, None);
                by_entry.insert(
                    r.entry,
                    Arc::new(Value {
                        text: r.value.clone(),
                        span: Span::new(id, dotenv_value_range(entry)),
                        via: via.clone(),
                        segments: segments.clone(),
                    }),
                );
                if let Some(line) = line_of(r.entry, &by_entry) {
                    set_here.push((r.key.clone(), line));
                }
                defs.entry(r.key.clone()).or_default().push(EnvDefinition {
                    key: r.key.clone(),
                    value: Some(r.value.clone()),
                    source: EnvSource::ComposeEnvFile,
                    key_span: Span::new(id, entry.key_range),
                    value_span,
                    via,
                    segments,
                    form: None,
                    stage: None,
                });
            }
            set_by_files.extend(set_here);
        }
        for e in &service.environment {
            if !self
                .allowance
                .spend(e.value.as_ref().map_or(0, Value::weight))
            {
                self.over(e.entry_span);
                break;
            }
            let (value, value_span, via, segments) = match &e.value {
                Some(v) => (
                    Some(v.text.clone()),
                    Some(v.span),
                    v.via.clone(),
                    v.segments.clone(),
                ),
                None => {
                    // Passthrough: the project variables (shell, then .env).
                    let via = self.reference(&e.key, e.key_span, ReferenceForm::Passthrough);
                    let value = via.value.clone();
                    let via = vec![via];
                    let len = value.as_ref().map_or(0, String::len);
                    let segments = (len > 0)
                        .then(|| Segment {
                            range: TextRange::new(0, len),
                            origin: SegmentOrigin::Variable {
                                index: 0,
                                offset: 0,
                            },
                        })
                        .into_iter()
                        .collect();
                    (value, None, via, segments)
                }
            };
            let list = defs.entry(e.key.clone()).or_default();
            // A later entry of the same key replaces an earlier one of the same list.
            list.retain(|d| d.source != EnvSource::ComposeEnvironment);
            // A passthrough no source sets leaves the image's ENV in place.
            if value.is_none() && list.iter().any(|d| d.source == EnvSource::ImageEnv) {
                list.retain(|d| d.source == EnvSource::ImageEnv);
                continue;
            }
            list.push(EnvDefinition {
                key: e.key.clone(),
                value,
                source: EnvSource::ComposeEnvironment,
                key_span: e.key_span,
                value_span,
                via,
                segments,
                form: Some(e.form),
                stage: None,
            });
        }
        let vars = defs
            .into_iter()
            .filter_map(|(k, mut list)| {
                let winner = list.pop()?;
                list.reverse();
                Some((
                    k,
                    EnvVar {
                        winner,
                        shadowed: list,
                    },
                ))
            })
            .collect();
        ContainerEnvironment { vars }
    }

    /// Whether a profile enables each service (the profile `*`, in
    /// --profile or COMPOSE_PROFILES, enables every one), its env files
    /// loaded, its build args and the image it builds.
    pub(super) fn service_inputs(&mut self, merged: &mut [Service], profiles: &BTreeSet<String>) {
        let every_profile = profiles.contains("*");
        for s in merged.iter_mut() {
            s.active = s.profiles.is_empty()
                || every_profile
                || s.profiles.iter().any(|p| profiles.contains(&p.text));
            for ef in &mut s.env_files {
                if let Some(e) = &ef.invalid {
                    self.errors.push(e.clone());
                }
                match self.loader.load(&ef.resolved, FileKind::Dotenv) {
                    Ok(id) => ef.file = Some(id),
                    Err(crate::fs::LoadError::NotFound) if !ef.required => {}
                    Err(crate::fs::LoadError::NotFound) => self.errors.push(ModelError {
                        message: format!(
                            "env file {} not found: stat {}: no such file or directory",
                            ef.resolved.display(),
                            ef.resolved.display()
                        ),
                        span: Some(ef.path.span),
                        kind: ModelErrorKind::EnvFileNotFound(ef.resolved.clone()),
                    }),
                    Err(e) => self.errors.push(ModelError::new(
                        format!("{}: {}", self.loader.display(&ef.resolved), e),
                        Some(ef.path.span),
                    )),
                }
            }
            if let Some(build) = &s.build {
                for (k, span, v) in &build.args {
                    if v.is_none() {
                        let via = self.reference(k, *span, ReferenceForm::Passthrough);
                        self.references.push(via);
                    }
                }
                // `args: [KEY]` passes the project variable through.
                let args: BTreeMap<String, String> = build
                    .args
                    .iter()
                    .filter_map(|(k, _, v)| {
                        let value = match v {
                            Some(v) => Some(v.text.clone()),
                            None => self.variables.get(k).map(|x| x.value.clone()),
                        };
                        value.map(|v| (k.clone(), v))
                    })
                    .collect();
                let copied = args.iter().map(|(k, v)| k.len() + v.len()).sum();
                if !self.allowance.spend(copied) {
                    self.over(build.span);
                    continue;
                }
                // The Dockerfile of `dockerfile_inline:` is not modelled.
                if build.inline {
                    if build
                        .dockerfile
                        .as_ref()
                        .is_some_and(|d| !d.text.is_empty())
                    {
                        self.errors.push(ModelError::new(
                            format!(
                                "service {:?} declares mutualy exclusive dockerfile and dockerfile_inline",
                                s.name
                            ),
                            Some(build.span),
                        ));
                    }
                    continue;
                }
                let (facts, problems) =
                    image::image_facts(self.loader, build, &args, &mut self.allowance);
                s.image_facts = facts;
                self.warnings.extend(problems);
                if self.allowance.exhausted() {
                    self.over(build.span);
                }
            }
        }
    }

    /// Each service's container environment, and the variables its
    /// passthroughs read.
    pub(super) fn container_environments(&mut self, merged: &mut [Service]) {
        for s in merged.iter_mut() {
            // An included service's passthroughs and env_file lines read the
            // variables of its `include:`.
            let project_variables = match self.scopes.get(s.scope).filter(|_| s.scope > 0) {
                Some(scope) => Some(std::mem::replace(&mut self.variables, scope.clone())),
                None => None,
            };
            // (An `Arc` each: swapping scopes copies no map.)
            s.container_env = self.container_environment(s);
            for e in &s.environment {
                if e.value.is_none() {
                    let via = self.reference(&e.key, e.key_span, ReferenceForm::Passthrough);
                    self.references.push(via);
                }
            }
            if let Some(v) = project_variables {
                self.variables = v;
            }
        }
    }
}
