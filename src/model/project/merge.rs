//! Merging services as Compose merges `-f` files, `include:` items and
//! `extends`: `!reset` and `!override` first, then per key.

use super::*;

/// Services merged file after file, as Compose merges `-f` files (the
/// documents of one file, the files of one `include:` item): the index by
/// name kept from one file to the next, and a service `!reset` removes
/// left as a hole until the end, so that each file costs what it holds,
/// not what the files before it held.
#[derive(Default)]
pub(super) struct Merged {
    services: Vec<Option<Service>>,
    at: HashMap<String, usize>,
}

impl Merged {
    /// Merge the services of one more file.
    pub(super) fn add(&mut self, services: Vec<Service>) {
        for s in services {
            // `name: !reset` removes the service; `name: !override` replaces it.
            if s.tag == Some(MergeTag::Reset) {
                if let Some(i) = self.at.remove(&s.name) {
                    self.services[i] = None;
                }
                continue;
            }
            match self
                .at
                .get(&s.name)
                .and_then(|&i| self.services[i].as_mut())
            {
                Some(base) if s.tag == Some(MergeTag::Override) => *base = s,
                Some(base) => merge_service(base, s),
                None => {
                    self.at.insert(s.name.clone(), self.services.len());
                    self.services.push(Some(s));
                }
            }
        }
    }

    /// The services, in the order they were first defined.
    pub(super) fn into_services(self) -> Vec<Service> {
        self.services.into_iter().flatten().collect()
    }
}

/// `base` followed by `over`, an item of `over` replacing the item of
/// `base` with the same key; of a key repeated in `over`, its last item,
/// where the last one stands — what removing then appending each item in
/// turn gives, in one pass.
fn merge_by_key<T>(base: &mut Vec<T>, over: Vec<T>, key: impl Fn(&T) -> &str) {
    let last: HashMap<String, usize> = over
        .iter()
        .enumerate()
        .map(|(i, x)| (key(x).to_string(), i))
        .collect();
    base.retain(|x| !last.contains_key(key(x)));
    base.extend(
        over.into_iter()
            .enumerate()
            .filter(|(i, x)| last.get(key(x)) == Some(i))
            .map(|(_, x)| x),
    );
}

/// `over`'s `volumes:` items after `base`'s: an item replaces the one with
/// the same path in the container where that one stands, in one file as
/// from one file to the next (`docker-compose config` 2.40.3).
pub(super) fn merge_mounts(base: &mut Vec<MountConfig>, over: Vec<MountConfig>) {
    let mut at: HashMap<String, usize> = base
        .iter()
        .enumerate()
        .map(|(i, m)| (m.merge_key(), i))
        .collect();
    for m in over {
        let key = m.merge_key();
        match at.get(&key) {
            Some(&i) => base[i] = m,
            None => {
                at.insert(key, base.len());
                base.push(m);
            }
        }
    }
}

/// Removes what `base` sets for `field` (a service key, or
/// `environment.KEY`), as a `!reset` in a later file does.
pub(super) fn clear_field(base: &mut Service, field: &str) {
    if let Some(key) = field.strip_prefix("environment.") {
        base.environment.retain(|e| e.key != key);
        return;
    }
    match field {
        "image" => base.image = None,
        "build" => base.build = None,
        "environment" => base.environment.clear(),
        "env_file" => base.env_files.clear(),
        "user" => base.user = None,
        "healthcheck" => base.healthcheck = None,
        "depends_on" => base.depends_on.clear(),
        "network_mode" => base.network_mode = None,
        "networks" => base.networks.clear(),
        "ports" => base.ports.clear(),
        "expose" => base.expose.clear(),
        "profiles" => base.profiles.clear(),
        "command" => base.command = None,
        "entrypoint" => base.entrypoint = None,
        "container_name" => base.container_name = None,
        "hostname" => base.hostname = None,
        "pull_policy" => base.pull_policy = None,
        "volumes" => base.volumes.clear(),
        "privileged" => base.privileged = None,
        "cap_add" => base.cap_add.clear(),
        "security_opt" => base.security_opt.clear(),
        "pid" => base.pid = None,
        "ipc" => base.ipc = None,
        _ => {}
    }
}

