//! Top-level `include:`: each item's files loaded as a project of their
//! own (their env files, their project directory), their services imported;
//! a service defined both here and there is a conflict unless the same.

use super::*;

/// One `include:` item, interpolated.
#[derive(Debug, Clone)]
pub(super) struct IncludeUse {
    pub(super) paths: Vec<Value>,
    pub(super) env_files: Vec<Value>,
    pub(super) project_directory: Option<Value>,
}

/// Two YAML nodes written alike (ranges aside): the same scalars, typed
/// the same, in the same collections.
pub(super) fn same_node(a: &Node, b: &Node) -> bool {
    if a.tag != b.tag {
        return false;
    }
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            x.value == y.value
                && x.compose_string() == y.compose_string()
                && (x.resolved == crate::syntax::yaml::Resolved::Str)
                    == (y.resolved == crate::syntax::yaml::Resolved::Str)
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_node(a, b))
        }
        // Key order does not matter (Compose compares decoded maps); keys
        // found by their text, so that a large map stays linear.
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            let text = |k: &Node| match &k.kind {
                NodeKind::Scalar(s) => Some(s.value.clone()),
                _ => None,
            };
            let by_key: Option<HashMap<String, (&Node, &Node)>> =
                y.iter().map(|(k, v)| Some((text(k)?, (k, v)))).collect();
            match by_key {
                Some(by_key) if by_key.len() == y.len() => {
                    x.len() == y.len()
                        && x.iter().all(|(ka, va)| {
                            text(ka)
                                .and_then(|t| by_key.get(&t))
                                .is_some_and(|(kb, vb)| same_node(ka, kb) && same_node(va, vb))
                        })
                }
                _ => {
                    x.len() == y.len()
                        && x.iter()
                            .zip(y)
                            .all(|((ka, va), (kb, vb))| same_node(ka, kb) && same_node(va, vb))
                }
            }
        }
        _ => false,
    }
}

/// Whether a service's definition holds a path Compose resolves against
/// the project directory (`build`, `env_file`, `extends.file`,
/// `label_file`, a relative bind mount).
pub(super) fn has_relative_path(service: &Node) -> bool {
    let Some(entries) = service.as_map() else {
        return false;
    };
    entries.iter().any(|(k, v)| match k.as_str() {
        Some("build" | "env_file" | "label_file") => true,
        Some("extends") => v.get("file").is_some(),
        Some("volumes") => v.as_seq().is_some_and(|items| {
            items.iter().any(|i| {
                let source = i
                    .as_str()
                    .or_else(|| i.get("source").and_then(Node::as_str));
                source.is_some_and(|s| s.starts_with('.') || s.starts_with('~'))
            })
        }),
        _ => false,
    })
}

