//! The command line: arguments, configuration, exit codes. The only layer
//! that reads the process environment and writes to stdout/stderr.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::fs::DiskFs;
use crate::model::secrets::{redactor_for, Redactor, SecretPolicy};
use crate::model::workspace::{load_workspace, Workspace, WorkspaceOptions};
use crate::report::baseline::Baseline;
use crate::report::env::{env_json, env_text, Masking};
use crate::rules::{all_meta, find_meta, Context, Diagnostic, Severity};
use crate::source::{FileId, FileKind, SourceFile};

pub(crate) mod config;
pub(crate) mod scope;
#[doc(hidden)]
pub mod server;

/// Exit code: no finding at or above the threshold.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: findings at or above the threshold.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// How a command that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No finding at or above the threshold (`check`); a configuration
    /// Compose accepts (`env`).
    Clean,
    /// Findings at or above the threshold; a configuration Compose refuses.
    Findings,
}

/// Why a command could not do its job. Every one is an exit 2 with its
/// message on stderr ([`exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read the current directory: {0}")]
    CurrentDir(std::io::Error),
    /// A configuration file that cannot be read or is invalid.
    #[error("{0}")]
    Config(String),
    /// Paths the user gave that do not exist (each with its message).
    #[error("{}", .0.iter().map(|(p, m)| format!("{p}: {m}")).collect::<Vec<_>>().join("\nerror: "))]
    MissingPaths(Vec<(String, String)>),
    #[error("unknown rule `{0}`; `mppeep-lint rules` lists them")]
    UnknownRule(String),
    #[error("no rule is named `{0}`; `mppeep-lint rules` lists them")]
    NoSuchRule(String),
    #[error("no service is named `{name}`; services: {known}")]
    NoSuchService { name: String, known: String },
    #[error("cannot render the man page: {0}")]
    Man(std::io::Error),
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    /// A baseline that cannot be read or written, or is not one.
    #[error("{0}")]
    Baseline(String),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// A fixed file that cannot be written, or changed while being fixed.
    #[error("{0}")]
    Fix(String),
}

/// What a command returns: how it ended, or why it could not run.
pub type CommandResult = Result<Outcome, CliError>;

/// The exit code of a command's result, decided here only: 0 clean, 1
/// findings, 2 an error (whose message goes to stderr).
pub fn exit_code(result: &CommandResult) -> u8 {
    match result {
        Ok(Outcome::Clean) => EXIT_CLEAN,
        Ok(Outcome::Findings) => EXIT_FINDINGS,
        Err(e) => {
            // Paths and configuration text from files: escaped like every output.
            eprintln!("error: {}", crate::report::escape::output(&e.to_string()));
            EXIT_ERROR
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "mppeep-lint",
    version,
    about = "Follows each variable from the shell and .env through Docker Compose into the container, and lints the way there.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no command: `check`.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint (the default command).
    Check(CheckArgs),
    /// Each service's resolved container environment, with where every value comes from.
    Env(EnvArgs),
    /// How VAR reaches (or fails to reach) each service: every definition, which wins and why.
    Explain(ExplainArgs),
    /// The rule catalogue.
    Rules(RulesArgs),
    /// One rule's documentation.
    Rule {
        /// The rule's name, e.g. localhost-in-container.
        #[arg(value_parser = RuleName, hide_possible_values = true)]
        name: String,
    },
    /// A shell completion script, on stdout.
    ///
    /// e.g. `mppeep-lint completions bash > ~/.local/share/bash-completion/completions/mppeep-lint`,
    /// `mppeep-lint completions zsh > "${fpath[1]}/_mppeep-lint"`,
    /// `mppeep-lint completions fish > ~/.config/fish/completions/mppeep-lint.fish`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// A Language Server on stdin/stdout, for editors: `check`'s
    /// diagnostics on unsaved buffers, across files; hover with each
    /// service's value and where it comes from; definitions, references,
    /// quick fixes, completion.
    Server,
    /// The man page (roff), on stdout.
    ///
    /// e.g. `mppeep-lint man > /usr/local/share/man/man1/mppeep-lint.1`, or `mppeep-lint man | man -l -`.
    Man,
}

#[derive(Args, Debug, Default)]
pub struct CheckArgs {
    /// Files or folders to lint (default: the current folder).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
    /// Exit with 1 when a finding has at least this severity [default: error].
    #[arg(long = "fail-on", value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// Configuration file (default: mppeep-lint.toml or pyproject.toml found upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long = "no-config")]
    pub no_config: bool,
    /// Only these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE", value_parser = RuleName, hide_possible_values = true)]
    pub select: Vec<String>,
    /// Not these rules (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE", value_parser = RuleName, hide_possible_values = true)]
    pub ignore: Vec<String>,
    /// Print secret values unmasked (never in CI logs).
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Report only the findings this baseline (written by --write-baseline) does not hold.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Write the findings to this baseline file, report nothing and exit 0.
    #[arg(long = "write-baseline", value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Apply the configuration's `exclude` to files named on the command line too (as pre-commit names them).
    #[arg(long = "force-exclude")]
    pub force_exclude: bool,
    /// Apply the safe fixes in place, then report what is left.
    #[arg(long, conflicts_with_all = ["write_baseline", "diff"])]
    pub fix: bool,
    /// With --fix or --diff: the unsafe fixes too (they change behaviour on a guess: read them).
    #[arg(long = "unsafe-fixes")]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff and change nothing (exit 1 when there is one).
    #[arg(long, conflicts_with = "write_baseline")]
    pub diff: bool,
}

/// A rule's name, as `--select`, `--ignore` and `rule` take it: any text
/// (an unknown name is reported by the command, which may still write its
/// SARIF), with the rules' names (and `all`) as the values shell
/// completions offer.
#[derive(Clone)]
struct RuleName;

impl clap::builder::TypedValueParser for RuleName {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let rules = all_meta()
            .into_iter()
            .map(|m| clap::builder::PossibleValue::new(m.name()).help(m.summary));
        let all = clap::builder::PossibleValue::new("all").help("every rule");
        Some(Box::new(rules.chain([all])))
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pretty,
    Compact,
    Json,
    Sarif,
    Github,
    /// JUnit XML (GitLab, Jenkins, Azure Pipelines test reports).
    Junit,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
    /// reviewdog's Diagnostic Format (rdjson).
    Rdjson,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeverityArg {
    Error,
    Warning,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Error => Severity::Error,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Info => Severity::Info,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = EnvFormat::Text)]
    pub format: EnvFormat,
}

/// Options that mirror Docker Compose's, with its spelling.
#[derive(Args, Debug, Clone, Default)]
pub struct ComposeArgs {
    /// Compose file (repeatable; later files merge over earlier ones).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Env file for interpolation instead of the project's `.env` (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Profile to enable (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// The project directory (default: the folder of the first compose file).
    #[arg(long = "project-directory", value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Ignore the process environment for interpolation (reproducible CI runs).
    #[arg(long = "no-shell-env")]
    pub no_shell_env: bool,
}

#[derive(Args, Debug)]
pub struct EnvArgs {
    /// Project folder or compose file.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EnvFormat::Text)]
    pub format: EnvFormat,
    /// Print secret values unmasked.
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Where `secret-patterns` come from, for the commands that only show values.
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// Configuration file (default: mppeep-lint.toml or pyproject.toml found upwards).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long = "no-config")]
    pub no_config: bool,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The variable, e.g. DATABASE_URL.
    #[arg(value_name = "VAR")]
    pub variable: String,
    /// Project folder or compose file.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Only this service.
    #[arg(long, short = 's', value_name = "SERVICE")]
    pub service: Option<String>,
    #[command(flatten)]
    pub compose: ComposeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Print secret values unmasked.
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Json,
    /// A flowchart for GitHub markdown (```mermaid).
    Mermaid,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvFormat {
    Text,
    Json,
}

/// Parse arguments, run, and return the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = guarded(|| {
        let result = match cli.command {
            Some(Command::Check(args)) => run_check_reported(args),
            Some(Command::Env(args)) => run_env(args),
            Some(Command::Explain(args)) => run_explain(args),
            Some(Command::Rules(args)) => run_rules(args),
            Some(Command::Rule { name }) => run_rule(&name),
            Some(Command::Completions { shell }) => run_completions(shell),
            Some(Command::Man) => run_man(),
            Some(Command::Server) => return server::run(),
            None => run_check_reported(cli.check),
        };
        exit_code(&result)
    });
    ExitCode::from(code)
}

