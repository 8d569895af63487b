//! Sources and spans: the bottom layer.
//!
//! A [`SourceFile`] is the text of one file as read from disk plus a line
//! index; a [`TextRange`] is a byte range inside one text; a [`Span`] is a
//! range inside a known file. Parsers in `syntax` work on `&str` and return
//! `TextRange`s; the model attaches the [`FileId`].

use std::path::{Path, PathBuf};

/// A byte range `start..end` inside one text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub const fn new(start: usize, end: usize) -> Self {
        TextRange { start, end }
    }
    pub const fn empty(at: usize) -> Self {
        TextRange { start: at, end: at }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    /// This range moved right by `offset` bytes.
    pub fn shift(self, offset: usize) -> Self {
        TextRange::new(self.start + offset, self.end + offset)
    }
    /// The smallest range that covers both.
    pub fn cover(self, other: TextRange) -> Self {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A range inside a known file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub range: TextRange,
}

impl Span {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Span { file, range }
    }
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// What kind of file a source is, decided by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Compose,
    Dockerfile,
    Dotenv,
    Dockerignore,
    /// A Python file holding settings (pydantic `BaseSettings`).
    Python,
    /// Named like a private key (`*.pem`, `*.key`, `id_rsa`…): looked at
    /// for a `PRIVATE KEY` block, never kept as a source.
    Key,
    Other,
}

/// One file's text as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used to read the file (absolute or relative to the process).
    pub path: PathBuf,
    /// The path as the user would type it from the current directory.
    pub display: String,
    pub kind: FileKind,
    pub text: String,
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) about every
    /// [`CHAR_MARK_EVERY`] bytes: a column is counted from the nearest
    /// mark, not from the start of its line (many findings on one long
    /// line were quadratic).
    char_marks: Vec<(usize, usize)>,
}

/// Bytes between two marks of [`SourceFile::char_marks`].
const CHAR_MARK_EVERY: usize = 1024;

impl SourceFile {
    pub fn new(path: PathBuf, display: String, kind: FileKind, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut char_marks = vec![(0, 0)];
        let mut next = CHAR_MARK_EVERY;
        for (chars, (i, _)) in text.char_indices().enumerate() {
            if i >= next {
                char_marks.push((i, chars));
                next = i + CHAR_MARK_EVERY;
            }
        }
        SourceFile {
            path,
            display,
            kind,
            text,
            line_starts,
            char_marks,
        }
    }

    /// Line and column (both 1-based, column in characters) of a byte offset.
    /// Offsets past the end or inside a character are clamped.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = self.chars_before(offset) - self.chars_before(start) + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// How many characters the text has before byte `offset` (a character
    /// boundary), counted from the nearest mark.
    fn chars_before(&self, offset: usize) -> usize {
        let i = match self.char_marks.binary_search_by_key(&offset, |m| m.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (at, chars) = self.char_marks.get(i).copied().unwrap_or((0, 0));
        chars + self.text.get(at..offset).map_or(0, |t| t.chars().count())
    }

    /// Byte range of the line holding byte `offset`, without its line
    /// break.
    pub fn line_at(&self, offset: usize) -> TextRange {
        self.line_range(self.line_col(offset).line)
    }

    /// Where the line after the one holding `offset` starts (the end of
    /// the text on the last line): the line with its line break ends here.
    pub fn next_line_start(&self, offset: usize) -> usize {
        let line = self.line_col(offset).line;
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Byte range of the 1-based line `line`, without its line break.
    pub fn line_range(&self, line: usize) -> TextRange {
        let idx = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[idx];
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    pub fn slice(&self, range: TextRange) -> &str {
        let start = floor_char_boundary(&self.text, range.start.min(self.text.len()));
        let end = floor_char_boundary(&self.text, range.end.min(self.text.len())).max(start);
        &self.text[start..end]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every file the run has read, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, file: SourceFile) -> FileId {
        if let Some(i) = self.files.iter().position(|f| f.path == file.path) {
            return FileId(i as u32);
        }
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    pub fn line_col(&self, span: Span) -> LineCol {
        self.get(span.file).line_col(span.range.start)
    }
    /// Replaces the text of `id` (same path, name and kind): a file whose
    /// content must not be shown keeps only a placeholder.
    pub fn replace_text(&mut self, id: FileId, text: String) {
        let f = &self.files[id.0 as usize];
        let new = SourceFile::new(f.path.clone(), f.display.clone(), f.kind, text);
        self.files[id.0 as usize] = new;
    }
}

/// A parse error or warning inside one text, before it is attached to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
    /// The input went past one of our own bounds
    /// ([`crate::syntax::limits`]), not a rule of the format.
    pub limit: bool,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, range: TextRange) -> Self {
        SyntaxError {
            message: message.into(),
            range,
            limit: false,
        }
    }

    /// Input refused at one of our own bounds.
    pub fn limit(message: impl Into<String>, range: TextRange) -> Self {
        SyntaxError {
            limit: true,
            ..SyntaxError::new(message, range)
        }
    }
}

/// A value with the range it was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub range: TextRange,
}

impl<T> Spanned<T> {
    pub fn new(value: T, range: TextRange) -> Self {
        Spanned { value, range }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new(
            "x".into(),
            "x".into(),
            FileKind::Other,
            "ab\né=1\r\nz".into(),
        );
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes: '=' sits at byte 5, column 2.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(9), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_range(2), TextRange::new(3, 7));
        assert_eq!(f.line_col(1000), LineCol { line: 3, column: 2 });
    }

    /// Columns counted from the marks equal those counted from the start
    /// of the line, across marks and multi-byte characters, on long lines
    /// and short ones.
    #[test]
    fn columns_from_marks_are_exact() {
        let text: String = (0..3000)
            .map(|i| match i % 7 {
                0 => "é".to_string(),
                1 => "\n".to_string(),
                2 => "日本".to_string(),
                _ => "ab".repeat(i % 300),
            })
            .collect();
        let f = SourceFile::new("x".into(), "x".into(), FileKind::Other, text.clone());
        for (offset, _) in text.char_indices().step_by(37) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let column = text[start..offset].chars().count() + 1;
            assert_eq!(f.line_col(offset).column, column, "at {offset}");
        }
    }
}