impl Builder<'_, '_> {
    /// The services the `include:` items import, as Compose's
    /// `ApplyInclude` does: each item's files (relative to the current
    /// project directory) loaded as a project of their own — their project
    /// directory the item's `project_directory:` or the first file's
    /// folder, their variables the current ones then the item's
    /// `env_file:`s (else that directory's `.env`) for names still unset —
    /// merged in order; a service two items define differently is an error.
    pub(super) fn apply_includes(
        &mut self,
        includes: &[IncludeUse],
        chain: &mut Vec<PathBuf>,
    ) -> Vec<Service> {
        let mut imported: Vec<Service> = Vec::new();
        let mut imported_at: HashMap<String, usize> = HashMap::new();
        for inc in includes {
            // An item without a path includes nothing (Compose says nothing).
            let Some(first) = inc.paths.first() else {
                continue;
            };
            let working = self.directory.clone();
            let paths: Vec<PathBuf> = inc
                .paths
                .iter()
                .map(|p| crate::fs::normalize(&working.join(&p.text)))
                .collect();
            let mut missing = false;
            for (p, v) in paths.iter().zip(&inc.paths) {
                if !self.loader.is_file(p) {
                    missing = true;
                    self.errors.push(ModelError::new(
                        format!("open {}: no such file or directory", p.display()),
                        Some(v.span),
                    ));
                }
            }
            if missing {
                continue;
            }
            if chain.contains(&paths[0]) {
                let mut message = String::from("include cycle detected:");
                for (k, f) in chain.iter().chain([&paths[0]]).enumerate() {
                    let verb = if k == 0 { "\n" } else { "\n include " };
                    message.push_str(&format!("{verb}{}", f.display()));
                }
                self.errors.push(ModelError::new(message, Some(first.span)));
                continue;
            }
            if self.include_loads >= MAX_INCLUDE_LOADS {
                self.errors.push(ModelError {
                    message: format!(
                        "include: more than {MAX_INCLUDE_LOADS} files loaded: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(first.span),
                    kind: ModelErrorKind::Limit,
                });
                break;
            }
            self.include_loads += paths.len();
            if chain.len() > MAX_INCLUDE_DEPTH {
                self.errors.push(ModelError {
                    message: format!(
                        "include: more than {MAX_INCLUDE_DEPTH} levels: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(first.span),
                    kind: ModelErrorKind::Limit,
                });
                continue;
            }
            let directory = match &inc.project_directory {
                Some(d) => crate::fs::normalize(&working.join(&d.text)),
                None => paths[0]
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| working.clone()),
            };
            // A missing env file fails the configuration; the files are
            // still loaded (with the env files that are there).
            let mut env_paths = Vec::new();
            if inc.env_files.is_empty() {
                let default = directory.join(".env");
                if self.loader.is_file(&default) {
                    env_paths.push(default);
                }
            } else {
                for f in &inc.env_files {
                    if f.text == "/dev/null" {
                        continue;
                    }
                    let p = crate::fs::normalize(&working.join(&f.text));
                    if !self.loader.is_file(&p) {
                        self.errors.push(ModelError {
                            message: format!("stat {}: no such file or directory", p.display()),
                            span: Some(f.span),
                            kind: ModelErrorKind::EnvFileNotFound(p),
                        });
                        continue;
                    }
                    env_paths.push(p);
                }
            }
            // The included project: its directory, its variables.
            let outer = self.variables.clone();
            let key = (self.scope, env_paths.clone());
            let variables = match self.scope_cache.get(&key) {
                Some(v) => v.clone(),
                None if env_paths.is_empty() => outer.clone(),
                None => {
                    let (ids, defs) = self.read_env_files(&env_paths, &outer);
                    self.include_env_files.extend(ids);
                    self.include_definitions.extend(defs);
                    std::mem::replace(&mut self.variables, outer.clone())
                }
            };
            self.scope_cache.insert(key, variables.clone());
            self.variables = variables.clone();
            let saved_directory = std::mem::replace(&mut self.directory, directory.clone());
            let scope = self.scopes.len();
            let outer_scope = std::mem::replace(&mut self.scope, scope);
            self.scopes.push(variables);
            self.scope_dirs.push(directory);
            // Compose validates the included files as it does `-f` files
            // (once for each way they are included).
            if self
                .include_validated
                .insert((paths.clone(), env_paths.clone(), outer_scope))
            {
                let (trees, deferred) = self.validate_files(&paths);
                self.settle_deferred(&trees, deferred);
            }
            let mut merged = Merged::default();
            for p in &paths {
                chain.push(p.clone());
                let loaded = self.load_documents(p, chain);
                chain.pop();
                let Some((id, services, _)) = loaded else {
                    continue;
                };
                if !self.included_files.contains(&id) {
                    self.included_files.push(id);
                }
                merged.add(services);
            }
            let merged = merged.into_services();
            self.directory = saved_directory;
            self.variables = outer;
            self.scope = outer_scope;
            for s in merged {
                let mut s = s;
                if s.scope == 0 {
                    s.scope = scope;
                }
                match imported_at.get(&s.name).and_then(|&i| imported.get(i)) {
                    Some(earlier) => {
                        if !self.same_definition(earlier, &s, true) {
                            self.conflict(&s);
                        }
                    }
                    None => {
                        imported_at.insert(s.name.clone(), imported.len());
                        imported.push(s);
                    }
                }
            }
        }
        imported
    }

    /// Compose's error for a service an `include:` imports that the
    /// including file, or an earlier item, defines otherwise.
    pub(super) fn conflict(&mut self, s: &Service) {
        self.errors.push(ModelError::new(
            format!("services.{} conflicts with imported resource", s.name),
            Some(s.name_span),
        ));
    }

    /// Whether two definitions of a service are the same to Compose, which
    /// compares them as YAML after interpolation, the included one's
    /// relative paths made absolute: written alike (raw text compared: a
    /// `${VAR}` alike in both is taken as the same value), and no relative
    /// path in them, unless both are imported from the same project
    /// directory (`both_imported`).
    pub(super) fn same_definition(
        &mut self,
        a: &Service,
        b: &Service,
        both_imported: bool,
    ) -> bool {
        let mut node = |s: &Service| -> Option<Node> {
            let parsed = self.loader.compose(s.name_span.file);
            let found = parsed.documents().find_map(|d| {
                let services = d.root.as_ref()?.get("services")?.as_map()?;
                services
                    .iter()
                    .find(|(k, _)| k.range == s.name_span.range)
                    .map(|(_, v)| v.clone())
            });
            found
        };
        let (Some(x), Some(y)) = (node(a), node(b)) else {
            return false;
        };
        if !same_node(&x, &y) {
            return false;
        }
        let same_directory =
            both_imported && self.scope_dirs.get(a.scope) == self.scope_dirs.get(b.scope);
        same_directory || !has_relative_path(&x)
    }
}