/// Runs a command. A panic (a bug of ours, outside the rules, which report
/// theirs as `internal-error`) exits 2 like every failure that is not a
/// finding, never Rust's 101, after the default hook has said where.
fn guarded(run: impl FnOnce() -> u8) -> u8 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(code) => code,
        Err(payload) => {
            eprintln!(
                "error: mppeep-lint failed ({}): this is a bug in mppeep-lint, not in your project; please report it with the files involved (secrets masked)",
                crate::rules::engine::panic_message(&*payload)
            );
            EXIT_ERROR
        }
    }
}

fn process_env(no_shell_env: bool) -> BTreeMap<String, String> {
    if no_shell_env {
        return BTreeMap::new();
    }
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

fn workspace_options(paths: Vec<PathBuf>, c: &ComposeArgs) -> WorkspaceOptions {
    WorkspaceOptions {
        paths,
        files: c.files.clone(),
        project_directory: c.project_directory.clone(),
        env_files: c.env_files.clone(),
        profiles: c.profiles.clone(),
        process_env: process_env(c.no_shell_env),
        exclude: crate::fs::PathPatterns::default(),
        created: Vec::new(),
        parses: None,
    }
}

fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(CliError::CurrentDir)
}

/// What `env` and `explain` start from: the project at `path` (or here) and
/// the secret policy of the configuration that applies to it.
fn load_one(
    path: Option<PathBuf>,
    config: &ConfigArgs,
    compose: &ComposeArgs,
) -> Result<(SecretPolicy, Workspace), CliError> {
    let policy = secret_policy(path.as_deref(), config)?;
    let cwd = current_dir()?;
    let mut opts = workspace_options(path.iter().cloned().collect(), compose);
    // The files Compose itself would run on from here (a folder above; an
    // override over its base).
    if let Some(files) =
        crate::model::workspace::compose_files_for(&DiskFs, &cwd, path.as_deref(), &opts)
    {
        opts.paths = Vec::new();
        opts.files = files;
    }
    let ws = load_workspace(&DiskFs, &cwd, &opts);
    Ok((policy, ws))
}

/// The secret-name policy of the configuration that applies to `path`
/// (`secret-patterns`), so that `env` and `explain` mask what `check` masks.
fn secret_policy(path: Option<&std::path::Path>, c: &ConfigArgs) -> Result<SecretPolicy, CliError> {
    if c.no_config {
        return Ok(SecretPolicy::default());
    }
    let cwd = current_dir()?;
    let found = c
        .config
        .clone()
        .or_else(|| config::find(&path.map(|p| cwd.join(p)).unwrap_or_else(|| cwd.clone())));
    let Some(file) = found else {
        return Ok(SecretPolicy::default());
    };
    let loaded = config::load(&file).and_then(|f| config::resolve(&f.raw, None));
    let r = loaded.map_err(CliError::Config)?;
    Ok(SecretPolicy {
        patterns: r.secret_patterns,
    })
}

