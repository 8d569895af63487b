//! Model: the project as Compose sees it. Interpolation, each service's
//! container environment with provenance, and the facts of the image each
//! service runs. Pure: reads only what the loader hands it.

pub mod interpolate;
