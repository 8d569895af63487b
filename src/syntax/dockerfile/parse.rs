//! The line reader and instruction parser.
//!
//! Follows BuildKit's `frontend/dockerfile/parser`: lines are split on `\n`
//! (trailing `\r` removed), a UTF-8 BOM is skipped, parser directives are read
//! until the first line that is not one, an instruction is one logical line
//! built by joining physical lines that end with the escape character (comment
//! lines and blank lines inside the continuation are dropped), and heredoc
//! bodies follow the logical line for RUN, COPY and ADD.
//!
//! Unlike BuildKit, parsing does not stop at the first error: errors are
//! collected and every instruction that can be read is returned.

use super::words::{
    extract_flags, is_token_ws, skip_ws, slice, split_shell_words, split_token_ws, split_words,
    trim_span, unquote, RawFlag,
};
use super::*;

/// One physical line: `start..end` is its text without the line break,
/// `next` the start of the following line.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        let rest = self.text.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let start = self.pos;
        let (line_len, next) = match rest.find('\n') {
            Some(i) => (i, start + i + 1),
            None => (rest.len(), self.text.len()),
        };
        let content = slice(rest, 0, line_len).trim_end_matches(['\r', '\n']);
        self.pos = next;
        Some(Line {
            start,
            end: start + content.len(),
            next,
        })
    }
}

/// A logical line: the text of an instruction with continuations joined,
/// plus where each piece came from in the file.
#[derive(Default)]
pub(super) struct Logical {
    pub text: String,
    /// `(logical start, file start)` of each verbatim piece.
    segs: Vec<(usize, usize)>,
    /// File offset used for positions when the line is empty.
    origin: usize,
}

impl Logical {
    fn push(&mut self, piece: &str, file_start: usize) {
        if piece.is_empty() {
            return;
        }
        self.segs.push((self.text.len(), file_start));
        self.text.push_str(piece);
    }

    fn file_pos(&self, off: usize) -> usize {
        let i = self.segs.partition_point(|s| s.0 <= off);
        match i.checked_sub(1).and_then(|j| self.segs.get(j)) {
            Some(&(l, f)) => f + (off - l),
            None => self.origin,
        }
    }

    /// The file range of `text[a..b]`.
    pub fn range(&self, a: usize, b: usize) -> TextRange {
        if b > a {
            TextRange::new(self.file_pos(a), self.file_pos(b - 1) + 1)
        } else if a >= self.text.len() {
            match self.text.len().checked_sub(1) {
                Some(last) => TextRange::empty(self.file_pos(last) + 1),
                None => TextRange::empty(self.origin),
            }
        } else {
            TextRange::empty(self.file_pos(a))
        }
    }

    fn spanned(&self, a: usize, b: usize) -> Spanned<String> {
        Spanned::new(slice(&self.text, a, b).to_string(), self.range(a, b))
    }
}

/// Whether a line ends with the escape character used as a continuation
/// (BuildKit: `([^E])E[ \t]*$|^E[ \t]*$`). Returns the length of the line
/// without it.
fn continuation(line: &str, escape: char) -> Option<usize> {
    let t = line.trim_end_matches([' ', '\t']);
    let before = t.strip_suffix(escape)?;
    if before.ends_with(escape) {
        return None;
    }
    Some(before.len())
}

const KNOWN: &[&str] = &[
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

/// `(string flags, boolean flags)` each instruction accepts.
fn known_flags(
    keyword: &str,
    healthcheck_none: bool,
) -> (&'static [&'static str], &'static [&'static str]) {
    match keyword {
        "from" => (&["platform"], &[]),
        "copy" => (&["from", "chown", "chmod", "exclude"], &["link", "parents"]),
        "add" => (
            &["chown", "chmod", "checksum", "exclude"],
            &["link", "keep-git-dir", "unpack"],
        ),
        "run" => (&["mount", "network", "security", "device"], &[]),
        "healthcheck" if !healthcheck_none => (
            &[
                "interval",
                "timeout",
                "start-period",
                "start-interval",
                "retries",
            ],
            &[],
        ),
        _ => (&[], &[]),
    }
}

struct Parser<'a> {
    text: &'a str,
    lines: Lines<'a>,
    escape: char,
    directives_done: bool,
    seen_directives: Vec<String>,
    instructions: Vec<Instruction>,
    errors: Vec<SyntaxError>,
}

