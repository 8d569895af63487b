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
#[cfg(not(fuzzing))]
pub const MAX_EXPANDED: usize = 1 << 20;

/// Under the fuzzer (`cargo fuzz` builds with `--cfg fuzzing`), the byte
/// bounds and those made from them are 16 times smaller: the same code
/// paths, each input reaching them 16 times sooner (the expansion target
/// ran 60 inputs a second at full size). The messages still say 1 MiB.
#[cfg(fuzzing)]
pub const MAX_EXPANDED: usize = 1 << 16;

/// How many YAML documents (`---`) one compose file may hold: each is
/// merged as one more `-f` file, and merging a service's keys costs what
/// it already holds. Real files hold one, rarely a few.
pub const MAX_DOCUMENTS: usize = 1_000;

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

/// How many bytes the values one project's model holds may take in all
/// (interpolated values, `.env` and env_file lines, the services `extends`
/// and `include:` copy, each service's container environment, its image's
/// expansions): 64 MiB. Real projects hold kilobytes; a few kilobytes of
/// references to one large value, read by many services, would hold
/// gigabytes.
pub const PROJECT_BYTES: usize = 64 * MAX_EXPANDED;

/// The same for all the projects of one run: 256 MiB.
pub const WORKSPACE_BYTES: usize = 256 * MAX_EXPANDED;

/// What each byte of the compose files and env files a project reads adds
/// to its allowance (and to the run's): a large project holds about that
/// much per byte of its files (20,000 services in a 3.5 MB file: 250 MB),
/// and stays linear in its input.
pub const BYTES_PER_INPUT_BYTE: usize = 64;

/// The message of a project whose model went past [`PROJECT_BYTES`] (or
/// the run's [`WORKSPACE_BYTES`]).
pub fn project_too_large(engine: &str) -> String {
    format!(
        "the values of this project take more than mppeep-lint allows (64 MiB and \
         {BYTES_PER_INPUT_BYTE} bytes per byte of its files; 256 MiB and as much per byte for \
         all the projects linted): not modelled further, the project is not linted (a limit \
         of mppeep-lint, not of {engine})"
    )
}

/// What the values of a model may still take, in bytes: spent as they are
/// made, never refilled.
#[derive(Debug, Clone)]
pub struct Allowance {
    left: usize,
    exhausted: bool,
}

impl Allowance {
    pub fn new(bytes: usize) -> Self {
        Allowance {
            left: bytes,
            exhausted: false,
        }
    }

    /// The bytes still allowed.
    pub fn left(&self) -> usize {
        self.left
    }

    /// Spends `bytes`: `false`, and nothing spent, when fewer are left
    /// (the allowance is then exhausted for good).
    pub fn spend(&mut self, bytes: usize) -> bool {
        match self.left.checked_sub(bytes) {
            Some(left) if !self.exhausted => {
                self.left = left;
                true
            }
            _ => {
                self.exhausted = true;
                false
            }
        }
    }

    /// Adds `bytes` (what a file read brings, [`BYTES_PER_INPUT_BYTE`]);
    /// an exhausted allowance stays so.
    pub fn grant(&mut self, bytes: usize) {
        if !self.exhausted {
            self.left = self.left.saturating_add(bytes);
        }
    }

    /// Marks the allowance exhausted (a bounded evaluation stopped at it).
    pub fn exhaust(&mut self) {
        self.exhausted = true;
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allowance_once_exhausted_stays_so() {
        let mut a = Allowance::new(10);
        assert!(a.spend(4));
        assert_eq!(a.left(), 6);
        assert!(!a.spend(7));
        assert!(a.exhausted());
        // Even what would still fit is refused: the model is incomplete.
        assert!(!a.spend(1));
        assert_eq!(a.left(), 6);
    }
}
