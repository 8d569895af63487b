//! Model: the project as Compose sees it. Interpolation, each service's
//! container environment with provenance, and the facts of the image each
//! service runs. Reads files only through [`loader::Loader`].

pub mod app;
pub(crate) mod context;
pub(crate) mod deploy;
pub(crate) mod distance;
pub mod explain;
pub(crate) mod image;
pub mod interpolate;
pub(crate) mod loader;
pub mod mount;
pub(crate) mod project;
pub mod secrets;
pub mod types;
pub(crate) mod validate;
pub mod workspace;

/// Variables every shell sets, which Compose finds in its process
/// environment however it is started: never "unset", even with
/// `--no-shell-env` (whose point is not to depend on their values).
pub const SHELL_VARIABLES: &[&str] = &["HOME", "USER", "PATH", "PWD", "SHELL", "LOGNAME"];

/// Variables Docker Compose itself reads from the project `.env`
/// (`COMPOSE_PROJECT_NAME`, `COMPOSE_FILE`, `DOCKER_HOST`…): a `.env` line
/// setting one is used even when no compose file references it.
pub fn read_by_compose(name: &str) -> bool {
    name.starts_with("COMPOSE_")
        || name.starts_with("DOCKER_")
        || matches!(name, "BUILDKIT_PROGRESS" | "BUILDX_BUILDER")
}
