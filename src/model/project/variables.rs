//! The project's variables: the process environment, then `.env` or
//! `--env-file` read in Compose's order, and the project's name.

use super::*;

/// A `.env` entry's value as written, or its key for a bare `KEY`.
pub(super) fn dotenv_value_range(e: &crate::syntax::dotenv::DotenvEntry) -> TextRange {
    match &e.value {
        crate::syntax::dotenv::DotenvValue::Assigned(a) => a.raw_range,
        crate::syntax::dotenv::DotenvValue::Inherit => e.key_range,
    }
}

/// The lines of `.env`-format file `id` as Compose computes them
/// ([`interpolate::resolve_dotenv_after`]); `None`, and the error reported,
/// when Compose refuses it.
pub(super) fn resolve_or_report(
    id: FileId,
    parsed: &crate::syntax::dotenv::DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    earlier: &mut dyn FnMut(&str) -> Option<String>,
    allowance: &mut Allowance,
    errors: &mut Vec<ModelError>,
) -> Option<Vec<interpolate::ResolvedEntry>> {
    interpolate::resolve_dotenv_after(parsed, lookup, earlier, allowance)
        .map_err(|e| errors.push(interp_error(id, e)))
        .ok()
}

/// What the env files read before one set: value, source, value with its
/// map.
pub(super) type Earlier = (String, VariableSource, Arc<Value>);

