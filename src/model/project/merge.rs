//! Merging services as Compose merges `-f` files, `include:` items and
//! `extends`: `!reset` and `!override` first, then per key.

use super::*;

/// Merge the services of one more file into `merged`, as Compose merges
/// `-f` files (and the files of one `include:` item).
pub(super) fn merge_services(merged: &mut Vec<Service>, services: Vec<Service>) {
    let mut at = index_by_name(merged);
    // The services `!reset` removes, taken out once at the end (one
    // removal each was quadratic).
    let mut removed: HashSet<usize> = HashSet::new();
    for s in services {
        // `name: !reset` removes the service; `name: !override` replaces it.
        if s.tag == Some(MergeTag::Reset) {
            if let Some(i) = at.remove(&s.name) {
                removed.insert(i);
            }
            continue;
        }
        match at.get(&s.name).and_then(|&i| merged.get_mut(i)) {
            Some(base) if s.tag == Some(MergeTag::Override) => *base = s,
            Some(base) => merge_service(base, s),
            None => {
                at.insert(s.name.clone(), merged.len());
                merged.push(s);
            }
        }
    }
    if !removed.is_empty() {
        let mut i = 0;
        merged.retain(|_| {
            i += 1;
            !removed.contains(&(i - 1))
        });
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
            a.dockerfile_path = a.context.join(
                a.dockerfile
                    .as_ref()
                    .map(|d| d.text.as_str())
                    .unwrap_or("Dockerfile"),
            );
            a.dockerfile_path = crate::fs::normalize(&a.dockerfile_path);
            replace(&mut a.target, b.target);
            for arg in b.args {
                a.args.retain(|x| x.0 != arg.0);
                a.args.push(arg);
            }
        }
        (a, b) => replace(a, b),
    }
    for e in over.environment {
        base.environment.retain(|x| x.key != e.key);
        base.environment.push(e);
    }
    // Appended; a path already there (as written) keeps its first position.
    for f in over.env_files {
        if !base.env_files.iter().any(|x| x.path.text == f.path.text) {
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
}