pub(super) fn parse(text: &str) -> Dockerfile {
    let start = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
    let mut p = Parser {
        text,
        lines: Lines { text, pos: start },
        escape: '\\',
        directives_done: false,
        seen_directives: Vec::new(),
        instructions: Vec::new(),
        errors: Vec::new(),
    };
    p.run();
    let mut errors = p.errors;
    if p.instructions.is_empty() {
        errors.push(SyntaxError::new(
            "file with no instructions",
            TextRange::empty(text.len()),
        ));
    } else if !p.instructions.iter().any(|i| i.keyword == "FROM") {
        errors.push(SyntaxError::new(
            "dockerfile contains no stages to build",
            TextRange::empty(0),
        ));
    }
    errors.sort_by_key(|e| e.range.start);
    Dockerfile {
        escape: p.escape,
        instructions: p.instructions,
        errors,
    }
}

impl<'a> Parser<'a> {
    fn error(&mut self, message: impl Into<String>, range: TextRange) {
        self.errors.push(SyntaxError::new(message, range));
    }

    /// BuildKit's directive parser: `#\s*name\s*=\s*value`, only `syntax`,
    /// `escape` and `check`, each at most once, until the first other line.
    fn directive(&mut self, start: usize, line: &str) {
        if self.directives_done {
            return;
        }
        let parsed = (|| {
            let rest = line.strip_prefix('#')?;
            let rest = rest.trim_start_matches(is_go_space);
            let name_len = rest
                .char_indices()
                .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
                .map_or(rest.len(), |(i, _)| i);
            if name_len == 0 {
                return None;
            }
            let name = slice(rest, 0, name_len);
            let after = slice(rest, name_len, rest.len()).trim_start_matches(is_go_space);
            let value = after
                .strip_prefix('=')?
                .trim_start_matches(is_go_space)
                .trim_end_matches(is_go_space);
            if value.is_empty() {
                return None;
            }
            Some((name.to_ascii_lowercase(), value.to_string()))
        })();
        let Some((name, value)) = parsed else {
            self.directives_done = true;
            return;
        };
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.directives_done = true;
            return;
        }
        let range = TextRange::new(start, start + line.len());
        if self.seen_directives.contains(&name) {
            self.error(
                format!("only one {name} parser directive can be used"),
                range,
            );
            return;
        }
        if name == "escape" {
            match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => self.error(
                    format!("invalid escape token '{value}' does not match ` or \\"),
                    range,
                ),
            }
        }
        self.seen_directives.push(name);
    }

    fn run(&mut self) {
        while let Some(line) = self.lines.next() {
            let raw = slice(self.text, line.start, line.end);
            let trimmed = raw.trim_start();
            let ts = line.end - trimmed.len();
            self.directive(ts, trimmed);
            if trimmed.starts_with('#') {
                continue;
            }
            let mut cont = continuation(trimmed, self.escape);
            if cont.is_none() && trimmed.is_empty() {
                continue;
            }
            let mut logical = Logical {
                origin: ts,
                ..Logical::default()
            };
            logical.push(slice(trimmed, 0, cont.unwrap_or(trimmed.len())), ts);
            let mut end = line.end;
            while cont.is_some() {
                let Some(l) = self.lines.next() else { break };
                let raw = slice(self.text, l.start, l.end);
                self.directive(l.start, raw);
                let t = raw.trim_start();
                if t.starts_with('#') || t.is_empty() {
                    continue;
                }
                cont = continuation(raw, self.escape);
                logical.push(slice(raw, 0, cont.unwrap_or(raw.len())), l.start);
                end = l.end;
            }
            self.instruction(logical, end);
        }
    }

    fn instruction(&mut self, lg: Logical, mut end: usize) {
        let s = lg.text.as_str();
        let (ks, le) = trim_span(s, 0, s.len());
        if ks >= le {
            return;
        }
        let ke = slice(s, ks, le).find(is_token_ws).map_or(le, |i| ks + i);
        let keyword_lower = slice(s, ks, ke).to_lowercase();
        let keyword = keyword_lower.to_uppercase();
        let keyword_range = lg.range(ks, ke);
        let start = keyword_range.start;

        let (raw_flags, args_from) = extract_flags(s, ke, le);
        let (a, b) = trim_span(s, args_from, le);

        // Heredocs are read from the following lines before anything else,
        // so the instruction's range covers them.
        let mut heredocs = Vec::new();
        if self.can_contain_heredoc(&keyword_lower, &lg, a, b) {
            heredocs = self.read_heredocs(&lg, ks, le, start, &mut end);
        }
        let range = TextRange::new(start, end.max(keyword_range.end));

        let mut flags = Vec::new();
        for f in &raw_flags {
            flags.push(Flag {
                name: Spanned::new(f.name.clone(), lg.range(f.name_span.0, f.name_span.1)),
                value: f
                    .value
                    .as_ref()
                    .map(|((vs, ve), v)| Spanned::new(v.clone(), lg.range(*vs, *ve))),
                range: lg.range(f.span.0, f.span.1),
            });
        }

        let ctx = Ctx {
            lg: &lg,
            a,
            b,
            range,
            keyword_range,
            escape: self.escape,
        };
        let mut errs = Vec::new();
        let kind = match keyword_lower.as_str() {
            "from" => ctx.from(&mut errs),
            "arg" => ctx.arg(&mut errs),
            "env" => InstructionKind::Env(ctx.name_values("ENV", &mut errs)),
            "label" => {
                ctx.name_values("LABEL", &mut errs);
                InstructionKind::Other(ctx.args())
            }
            "user" => InstructionKind::User(ctx.one_string("USER", &mut errs)),
            "workdir" => InstructionKind::Workdir(ctx.one_string("WORKDIR", &mut errs)),
            "maintainer" | "stopsignal" => {
                ctx.one_string(&keyword, &mut errs);
                InstructionKind::Other(ctx.args())
            }
            "healthcheck" => ctx.healthcheck(&mut errs),
            "cmd" => InstructionKind::Cmd(ctx.maybe_json(a, &mut errs)),
            "entrypoint" => InstructionKind::Entrypoint(ctx.maybe_json(a, &mut errs)),
            "run" => InstructionKind::Run {
                command: ctx.maybe_json(a, &mut errs),
                heredocs: heredocs.clone(),
            },
            "shell" => ctx.shell(&mut errs),
            "copy" | "add" => ctx.copy(
                keyword_lower == "add",
                &keyword,
                heredocs.clone(),
                &mut errs,
            ),
            "expose" => {
                let ports = ctx.list(&mut errs, false);
                if ports.is_empty() {
                    errs.push(SyntaxError::new(
                        "EXPOSE requires at least one argument",
                        range,
                    ));
                }
                InstructionKind::Expose(ports)
            }
            "volume" => {
                let vols = ctx.list(&mut errs, true);
                if vols.is_empty() {
                    errs.push(SyntaxError::new(
                        "VOLUME requires at least one argument",
                        range,
                    ));
                } else if vols.iter().any(|v| v.value.trim().is_empty()) {
                    errs.push(SyntaxError::new(
                        "VOLUME specified can not be an empty string",
                        range,
                    ));
                }
                InstructionKind::Other(ctx.args())
            }
            "onbuild" => {
                ctx.onbuild(&mut errs);
                InstructionKind::Other(ctx.args())
            }
            _ => {
                errs.push(SyntaxError::new(
                    format!("unknown instruction: {}", slice(s, ks, ke)),
                    keyword_range,
                ));
                InstructionKind::Other(ctx.args())
            }
        };
        if KNOWN.contains(&keyword_lower.as_str()) {
            let none = matches!(kind, InstructionKind::Healthcheck(HealthcheckSpec::None));
            check_flags(&keyword_lower, none, &raw_flags, &lg, &mut errs);
        }
        let is_from = matches!(kind, InstructionKind::From { .. });
        let is_arg = matches!(kind, InstructionKind::Arg(_));
        let known = KNOWN.contains(&keyword_lower.as_str());
        if known && !is_from && !is_arg && !self.instructions.iter().any(|i| i.keyword == "FROM") {
            errs.push(SyntaxError::new(
                "no build stage in current context",
                keyword_range,
            ));
        }
        self.errors.extend(errs);
        self.instructions.push(Instruction {
            keyword,
            keyword_range,
            range,
            flags,
            kind,
        });
    }

    fn can_contain_heredoc(&self, keyword: &str, lg: &Logical, a: usize, b: usize) -> bool {
        let s = lg.text.as_str();
        match keyword {
            "run" | "copy" | "add" => !matches!(json_array(s, a, b), Json::Strings(_)),
            "onbuild" => {
                let words = split_token_ws(s, a, b);
                let Some(&(ts, te)) = words.first() else {
                    return false;
                };
                let trigger = slice(s, ts, te).to_ascii_lowercase();
                if !matches!(trigger.as_str(), "run" | "copy" | "add") {
                    return false;
                }
                let (_, args) = extract_flags(s, te, b);
                !matches!(json_array(s, args, b), Json::Strings(_))
            }
            _ => false,
        }
    }

    /// Reads the heredoc bodies named on the logical line `lg[ks..le]`.
    fn read_heredocs(
        &mut self,
        lg: &Logical,
        ks: usize,
        le: usize,
        inst_start: usize,
        end: &mut usize,
    ) -> Vec<Heredoc> {
        let s = lg.text.as_str();
        let mut out = Vec::new();
        for (ws, we) in split_shell_words(s, ks, le) {
            let Some(spec) = heredoc_spec(slice(s, ws, we)) else {
                continue;
            };
            let body_start = self.lines.pos;
            let mut body_end = body_start;
            let mut terminated = false;
            for l in self.lines.by_ref() {
                let mut cand = slice(self.text, l.start, l.end);
                if spec.chomp {
                    cand = cand.trim_start_matches('\t');
                }
                if cand == spec.name {
                    terminated = true;
                    *end = l.end;
                    break;
                }
                body_end = l.next;
            }
            if !terminated {
                body_end = self.text.len();
                *end = self.text.len();
                self.errors.push(SyntaxError::new(
                    format!("unterminated heredoc {}", spec.name),
                    TextRange::new(inst_start, self.text.len()),
                ));
            }
            out.push(Heredoc {
                name: spec.name,
                body: Spanned::new(
                    slice(self.text, body_start, body_end).to_string(),
                    TextRange::new(body_start, body_end.max(body_start)),
                ),
                name_range: lg.range(ws, we),
                chomp: spec.chomp,
                expand: spec.expand,
            });
        }
        out
    }
}

