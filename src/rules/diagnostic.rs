//! A diagnostic is data: rule name, severity, message, primary span, labels in
//! other files, help, optional fix. Rendering it is the report layer's job.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A secondary location that explains the finding (often in another file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One replacement of a span's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
    /// True when applying it cannot change behaviour in an unwanted way.
    pub safe: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's kebab-case name (`quoted-value`), or `syntax-error`,
    /// `unreadable-file`... for problems found before the rules run.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// The exact text that is wrong.
    pub span: Span,
    /// Short text shown under the primary span.
    pub span_label: Option<String>,
    /// Places in the flow that explain it.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(rule: &str, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule: rule.to_string(),
            severity,
            message: message.into(),
            span,
            span_label: None,
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_span_label(mut self, message: impl Into<String>) -> Self {
        self.span_label = Some(message.into());
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// What the report layer needs to know of a rule (for SARIF metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's documentation (`rules/NAME.md`), embedded.
    pub doc: &'static str,
}
