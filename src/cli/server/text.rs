//! Positions as the protocol counts them, and documents' text: a line and a
//! character offset in the encoding agreed at `initialize` (UTF-16 unless
//! the client offers UTF-8 or UTF-32), to and from our byte offsets;
//! document URIs to and from paths; incremental changes applied.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Url};

use crate::source::{SourceFile, TextRange};

/// How the protocol counts characters on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The one to use among those the client offers (UTF-8 first: our
    /// offsets are bytes; UTF-16, the protocol's default, last).
    pub fn negotiate(offered: Option<&[lsp_types::PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or(&[]);
        let has = |k: &lsp_types::PositionEncodingKind| offered.iter().any(|o| o == k);
        if has(&lsp_types::PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if has(&lsp_types::PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> lsp_types::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp_types::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp_types::PositionEncodingKind::UTF16,
            Encoding::Utf32 => lsp_types::PositionEncodingKind::UTF32,
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// The byte offset where each line of `text` starts.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1))
}

/// The byte offset of `pos` in `text`: a line past the end is the end, a
/// character past the line's end is the line's end (before its break), an
/// offset inside a character is that character's start.
pub fn offset(text: &str, pos: Position, enc: Encoding) -> usize {
    let Some(start) = line_starts(text).nth(pos.line as usize) else {
        return text.len();
    };
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        if units >= pos.character as usize {
            return start + i;
        }
        units += enc.width(c);
        if units > pos.character as usize {
            return start + i;
        }
    }
    start + line.len()
}

/// The protocol position of byte `offset` of `file`.
pub fn position(file: &SourceFile, offset: usize, enc: Encoding) -> Position {
    let line = file.line_col(offset).line;
    let start = file.line_range(line).start;
    let offset = offset.clamp(start, file.text.len());
    let before = file.slice(TextRange::new(start, offset));
    let character = match enc {
        Encoding::Utf8 => before.len(),
        Encoding::Utf16 => before.chars().map(char::len_utf16).sum(),
        Encoding::Utf32 => before.chars().count(),
    };
    Position::new(
        u32::try_from(line - 1).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

pub fn range(file: &SourceFile, r: TextRange, enc: Encoding) -> Range {
    Range::new(position(file, r.start, enc), position(file, r.end, enc))
}

/// A change of a document: its whole text, or a range replaced.
pub fn apply_change(
    text: &mut String,
    change: lsp_types::TextDocumentContentChangeEvent,
    enc: Encoding,
) {
    match change.range {
        None => *text = change.text,
        Some(r) => {
            let start = offset(text, r.start, enc);
            let end = offset(text, r.end, enc).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

/// The path of a `file:` URI, normalised; `None` for another scheme.
pub fn path_of(uri: &Url) -> Option<PathBuf> {
    (uri.scheme() == "file")
        .then(|| uri.to_file_path().ok())
        .flatten()
        .map(|p| crate::fs::normalize(&p))
}

pub fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("/p/x".into(), "x".into(), FileKind::Dotenv, text.into())
    }

    #[test]
    fn positions_count_in_the_agreed_encoding() {
        // `é` is 2 bytes, 1 UTF-16 unit; `𝄞` 4 bytes, 2 units, 1 char.
        let text = "A=é𝄞b\r\nB=1\n";
        let f = file(text);
        let b = text.find('b').unwrap();
        assert_eq!(position(&f, b, Encoding::Utf8), Position::new(0, 8));
        assert_eq!(position(&f, b, Encoding::Utf16), Position::new(0, 5));
        assert_eq!(position(&f, b, Encoding::Utf32), Position::new(0, 4));
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            assert_eq!(offset(text, position(&f, b, enc), enc), b);
            // Past the line's end: before its `\r\n`.
            assert_eq!(
                offset(text, Position::new(0, 99), enc),
                text.find('\r').unwrap()
            );
            assert_eq!(
                offset(text, Position::new(1, 2), enc),
                text.find("1\n").unwrap()
            );
            assert_eq!(offset(text, Position::new(9, 0), enc), text.len());
        }
        // Inside `𝄞` (between its two UTF-16 units): its start.
        assert_eq!(
            offset(text, Position::new(0, 4), Encoding::Utf16),
            text.find('𝄞').unwrap()
        );
    }

    #[test]
    fn changes_apply_by_range_or_whole() {
        let mut text = "A=1\nB=é2\n".to_string();
        let change = |range: Option<Range>, t: &str| lsp_types::TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: t.into(),
        };
        apply_change(
            &mut text,
            change(
                Some(Range::new(Position::new(1, 3), Position::new(1, 4))),
                "3",
            ),
            Encoding::Utf16,
        );
        assert_eq!(text, "A=1\nB=é3\n");
        apply_change(&mut text, change(None, "C=1"), Encoding::Utf16);
        assert_eq!(text, "C=1");
        // A range past the end, or backwards, is clamped.
        apply_change(
            &mut text,
            change(
                Some(Range::new(Position::new(5, 0), Position::new(0, 0))),
                "\nD=2",
            ),
            Encoding::Utf16,
        );
        assert_eq!(text, "C=1\nD=2");
    }

    #[test]
    fn file_uris_become_paths() {
        let uri = Url::parse("file:///tmp/a%20b/.env").unwrap();
        assert_eq!(path_of(&uri), Some(PathBuf::from("/tmp/a b/.env")));
        assert_eq!(path_of(&Url::parse("untitled:Untitled-1").unwrap()), None);
        assert_eq!(uri_of(Path::new("/tmp/a b/.env")), Some(uri));
    }
}