/// Go's `\s` in regexps: `[\t\n\f\r ]`.
fn is_go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0C}' | '\r' | ' ')
}

pub(super) struct HeredocSpec {
    pub name: String,
    pub chomp: bool,
    pub expand: bool,
}

/// BuildKit's `^(\d*)<<(-?)([^<]*)$` on one raw word, then quote removal of
/// the name (which must be a single non-empty word).
pub(super) fn heredoc_spec(word: &str) -> Option<HeredocSpec> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let u = unquote(rest, '\\');
    if u.error.is_some() || u.value.is_empty() {
        return None;
    }
    let expand = !rest.contains(['"', '\'']);
    Some(HeredocSpec {
        name: u.value,
        chomp,
        expand,
    })
}

fn check_flags(
    keyword: &str,
    healthcheck_none: bool,
    flags: &[RawFlag],
    lg: &Logical,
    errs: &mut Vec<SyntaxError>,
) {
    let (strings, bools) = known_flags(keyword, healthcheck_none);
    for f in flags {
        let range = lg.range(f.span.0, f.span.1);
        if strings.contains(&f.name.as_str()) {
            if f.value.is_none() {
                errs.push(SyntaxError::new(
                    format!("Missing a value on flag: {}", f.name),
                    range,
                ));
            }
        } else if bools.contains(&f.name.as_str()) {
            if let Some((_, v)) = &f.value {
                if v != "true" && v != "false" {
                    errs.push(SyntaxError::new(
                        format!("expecting boolean value for flag {}, not: {v}", f.name),
                        range,
                    ));
                }
            }
        } else {
            errs.push(SyntaxError::new(format!("unknown flag: {}", f.name), range));
        }
    }
}

