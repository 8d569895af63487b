//! `extends`: a service completed by the one it names, in the same file
//! or another (read once, paths from its own folder); cycles reported.

use super::*;

/// The services whose `extends` are being followed, outermost first: the
/// file, the service, and where its `extends.service` is written.
pub(super) type ExtendsChain = Vec<(FileId, String, Span)>;

/// A compose file as `extends` reads it: its path, which document
/// ([`ALL_DOCUMENTS`]: all of them merged), the folder its relative paths
/// are resolved from, and the scope whose variables interpolate it.
pub(super) type ExtendsKey = (PathBuf, usize, PathBuf, usize);

/// The document of an [`ExtendsKey`] that stands for all the documents
/// of a file merged, as `extends.file` reads a file of several.
const ALL_DOCUMENTS: usize = usize::MAX;

/// The compose files `extends` reads: loaded once (`None`: could not be
/// read, reported once).
pub(super) type ExtendsFiles = HashMap<ExtendsKey, Option<Arc<Unresolved>>>;

impl Builder<'_, '_> {
    /// Service `i` of document `doc` of the file at `path` merged over the service it
    /// `extends`, itself merged over its own base and so on (in this file
    /// or another, written before or after it), as Compose does: the chain
    /// is followed first, then merged from its base up, without recursion.
    /// A cycle is Compose's "Circular reference" error; a chain of more
    /// than [`MAX_NESTING`] links, our own bound. `None`: the base could not
    /// be found or resolved (reported). A base in the same file is looked
    /// for in the same document; in another file, in all its documents
    /// merged (Compose merges them before it looks, and follows the
    /// base's own `extends` among the merged services).
    pub(super) fn resolve_extends(
        &mut self,
        start: &ExtendsKey,
        i: usize,
        files: &mut ExtendsFiles,
    ) -> Option<Service> {
        let mut chain: ExtendsChain = Vec::new();
        // The services of the chain, the one resolved first.
        let mut links: Vec<Service> = Vec::new();
        let origin = files.get(start).cloned().flatten().map(|f| f.id);
        let (mut key, mut k) = (start.clone(), i);
        loop {
            let here_file = files.get(&key)?.clone()?;
            let file = here_file.id;
            let own = here_file.services.get(k)?;
            // The service itself is spent with its file's; each base it
            // copies, here.
            if !links.is_empty() && !self.allowance.spend(own.weight()) {
                self.over(own.name_span);
                return None;
            }
            let own = own.clone();
            let Some(ext) = here_file.extends.get(k).cloned().flatten() else {
                links.push(own);
                break;
            };
            if let Some(at) = chain
                .iter()
                .position(|(f, name, _)| *f == file && *name == own.name)
            {
                self.circular(&chain[at..], file, &own.name);
                return None;
            }
            let here = Span::new(file, ext.service.range);
            if chain.len() >= MAX_NESTING {
                self.errors.push(ModelError {
                    message: format!(
                        "extends: more than {MAX_NESTING} levels: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(here),
                    kind: ModelErrorKind::Limit,
                });
                return None;
            }
            chain.push((file, own.name.clone(), here));
            links.push(own);
            if let Some(file_ref) = here_file.extends_files.get(k).cloned().flatten() {
                let base_dir = self
                    .loader
                    .file(file)
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let path = crate::fs::normalize(&base_dir.join(&file_ref));
                // Relative paths in it are resolved from its own folder.
                let own_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let scope = self.scope;
                let at = |d: usize| (path.clone(), d, own_dir.clone(), scope);
                let documents = self.document_count(&path);
                key = at(if documents == 1 { 0 } else { ALL_DOCUMENTS });
                if !files.contains_key(&key) {
                    // Each document loaded once, then merged once.
                    let mut read = Vec::with_capacity(documents);
                    for d in 0..documents {
                        if let std::collections::hash_map::Entry::Vacant(e) = files.entry(at(d)) {
                            e.insert(self.load_unresolved(&path, d, &own_dir).map(Arc::new));
                        }
                        read.push(files.get(&at(d)).cloned().flatten());
                    }
                    if documents > 1 {
                        // A document that cannot be read fails the file.
                        let all: Option<Vec<Arc<Unresolved>>> = read.into_iter().collect();
                        files.insert(key.clone(), all.map(|d| Arc::new(merge_documents(&d))));
                    }
                }
            }
            let base_file = files.get(&key)?.clone()?;
            let Some(&j) = base_file.by_name.get(&ext.service.value) else {
                let message = match here_file.extends_files.get(k).cloned().flatten() {
                    Some(f) => format!(
                        "cannot extend service {:?} in {}: service not found",
                        ext.service.value, f
                    ),
                    None => format!(
                        "cannot extend service {:?}: service not found",
                        ext.service.value
                    ),
                };
                self.errors.push(ModelError {
                    message,
                    span: Some(here),
                    kind: ModelErrorKind::Other,
                });
                return None;
            };
            // A base outside the file being loaded (one `file:` names, or
            // one that base extends in its own file) is not validated as
            // a file of the project.
            if Some(base_file.id) != origin {
                self.check_base(&key, &ext.service.value);
            }
            k = j;
        }
        let mut base = links.pop()?;
        while let Some(own) = links.pop() {
            base.name = own.name.clone();
            base.name_span = own.name_span;
            merge_service(&mut base, own);
        }
        Some(base)
    }

    /// Compose reads a base in another file without validating it there:
    /// what it refuses of the base `name` of the file `key` whatever
    /// extends it ([`validate::base_refusals`]; each document that defines
    /// it, when its documents are merged) is refused where it is written,
    /// once per base. Each document's services are indexed by name once.
    fn check_base(&mut self, key: &ExtendsKey, name: &str) {
        let Ok(id) = self.loader.load(&key.0, FileKind::Compose) else {
            return;
        };
        if !self.checked_bases.insert((id, key.1, name.to_string())) {
            return;
        }
        let parsed = self.loader.compose(id).clone();
        if !parsed.errors.is_empty() {
            return;
        }
        let documents: Vec<usize> = if key.1 == ALL_DOCUMENTS {
            (0..=parsed.later.len()).collect()
        } else {
            vec![key.1]
        };
        for doc in documents {
            let Some(d) = document(&parsed, doc) else {
                continue;
            };
            let Some(services) = d.root.as_ref().and_then(|r| r.get("services")?.as_map()) else {
                continue;
            };
            let index = self.base_index.entry((id, doc)).or_insert_with(|| {
                let mut at = HashMap::new();
                for (i, (k, _)) in services.iter().enumerate() {
                    if let Some(n) = k.as_str() {
                        at.entry(n.to_string()).or_insert(i);
                    }
                }
                at
            });
            let Some((_, node)) = index.get(name).and_then(|&i| services.get(i)) else {
                continue;
            };
            let cx = Interpolating {
                b: self,
                file: id,
                allowance: std::cell::RefCell::new(self.allowance.clone()),
            };
            let found = validate::base_refusals(node, name, &cx);
            self.errors.extend(
                found
                    .into_iter()
                    .map(|e| ModelError::new(e.message, Some(Span::new(id, e.range)))),
            );
        }
    }

    /// Compose's error for `cycle` (the services from the first one on,
    /// each extending the next) closing on `service` of `file`, reported
    /// once per cycle, where its last `extends` is written.
    pub(super) fn circular(
        &mut self,
        cycle: &[(FileId, String, Span)],
        file: FileId,
        service: &str,
    ) {
        let mut members: Vec<(FileId, String)> =
            cycle.iter().map(|(f, n, _)| (*f, n.clone())).collect();
        members.sort();
        if !self.cycles.insert(members) {
            return;
        }
        let display = |b: &Self, f: FileId| b.loader.file(f).display.clone();
        let mut message = String::from("Circular reference:");
        for (k, (f, name, _)) in cycle.iter().enumerate() {
            let verb = if k == 0 { "" } else { "extends " };
            message.push_str(&format!(" {verb}{name} in {},", display(self, *f)));
        }
        message.push_str(&format!(" extends {service} in {}", display(self, file)));
        let span = cycle.last().map(|(_, _, s)| *s);
        self.errors.push(ModelError {
            message,
            span,
            kind: ModelErrorKind::Other,
        });
    }
}

/// The documents of a file merged as Compose merges them before `extends`
/// looks for a base in it: services merged as `-f` files are (`!reset`,
/// `!override`), and each service's `extends` merged key by key (a later
/// `service:` replaces the earlier one; `file:` when it is written). Its
/// `include:` is not read (`extends` does not).
fn merge_documents(documents: &[Arc<Unresolved>]) -> Unresolved {
    let mut merged = Merged::default();
    // Each name's `extends` so far, and its `file:` interpolated.
    let mut extends: HashMap<String, (cs::Extends, Option<String>)> = HashMap::new();
    for d in documents {
        for (i, s) in d.services.iter().enumerate() {
            let own = d.extends.get(i).cloned().flatten();
            let own_file = d.extends_files.get(i).cloned().flatten();
            // `extends: !reset` removes it; `extends: !override` replaces it
            // whole (its `file:` not kept).
            let reset = s.resets.iter().any(|f| f == "extends");
            let replaced = s.overrides.iter().any(|f| f == "extends");
            match (s.tag, own) {
                (None, _) if reset => {
                    extends.remove(&s.name);
                }
                (Some(MergeTag::Reset), _) | (Some(MergeTag::Override), None) => {
                    extends.remove(&s.name);
                }
                (Some(MergeTag::Override), Some(e)) => {
                    extends.insert(s.name.clone(), (e, own_file));
                }
                (None, Some(e)) if replaced => {
                    extends.insert(s.name.clone(), (e, own_file));
                }
                (None, Some(e)) => {
                    let (file, value) = match (&e.file, extends.remove(&s.name)) {
                        (Some(_), _) => (e.file.clone(), own_file),
                        (None, Some((earlier, value))) => (earlier.file, value),
                        (None, None) => (None, None),
                    };
                    let e = cs::Extends {
                        service: e.service,
                        file,
                    };
                    extends.insert(s.name.clone(), (e, value));
                }
                (None, None) => {}
            }
        }
        merged.add(d.services.clone());
    }
    let services = merged.into_services();
    let (extends, extends_files) = services
        .iter()
        .map(|s| match extends.get(&s.name) {
            Some((e, f)) => (Some(e.clone()), f.clone()),
            None => (None, None),
        })
        .unzip();
    Unresolved {
        id: documents[0].id,
        by_name: index_by_name(&services),
        extends,
        services,
        name: documents.iter().rev().find_map(|d| d.name.clone()),
        extends_files,
        includes: Vec::new(),
    }
}
