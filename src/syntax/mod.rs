//! Syntax: one lossless parser per file kind. Pure functions of text: no I/O,
//! no knowledge of other files.

pub mod compose;
pub mod dockerfile;
pub(crate) mod dockerignore;
pub mod dotenv;
pub mod limits;
pub mod python;
pub mod shell;
pub mod template;
pub(crate) mod yaml;
