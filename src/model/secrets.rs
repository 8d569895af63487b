//! Which variable names hold secrets, and masking their values.
//!
//! A name is secret-like when one of its words (split on `_`, `-`, `.`) is a
//! secret word (`SECRET`, `PASSWORD`, `TOKEN`, ...) or its last word is `KEY`,
//! unless its last word says it holds something else (`_FILE`, `_PATH`,
//! `_EXPIRE_MINUTES`, `_USER`...). Users add glob patterns (`*_DSN`).

use crate::model::workspace::Workspace;
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::dotenv::DotenvValue;

/// Shown in place of a secret value.
pub const MASK: &str = "********";

const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "TOKEN",
    "TOKENS",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "SALT",
    "PASSPHRASE",
];

/// Last words that say the variable holds something other than the secret.
const NOT_SECRET_LAST_WORDS: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "ID",
    "NAME",
    "USER",
    "USERNAME",
    "EXPIRE",
    "EXPIRES",
    "EXPIRY",
    "MINUTES",
    "SECONDS",
    "HOURS",
    "DAYS",
    "TTL",
    "LENGTH",
    "ALGORITHM",
    "ALG",
    "TYPE",
    "HEADER",
    "PREFIX",
    "ENABLED",
    "REQUIRED",
    "ROTATION",
    "LIFETIME",
    "AGE",
    "URL",
    "ENDPOINT",
    "HOST",
    "PORT",
    "METHOD",
    "MODE",
    "POLICY",
    "COMMAND",
];

/// Which names are secret-like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretPolicy {
    /// Extra glob patterns (`*` wildcard, case-insensitive).
    pub patterns: Vec<String>,
}

impl SecretPolicy {
    pub fn is_secret(&self, name: &str) -> bool {
        is_secret_name(name) || self.patterns.iter().any(|p| glob_match(p, name))
    }
}

/// The built-in rule for secret-like names.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_SECRET_LAST_WORDS.contains(last) {
        return false;
    }
    *last == "KEY" || words.iter().any(|w| SECRET_WORDS.contains(w))
}

/// `*`-glob match, case-insensitive.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_uppercase().chars().collect();
    let n: Vec<char> = name.to_ascii_uppercase().chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            pi += 1;
            mark = ni;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Hide the password of every `scheme://user:password@host` in `value`.
pub fn mask_url_credentials(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or blank.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) if colon + 1 < userinfo.len() => {
                        out.push_str(&userinfo[..colon + 1]);
                        out.push_str(MASK);
                    }
                    _ => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Replaces known secret values wherever they appear in a text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values, longest first so that overlapping values mask fully.
    values: Vec<String>,
    pub disabled: bool,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        Redactor {
            values,
            disabled: false,
        }
    }

    /// Shows everything (`--show-secrets`).
    pub fn disabled() -> Self {
        Redactor {
            values: Vec::new(),
            disabled: true,
        }
    }

    /// The text with every secret value and URL password replaced by [`MASK`].
    pub fn redact(&self, text: &str) -> String {
        if self.disabled {
            return text.to_string();
        }
        let mut out = mask_url_credentials(text);
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), MASK);
            }
        }
        out
    }

    /// The text with secret values overwritten by `*`, byte for byte, so that
    /// byte offsets stay valid (for source snippets).
    pub fn redact_in_place(&self, text: &str) -> String {
        if self.disabled {
            return text.to_string();
        }
        let mut bytes = text.as_bytes().to_vec();
        for v in &self.values {
            for (i, _) in text.match_indices(v.as_str()) {
                for b in &mut bytes[i..i + v.len()] {
                    *b = b'*';
                }
            }
        }
        // Whole secret values were replaced by ASCII, so this cannot fail;
        // fall back to a fully masked text if it ever did.
        String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(text.len()))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Values shorter than this are masked only where their key is shown, not
/// searched for in other text (a one-letter value would mask every word).
const MIN_SEARCHED_LEN: usize = 3;

/// A redactor for every secret-like value the workspace holds: project
/// variables, container environments, every `.env`-format file, Dockerfile
/// `ENV`/`ARG` defaults, and the defaults of the app's settings fields.
pub fn redactor_for(ws: &Workspace, policy: &SecretPolicy) -> Redactor {
    let mut values: Vec<String> = Vec::new();
    let mut add = |v: &str| {
        if v.chars().count() >= MIN_SEARCHED_LEN {
            values.push(v.to_string());
        }
    };
    for p in &ws.projects {
        for v in p.variables.values() {
            if policy.is_secret(&v.name) {
                add(&v.value);
            }
        }
        for d in &p.dotenv_definitions {
            if policy.is_secret(&d.name) {
                add(&d.value);
            }
        }
        for s in &p.services {
            for (k, var) in &s.container_env.vars {
                if policy.is_secret(k) {
                    for d in var.definitions() {
                        if let Some(v) = &d.value {
                            add(v);
                        }
                    }
                }
            }
        }
    }
    for (id, file) in &ws.dotenv {
        let src = ws.sources.get(*id);
        for e in &file.entries {
            if let DotenvValue::Assigned(a) = &e.value {
                if policy.is_secret(&e.key) {
                    add(src.slice(a.content_range));
                }
            }
        }
    }
    for (id, df) in &ws.dockerfiles {
        let src = ws.sources.get(*id);
        for ins in &df.instructions {
            match &ins.kind {
                InstructionKind::Env(pairs) => {
                    for p in pairs {
                        if policy.is_secret(&p.key.value) {
                            add(&p.value.value);
                            add(src.slice(p.value.range));
                        }
                    }
                }
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        if let (true, Some(v)) = (policy.is_secret(&d.name.value), &d.default) {
                            add(&v.value);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Defaults of the app's settings fields (`SECRET_KEY: str = "..."`).
    for file in ws.settings.values() {
        for c in &file.classes {
            for f in c.fields.iter().filter(|f| policy.is_secret(&f.env_name)) {
                if let Some(d) = &f.default {
                    let unquoted = d.trim_matches(|c| c == '"' || c == '\'');
                    if unquoted != "None" {
                        add(unquoted);
                    }
                }
            }
        }
    }
    Redactor::new(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "SECRET_KEY",
            "POSTGRES_PASSWORD",
            "GITHUB_TOKEN",
            "API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "JWT_SECRET",
            "db_password",
            "REDIS_PASS",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "POSTGRES_USER",
            "SECRET_KEY_FILE",
            "POSTGRES_PASSWORD_FILE",
            "DEBUG",
            "KEYBOARD",
            "MONKEY",
            "DATABASE_URL",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("*_DSN", "SENTRY_DSN"));
        assert!(glob_match("sentry_*", "SENTRY_DSN"));
        assert!(!glob_match("*_DSN", "DSN_HOST"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url_credentials("postgresql://u:p@ss@db:5432/x and redis://:pw@r:6379/0"),
            format!("postgresql://u:{MASK}@db:5432/x and redis://:{MASK}@r:6379/0")
        );
        assert_eq!(mask_url_credentials("http://db:80/x"), "http://db:80/x");
        assert_eq!(mask_url_credentials("http://user@db/x"), "http://user@db/x");
    }

    #[test]
    fn redactor_keeps_offsets_in_place() {
        let r = Redactor::new(["hunter2".to_string()]);
        assert_eq!(r.redact("pw=hunter2!"), format!("pw={MASK}!"));
        assert_eq!(r.redact_in_place("pw=hunter2!"), "pw=*******!");
        assert_eq!(Redactor::disabled().redact("hunter2"), "hunter2");
    }
}
