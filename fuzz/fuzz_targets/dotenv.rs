//! The `.env` parser, its evaluation in Compose's lookup order, and the
//! template parser its values use.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppeep_lint::resolve_dotenv;
use mppeep_lint::syntax::{dotenv, template};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = dotenv::parse(text);
    for e in file.entries.iter() {
        assert!(e.key_range.end <= text.len());
    }
    let mut lookup = |name: &str| (name.len() % 3 == 0).then(|| name.to_string());
    let _ = resolve_dotenv(&file, &mut lookup);
    let _ = template::parse(text, 0);
});
