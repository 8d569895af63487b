//! One compose file, read as Compose reads it: parsed, validated over
//! the files before it, interpolated, its services converted.

use super::*;

/// A compose file loaded without following `extends`.
pub(super) struct Unresolved {
    pub(super) id: FileId,
    /// Each service's `extends:`, as written.
    pub(super) extends: Vec<Option<cs::Extends>>,
    /// Its services as written, relative paths resolved from the folder
    /// it was loaded for.
    pub(super) services: Vec<Service>,
    /// Its `name:`, interpolated.
    pub(super) name: Option<String>,
    /// Each service's `extends.file`, interpolated (Compose interpolates
    /// it as any other value).
    pub(super) extends_files: Vec<Option<String>>,
    /// Its `include:` items, interpolated.
    pub(super) includes: Vec<IncludeUse>,
    /// Each service's index by name (the first of a name).
    pub(super) by_name: HashMap<String, usize>,
}

/// Document `doc` of a parsed compose file (0: the first).
pub(super) fn document(file: &Arc<ComposeFile>, doc: usize) -> Option<Arc<ComposeFile>> {
    match doc {
        0 => Some(file.clone()),
        d => file.later.get(d - 1).cloned(),
    }
}

/// Interpolated values of one compose file, by the range of their scalar.
pub(super) type Interpolated = HashMap<TextRange, Value>;

/// The interpolated text [`validate`] judges: only where every variable
/// it reads is set here (one set where the project is deployed could make
/// it valid).
pub(super) struct Interpolating<'b, 'a, 'fs> {
    pub(super) b: &'b Builder<'a, 'fs>,
    pub(super) file: FileId,
    /// A copy of the project's: what validation interpolates is dropped
    /// at once, but its time is bounded too.
    pub(super) allowance: std::cell::RefCell<Allowance>,
}

impl validate::Context for Interpolating<'_, '_, '_> {
    fn interpolated(&self, node: &Node) -> Option<String> {
        let s = node.as_scalar()?;
        if !s.value.contains('$') {
            return Some(s.value.clone());
        }
        let base = s.value_start.unwrap_or(node.range.start);
        let v = self
            .b
            .interpolate(
                self.file,
                &s.value,
                base,
                node.range,
                s.value_start.is_some(),
                &mut self.allowance.borrow_mut(),
            )
            .ok()?;
        v.via.iter().all(|x| x.source.is_some()).then_some(v.text)
    }
}

impl Builder<'_, '_> {
    /// Load, parse and interpolate one compose file; its services converted,
    /// each merged over the service it `extends`, through every level; then
    /// the services its `include:` imports. `chain`: the files being
    /// included, the top-level one first, this one last. Each document of
    /// a file is one such file (`doc`, from 0), merged over the ones before
    /// it as `-f` files are ([`Builder::load_documents`]).
    pub(super) fn load_compose_file(
        &mut self,
        path: &Path,
        doc: usize,
        chain: &mut Vec<PathBuf>,
    ) -> Option<(FileId, Vec<Service>, Option<String>)> {
        let directory = self.directory.clone();
        let unresolved = Arc::new(self.load_unresolved(path, doc, &directory)?);
        let (id, name) = (unresolved.id, unresolved.name.clone());
        let includes = unresolved.includes.clone();
        let weight: usize = unresolved.services.iter().map(Service::weight).sum();
        if !self.allowance.spend(weight) {
            let at = unresolved.services.first().map(|s| s.name_span);
            self.over(at.unwrap_or(Span::new(id, TextRange::empty(0))));
            return None;
        }
        let mut services: Vec<Service> = unresolved.services.clone();
        // The files `extends` names, each loaded once for the project (for
        // each folder and scope it is read in): not again for each document
        // or file that extends into it.
        let mut files = std::mem::take(&mut self.extends_files);
        let key = (path.to_path_buf(), doc, directory.clone(), self.scope);
        files.insert(key.clone(), Some(unresolved));
        for (i, service) in services.iter_mut().enumerate() {
            if let Some(s) = self.resolve_extends(&key, i, &mut files) {
                *service = s;
            }
        }
        self.extends_files = files;
        if !includes.is_empty() {
            let imported = self.apply_includes(&includes, chain);
            let own = index_by_name(&services);
            for s in imported {
                match own.get(&s.name).and_then(|&i| services.get(i)) {
                    Some(own) => {
                        if !self.same_definition(own, &s, false) {
                            self.conflict(&s);
                        }
                    }
                    None => services.push(s),
                }
            }
        }
        Some((id, services, name))
    }

