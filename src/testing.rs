//! Test support shared by the unit and the integration tests (not part of
//! the tool): a test that cannot run here says so where `cargo test` shows
//! it, and fails instead where it is required to run.

use std::io::Write;

/// A test that cannot run because `need` is missing (`compose`: the
/// `docker-compose` binary; `corpus`: `../shared/corpus/`; `pydantic`:
/// pydantic-settings for `python3`; `neovim`: `nvim`), `why` saying
/// what: written to the real standard error, which `cargo test` does not
/// capture, as `skipped: …`; a panic instead when `MPPEEP_REQUIRE` (a
/// comma-separated list: `compose`, `corpus`, `pydantic`, `neovim`, `all`) names `need`, or, for
/// `compose`, when `CI` is set (`.ci/run` installs the binary).
pub fn skipped(need: &str, why: &str) {
    let required = std::env::var("MPPEEP_REQUIRE").unwrap_or_default();
    let named = required
        .split(',')
        .any(|r| r.trim() == need || r.trim() == "all");
    if named || (need == "compose" && std::env::var_os("CI").is_some()) {
        panic!(
            "{why}, and it is required here (MPPEEP_REQUIRE={required:?}, CI set: {})",
            std::env::var_os("CI").is_some()
        );
    }
    // Not `eprintln!`: the test harness captures that.
    let _ = writeln!(std::io::stderr().lock(), "skipped: {why}");
}

/// Copies the tree at `from` into the folder `to` (which exists): folders
/// and regular files, symbolic links as links (on Unix), special files
/// left out.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let p = entry.path();
            let ft = entry.file_type()?;
            let rel = p.strip_prefix(from).map_err(std::io::Error::other)?;
            let target = to.join(rel);
            if ft.is_symlink() {
                #[cfg(unix)]
                std::os::unix::fs::symlink(std::fs::read_link(&p)?, &target)?;
            } else if ft.is_dir() {
                std::fs::create_dir_all(&target)?;
                stack.push(p);
            } else if ft.is_file() {
                std::fs::copy(&p, &target)?;
            }
        }
    }
    Ok(())
}

/// A compose file of `levels` anchors `x-a`, `x-b`, …, each a list of nine
/// aliases of the one before (the last expands to 9^levels copies of
/// "lol"), and a service.
pub fn alias_bomb(levels: u8) -> String {
    let anchors: Vec<char> = (b'a'..b'a'.saturating_add(levels))
        .map(char::from)
        .collect();
    let mut text = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for w in anchors.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        text.push_str(&format!("x-{}: &{} [{}]\n", w[1], w[1], refs));
    }
    text.push_str("services:\n  app:\n    image: busybox\n");
    text
}

/// Every character that can drive a terminal or reorder text: C0 controls
/// (tab and line feed aside), DEL, C1 controls, bidi overrides and
/// isolates.
pub fn hostile_chars() -> Vec<char> {
    let mut v: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .filter(|c| *c != '\n' && *c != '\t')
        .collect();
    v.extend('\u{202a}'..='\u{202e}');
    v.extend('\u{2066}'..='\u{2069}');
    v
}
