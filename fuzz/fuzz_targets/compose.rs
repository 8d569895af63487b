//! The YAML tree (anchors, aliases, merge keys, bounds) and the compose
//! reader on top of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppeep_lint::syntax::compose;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = compose::parse(text);
    for s in &file.services {
        assert!(s.name.range.end <= text.len());
    }
});
