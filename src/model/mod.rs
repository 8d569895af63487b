//! Model: the project as Compose sees it. Interpolation, each service's
//! container environment with provenance, and the facts of the image each
//! service runs. Reads files only through [`loader::Loader`].

pub mod deploy;
pub mod explain;
pub mod image;
pub mod interpolate;
pub mod loader;
pub mod project;
pub mod secrets;
pub mod types;
pub mod workspace;

pub use types::*;