pub(super) enum Json {
    /// Not a JSON array: the shell form applies.
    Shell,
    /// A JSON array of strings: decoded values and spans (quotes included).
    Strings(Vec<(String, usize, usize)>),
    /// A JSON array holding something other than strings (an error in BuildKit).
    NotStrings,
}

/// BuildKit's `parseJSON`: the text must start with `[` and begin with a JSON
/// array (text after the array is ignored, as Go's `json.Decoder` does).
pub(super) fn json_array(s: &str, a: usize, b: usize) -> Json {
    let a = skip_ws(s, a, b);
    let t = slice(s, a, b);
    if !t.starts_with('[') {
        return Json::Shell;
    }
    let mut stream = serde_json::Deserializer::from_str(t).into_iter::<Vec<serde_json::Value>>();
    let values = match stream.next() {
        Some(Ok(v)) => v,
        _ => return Json::Shell,
    };
    let mut strings = Vec::new();
    for v in values {
        match v {
            serde_json::Value::String(x) => strings.push(x),
            _ => return Json::NotStrings,
        }
    }
    // Locate each string token: the array is valid JSON, so a simple scan works.
    let bytes = t.as_bytes();
    let mut spans = Vec::with_capacity(strings.len());
    let mut i = 1;
    while spans.len() < strings.len() {
        while bytes.get(i).is_some_and(|&c| c != b'"') {
            i += 1;
        }
        let st = i;
        i += 1;
        while let Some(&c) = bytes.get(i) {
            i += 1;
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                break;
            }
        }
        if bytes.get(st).is_none() {
            break;
        }
        spans.push((a + st, a + i.min(t.len())));
    }
    Json::Strings(
        strings
            .into_iter()
            .zip(spans)
            .map(|(v, (x, y))| (v, x, y))
            .collect(),
    )
}