impl Builder<'_, '_> {
    /// Read the project's env files in order; later files override earlier
    /// ones, the variables already set (`outer`: the process environment;
    /// for an `include:`, the including project's variables) override them
    /// all. The winners are added to the variables.
    pub(super) fn read_env_files(
        &mut self,
        paths: &[PathBuf],
        outer: &BTreeMap<String, ProjectVariable>,
    ) -> (Vec<FileId>, Vec<DotenvDefinition>) {
        let mut ids = Vec::new();
        let mut defs: Vec<DotenvDefinition> = Vec::new();
        // Each definition's value with its map, as a `${VAR}` carries it.
        let mut written: Vec<Arc<Value>> = Vec::new();
        for path in paths {
            // Past the allowance, nothing more is read.
            if self.allowance.exhausted() {
                break;
            }
            let id = match self.loader.load(path, FileKind::Dotenv) {
                Ok(id) => id,
                Err(crate::fs::LoadError::NotFound) => {
                    self.errors.push(ModelError {
                        message: format!("couldn't find env file: {}", path.display()),
                        span: None,
                        kind: ModelErrorKind::EnvFileNotFound(path.clone()),
                    });
                    continue;
                }
                Err(e) => {
                    self.load_error(path, e, true);
                    continue;
                }
            };
            ids.push(id);
            self.credit(id);
            let parsed = self.loader.dotenv(id);
            for e in &parsed.errors {
                self.errors.push(ModelError {
                    message: e.message.clone(),
                    span: Some(Span::new(id, e.range)),
                    kind: ModelErrorKind::Syntax,
                });
            }
            if !parsed.errors.is_empty() {
                continue;
            }
            let earlier: BTreeMap<String, Earlier> = defs
                .iter()
                .zip(&written)
                .map(|(d, w)| {
                    (
                        d.name.clone(),
                        (
                            d.value.clone(),
                            VariableSource::Dotenv {
                                file: d.file,
                                key: d.key,
                                value: d.value_span,
                            },
                            w.clone(),
                        ),
                    )
                })
                .collect();
            // The shell, the file's own earlier lines, then what earlier
            // files set.
            let mut lookup = |name: &str| outer.get(name).map(|v| v.value.clone());
            let mut from_earlier = |name: &str| earlier.get(name).map(|(v, _, _)| v.clone());
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
            for r in resolved {
                let Some(entry) = parsed.entries.get(r.entry) else {
                    continue;
                };
                let value_span = match &entry.value {
                    crate::syntax::dotenv::DotenvValue::Assigned(a) => Span::new(id, a.raw_range),
                    crate::syntax::dotenv::DotenvValue::Inherit => Span::new(id, entry.key_range),
                };
                let via: Vec<Via> = r
                    .used
                    .iter()
                    .map(|u| self.dotenv_via(id, &parsed, u, outer, &earlier, &by_entry))
                    .collect();
                let segments =
                    segments(&self.loader.file(id).text, id, &r.value, &r.segments, None);
                let value = Arc::new(Value {
                    text: r.value.clone(),
                    span: value_span,
                    via: via.clone(),
                    segments: segments.clone(),
                });
                by_entry.insert(r.entry, value.clone());
                written.push(value);
                defs.push(DotenvDefinition {
                    name: r.key.clone(),
                    value: r.value.clone(),
                    file: id,
                    key: Span::new(id, entry.key_range),
                    value_span,
                    via,
                    segments,
                    effective: false,
                });
            }
        }
        // The last definition of a name wins, unless the shell sets it.
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            last.insert(&d.name, i);
        }
        let winners: Vec<usize> = last
            .iter()
            .filter(|(n, _)| !outer.contains_key(**n))
            .map(|(_, i)| *i)
            .collect();
        for i in winners {
            defs[i].effective = true;
            let d = &defs[i];
            Arc::make_mut(&mut self.variables).insert(
                d.name.clone(),
                ProjectVariable {
                    name: d.name.clone(),
                    value: d.value.clone(),
                    source: VariableSource::Dotenv {
                        file: d.file,
                        key: d.key,
                        value: d.value_span,
                    },
                    via: d.via.clone(),
                    written: Some(written[i].clone()),
                },
            );
        }
        (ids, defs)
    }

    pub(super) fn dotenv_via(
        &self,
        file: FileId,
        parsed: &crate::syntax::dotenv::DotenvFile,
        u: &UsedVarSource,
        outer: &BTreeMap<String, ProjectVariable>,
        earlier: &BTreeMap<String, Earlier>,
        by_entry: &HashMap<usize, Arc<Value>>,
    ) -> Via {
        let name = u.var.name.clone();
        let mut written = None;
        let (source, value) = match &u.from {
            VarOrigin::Lookup => match outer.get(&name) {
                Some(v) => {
                    written = v.written.clone();
                    (Some(v.source.clone()), Some(v.value.clone()))
                }
                None => (None, None),
            },
            VarOrigin::EarlierFile => match earlier.get(&name) {
                Some((v, s, w)) => {
                    written = Some(w.clone());
                    (Some(s.clone()), Some(v.clone()))
                }
                None => (None, None),
            },
            VarOrigin::EarlierEntry(i) => match parsed.entries.get(*i) {
                Some(e) => {
                    written = by_entry.get(i).cloned();
                    let value_span = match &e.value {
                        crate::syntax::dotenv::DotenvValue::Assigned(a) => a.raw_range,
                        crate::syntax::dotenv::DotenvValue::Inherit => e.key_range,
                    };
                    (
                        Some(VariableSource::Dotenv {
                            file,
                            key: Span::new(file, e.key_range),
                            value: Span::new(file, value_span),
                        }),
                        None,
                    )
                }
                None => (None, None),
            },
            VarOrigin::Missing => (None, None),
        };
        Via {
            variable: name,
            reference: Span::new(file, u.var.range),
            form: u.var.form,
            source,
            value,
            written,
        }
    }

    /// The last `name:` of the compose files, interpolated.
    pub(super) fn declared_name(&mut self, files: &[PathBuf]) -> Option<String> {
        let mut name = None;
        for path in files {
            let Ok(id) = self.loader.load(path, FileKind::Compose) else {
                continue;
            };
            let parsed = self.loader.compose(id);
            // The last document that names the project wins.
            let Some(n) = parsed.documents().filter_map(|d| d.name.clone()).last() else {
                continue;
            };
            let text = self.loader.file(id).slice(n.range).to_string();
            let whole = n.range;
            if let Ok(v) = self.interpolate_spending(id, &text, whole.start, whole, false) {
                name = Some(v.text);
            } else {
                name = Some(n.value);
            }
        }
        name
    }

    /// The process environment, then the env files (`.env` unless
    /// `--env-file`): the project's variables, and what the files define.
    pub(super) fn project_variables(
        &mut self,
        opts: &ProjectOptions,
    ) -> (Vec<FileId>, Vec<DotenvDefinition>) {
        let directory = self.directory.clone();
        for (k, v) in &opts.process_env {
            Arc::make_mut(&mut self.variables).insert(
                k.clone(),
                ProjectVariable {
                    name: k.clone(),
                    value: v.clone(),
                    source: VariableSource::Process,
                    via: Vec::new(),
                    written: None,
                },
            );
        }
        let env_paths: Vec<PathBuf> = if opts.env_files.is_empty() {
            let default = directory.join(".env");
            // A `.env` that is a link to a file not created yet is no `.env`.
            if self.loader.is_file(&default) && self.loader.load(&default, FileKind::Dotenv).is_ok()
            {
                vec![default]
            } else {
                Vec::new()
            }
        } else {
            opts.env_files
                .iter()
                .map(|f| self.loader.absolute(f))
                .collect()
        };
        let process = self.variables.clone();
        let (env_files, dotenv_definitions) = self.read_env_files(&env_paths, &process);

        (env_files, dotenv_definitions)
    }

    /// `--profile`, else `COMPOSE_PROFILES`.
    pub(super) fn profiles(&self, opts: &ProjectOptions) -> BTreeSet<String> {
        let mut profiles: BTreeSet<String> = opts.profiles.iter().cloned().collect();
        if profiles.is_empty() {
            if let Some(v) = self.variables.get("COMPOSE_PROFILES") {
                profiles.extend(
                    v.value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
            }
        }

        profiles
    }

    /// The project's name, which Compose also offers for interpolation as
    /// COMPOSE_PROJECT_NAME: the shell's or `.env`'s COMPOSE_PROJECT_NAME,
    /// else the last `name:` of the files, else the folder's name.
    pub(super) fn project_name(&mut self, files: &[PathBuf]) {
        let directory = self.directory.clone();
        if !self.variables.contains_key(COMPOSE_PROJECT_NAME) {
            let value = self.declared_name(files).unwrap_or_else(|| {
                normalize_project_name(
                    &directory
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                )
            });
            Arc::make_mut(&mut self.variables).insert(
                COMPOSE_PROJECT_NAME.to_string(),
                ProjectVariable {
                    name: COMPOSE_PROJECT_NAME.to_string(),
                    value,
                    source: VariableSource::Compose,
                    via: Vec::new(),
                    written: None,
                },
            );
        }
    }
}