/// A path the user gave (to lint, or `-f`) that does not exist or cannot
/// be read: the error (exit 2), naming each. Commands that report on the
/// rest call it after their output, so a missing path beside a real one is
/// never a green run.
fn missing_path(ws: &Workspace) -> Result<(), CliError> {
    let missing: Vec<(String, String)> = ws
        .problems
        .iter()
        .filter(|p| p.kind == crate::model::workspace::ProblemKind::MissingPath)
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CliError::MissingPaths(missing))
    }
}

/// Whether there is nothing at all to report on: no file read, nor any
/// that failed to be (every path given is missing).
fn nothing_read(ws: &Workspace) -> bool {
    ws.sources.is_empty()
}

/// What masks secret values in the output (nothing with `--show-secrets`).
fn redactor(ws: &Workspace, policy: &SecretPolicy, show_secrets: bool) -> Redactor {
    if show_secrets {
        Redactor::disabled()
    } else {
        redactor_for(ws, policy)
    }
}

fn run_env(args: EnvArgs) -> CommandResult {
    let (policy, ws) = load_one(args.path, &args.config, &args.compose)?;
    if nothing_read(&ws) {
        missing_path(&ws)?;
    }
    let redactor = redactor(&ws, &policy, args.show_secrets);
    let mask = Masking {
        policy: &policy,
        redactor: &redactor,
    };
    let out = match args.format {
        EnvFormat::Json => {
            let mut s = serde_json::to_string_pretty(&env_json(&ws, &mask)).unwrap_or_default();
            s.push('\n');
            crate::report::escape::json(&s).into_owned()
        }
        EnvFormat::Text => env_text(&ws, &mask),
    };
    print(&out)?;
    missing_path(&ws)?;
    if ws.projects.iter().any(|p| !p.errors.is_empty()) {
        // Like `docker compose config`, a configuration Compose rejects fails.
        Ok(Outcome::Findings)
    } else {
        Ok(Outcome::Clean)
    }
}

fn run_explain(args: ExplainArgs) -> CommandResult {
    use crate::report::explain::{explain_json, explain_mermaid, explain_text};
    let (policy, ws) = load_one(args.path, &args.config, &args.compose)?;
    missing_path(&ws)?;
    if let Some(name) = &args.service {
        if !ws.projects.iter().any(|p| p.service(name).is_some()) {
            let known: Vec<&str> = ws
                .projects
                .iter()
                .flat_map(|p| p.services.iter().map(|s| s.name.as_str()))
                .collect();
            return Err(CliError::NoSuchService {
                name: name.clone(),
                known: if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    let ex = crate::model::explain::explain(&ws, &args.variable, args.service.as_deref());
    let redactor = redactor(&ws, &policy, args.show_secrets);
    let mask = Masking {
        policy: &policy,
        redactor: &redactor,
    };
    let out = match args.format {
        ExplainFormat::Text => explain_text(&ws, &ex, &mask),
        ExplainFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&explain_json(&ws, &ex, &mask)).unwrap_or_default();
            s.push('\n');
            crate::report::escape::json(&s).into_owned()
        }
        ExplainFormat::Mermaid => explain_mermaid(&ws, &ex, &mask),
    };
    print(&out)?;
    Ok(Outcome::Clean)
}

/// Writes `out` on stdout. A closed pipe (`| head`) is not an error of ours.
fn print(out: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Output(e)),
    }
}