/// Merge `over` (a later `-f` file, or the service that extends) into `base`
/// with Compose's rules: scalars are replaced, `environment` merges by key,
/// `env_file` (without repeating a path), `ports` and `expose` are appended,
/// `depends_on` and networks merge by name.
pub fn merge_service(base: &mut Service, over: Service) {
    fn replace<T>(a: &mut Option<T>, b: Option<T>) {
        if b.is_some() {
            *a = b;
        }
    }
    // `!reset` removes what the base set; `!override` too, before `over`'s
    // value takes its place.
    for field in over.resets.iter().chain(&over.overrides) {
        clear_field(base, field);
    }
    replace(&mut base.image, over.image);
    match (&mut base.build, over.build) {
        (Some(a), Some(b)) => {
            a.span = b.span;
            if b.context_value.is_some() {
                a.context = b.context;
                a.context_value = b.context_value;
                if a.dockerfile.is_none() && b.dockerfile.is_none() {
                    a.dockerfile_path = b.dockerfile_path.clone();
                }
            }
            if b.dockerfile.is_some() {
                a.dockerfile = b.dockerfile;
            }
            // Both fields merge; both set is Compose's error (below).
            a.inline |= b.inline;
            a.dockerfile_path = a.context.join(
                a.dockerfile
                    .as_ref()
                    .map(|d| d.text.as_str())
                    .unwrap_or("Dockerfile"),
            );
            a.dockerfile_path = crate::fs::normalize(&a.dockerfile_path);
            replace(&mut a.target, b.target);
            merge_by_key(&mut a.args, b.args, |x| x.0.as_str());
        }
        (a, b) => replace(a, b),
    }
    merge_by_key(&mut base.environment, over.environment, |e| e.key.as_str());
    // Appended; a path already there (as written) keeps its first position.
    let mut seen: HashSet<String> = base.env_files.iter().map(|x| x.path.text.clone()).collect();
    for f in over.env_files {
        if seen.insert(f.path.text.clone()) {
            base.env_files.push(f);
        }
    }
    replace(&mut base.user, over.user);
    match (&mut base.healthcheck, over.healthcheck) {
        (Some(a), Some(b)) => {
            a.span = b.span;
            replace(&mut a.test, b.test);
            a.disable = a.disable || b.disable;
        }
        (a, b) => replace(a, b),
    }
    for d in over.depends_on {
        base.depends_on.retain(|x| x.service != d.service);
        base.depends_on.push(d);
    }
    replace(&mut base.network_mode, over.network_mode);
    for n in over.networks {
        base.networks.retain(|x| x.name != n.name);
        base.networks.push(n);
    }
    for p in over.ports {
        if !base.ports.iter().any(|x| x.raw.text == p.raw.text) {
            base.ports.push(p);
        }
    }
    for e in over.expose {
        if !base.expose.iter().any(|x| x.text == e.text) {
            base.expose.push(e);
        }
    }
    // Profiles add up, each once, in the order first seen.
    for p in over.profiles {
        if !base.profiles.iter().any(|x| x.text == p.text) {
            base.profiles.push(p);
        }
    }
    replace(&mut base.command, over.command);
    replace(&mut base.entrypoint, over.entrypoint);
    replace(&mut base.container_name, over.container_name);
    replace(&mut base.hostname, over.hostname);
    replace(&mut base.pull_policy, over.pull_policy);
    merge_mounts(&mut base.volumes, over.volumes);
    replace(&mut base.privileged, over.privileged);
    // Sets: appended, each item once.
    for (base, over) in [
        (&mut base.cap_add, over.cap_add),
        (&mut base.security_opt, over.security_opt),
    ] {
        let mut seen: HashSet<String> = base.iter().map(|x| x.text.clone()).collect();
        base.extend(over.into_iter().filter(|x| seen.insert(x.text.clone())));
    }
    replace(&mut base.pid, over.pid);
    replace(&mut base.ipc, over.ipc);
}
