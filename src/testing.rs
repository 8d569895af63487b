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
