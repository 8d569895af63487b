//! A diagnostic is data: rule name, severity, message, primary span, labels in
//! other files, help, optional fix. Rendering it is the report layer's job.

use crate::rules::RuleId;
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

/// A file a fix creates (a `.dockerignore` where there is none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// As the workspace names files (absolute or relative to the process).
    pub path: std::path::PathBuf,
    /// As the user would type it from the current directory.
    pub display: String,
    pub text: String,
}

/// What a rule proposes to change: edits of spans it names (never
/// anything else), and files to create. Safe fixes (`--fix`) keep what
/// Compose and the image give every container, or change it only as the
/// finding says it must; the others (`--unsafe-fixes`) change behaviour on
/// a guess the user should read first (which service listens, which tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
    /// Files it creates.
    pub creates: Vec<NewFile>,
    /// True when applying it cannot change behaviour in an unwanted way.
    pub safe: bool,
}

impl Fix {
    /// A fix made of edits only.
    pub fn edits(description: impl Into<String>, edits: Vec<Edit>, safe: bool) -> Fix {
        Fix {
            description: description.into(),
            edits,
            creates: Vec::new(),
            safe,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule, or the built-in diagnostic (`syntax-error`,
    /// `unreadable-file`...) for problems found before the rules run.
    pub rule: RuleId,
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
    /// A finding of `rule`, at the rule's default severity (its metadata
    /// says which: the severity is never chosen at the call site).
    pub fn new(rule: RuleId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.meta().severity,
            message: message.into(),
            span,
            span_label: None,
            labels: Vec::new(),
            help: None,
            fix: None,
        }
    }
    /// A finding of one of the cases the rule's metadata gives another
    /// severity ([`RuleMeta::cases`]).
    pub fn with_case(mut self, case: &str) -> Self {
        let meta = self.rule.meta();
        let found = meta.cases.iter().find(|c| c.key == case);
        debug_assert!(found.is_some(), "{}: no case `{case}`", meta.name());
        if let Some(c) = found {
            self.severity = c.severity;
        }
        self
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

/// What everyone needs to know of a rule: the catalogue, SARIF metadata,
/// the severity of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: RuleId,
    /// The severity of its findings, but for [`RuleMeta::cases`].
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's documentation (`rules/NAME.md`), embedded.
    pub doc: &'static str,
    /// Findings the rule reports at another severity, documented (shown by
    /// `mppeep-lint rules` and in the rule's document).
    pub cases: &'static [SeverityCase],
}

impl RuleMeta {
    pub fn name(&self) -> &'static str {
        self.id.name()
    }
}

/// A kind of finding of a rule with a severity of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityCase {
    /// How the rule names the case ([`Diagnostic::with_case`]).
    pub key: &'static str,
    pub severity: Severity,
    /// When, for people.
    pub when: &'static str,
}