fn run_rules(args: RulesArgs) -> CommandResult {
    let metas = all_meta();
    let out = match args.format {
        EnvFormat::Json => {
            let rules: Vec<serde_json::Value> = metas
                .iter()
                .map(|m| {
                    let cases: Vec<serde_json::Value> = m
                        .cases
                        .iter()
                        .map(|c| serde_json::json!({"severity": c.severity.as_str(), "when": c.when}))
                        .collect();
                    serde_json::json!({
                        "name": m.name(),
                        "severity": m.severity.as_str(),
                        "cases": cases,
                        "summary": m.summary,
                        "doc": format!("rules/{}.md", m.name()),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&serde_json::json!({ "rules": rules }))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        EnvFormat::Text => {
            let width = metas.iter().map(|m| m.name().len()).max().unwrap_or(0);
            let mut s = String::new();
            for m in &metas {
                s.push_str(&format!(
                    "{:width$}  {:7}  {}\n",
                    m.name(),
                    m.severity.as_str(),
                    m.summary
                ));
                for c in m.cases {
                    s.push_str(&format!(
                        "{:width$}  {:7}  … {}\n",
                        "",
                        c.severity.as_str(),
                        c.when
                    ));
                }
            }
            s
        }
    };
    print(&out)?;
    Ok(Outcome::Clean)
}

fn run_completions(shell: clap_complete::Shell) -> CommandResult {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mppeep-lint", &mut out);
    print(&String::from_utf8_lossy(&out))?;
    Ok(Outcome::Clean)
}

fn run_man() -> CommandResult {
    let mut out = Vec::new();
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
        // The commands, each with its own `--help` (there are no pages of
        // their own to refer to).
        out.extend_from_slice(b".SH COMMANDS\n");
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            out.extend_from_slice(
                format!(
                    ".TP\n\\fB{}\\fR\n{}\n",
                    roff_text(sub.get_name()),
                    roff_text(&about)
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(
            b".PP\nEach command's options: \\fBmppeep\\-lint\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR.\n",
        );
        out.extend_from_slice(MAN_SECTIONS.as_bytes());
        man.render_version_section(out)
    };
    render(&mut out).map_err(CliError::Man)?;
    print(&String::from_utf8_lossy(&out))?;
    Ok(Outcome::Clean)
}

/// Text for a roff line: a backslash, a leading dot or quote escaped, and
/// dashes as the minus sign.
fn roff_text(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    match s.chars().next() {
        Some('.' | '\'') => format!("\\&{s}"),
        _ => s,
    }
}

/// The man page's sections that clap does not write.
const MAN_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No finding at or above \fB\-\-fail\-on\fR (default \fBerror\fR); for \fBenv\fR, \fBexplain\fR and the other commands, success.
.TP
\fB1\fR
Findings at or above \fB\-\-fail\-on\fR (with \fB\-\-fix\fR, those left after fixing); with \fB\-\-diff\fR, a change to make.
.TP
\fB2\fR
A usage or I/O error: an unknown option or rule, a configuration or baseline that cannot be read, a path to lint that does not exist or cannot be read (reported after the rest), a fixed file that cannot be written, a bug of ours.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set, \fB\-\-color auto\fR prints no colour.
.TP
\fBCOMPOSE_FILE\fR, \fBCOMPOSE_PATH_SEPARATOR\fR, \fBCOMPOSE_ENV_FILES\fR, \fBCOMPOSE_PROFILES\fR, \fBCOMPOSE_PROJECT_NAME\fR
Read as Docker Compose reads them, from the shell or the project's \fI.env\fR: which compose files and env files make a project, its profiles and its name.
.TP
Every other variable
Interpolates \fB${VAR}\fR in compose files as the shell does for Docker Compose; \fB\-\-no\-shell\-env\fR ignores the process environment (reproducible CI runs).
.TP
\fBMPPEEP_REQUIRE\fR
For the project's own tests only: what must be there (\fBcompose\fR, \fBcorpus\fR).
.SH FILES
.TP
\fImppeep\-lint.toml\fR, \fIpyproject.toml\fR (\fB[tool.mppeep\-lint]\fR)
The configuration, found from the linted path upwards; \fB\-\-config\fR names one, \fB\-\-no\-config\fR ignores it.
.TP
\fIcompose.yaml\fR, \fIcompose.yml\fR, \fIdocker\-compose.yml\fR, \fIdocker\-compose.yaml\fR and their \fI.override\fR files
Each folder's project, chosen as \fBdocker compose\fR chooses it; other compose files alone or over the nearest default file.
.TP
\fI.env\fR, \fIenv_file:\fR files
Variables for interpolation and for the containers.
.TP
\fIDockerfile\fR, \fIDockerfile.*\fR, \fI*.Dockerfile\fR, \fIContainerfile\fR, \fI.dockerignore\fR
The images the services build, and what their build context sends.
.SH "SEE ALSO"
\fBdocker\-compose\fR(1); the rules: \fBmppeep\-lint rules\fR, \fBmppeep\-lint rule\fR \fIname\fR.
"#;

fn run_rule(name: &str) -> CommandResult {
    let m = find_meta(name).ok_or_else(|| CliError::NoSuchRule(name.to_string()))?;
    print(m.doc)?;
    Ok(Outcome::Clean)
}

fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// `check`; in SARIF, an error before any report (a bad configuration,
/// an unknown rule, a bad baseline) still gives a SARIF document, with the
/// error as a tool execution notification, for the upload that follows.
fn run_check_reported(args: CheckArgs) -> CommandResult {
    let sarif = args.format == Format::Sarif;
    let mut reported = false;
    let result = run_check(args, &mut reported);
    if let (true, false, Err(e)) = (sarif, reported, &result) {
        let text = Redactor::new().redact(&e.to_string());
        print(&crate::report::render::sarif_failure(&text))?;
    }
    result
}

/// What `check` decided before reading the project: the configuration,
/// the rules, the files, how findings are filtered. [`Linter::lint`] runs
/// it on a file system (the disk, or the overlay of a fix pass).
struct Linter {
    cwd: PathBuf,
    opts: WorkspaceOptions,
    scope: Option<scope::Scope>,
    config_file: Option<config::ConfigFile>,
    config_dir: PathBuf,
    select: Vec<String>,
    ignore: Vec<String>,
    baseline: Option<PathBuf>,
}

/// One run of the rules: the workspace, the findings to report (sorted,
/// filtered), and what decides the exit code and the report.
struct Linted {
    ws: Workspace,
    diags: Vec<Diagnostic>,
    policy: SecretPolicy,
    fail_on_config: Option<Severity>,
}

impl Linter {
    /// `quiet`: the baseline's notes are not printed (a fix pass after the
    /// first).
    fn lint(
        &self,
        fs_: &dyn crate::fs::Fs,
        created: Vec<PathBuf>,
        quiet: bool,
    ) -> Result<Linted, CliError> {
        let cwd = &self.cwd;
        let mut opts = self.opts.clone();
        opts.created = created;
        let mut ws = load_workspace(fs_, cwd, &opts);
        if nothing_read(&ws) {
            missing_path(&ws)?;
        }
        // The configuration becomes a source, so its mistakes have locations.
        let config_file = self.config_file.as_ref();
        let config_id = config_file.map(|c| {
            let display = crate::fs::display_path(&c.path, cwd);
            ws.sources.add(SourceFile::new(
                c.path.clone(),
                display,
                FileKind::Other,
                c.text.clone(),
            ))
        });
        let default_raw = config::RawConfig::default();
        let raw = config_file.map(|c| &c.raw).unwrap_or(&default_raw);
        let resolved = config::resolve(raw, config_id).map_err(CliError::Config)?;
        let mut settings = resolved.settings;
        // Flags override the configuration.
        for name in self.select.iter().chain(&self.ignore) {
            if name != "all" && find_meta(name).is_none() {
                return Err(CliError::UnknownRule(name.clone()));
            }
        }
        if !self.select.is_empty() {
            settings.select = Some(
                self.select
                    .iter()
                    .flat_map(|n| config::rule_ids(n))
                    .collect(),
            );
        }
        settings
            .ignore
            .extend(self.ignore.iter().flat_map(|n| config::rule_ids(n)));
        let policy = SecretPolicy {
            patterns: resolved.secret_patterns,
        };
        let ctx = Context::new(&ws, &policy);
        let mut diags = crate::rules::engine::run(&ctx, &settings);
        if let Some(scope) = &self.scope {
            diags.retain(|d| scope.keeps(d, &ws.sources));
        }
        // `per-file-ignores`: rules off in the files a pattern matches.
        if !resolved.per_file_ignores.is_empty() {
            let ignores: Vec<(crate::fs::PathPatterns, Vec<crate::rules::RuleId>)> = resolved
                .per_file_ignores
                .iter()
                .map(|(p, rules)| {
                    (
                        crate::fs::PathPatterns::new(&self.config_dir, std::slice::from_ref(p)),
                        rules.clone(),
                    )
                })
                .collect();
            let mut paths: HashMap<FileId, PathBuf> = HashMap::new();
            diags.retain(|d| {
                let path = paths.entry(d.span.file).or_insert_with(|| {
                    crate::fs::normalize(&cwd.join(&ws.sources.get(d.span.file).path))
                });
                !ignores
                    .iter()
                    .any(|(p, rules)| rules.contains(&d.rule) && p.matches(path, false))
            });
        }
        diags.extend(
            resolved
                .diagnostics
                .into_iter()
                .filter(|d| settings.enabled(d.rule)),
        );
        crate::rules::engine::sort(&ctx, &mut diags);
        drop(ctx);
        if let Some(path) = &self.baseline {
            let partial =
                !self.select.is_empty() || !self.ignore.is_empty() || self.scope.is_some();
            let masked = redactor_for(&ws, &policy);
            diags = without_baseline(cwd, path, diags, &ws, &masked, partial || quiet, quiet)?;
        }
        Ok(Linted {
            ws,
            diags,
            policy,
            fail_on_config: resolved.fail_on,
        })
    }
}

/// What `check` decides before reading the project, from its arguments
/// run in `cwd`: the configuration (found upwards from the first path),
/// the files, the rules. `None`: every path named is excluded. The language
/// server lints each folder with the linter of `check` run there.
fn linter(cwd: PathBuf, args: &CheckArgs) -> Result<Option<Linter>, CliError> {
    if args.diff && !matches!(args.format, Format::Pretty | Format::Compact) {
        return Err(CliError::Usage(
            "--diff prints a unified diff: --format does not apply to it".into(),
        ));
    }
    if args.unsafe_fixes && !args.fix && !args.diff {
        return Err(CliError::Usage(
            "--unsafe-fixes applies with --fix or --diff".into(),
        ));
    }
    let paths = if args.paths.is_empty() && args.compose.files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // Configuration: --config, else found upwards from the first path.
    let config_path = if args.no_config {
        None
    } else {
        args.config.clone().or_else(|| {
            let start = paths
                .first()
                .map(|p| cwd.join(p))
                .unwrap_or_else(|| cwd.clone());
            config::find(&start)
        })
    };
    let config_file = match &config_path {
        Some(p) => Some(config::load(p).map_err(CliError::Config)?),
        None => None,
    };
    let default_raw = config::RawConfig::default();
    let raw = config_file.as_ref().map(|c| &c.raw);
    let pre = config::resolve(raw.unwrap_or(&default_raw), None).map_err(CliError::Config)?;
    // Path patterns are relative to the configuration's folder.
    let config_dir = config_file
        .as_ref()
        .and_then(|c| {
            crate::fs::normalize(&cwd.join(&c.path))
                .parent()
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| cwd.clone());
    let exclude = crate::fs::PathPatterns::new(&config_dir, &pre.exclude);
    // `--force-exclude`: a file named on the command line is excluded too.
    let named = paths.len();
    let paths: Vec<PathBuf> = paths
        .into_iter()
        .filter(|p| {
            let abs = crate::fs::normalize(&cwd.join(p));
            !(args.force_exclude && abs.is_file() && exclude.matches(&abs, false))
        })
        .collect();
    if paths.is_empty() && named > 0 {
        return Ok(None);
    }
    // Files named one by one (pre-commit's changed files) are linted in
    // their projects; only what concerns them is reported.
    let (paths, scope) = scope::widen(&cwd, &paths);
    let mut opts = workspace_options(paths, &args.compose);
    opts.exclude = exclude;
    Ok(Some(Linter {
        cwd: cwd.clone(),
        opts,
        scope,
        config_file,
        config_dir,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        baseline: args.baseline.clone(),
    }))
}

/// `check`; `reported`: set once the report is printed (or printing it
/// was tried).
fn run_check(args: CheckArgs, reported: &mut bool) -> CommandResult {
    let cwd = current_dir()?;
    let Some(linter) = linter(cwd.clone(), &args)? else {
        eprintln!("note: every path named is excluded by the configuration (--force-exclude): nothing to lint");
        return Ok(Outcome::Clean);
    };
    if args.fix || args.diff {
        if let Some(outcome) = fix_passes(&linter, &args)? {
            return Ok(outcome);
        }
    }
    let Linted {
        ws,
        diags,
        policy,
        fail_on_config,
    } = linter.lint(&DiskFs, Vec::new(), args.fix)?;
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(fail_on_config)
        .unwrap_or(Severity::Error);
    // Always built: fingerprints hash masked lines, whatever
    // `--show-secrets`.
    let masked = redactor_for(&ws, &policy);
    let disabled = Redactor::disabled();
    let shown = if args.show_secrets {
        &disabled
    } else {
        &masked
    };
    if let Some(path) = &args.write_baseline {
        return write_baseline(&cwd, path, &diags, &ws, &masked);
    }
    let scope = &linter.scope;
    let files = ws
        .sources
        .iter()
        .filter(|(_, f)| f.kind != FileKind::Other)
        .filter(|(_, f)| scope.as_ref().is_none_or(|s| s.shows(&f.path)))
        .count();
    // A path that cannot be read ends the run with exit 2 after the report
    // on the rest, which says so (SARIF: the run failed).
    let missing = missing_path(&ws).err();
    let failure = missing.as_ref().map(|e| masked.redact(&e.to_string()));
    let out = crate::report::render(
        args.format,
        &diags,
        &ws.sources,
        &all_meta(),
        files,
        shown,
        &masked,
        use_color(args.color),
        failure.as_deref(),
    );
    *reported = true;
    print(&out)?;
    if let Some(e) = missing {
        return Err(e);
    }
    if files == 0 && ws.problems.is_empty() {
        // A green run that checked nothing must not look like a clean one.
        eprintln!(
            "note: nothing to lint: no compose file, Dockerfile or .env file found (template folders such as `{{{{cookiecutter.project_slug}}}}/`, workflows and `*.template` files are not configuration)"
        );
    }
    if diags.iter().any(|d| d.severity >= fail_on) {
        Ok(Outcome::Findings)
    } else {
        Ok(Outcome::Clean)
    }
}

/// The most passes `--fix` runs. Each applies the fixes that touch
/// nothing another fix of the pass touches; one that waits gets its turn
/// on the new text of the next.
const MAX_FIX_PASSES: usize = 10;

/// A file the fix passes change: how it is shown, its text as read
/// (`None`: created), masked.
struct Fixed {
    display: String,
    before: Option<String>,
    masked_before: String,
    after: String,
}

/// `--fix` and `--diff`: fix passes on an overlay of the disk until no fix
/// applies (or [`MAX_FIX_PASSES`]). `--diff` prints the change and ends the
/// command (`Some`); `--fix` writes it, and `check` goes on to report what
/// is left (`None`).
fn fix_passes(linter: &Linter, args: &CheckArgs) -> Result<Option<Outcome>, CliError> {
    let mut overlay = crate::fs::Overlay::new(&DiskFs);
    let mut fixed: BTreeMap<PathBuf, Fixed> = BTreeMap::new();
    // Files no fix may change, and why: a link on the way, a file that is
    // not what was read (edited meanwhile, read lossily).
    let mut blocked: BTreeMap<PathBuf, String> = BTreeMap::new();
    // (rule, file, replacement) of every edit applied: a fix that comes
    // back after it was applied did not fix its finding.
    let mut done: std::collections::HashSet<(crate::rules::RuleId, PathBuf, String)> =
        Default::default();
    // How many findings the fixes written to each file fix.
    let mut applied_in: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut unsafe_left = 0;
    let mut last = None;
    // With a baseline, whose fingerprints are the lines as they are now,
    // one pass: a line a fix edits would no longer match its entry.
    let passes = if linter.baseline.is_some() {
        1
    } else {
        MAX_FIX_PASSES
    };
    for pass_number in 0..passes {
        let mut linted = linter.lint(&overlay, overlay.created(), pass_number > 0)?;
        // A fix that comes back after it was applied did not remove its
        // finding: its file is put back as it was, and no fix is written
        // to it (the passes go on without it).
        let mut failed: Vec<(PathBuf, String)> = Vec::new();
        for d in &linted.diags {
            let Some(fix) = &d.fix else { continue };
            let sources = &linted.ws.sources;
            for e in &fix.edits {
                let f = sources.get(e.span.file);
                if !blocked.contains_key(&f.path)
                    && done.contains(&(d.rule, f.path.clone(), e.replacement.clone()))
                {
                    let line = f.line_col(e.span.range.start).line;
                    failed.push((
                        f.path.clone(),
                        format!(
                            "{}: the {} fix at line {line} did not remove its finding (please report it); no fix written to this file",
                            f.display, d.rule
                        ),
                    ));
                }
            }
        }
        if !failed.is_empty() {
            for (path, why) in failed {
                if let Some(f) = fixed.remove(&path) {
                    match f.before {
                        Some(before) => overlay.insert(&path, before),
                        None => overlay.remove(&path),
                    }
                }
                blocked.entry(path).or_insert(why);
            }
            continue;
        }
        for d in &mut linted.diags {
            let Some(fix) = &d.fix else { continue };
            let sources = &linted.ws.sources;
            let touches_blocked = fix
                .edits
                .iter()
                .any(|e| blocked.contains_key(&sources.get(e.span.file).path))
                || fix.creates.iter().any(|f| blocked.contains_key(&f.path));
            if touches_blocked {
                d.fix = None;
            }
        }
        let pass = crate::fix::plan(&linted.diags, &linted.ws.sources, args.unsafe_fixes);
        unsafe_left = pass.unsafe_left;
        if pass.changes.is_empty() {
            last = Some(linted);
            break;
        }
        if pass_number + 1 == MAX_FIX_PASSES {
            return Err(CliError::Fix(format!(
                "the fixes still change the files after {MAX_FIX_PASSES} passes: nothing written (this is a bug in mppeep-lint; please report it)"
            )));
        }
        let redactor = redactor(&linted.ws, &linted.policy, args.show_secrets);
        for c in pass.changes {
            if !fixed.contains_key(&c.path) {
                if let Some(why) = unwritable(&linter.cwd, &c.path, c.before.as_deref()) {
                    blocked.insert(c.path.clone(), format!("{}: {why}", c.display));
                    continue;
                }
            }
            let entry = fixed.entry(c.path.clone()).or_insert_with(|| Fixed {
                display: c.display.clone(),
                masked_before: c
                    .before
                    .as_deref()
                    .map(|t| {
                        let masked = redactor.redact_source(c.file, t, 0);
                        crate::report::diff::collapse_masks(t, &masked)
                    })
                    .unwrap_or_default(),
                before: c.before.clone(),
                after: String::new(),
            });
            entry.after.clone_from(&c.after);
            overlay.insert(&c.path, c.after);
        }
        // What this pass applies, remembered to recognise a fix that
        // comes back.
        for d in pass.applied_findings.iter().map(|i| &linted.diags[*i]) {
            let first = d.fix.iter().flat_map(|f| {
                f.edits
                    .iter()
                    .map(|e| linted.ws.sources.get(e.span.file).path.clone())
                    .chain(f.creates.iter().map(|c| c.path.clone()))
            });
            if let Some(path) = first.into_iter().next() {
                *applied_in.entry(path).or_default() += 1;
            }
            for e in d.fix.iter().flat_map(|f| &f.edits) {
                let f = linted.ws.sources.get(e.span.file);
                if blocked.contains_key(&f.path) {
                    continue;
                }
                done.insert((d.rule, f.path.clone(), e.replacement.clone()));
            }
        }
        if passes == 1 {
            last = Some(linter.lint(&overlay, overlay.created(), true)?);
        }
    }
    let Some(last) = last else {
        return Err(CliError::Fix(format!(
            "the fixes still change the files after {MAX_FIX_PASSES} passes: nothing written (this is a bug in mppeep-lint; please report it)"
        )));
    };
    for why in blocked.values() {
        eprintln!("note: not fixed: {why}");
    }
    fixed.retain(|_, f| f.before.as_deref() != Some(f.after.as_str()));
    let applied: usize = applied_in
        .iter()
        .filter(|(path, _)| fixed.contains_key(*path))
        .map(|(_, n)| n)
        .sum();
    // What was (or would be) done, on stderr: `done` is the verb.
    let note = |done: &str| {
        let mut note = if fixed.is_empty() {
            "note: no fix to apply".to_string()
        } else {
            format!(
                "note: {done} {} in {}",
                plural(applied, "finding"),
                plural(fixed.len(), "file")
            )
        };
        if unsafe_left > 0 {
            note.push_str(&match unsafe_left {
                1 => "; 1 unsafe fix available with --unsafe-fixes".to_string(),
                n => format!("; {n} unsafe fixes available with --unsafe-fixes"),
            });
        }
        eprintln!("{note}");
    };
    if args.diff {
        let redactor = redactor(&last.ws, &last.policy, args.show_secrets);
        let mut out = String::new();
        for (path, f) in &fixed {
            let masked_after = crate::report::diff::collapse_masks(
                &f.after,
                &redactor.redact_source(last.ws.sources.find(path), &f.after, 0),
            );
            out.push_str(&crate::report::diff::unified(
                &f.display,
                f.before.as_deref().map(|b| (b, f.masked_before.as_str())),
                (&f.after, &masked_after),
            ));
        }
        print(&out)?;
        note("this diff fixes");
        return Ok(Some(if fixed.is_empty() {
            Outcome::Clean
        } else {
            Outcome::Findings
        }));
    }
    write_fixed(&linter.cwd, &fixed)?;
    note("fixed");
    Ok(None)
}

/// Why the file at `path` must not be written by a fix, if it must not:
/// a symbolic link anywhere on its path (the write would land elsewhere,
/// maybe outside the project), or a text on disk that is not `before`
/// (edited since it was read, or read lossily); for a new file (`before`
/// is `None`), one already there.
fn unwritable(cwd: &Path, path: &Path, before: Option<&str>) -> Option<String> {
    let abs = crate::fs::normalize(&cwd.join(path));
    let (checked, real) = match before {
        Some(_) => (abs.clone(), std::fs::canonicalize(&abs)),
        None => {
            let parent = abs.parent().map(Path::to_path_buf).unwrap_or_default();
            (parent.clone(), std::fs::canonicalize(&parent))
        }
    };
    match real {
        Ok(real) if real != checked => {
            return Some("reached through a symbolic link: not written through it".into())
        }
        Err(e) => return Some(e.to_string()),
        Ok(_) => {}
    }
    match before {
        Some(text) => match crate::fs::read_bytes(&abs) {
            Ok(bytes) if bytes == text.as_bytes() => None,
            Ok(_) => Some("changed since it was read, or not UTF-8 text".into()),
            Err(e) => Some(e.to_string()),
        },
        // A dangling link is there too.
        None => abs
            .symlink_metadata()
            .is_ok()
            .then(|| "already exists".to_string()),
    }
}

/// Writes the fixed files: none unless every one can still be written
/// ([`unwritable`]: what the passes were made on), then each, a new file
/// only where there is none.
fn write_fixed(cwd: &Path, fixed: &BTreeMap<PathBuf, Fixed>) -> Result<(), CliError> {
    let problems: Vec<String> = fixed
        .iter()
        .filter_map(|(path, f)| {
            unwritable(cwd, path, f.before.as_deref()).map(|why| format!("{}: {why}", f.display))
        })
        .collect();
    if !problems.is_empty() {
        return Err(CliError::Fix(format!(
            "nothing written: {}",
            problems.join("; ")
        )));
    }
    let mut errors = Vec::new();
    let mut written = Vec::new();
    for (path, f) in fixed {
        let result = match &f.before {
            Some(_) => std::fs::write(path, &f.after),
            None => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .and_then(|mut file| file.write_all(f.after.as_bytes())),
        };
        match result {
            Ok(()) => written.push(f.display.clone()),
            Err(e) => errors.push(format!("{}: {e}", f.display)),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Fix(format!(
            "cannot write the fixes: {}; written: {}",
            errors.join("; "),
            if written.is_empty() {
                "none".to_string()
            } else {
                written.join(", ")
            }
        )))
    }
}

/// Each finding with its file's path relative to the folder of the
/// baseline at `baseline` (as its entries name them); relative paths are
/// from `cwd`.
fn baseline_names<'d>(
    cwd: &Path,
    baseline: &Path,
    diags: &'d [Diagnostic],
    ws: &Workspace,
) -> Vec<(&'d Diagnostic, String)> {
    // Both sides with symbolic links resolved: a checkout reached through
    // a link (macOS `/tmp`, a CI workspace) names the same files.
    let real = |p: &Path| {
        let p = crate::fs::normalize(p);
        std::fs::canonicalize(&p).unwrap_or(p)
    };
    let file = crate::fs::normalize(&cwd.join(baseline));
    let base = real(file.parent().unwrap_or(Path::new("/")));
    let mut names: HashMap<FileId, String> = HashMap::new();
    diags
        .iter()
        .map(|d| {
            let name = names.entry(d.span.file).or_insert_with(|| {
                let f = ws.sources.get(d.span.file);
                crate::fs::relative_to(&base, &real(&cwd.join(&f.path)))
            });
            (d, name.clone())
        })
        .collect()
}

/// `--write-baseline`: the findings written to `path`, nothing reported.
fn write_baseline(
    cwd: &Path,
    path: &Path,
    diags: &[Diagnostic],
    ws: &Workspace,
    masked: &Redactor,
) -> CommandResult {
    // A path that cannot be read: no baseline of what was read only.
    missing_path(ws)?;
    let mask = |f: FileId, t: &str, o: usize| masked.redact_source(Some(f), t, o);
    let text = Baseline::write(&ws.sources, &mask, &baseline_names(cwd, path, diags, ws));
    std::fs::write(path, text).map_err(|e| {
        CliError::Baseline(format!("cannot write the baseline {}: {e}", path.display()))
    })?;
    eprintln!(
        "note: {} written to {}: `--baseline` will report only the findings it does not hold",
        plural(diags.len(), "finding"),
        path.display()
    );
    Ok(Outcome::Clean)
}

/// `--baseline`: the findings the baseline at `path` does not hold; how
/// many it hid, and how many of its entries matched nothing, on stderr.
/// `partial`: only some rules or files were asked about (`--select`,
/// `--ignore`, files named one by one), so that entries matching nothing
/// say nothing of the baseline.
fn without_baseline(
    cwd: &Path,
    path: &Path,
    diags: Vec<Diagnostic>,
    ws: &Workspace,
    masked: &Redactor,
    partial: bool,
    quiet: bool,
) -> Result<Vec<Diagnostic>, CliError> {
    let bad = |e: String| CliError::Baseline(format!("{}: {e}", path.display()));
    // A baseline may hold many findings: a bound of its own.
    let text = match crate::fs::read_bytes_within(path, MAX_BASELINE_SIZE) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?,
        Err(crate::fs::LoadError::TooLarge { size }) => {
            return Err(bad(format!(
                "{size} bytes: larger than a baseline may be ({MAX_BASELINE_SIZE} bytes)"
            )))
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    let baseline = Baseline::parse(&text).map_err(bad)?;
    let mask = |f: FileId, t: &str, o: usize| masked.redact_source(Some(f), t, o);
    let names = baseline_names(cwd, path, &diags, ws);
    let (new, unmatched) = baseline.new_ones(&ws.sources, &mask, &names);
    drop(names);
    let hidden = new.iter().filter(|n| !**n).count();
    if hidden > 0 && !quiet {
        eprintln!(
            "note: {} in the baseline {} not reported",
            plural(hidden, "finding"),
            path.display()
        );
    }
    if unmatched > 0 && !partial {
        eprintln!(
            "note: {} of the baseline matched no finding (fixed, or their lines edited): `--write-baseline` rewrites it",
            plural(unmatched, "entry"),
        );
    }
    let mut new = new.into_iter();
    Ok(diags
        .into_iter()
        .filter(|_| new.next().unwrap_or(true))
        .collect())
}

/// The largest baseline read: about two million findings.
const MAX_BASELINE_SIZE: u64 = 256 * 1024 * 1024;

fn plural(n: usize, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exit codes are a contract (0, 1, 2): a bug exits 2, never 101.
    #[test]
    fn a_panic_exits_with_the_error_code() {
        assert_eq!(guarded(|| panic!("index out of bounds")), EXIT_ERROR);
        assert_eq!(guarded(|| EXIT_FINDINGS), EXIT_FINDINGS);
    }

    /// One place decides the exit code: 0 clean, 1 findings, 2 any error.
    #[test]
    fn exit_codes_come_from_the_result() {
        assert_eq!(exit_code(&Ok(Outcome::Clean)), EXIT_CLEAN);
        assert_eq!(exit_code(&Ok(Outcome::Findings)), EXIT_FINDINGS);
        for e in [
            CliError::UnknownRule("x".into()),
            CliError::Config("bad".into()),
            CliError::MissingPaths(vec![("a".into(), "no such file or directory".into())]),
        ] {
            assert_eq!(exit_code(&Err(e)), EXIT_ERROR);
        }
    }
}
