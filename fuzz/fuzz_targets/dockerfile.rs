//! The Dockerfile parser (BuildKit's line rules, heredocs, exec/shell
//! forms), its stages, and the shell splitter the rules run on RUN lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mppeep_lint::syntax::{dockerfile, shell};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let df = dockerfile::parse(text);
    for ins in &df.instructions {
        assert!(ins.range.end <= text.len());
    }
    let _ = df.stages();
    for c in shell::split(text, 0) {
        for w in c.words {
            assert!(w.range.end <= text.len());
        }
    }
});
