//! Hover, definitions, references and completion, from a folder's last
//! lint.

use super::Snapshot;

pub fn hover(_snap: &Snapshot) -> Option<lsp_types::Hover> {
    None
}

pub fn definition(_snap: &Snapshot) -> Vec<lsp_types::Location> {
    Vec::new()
}

pub fn references(_snap: &Snapshot, _declaration: bool) -> Vec<lsp_types::Location> {
    Vec::new()
}

pub fn completion(_snap: &Snapshot) -> Vec<lsp_types::CompletionItem> {
    Vec::new()
}
