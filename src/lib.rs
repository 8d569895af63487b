//! mppeep-lint: follows configuration from the shell and `.env` through
//! compose interpolation into each container, over the image's `ENV`.
//!
//! Layers, each depending only on those before it in this list:
//! [`source`] and [`fs`] → [`syntax`] → [`model`] → [`facts`] → [`rules`] →
//! [`report`] → [`cli`].

// Fuzzing runs without AddressSanitizer because of this (scripts/fuzz.sh).
#![forbid(unsafe_code)]

pub mod cli;
pub mod facts;
pub mod fs;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;