    /// Every document of the file at `path` loaded
    /// ([`Builder::load_compose_file`]) and merged in order; the last
    /// `name:` wins.
    pub(super) fn load_documents(
        &mut self,
        path: &Path,
        chain: &mut Vec<PathBuf>,
    ) -> Option<(FileId, Vec<Service>, Option<String>)> {
        let mut loaded: Option<(FileId, Option<String>)> = None;
        let mut merged = Merged::default();
        for doc in 0..self.document_count(path) {
            let Some((id, services, name)) = self.load_compose_file(path, doc, chain) else {
                continue;
            };
            merged.add(services);
            match &mut loaded {
                Some((_, last)) if name.is_none() => {}
                _ => loaded = Some((id, name)),
            }
        }
        loaded.map(|(id, name)| (id, merged.into_services(), name))
    }

    /// How many documents the compose file at `path` has (1 when it
    /// cannot be read: its first is where that is reported).
    pub(super) fn document_count(&mut self, path: &Path) -> usize {
        match self.loader.load(path, FileKind::Compose) {
            Ok(id) => 1 + self.loader.compose(id).later.len(),
            Err(_) => 1,
        }
    }

    /// Compose's validation of document `doc` of the `-f` file at `path`
    /// (`validate`), merged over the `earlier` ones (then added to them): its
    /// refusals become errors; those Compose makes on the merged model are
    /// left in `deferred` (a later file may replace the value). `None`: the
    /// file could not be read (reported by its loading).
    pub(super) fn validate_file(
        &mut self,
        path: &Path,
        doc: usize,
        earlier: &mut validate::Earlier,
        deferred: &mut Vec<(Vec<String>, ModelError)>,
    ) -> Option<(FileId, Arc<ComposeFile>)> {
        let id = self.loader.load(path, FileKind::Compose).ok()?;
        let file = self.loader.compose(id);
        let parsed = document(&file, doc)?;
        // A file that does not parse is reported as such, once.
        if let (Some(root), true) = (&parsed.root, file.errors.is_empty()) {
            let found = validate::check_file(
                root,
                earlier,
                &Interpolating {
                    b: self,
                    file: id,
                    allowance: std::cell::RefCell::new(self.allowance.clone()),
                },
            );
            for e in found {
                let error = ModelError::new(e.message, Some(Span::new(id, e.range)));
                let error = if e.mergeable {
                    error.with_kind(ModelErrorKind::Incomplete)
                } else {
                    error
                };
                match e.after_merge {
                    Some(path) => deferred.push((path, error)),
                    None => self.errors.push(error),
                }
            }
        }
        if let Some(root) = &parsed.root {
            earlier.add(root);
        }
        Some((id, parsed))
    }

    /// [`Self::load_compose_file`] without following `extends`: the parsed
    /// file and its services as written, their relative paths resolved from
    /// `directory` (the project's; a file `extends` reads, its own folder).
    /// `doc`: which of its documents (the file's errors are reported with
    /// the first).
    pub(super) fn load_unresolved(
        &mut self,
        path: &Path,
        doc: usize,
        directory: &Path,
    ) -> Option<Unresolved> {
        // Past the allowance, nothing more is modelled (nor worked on).
        if self.allowance.exhausted() {
            return None;
        }
        let id = match self.loader.load(path, FileKind::Compose) {
            Ok(id) => id,
            Err(e) => {
                self.load_error(path, e, true);
                self.unparsed = true;
                return None;
            }
        };
        self.credit(id);
        let file = self.loader.compose(id);
        if doc == 0 {
            for e in &file.errors {
                self.errors.push(ModelError {
                    message: e.message.clone(),
                    span: Some(Span::new(id, e.range)),
                    kind: ModelErrorKind::Syntax,
                });
            }
            if !file.errors.is_empty() {
                self.unparsed = true;
            }
        }
        let parsed = document(&file, doc)?;
        let values = self.interpolate_tree(id, &parsed);
        // Borrowed, not copied: a file of many documents is read once per
        // document.
        let source = self.loader.file(id).text.as_str();
        let conv = Converter {
            file: id,
            source,
            values: &values,
            directory,
        };
        let name = parsed.name.as_ref().map(|n| conv.value(n).text);
        let services: Vec<Service> = parsed.services.iter().map(|s| conv.service(s)).collect();
        let extends_files = parsed
            .services
            .iter()
            .map(|s| {
                let f = s.extends.as_ref()?.file.as_ref()?;
                Some(conv.value(f).text)
            })
            .collect();
        let includes = parsed
            .include
            .iter()
            .map(|i| IncludeUse {
                paths: i.paths.iter().map(|p| conv.value(p)).collect(),
                env_files: i.env_files.iter().map(|p| conv.value(p)).collect(),
                project_directory: conv.opt(&i.project_directory),
            })
            .collect();
        Some(Unresolved {
            id,
            by_name: index_by_name(&services),
            extends: parsed.services.iter().map(|s| s.extends.clone()).collect(),
            services,
            name,
            extends_files,
            includes,
        })
    }

