//! Facts: what the model means, computed once for every rule — what a
//! command runs, what an image installs and which stages end up in an image
//! that runs, what a value's hosts and ports are, which servers well-known
//! images are. Pure functions of the model; no rule, no output.

pub(crate) mod base_image;
pub(crate) mod commands;
pub(crate) mod credentials;
pub(crate) mod image_ref;
pub(crate) mod images;
pub(crate) mod known;
pub(crate) mod network;
pub(crate) mod packages;
pub(crate) mod ports;
pub(crate) mod purpose;
pub(crate) mod run;
pub(crate) mod secret_value;
pub(crate) mod server;
pub(crate) mod user;
