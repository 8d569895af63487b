//! The bounds every parser and evaluator of variable references keeps, so
//! that hostile input (a few kilobytes nested or doubled) never overflows the
//! stack nor takes gigabytes: past a bound the input is refused with a
//! located error that says the limit is ours, not the engine's.
//!
//! Compose and BuildKit have no such bounds (Go's stacks grow); real files
//! stay far below them.

/// How deep `${VAR:-${VAR:-…}}` may nest (interpolation templates, `.env`
/// values, Dockerfile expansion).
pub const MAX_NESTING: usize = 100;

/// How many bytes evaluating one value may produce or read (its result,
/// the variables it looks up, the defaults it evaluates): 1 MiB.
pub const MAX_EXPANDED: usize = 1 << 20;

/// The message of a reference nested deeper than [`MAX_NESTING`].
pub fn too_deep(engine: &str) -> String {
    format!(
        "variable references nested more than {MAX_NESTING} levels deep: not read further \
         (a limit of mppeep-lint, not of {engine})"
    )
}

/// The message of a value that expands past [`MAX_EXPANDED`].
pub fn too_large(engine: &str) -> String {
    format!(
        "this value expands to more than {MAX_EXPANDED} bytes (1 MiB): not expanded further \
         (a limit of mppeep-lint, not of {engine})"
    )
}