    /// The refusals Compose makes on the merged model (`deferred`, each
    /// with how many of `trees` were read when it was found): kept unless
    /// a later tree sets the same value. The trees are read from the last
    /// back, the paths they set gathered once.
    pub(super) fn settle_deferred(
        &mut self,
        trees: &[(FileId, Arc<ComposeFile>)],
        mut deferred: Vec<(usize, Vec<String>, ModelError)>,
    ) {
        deferred.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
        let mut set_later: HashSet<Vec<String>> = HashSet::new();
        let mut read = trees.len();
        let mut kept = Vec::new();
        for (at, path, e) in deferred {
            while read > at {
                read -= 1;
                if let Some(root) = &trees[read].1.root {
                    set_later.extend(validate::key_paths(root).into_iter().map(|(p, _)| p));
                }
            }
            if !set_later.contains(&path) {
                kept.push(e);
            }
        }
        // In the order the files were read.
        self.errors.extend(kept.into_iter().rev());
    }

    /// Each document of the files at `paths` (`-f` files, or the files of
    /// one `include:` item) validated over the ones before it; the trees,
    /// and the refusals Compose makes on the merged model.
    #[allow(clippy::type_complexity)]
    pub(super) fn validate_files(
        &mut self,
        paths: &[PathBuf],
    ) -> (
        Vec<(FileId, Arc<ComposeFile>)>,
        Vec<(usize, Vec<String>, ModelError)>,
    ) {
        let mut trees = Vec::new();
        let mut earlier = validate::Earlier::default();
        let mut deferred = Vec::new();
        for path in paths {
            for doc in 0..self.document_count(path) {
                let mut found = Vec::new();
                if let Some(tree) = self.validate_file(path, doc, &mut earlier, &mut found) {
                    trees.push(tree);
                }
                let at = trees.len();
                deferred.extend(found.into_iter().map(|(path, e)| (at, path, e)));
            }
        }
        (trees, deferred)
    }

    /// Each `-f` file validated over the ones before it and loaded, its
    /// services merged over theirs; then the files `include:` read.
    #[allow(clippy::type_complexity)]
    pub(super) fn compose_files(
        &mut self,
        files: &[PathBuf],
    ) -> (Vec<FileId>, Vec<(FileId, Arc<ComposeFile>)>, Vec<Service>) {
        let mut compose_files = Vec::new();
        let mut merged = Merged::default();
        // Each file's tree, validated merged over the ones before it; the
        // refusals of values a later file may replace kept for the end.
        let (trees, deferred) = self.validate_files(files);
        // Each document of a file is one more file.
        for path in files {
            for doc in 0..self.document_count(path) {
                let Some((id, services, _)) =
                    self.load_compose_file(path, doc, &mut vec![path.to_path_buf()])
                else {
                    continue;
                };
                if !compose_files.contains(&id) {
                    compose_files.push(id);
                }
                merged.add(services);
            }
        }
        self.settle_deferred(&trees, deferred);
        for id in &self.included_files {
            if !compose_files.contains(id) {
                compose_files.push(*id);
            }
        }
        (compose_files, trees, merged.into_services())
    }
}