/// The arguments of one instruction, with what is needed to build ranges.
struct Ctx<'l> {
    lg: &'l Logical,
    /// Arguments are `lg.text[a..b]` (after the keyword and flags, trimmed).
    a: usize,
    b: usize,
    range: TextRange,
    keyword_range: TextRange,
    escape: char,
}

impl Ctx<'_> {
    fn s(&self) -> &str {
        &self.lg.text
    }

    fn args(&self) -> Spanned<String> {
        self.lg.spanned(self.a, self.b)
    }

    fn empty_at_end(&self) -> Spanned<String> {
        Spanned::new(String::new(), TextRange::empty(self.keyword_range.end))
    }

    fn from(&self, errs: &mut Vec<SyntaxError>) -> InstructionKind {
        let words = split_token_ws(self.s(), self.a, self.b);
        let image = words
            .first()
            .map_or_else(|| self.empty_at_end(), |&(x, y)| self.lg.spanned(x, y));
        let mut alias = None;
        match words.as_slice() {
            [_] => {}
            [_, (ax, ay), (nx, ny)] if slice(self.s(), *ax, *ay).eq_ignore_ascii_case("as") => {
                let name = self.lg.spanned(*nx, *ny);
                if !valid_stage_name(&name.value.to_ascii_lowercase()) {
                    errs.push(SyntaxError::new(
                        format!(
                            "invalid name for build stage: {:?}, name can't start with a number or contain symbols",
                            name.value
                        ),
                        name.range,
                    ));
                }
                alias = Some(name);
            }
            _ => errs.push(SyntaxError::new(
                "FROM requires either one or three arguments",
                self.range,
            )),
        }
        InstructionKind::From { image, alias }
    }

    fn arg(&self, errs: &mut Vec<SyntaxError>) -> InstructionKind {
        let words = split_words(self.s(), self.a, self.b, self.escape);
        if words.is_empty() {
            errs.push(SyntaxError::new(
                "ARG requires at least one argument",
                self.range,
            ));
        }
        let mut decls = Vec::new();
        for (x, y) in words {
            let w = slice(self.s(), x, y);
            match w.find('=') {
                Some(eq) => {
                    let name = self.lg.spanned(x, x + eq);
                    if name.value.is_empty() {
                        errs.push(SyntaxError::new("ARG names can not be blank", name.range));
                    }
                    let u = unquote(slice(w, eq + 1, w.len()), self.escape);
                    let vr = self.lg.range(x + eq + 1, y);
                    if let Some(e) = &u.error {
                        errs.push(SyntaxError::new(e.clone(), vr));
                    }
                    decls.push(ArgDecl {
                        name,
                        default: Some(Spanned::new(u.value, vr)),
                        literal: u.literal,
                    });
                }
                None => decls.push(ArgDecl {
                    name: self.lg.spanned(x, y),
                    default: None,
                    literal: Vec::new(),
                }),
            }
        }
        InstructionKind::Arg(decls)
    }

    /// BuildKit's `parseNameVal` (ENV, LABEL): `K=V ...` or legacy `K V`.
    fn name_values(&self, what: &str, errs: &mut Vec<SyntaxError>) -> Vec<EnvPair> {
        let s = self.s();
        let words = split_words(s, self.a, self.b, self.escape);
        let Some(&(fx, fy)) = words.first() else {
            errs.push(SyntaxError::new(
                format!("{what} requires at least one argument"),
                self.range,
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut pair = |kx: usize, ky: usize, vx: usize, vy: usize, errs: &mut Vec<SyntaxError>| {
            let ku = unquote(slice(s, kx, ky), self.escape);
            let key = Spanned::new(ku.value, self.lg.range(kx, ky));
            if key.value.is_empty() {
                errs.push(SyntaxError::new(
                    format!("{what} names can not be blank"),
                    key.range,
                ));
            }
            let u = unquote(slice(s, vx, vy), self.escape);
            let vr = self.lg.range(vx, vy);
            if let Some(e) = &u.error {
                errs.push(SyntaxError::new(e.clone(), vr));
            }
            out.push(EnvPair {
                key,
                value: Spanned::new(u.value, vr),
                literal: u.literal,
            });
        };
        if !slice(s, fx, fy).contains('=') {
            // Legacy form: the key, then everything after the whitespace.
            let parts = split_token_ws(s, self.a, self.b);
            let Some(&(kx, ky)) = parts.first() else {
                return Vec::new();
            };
            let vx = slice(s, ky, self.b)
                .find(|c: char| !is_token_ws(c))
                .map(|i| ky + i);
            match vx {
                Some(vx) => pair(kx, ky, vx, self.b, errs),
                None => errs.push(SyntaxError::new(
                    format!("{what} must have two arguments"),
                    self.range,
                )),
            }
            return out;
        }
        for (x, y) in words {
            let w = slice(s, x, y);
            match w.find('=') {
                Some(eq) => pair(x, x + eq, x + eq + 1, y, errs),
                None => errs.push(SyntaxError::new(
                    format!(
                        "Syntax error - can't find = in {w:?}. Must be of the form: name=value"
                    ),
                    self.lg.range(x, y),
                )),
            }
        }
        out
    }

    fn one_string(&self, what: &str, errs: &mut Vec<SyntaxError>) -> Spanned<String> {
        if self.a >= self.b {
            errs.push(SyntaxError::new(
                format!("{what} requires exactly one argument"),
                self.range,
            ));
            return self.empty_at_end();
        }
        self.args()
    }

    /// BuildKit's `parseMaybeJSON` for the text starting at `from`.
    fn maybe_json(&self, from: usize, errs: &mut Vec<SyntaxError>) -> Command {
        match json_array(self.s(), from, self.b) {
            Json::Strings(items) => Command::Exec(
                items
                    .into_iter()
                    .map(|(v, x, y)| Spanned::new(v, self.lg.range(x, y)))
                    .collect(),
            ),
            Json::NotStrings => {
                errs.push(SyntaxError::new(
                    "when using JSON array syntax, arrays must be comprised of strings only",
                    self.lg.range(from, self.b),
                ));
                Command::Exec(Vec::new())
            }
            Json::Shell => {
                let (x, y) = trim_span(self.s(), from, self.b);
                Command::Shell(self.lg.spanned(x, y))
            }
        }
    }

    fn healthcheck(&self, errs: &mut Vec<SyntaxError>) -> InstructionKind {
        let s = self.s();
        let sep = slice(s, self.a, self.b)
            .find(char::is_whitespace)
            .map_or(self.b, |i| self.a + i);
        let next = skip_ws(s, sep, self.b);
        if sep == self.a {
            errs.push(SyntaxError::new(
                "HEALTHCHECK requires at least one argument",
                self.range,
            ));
            return InstructionKind::Healthcheck(HealthcheckSpec::Check {
                command: Command::Shell(self.empty_at_end()),
            });
        }
        let typ = slice(s, self.a, sep).to_ascii_uppercase();
        match typ.as_str() {
            "NONE" => {
                if next < self.b {
                    errs.push(SyntaxError::new(
                        "HEALTHCHECK NONE takes no arguments",
                        self.lg.range(next, self.b),
                    ));
                }
                InstructionKind::Healthcheck(HealthcheckSpec::None)
            }
            "CMD" => {
                let command = self.maybe_json(next, errs);
                let empty = match &command {
                    Command::Exec(v) => v.is_empty(),
                    Command::Shell(t) => t.value.is_empty(),
                };
                if empty {
                    errs.push(SyntaxError::new(
                        "Missing command after HEALTHCHECK CMD",
                        self.range,
                    ));
                }
                InstructionKind::Healthcheck(HealthcheckSpec::Check { command })
            }
            _ => {
                errs.push(SyntaxError::new(
                    format!(
                        "Unknown type {:?} in HEALTHCHECK (try CMD)",
                        slice(s, self.a, sep)
                    ),
                    self.lg.range(self.a, sep),
                ));
                InstructionKind::Healthcheck(HealthcheckSpec::Check {
                    command: self.maybe_json(next, errs),
                })
            }
        }
    }

    fn shell(&self, errs: &mut Vec<SyntaxError>) -> InstructionKind {
        match self.maybe_json(self.a, errs) {
            Command::Exec(items) => {
                if items.is_empty() {
                    errs.push(SyntaxError::new(
                        "SHELL requires at least one argument",
                        self.range,
                    ));
                }
                InstructionKind::Shell(items)
            }
            Command::Shell(text) => {
                errs.push(SyntaxError::new(
                    "SHELL requires the arguments to be in JSON form",
                    if text.value.is_empty() {
                        self.range
                    } else {
                        text.range
                    },
                ));
                InstructionKind::Shell(vec![text])
            }
        }
    }

    /// `parseMaybeJSONToList`: a JSON array or whitespace-separated words.
    fn list(&self, errs: &mut Vec<SyntaxError>, json: bool) -> Vec<Spanned<String>> {
        if json {
            match json_array(self.s(), self.a, self.b) {
                Json::Strings(items) => {
                    return items
                        .into_iter()
                        .map(|(v, x, y)| Spanned::new(v, self.lg.range(x, y)))
                        .collect()
                }
                Json::NotStrings => {
                    errs.push(SyntaxError::new(
                        "when using JSON array syntax, arrays must be comprised of strings only",
                        self.lg.range(self.a, self.b),
                    ));
                    return Vec::new();
                }
                Json::Shell => {}
            }
        }
        split_token_ws(self.s(), self.a, self.b)
            .into_iter()
            .map(|(x, y)| self.lg.spanned(x, y))
            .collect()
    }

    fn copy(
        &self,
        add: bool,
        keyword: &str,
        heredocs: Vec<Heredoc>,
        errs: &mut Vec<SyntaxError>,
    ) -> InstructionKind {
        let mut items = self.list(errs, true);
        let dest = items.pop();
        if items.is_empty() || dest.is_none() {
            errs.push(SyntaxError::new(
                format!("{keyword} requires at least two arguments, but only one was provided. Destination could not be determined."),
                self.range,
            ));
        }
        if let Some(d) = &dest {
            if heredoc_spec(&d.value).is_some() {
                errs.push(SyntaxError::new(
                    format!("{keyword} cannot accept a heredoc as a destination"),
                    d.range,
                ));
            }
        }
        InstructionKind::Copy {
            add,
            sources: items,
            dest,
            heredocs,
        }
    }

    fn onbuild(&self, errs: &mut Vec<SyntaxError>) {
        let words = split_token_ws(self.s(), self.a, self.b);
        let Some(&(x, y)) = words.first() else {
            errs.push(SyntaxError::new(
                "ONBUILD requires at least one argument",
                self.range,
            ));
            return;
        };
        let trigger = slice(self.s(), x, y).to_ascii_uppercase();
        match trigger.as_str() {
            "ONBUILD" => errs.push(SyntaxError::new(
                "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                self.lg.range(x, y),
            )),
            "MAINTAINER" | "FROM" => errs.push(SyntaxError::new(
                format!("{trigger} isn't allowed as an ONBUILD trigger"),
                self.lg.range(x, y),
            )),
            t if !KNOWN.contains(&t.to_ascii_lowercase().as_str()) => errs.push(SyntaxError::new(
                format!("unknown instruction: {}", slice(self.s(), x, y)),
                self.lg.range(x, y),
            )),
            _ => {}
        }
    }
}

/// `^[a-z][a-z0-9-_\.]*$`
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}
