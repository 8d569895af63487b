//! A real editor: Neovim's built-in LSP client, headless, drives
//! `mppeep-lint server` on a copy of the seed project (`tests/neovim/lsp.lua`
//! says each step) and writes what it saw; this test judges it. Skipped
//! without `nvim`, unless `MPPEEP_REQUIRE` names `neovim` (`.ci/run`
//! installs Debian's package).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_sees_diagnostics_across_files_hovers_and_applies_a_fix() {
    let has_nvim = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_nvim {
        mppeep_lint::testing::skipped("neovim", "the Neovim test needs `nvim` on PATH");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("seed");
    std::fs::create_dir_all(&project).unwrap();
    mppeep_lint::testing::copy_tree(&repo.join("fixtures/mppeep-broken"), &project).unwrap();
    // The seed's DATABASE_URL as it should be: the editor breaks it.
    let env = project.join(".env");
    let text = std::fs::read_to_string(&env).unwrap();
    assert!(text.contains("@localhost:5432"));
    std::fs::write(&env, text.replace("@localhost:5432", "@db:5432")).unwrap();
    let out = dir.path().join("seen.json");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            repo.join("tests/neovim/lsp.lua").display()
        ))
        .env("MPPEEP_BIN", env!("CARGO_BIN_EXE_mppeep-lint"))
        .env("MPPEEP_PROJECT", &project)
        .env("MPPEEP_OUT", &out)
        // Neovim's state (the LSP log) in the temporary folder.
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Neovim did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let seen = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("Neovim wrote nothing ({e}); it exited with {status}"));
    let seen: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert!(seen.get("error").is_none(), "the script failed: {seen:#}");
    assert_eq!(
        seen["steps"],
        serde_json::json!(["localhost", "required", "hover", "code action", "stopped"]),
        "{seen:#}"
    );
    // 1. The finding is on the `.env` value; the compose file that reads it
    // is related.
    let localhost = &seen["localhost"];
    assert!(
        localhost["message"].as_str().unwrap().contains("localhost"),
        "{seen:#}"
    );
    assert!(
        localhost["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str().unwrap().ends_with("/docker-compose.prod.yml")),
        "{seen:#}"
    );
    // 2. In the compose file, on the `${POSTGRES_PASSWORD:?…}` line.
    let compose = std::fs::read_to_string(project.join("docker-compose.prod.yml")).unwrap();
    let line = compose
        .lines()
        .position(|l| l.contains("${POSTGRES_PASSWORD:?"))
        .unwrap();
    assert_eq!(seen["required"]["line"], line, "{seen:#}");
    // 3. The hover names the variable, its value masked, and where it is
    // set.
    let hover = seen["hover"].as_str().unwrap();
    assert!(hover.contains("DATABASE_URL"), "{hover}");
    assert!(
        hover.contains("localhost"),
        "the value as typed, unsaved: {hover}"
    );
    assert!(hover.contains(".env"), "{hover}");
    assert!(
        !hover.contains("mppeep-db-password"),
        "a secret in the hover: {hover}"
    );
    // 4. The fix applied in the buffer.
    let fixed = seen["fixed_line"].as_str().unwrap();
    assert!(fixed.contains("@db:5432"), "{fixed}");
    // The process ended by the client's shutdown and exit; nothing on disk
    // was written by the server (the fix went to the buffer).
    assert!(std::fs::read_to_string(&env).unwrap().contains("@db:5432"));
}
