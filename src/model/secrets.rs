//! Which variable names hold secrets, and masking their values.
//!
//! [`is_secret_name`] is the one classifier of names. The rules
//! (`missing-secret`, `shadowed-env`, `unset-variable`, `env-file-in-image`,
//! `secret-in-image`), the engine and the masking of every output ask it
//! through [`SecretPolicy::is_secret`], which adds the user's
//! `secret-patterns`. A secret is a value whose disclosure gives access or
//! breaks integrity; only the name is looked at.
//!
//! **Words.** The name is split on `_`, `-`, `.` and at camelCase boundaries
//! (`apiKey`, `dbPassword`, `globalSettings__hibpApiKey`), without case.
//! Words are matched whole, never as substrings: `MONKEY`, `KEYBOARD`,
//! `PASSENGER`, `AUTHOR`, `AUTHORITY`, `OAUTH_PROVIDER` hold no secret word.
//!
//! **Never secret-like**, whatever the last word:
//! - names the framework ships to the browser: `NEXT_PUBLIC_*`, `VITE_*`,
//!   `REACT_APP_*`, `VUE_APP_*`, `EXPO_PUBLIC_*`, `NUXT_PUBLIC_*`,
//!   `GATSBY_*`, `PUBLIC_*`, and any name with the word `PUBLIC` or `PUB`
//!   (`*_PUBLIC_KEY`, `POSTHOG_PUBLIC_API_KEY`). A real token under such a
//!   prefix is not masked: the prefix says it is meant to be public;
//! - switches: a name with the word `ENABLE(D)`, `DISABLE(D)`, `ALLOW(ED)`,
//!   `USE`, `REQUIRE(D)`, `SKIP`, `RANDOM`, `EMPTY` or `DEBUG`
//!   (`DISABLE_ADMIN_TOKEN`, `ENABLE_AUTH`, `MYSQL_RANDOM_ROOT_PASSWORD`,
//!   `MYSQL_ALLOW_EMPTY_PASSWORD`, `CORS_ALLOW_CREDENTIALS`,
//!   `SSO_DEBUG_TOKENS`);
//! - `GOOGLE_APPLICATION_CREDENTIALS`, which holds the path of a key file.
//!
//! **Qualifiers.** Trailing words that only qualify the secret are dropped:
//! a number (`DB_PASSWORD_2`, and digits at the end of the last word,
//! `API_KEY2`), `READ_ONLY`, `READONLY`, `RO`, `RW`, `OLD`, `NEW`, `PREV`,
//! `PREVIOUS`, `FALLBACK(S)` (`SECRET_KEY_FALLBACKS`), and `BASE` after
//! `SECRET_KEY` (Rails' `SECRET_KEY_BASE`).
//!
//! **The secret word is last.** Then the name is secret-like when its last
//! word names the secret itself:
//! - `PASSWORD(S)`, `PASSWD`, `PWORD`, `PASS`, `PASSPHRASE`, `SECRET(S)`,
//!   `TOKEN(S)`, `APIKEY(S)`, `CREDENTIAL(S)`, `CREDS`, `SALT`, `SKEY` (Duo's
//!   secret key), `MACAROON` (LND), `RUNE` (Core Lightning), `MNEMONIC`;
//! - `KEY`/`KEYS` (`SECRET_KEY`, `API_KEY`, `AWS_SECRET_ACCESS_KEY`,
//!   `*_ACCESS_KEY`, `*_PRIVATE_KEY`, `*_SIGNING_KEY`, `*_ENCRYPTION_KEY`),
//!   unless the word before says the key is public, a file, or the key of a
//!   lookup: `SITE` (reCAPTCHA, hCaptcha, Turnstile site keys), `PUBLISHABLE`
//!   (Stripe), `GPG`/`PGP` (a release key's fingerprint: `GPG_KEY` in the
//!   official images), `SSL`/`TLS` (`SSL_KEY`, `SYNAPSE_TLS_KEY` name the
//!   key's file; a private key file itself is found by `env-file-in-image`),
//!   `ROUTING`, `PRIMARY`, `FOREIGN`, `SORT`, `PARTITION`, `SHARD`, `CACHE`,
//!   `LOCK`, `IDEMPOTENCY`, `NATURAL`, `OBJECT`, `LOOKUP`, `SHORTCUT`, `HOT`;
//! - `PWD`, `PW` and `PAT` (a personal access token) after another word:
//!   `MYSQL_PWD`, `PIHOLE_PW`, `GITHUB_PAT`, but not the shell's `PWD`;
//! - `AUTH` after `REDIS` or `REDISCLI`, which hold the password
//!   (`REDISCLI_AUTH`); elsewhere a last `AUTH` is a switch (`LDAP_AUTH`,
//!   `REVERSE_PROXY_AUTH`);
//! - `SEED` after another word, for a wallet's seed (`BREEZ_LIQUID_SEED`),
//!   unless it seeds a generator (`TEST`, `FACTORY`, `FAKER`, `DATA`, `DB`,
//!   `DATABASE`, `SHUFFLE`, `HASH` before it);
//! - `DSN` and `CONNECTION_STRING`: a database DSN holds the password, and
//!   not always as a URL (`user:pass@tcp(db:3306)/app`), so they are
//!   secrets. A Sentry DSN is not: it is made to be shipped to browsers, so a
//!   name with the word `SENTRY` or `GLITCHTIP` is not secret-like (add
//!   `*_DSN` to `secret-patterns` to mask those too);
//! - a glued last word: one ending in `PASSWORD`, `PASSWD`, `PASSPHRASE`,
//!   `SECRET`, `TOKEN`, `APIKEY` or `CREDENTIALS` (`PGPASSWORD`,
//!   `WEBPASSWORD`); `PASS`, `PWD` or `PW` after `DB`, `PG`, `SQL`, `REDIS`,
//!   `MASTER`, `ROOT`, `ADMIN`, `USER`, `SMTP`, `MAIL`, `LDAP`, `WEB`, `BIND`
//!   (`DBPASS`, `REDISMASTERPASS`, `LDAP_BINDPW`, never `BYPASS`); `KEY` after
//!   `SECRET`, `ACCESS`, `PRIVATE`, `API`, `AUTH`, `ENCRYPTION`, `SIGNING`,
//!   `MASTER` (`TS_AUTHKEY`, never `MONKEY` or `HCAPTCHA_SITEKEY`).
//!
//! So any other last word says the variable holds something else: `_FILE`,
//! `_PATH`, `_DIR`, `_ID` (`AWS_ACCESS_KEY_ID`, `*_CLIENT_ID`), `_NAME`,
//! `_USER`, `_USERNAME`, `_URL`, `_URI`, `_ENDPOINT`, `_HOST`, `_PORT`,
//! `_REGION`, `_BUCKET`, `_DOMAIN`, `_PREFIX` (`*_KEY_PREFIX`),
//! `_EXPIRE_MINUTES`, `_TTL`, `_LENGTH`, `_VERSION`, `_ENABLED`, `_TYPE`,
//! `_METHOD`, `_MODE`, `_POLICY`, `_CERT`… A URL can carry a password: that
//! one is masked by the [`Redactor`] ([`url_password_ranges`]) whatever the name.
//!
//! **Patterns.** Users add globs (`secret-patterns`: `*` and `?`, without
//! case): a name is secret when the built-in rule or any pattern says so.
//! Patterns only add names, so they also cover what the rule misses
//! (`DBROOT`, mailcow's database root password; `API_KEY_2CAPTCHA`, a secret
//! word before the service's name).

use std::collections::{HashMap, HashSet};

mod recover;
use std::sync::Arc;

use crate::model::types::{Mapped, SegmentOrigin, Value};
use crate::model::workspace::Workspace;
use crate::source::{FileId, SourceMap, Span, TextRange};
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::dotenv::{DotenvValue, Quote};
use crate::syntax::template::{self, OpKind, Piece, Template};

/// Shown in place of a secret value.
pub const MASK: &str = "********";

/// Last words that always name the secret itself.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PWORD",
    "PASSPHRASE",
    "PASS",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "APIKEY",
    "APIKEYS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "SALT",
    "SKEY",
    "MACAROON",
    "RUNE",
    "MNEMONIC",
];

/// Words before `KEY` that say the key is public, a file, or the key of a
/// lookup rather than a credential.
const NOT_CREDENTIAL_KEYS: &[&str] = &[
    "SITE",
    "PUBLISHABLE",
    "GPG",
    "PGP",
    "SSL",
    "TLS",
    "ROUTING",
    "PRIMARY",
    "FOREIGN",
    "SORT",
    "PARTITION",
    "SHARD",
    "CACHE",
    "LOCK",
    "IDEMPOTENCY",
    "NATURAL",
    "OBJECT",
    "LOOKUP",
    "SHORTCUT",
    "HOT",
];

/// Words before `SEED` that say it seeds a generator, not a wallet.
const GENERATOR_SEEDS: &[&str] = &[
    "TEST", "FACTORY", "FAKER", "DATA", "DB", "DATABASE", "SHUFFLE", "HASH",
];

/// Words that make a name a switch, whatever it switches
/// (`DISABLE_ADMIN_TOKEN`, `MYSQL_ALLOW_EMPTY_PASSWORD`).
const SWITCH_WORDS: &[&str] = &[
    "ENABLE", "ENABLED", "DISABLE", "DISABLED", "ALLOW", "ALLOWED", "USE", "REQUIRE", "REQUIRED",
    "SKIP", "RANDOM", "EMPTY", "DEBUG",
];

/// Trailing words that qualify the secret before them (`API_KEY_RO`).
const QUALIFIERS: &[&str] = &[
    "RO",
    "RW",
    "READONLY",
    "OLD",
    "NEW",
    "PREV",
    "PREVIOUS",
    "FALLBACK",
    "FALLBACKS",
];

/// Endings of a glued word that always name a secret (`PGPASSWORD`).
const GLUED_SECRETS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIALS",
];

/// What a glued `…PASS`/`…PWD` must start with (`DBPASS`, not `BYPASS`).
const GLUED_PASS_OWNERS: &[&str] = &[
    "DB", "PG", "SQL", "REDIS", "MASTER", "ROOT", "ADMIN", "USER", "SMTP", "MAIL", "LDAP", "WEB",
    "BIND",
];

/// What a glued `…KEY` must start with (`SECRETKEY`, not `MONKEY`).
const GLUED_KEY_OWNERS: &[&str] = &[
    "SECRET",
    "ACCESS",
    "PRIVATE",
    "API",
    "AUTH",
    "ENCRYPTION",
    "SIGNING",
    "MASTER",
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

/// The words of a name, upper-cased: split on `_`, `-`, `.` and at camelCase
/// boundaries (`hibpApiKey` → `HIBP API KEY`, `APIKey` → `API KEY`).
pub fn name_words(name: &str) -> Vec<String> {
    words(name)
}

fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(['_', '-', '.']) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if i > 0 && c.is_uppercase() {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                if prev.is_lowercase()
                    || (next_lower && (prev.is_uppercase() || prev.is_ascii_digit()))
                {
                    out.push(std::mem::take(&mut word));
                }
            }
            word.push(c.to_ascii_uppercase());
        }
        out.push(word);
    }
    out.retain(|w| !w.is_empty());
    out
}

/// Whether `word` is `owner` + `suffix` glued, for one of the owners.
fn glued(word: &str, suffix: &str, owners: &[&str]) -> bool {
    word.strip_suffix(suffix)
        .is_some_and(|rest| owners.iter().any(|o| rest.ends_with(o)))
}

/// The built-in rule for secret-like names: see the module documentation.
pub fn is_secret_name(name: &str) -> bool {
    let mut words = words(name);
    let first = words.first().map(String::as_str);
    let public = words.iter().any(|w| w == "PUBLIC" || w == "PUB")
        || matches!(first, Some("VITE" | "GATSBY"))
        || matches!(
            words.get(..2),
            Some([a, b]) if b == "APP" && (a == "REACT" || a == "VUE")
        );
    let switch = words.iter().any(|w| SWITCH_WORDS.contains(&w.as_str()));
    if public || switch || words == ["GOOGLE", "APPLICATION", "CREDENTIALS"] {
        return false;
    }
    // Drop trailing qualifiers: `_2`, `_READ_ONLY`, `_OLD`, `SECRET_KEY_BASE`.
    while words.len() > 1 {
        let n = words.len();
        let last = words[n - 1].as_str();
        if last.bytes().all(|b| b.is_ascii_digit()) || QUALIFIERS.contains(&last) {
            words.pop();
        } else if n > 2 && last == "ONLY" && words[n - 2] == "READ" {
            words.truncate(n - 2);
        } else if last == "BASE" && n > 2 && words[n - 3] == "SECRET" && words[n - 2] == "KEY" {
            words.pop();
        } else {
            break;
        }
    }
    let Some(last) = words.last() else {
        return false;
    };
    let last = match last.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "" => last.as_str(),
        trimmed => trimmed,
    };
    let prev = words.len().checked_sub(2).map(|i| words[i].as_str());
    if SECRET_WORDS.contains(&last) {
        return true;
    }
    match last {
        "KEY" | "KEYS" => !prev.is_some_and(|p| NOT_CREDENTIAL_KEYS.contains(&p)),
        "PWD" | "PW" | "PAT" => prev.is_some(),
        "AUTH" => matches!(prev, Some("REDIS" | "REDISCLI")),
        "SEED" => prev.is_some_and(|p| !GENERATOR_SEEDS.contains(&p)),
        "DSN" => !words.iter().any(|w| w == "SENTRY" || w == "GLITCHTIP"),
        "STRING" => prev == Some("CONNECTION"),
        _ => {
            GLUED_SECRETS
                .iter()
                .any(|s| last.len() > s.len() && last.ends_with(s))
                || glued(last, "PASS", GLUED_PASS_OWNERS)
                || glued(last, "PWD", GLUED_PASS_OWNERS)
                || glued(last, "PW", GLUED_PASS_OWNERS)
                || glued(last, "KEY", GLUED_KEY_OWNERS)
        }
    }
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

/// The byte ranges of the passwords in `text`: of every
/// `scheme://user:password@host`, and of every `password=`, `passwd=` or
/// `pwd=` parameter (JDBC, libpq and ODBC connection strings).
///
/// A password may hold any character (`/ # ? @`, blanks) written without
/// percent-encoding: it runs from the colon after the user to the last `@`
/// before the end of the line, a quote, or the next `scheme://`. A
/// parameter's value runs to the next `&`, `;`, blank or quote.
pub fn url_password_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let start = from + i + 3;
        from = start;
        // The user: up to the first ':', without any character that ends
        // an authority or a user (a `${VAR:-default}` in it is skipped).
        let Some(colon) = user_end(text, start).filter(|&e| text[e..].starts_with(':')) else {
            continue;
        };
        // The password runs to the last '@' before the end of the value.
        let rest = &text[colon + 1..];
        // Bounded by the next URL first, so that each byte is looked at a
        // bounded number of times.
        let limit = rest.find("://").unwrap_or(rest.len());
        let end = rest[..limit]
            .find(['\n', '\r', '"', '\'', '`', '<', '>'])
            .unwrap_or(limit);
        let Some(at) = rest[..end].rfind('@') else {
            continue;
        };
        let password = &rest[..at];
        // `host:8080/x?to=a@b.c` is a port and a path, whose query holds
        // an address.
        let first = password
            .find(['/', '?', '#'])
            .map_or(password, |e| &password[..e]);
        let port = first.len() < password.len()
            && !first.is_empty()
            && first.bytes().all(|b| b.is_ascii_digit());
        // `user:${DB_PASSWORD}@` names the password, it is not one.
        if !password.is_empty() && !port && !is_one_reference(password) {
            out.push(colon + 1..colon + 1 + at);
        }
    }
    out.extend(parameter_password_ranges(text));
    out.extend(option_password_ranges(text));
    out
}

/// Command options that take a password or a token as their value.
const SECRET_OPTIONS: [&str; 12] = [
    "--password",
    "--passwd",
    "--pass",
    "--requirepass",
    "--masterauth",
    "--token",
    "--auth-token",
    "--secret",
    "--client-secret",
    "--api-key",
    "--apikey",
    "--access-key",
];

/// The values of options that take a secret, in a command written on one
/// line or as an exec list: `--requirepass X`, `--token=X`, `"--password",
/// "X"`, a block list's next item; `-pX` after `mysql`/`mysqladmin`/
/// `mariadb` on the same line (their password, glued), `-a X` after
/// `redis-cli`. A reference (`--password $DB_PASSWORD`) names the value,
/// it is not one.
fn option_password_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    // Where an option may start: after a blank, a quote, a list's `[` or
    // `,`, a `(`, or an `=` (`REDIS_ARGS=--requirepass x`).
    let starts_option = |i: usize| {
        i == 0
            || matches!(
                bytes[i - 1],
                b' ' | b'\t' | b'"' | b'\'' | b'[' | b',' | b'\n' | b'(' | b'='
            )
    };
    // The value starting at `start`, unless it is another option; its end
    // either way, so that no match inside it is read again (each byte is
    // scanned a bounded number of times).
    let push = |start: usize, out: &mut Vec<std::ops::Range<usize>>| -> usize {
        let end = value_end(text, start);
        if start < end && !text[start..].starts_with('-') && !is_one_reference(&text[start..end]) {
            out.push(start..end);
        }
        end
    };
    for option in SECRET_OPTIONS {
        let mut covered = 0;
        for (i, _) in lower.match_indices(option) {
            let after = i + option.len();
            if i < covered || !starts_option(i) {
                continue;
            }
            covered = match bytes.get(after) {
                Some(b'=') => push(after + 1, &mut out),
                Some(_) => match next_argument(text, after) {
                    Some(start) => push(start, &mut out),
                    None => after,
                },
                None => after,
            };
        }
    }
    // Short options of the clients that take the password so, after the
    // client's name in the same command (`mkdir -pv /var/lib/mysql` is no
    // password).
    for line_start in std::iter::once(0).chain(lower.match_indices('\n').map(|(i, _)| i + 1)) {
        let line_end = lower[line_start..]
            .find('\n')
            .map_or(lower.len(), |e| line_start + e);
        let line = &lower[line_start..line_end];
        // Where the client's command starts and ends on the line.
        let command = |names: &[&str]| {
            let at = names.iter().filter_map(|n| line.find(n)).min()?;
            let end = line[at..]
                .find([';', '|', '&'])
                .map_or(line.len(), |e| at + e);
            Some((at, end))
        };
        let mysql = command(&["mysql", "mariadb"]);
        let redis = command(&["redis-cli"]);
        let inside = |c: Option<(usize, usize)>, j: usize| c.is_some_and(|(a, e)| a < j && j < e);
        let mut covered = 0;
        for (j, _) in line.match_indices('-') {
            let i = line_start + j;
            if i < covered || !starts_option(i) {
                continue;
            }
            match bytes.get(i + 1) {
                // `-p` is the password, glued (`-P` the port).
                Some(b'p')
                    if inside(mysql, j) && bytes.get(i + 2).is_some_and(|b| !value_stops(*b)) =>
                {
                    covered = push(i + 2, &mut out);
                }
                Some(b'a')
                    if inside(redis, j) && bytes.get(i + 2).is_some_and(|b| value_stops(*b)) =>
                {
                    if let Some(start) = next_argument(text, i + 2) {
                        covered = push(start, &mut out);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A byte that ends an option's value: a blank, a quote, a list's `,` or
/// `]`.
fn value_stops(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`' | b',' | b']' | b';') || b.is_ascii_whitespace()
}

/// Where the value starting at `start` ends.
fn value_end(text: &str, start: usize) -> usize {
    text.as_bytes()[start..]
        .iter()
        .position(|b| value_stops(*b))
        .map_or(text.len(), |e| start + e)
}

/// The start of the argument after an option that ends at `after`: past
/// blanks, quotes and a flow list's `,` on the same line, or on the next
/// line after a block list's `- `; `None` when the option word goes on
/// (`--password-file`) or nothing follows.
fn next_argument(text: &str, after: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = after;
    if !bytes.get(i).is_some_and(|b| value_stops(*b)) {
        return None;
    }
    let mut newlines = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'"' | b'\'' | b',' | b'\r' => i += 1,
            b'\n' if newlines == 0 => {
                newlines += 1;
                i += 1;
                // The next line must be an item of the same list.
                while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
                    i += 1;
                }
                if !text[i..].starts_with("- ") {
                    return None;
                }
                i += 2;
            }
            _ => break,
        }
    }
    (i < bytes.len() && !value_stops(bytes[i])).then_some(i)
}

/// Where the user of a URL's authority starting at `start` ends: the
/// first character that ends a user (`:` before a password), skipping
/// `${...}` references.
fn user_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if depth > 0 {
            match b {
                b'}' => depth -= 1,
                // Not a user: the line or the next URL begins (each byte
                // is scanned for one URL at most).
                b'\n' => return None,
                b':' if text[i..].starts_with("://") => return None,
                _ => {}
            }
            i += 1;
            continue;
        }
        if matches!(b, b':' | b'/' | b'?' | b'#' | b'@' | b'"' | b'\'' | b'`')
            || b.is_ascii_whitespace()
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The values of `password=`, `passwd=` and `pwd=` parameters, after `?`,
/// `&`, `;` or a blank, in any case.
fn parameter_password_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    for key in ["password=", "passwd=", "pwd="] {
        let mut last_end = 0;
        for (i, _) in lower.match_indices(key) {
            // Inside the value of the one before.
            if i < last_end {
                continue;
            }
            let before = lower[..i].chars().next_back();
            if !before.is_some_and(|c| matches!(c, '?' | '&' | ';') || c.is_whitespace()) {
                continue;
            }
            let start = i + key.len();
            let end = text[start..]
                .find(|c: char| matches!(c, '&' | ';' | '"' | '\'' | '`') || c.is_whitespace())
                .map_or(text.len(), |e| start + e);
            last_end = end;
            if start < end && !is_one_reference(&text[start..end]) {
                out.push(start..end);
            }
        }
    }
    out
}

/// Whether `text` is one `$NAME` or `${NAME...}` reference, nothing else.
/// A reference with a default (`${DB_PASSWORD:-hunter2}`) writes a value:
/// it is not one.
fn is_one_reference(text: &str) -> bool {
    let Ok(t) = template::parse(text, 0) else {
        return false;
    };
    match t.pieces.as_slice() {
        [Piece::Var(v)] => v.op.as_ref().is_none_or(|op| {
            matches!(op.kind, OpKind::Required | OpKind::RequiredNonEmpty)
                || op.arg.pieces.is_empty()
        }),
        _ => false,
    }
}

/// Characters that continue a word: a secret's text is masked in a message
/// only where it stands as a whole word (a secret `local` written at the
/// finding's span does not mask `localhost`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// The byte ranges where `value` stands as a whole word in `text`.
fn whole_word_matches<'a>(
    text: &'a str,
    value: &'a str,
) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    text.match_indices(value).filter_map(move |(i, _)| {
        let end = i + value.len();
        let before = text[..i].chars().next_back();
        let after = text[end..].chars().next();
        let bounded = before.is_none_or(|c| !is_word_char(c) || !value.starts_with(is_word_char))
            && after.is_none_or(|c| !is_word_char(c) || !value.ends_with(is_word_char));
        bounded.then_some(i..end)
    })
}

/// `text` with `ranges` replaced by [`MASK`] (overlapping ranges merged).
fn replace_ranges(text: &str, mut ranges: Vec<std::ops::Range<usize>>) -> String {
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in ranges {
        let (start, end) = (floor_char(text, r.start), ceil_char(text, r.end));
        if start < last {
            last = last.max(end);
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last.min(text.len())..]);
    out
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The secret values one finding's text may quote
/// ([`Redactor::message_masks`]).
#[derive(Debug, Default, Clone)]
pub struct MessageMasks {
    enabled: bool,
    /// Values made of word characters only, matched by word.
    words: HashSet<String>,
    /// The others, searched for.
    others: std::collections::BTreeSet<String>,
}

/// Masks secret values by span: where they are written (their byte ranges
/// in each file, known from the model: the value of a secret-named `.env`
/// line, `environment:` entry, build arg, `ENV` or `ARG`, and every URL or
/// connection-string password), and in what is derived from those bytes:
/// a value whose map leads to them ([`Redactor::value`]), a message that
/// quotes the text written at its finding's own spans
/// ([`Redactor::message`]). A value is never searched for elsewhere: a
/// secret `local` does not mask `localhost`, nor a secret `worker` the
/// service `worker`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Where secret values are written, by file.
    spans: HashMap<FileId, Vec<TextRange>>,
    /// Whether `spans` are sorted and merged.
    sorted: bool,
    pub disabled: bool,
}

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Shows everything (`--show-secrets`).
    pub fn disabled() -> Self {
        Redactor {
            disabled: true,
            ..Redactor::default()
        }
    }

    /// Masks `range` of `file` wherever that file's text is shown.
    pub fn add_span(&mut self, span: Span) {
        if !span.range.is_empty() {
            self.spans.entry(span.file).or_default().push(span.range);
            self.sorted = false;
        }
    }

    /// Sorts and merges each file's ranges, for [`Redactor::secret_ranges`]
    /// to find those that overlap a range by binary search.
    fn finish(&mut self) {
        for ranges in self.spans.values_mut() {
            ranges.sort_by_key(|r| (r.start, r.end));
            let mut merged: Vec<TextRange> = Vec::with_capacity(ranges.len());
            for r in ranges.drain(..) {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r),
                }
            }
            *ranges = merged;
        }
        self.sorted = true;
    }

    /// Masks the literal text of the value written at `span` of `file`
    /// (`text` is that file's text): `hunter2` in `hunter2`, `pw-${ENV}` and
    /// `${PW:-hunter2}`, never a `${REFERENCE}` (it names a variable, it
    /// holds no secret) nor the quotes around the value.
    pub fn add_value(&mut self, span: Span, text: &str) {
        let Some(written) = text.get(span.range.start..span.range.end) else {
            return;
        };
        let Ok(t) = template::parse(written, span.range.start) else {
            self.add_span(span);
            return;
        };
        let mut literal = Vec::new();
        literal_ranges(&t, &mut literal);
        for r in literal {
            let part = &text[r.start..r.end];
            if part
                .chars()
                .any(|c| !c.is_whitespace() && c != '"' && c != '\'')
            {
                self.add_span(Span::new(span.file, r));
            }
        }
    }

    /// The secret ranges of `file` that overlap `range`: by binary search
    /// once the ranges are sorted and merged (as [`redactor_for`] leaves
    /// them), so that masking stays linear in the number of findings.
    fn secret_ranges(&self, file: FileId, range: TextRange) -> Vec<TextRange> {
        let Some(ranges) = self.spans.get(&file) else {
            return Vec::new();
        };
        let overlaps = |r: &&TextRange| r.start < range.end && range.start < r.end;
        if !self.sorted {
            return ranges.iter().filter(overlaps).copied().collect();
        }
        let first = ranges.partition_point(|r| r.end <= range.start);
        ranges[first..]
            .iter()
            .take_while(|r| r.start < range.end)
            .filter(overlaps)
            .copied()
            .collect()
    }

    /// Whether any byte of `span` is a secret's.
    pub fn covers(&self, span: Span) -> bool {
        !self.secret_ranges(span.file, span.range).is_empty()
    }

    /// Free text that quotes nothing of the files (a path, a name): URL
    /// and connection-string passwords masked.
    pub fn redact(&self, text: &str) -> String {
        if self.disabled {
            return text.to_string();
        }
        replace_ranges(text, url_password_ranges(text))
    }

    /// A finding's message (or help, label, fix description) about `spans`
    /// of the files: the secret text written at those spans is masked where
    /// it stands as a whole word in the message (a parser quoting the value
    /// it refuses), and URL passwords.
    pub fn message(&self, sources: &SourceMap, spans: &[Span], text: &str) -> String {
        self.mask_message(&self.message_masks(sources, spans), text)
    }

    /// What [`Redactor::message`] masks for a finding's `spans`: found
    /// once per finding, not once per piece of its text (a finding with
    /// 100,000 labels was masked in time quadratic in them).
    pub fn message_masks(&self, sources: &SourceMap, spans: &[Span]) -> MessageMasks {
        let mut masks = MessageMasks::default();
        if self.disabled {
            return masks;
        }
        masks.enabled = true;
        let mut add = |part: &str| {
            if part.chars().all(is_word_char) {
                masks.words.insert(part.to_string());
            } else {
                masks.others.insert(part.to_string());
            }
        };
        for span in spans {
            let file = &sources.get(span.file).text;
            for r in self.secret_ranges(span.file, span.range) {
                let Some(written) = file.get(r.start..r.end) else {
                    continue;
                };
                // The value as a message quotes it: each line, and each
                // piece of it between quotes (text after a closing quote),
                // without the blanks around it.
                let pieces = written
                    .lines()
                    .flat_map(|l| std::iter::once(l).chain(l.split(['"', '\''])));
                for part in pieces {
                    let part = part.trim().trim_matches(['"', '\'']).trim();
                    if part.is_empty() {
                        continue;
                    }
                    add(part);
                    // As a message may quote it escaped (`pa\"ss`).
                    let escaped = format!("{part:?}");
                    let escaped = &escaped[1..escaped.len() - 1];
                    if escaped != part {
                        add(escaped);
                    }
                }
            }
        }
        masks
    }

    /// `text` with the secret values of `masks` masked where they stand as
    /// whole words, and URL passwords.
    pub fn mask_message(&self, masks: &MessageMasks, text: &str) -> String {
        if !masks.enabled {
            return text.to_string();
        }
        let mut ranges = url_password_ranges(text);
        // A value of word characters stands as a whole word where a
        // maximal run of word characters is that value.
        if !masks.words.is_empty() {
            let mut run: Option<usize> = None;
            for (i, c) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
                match (is_word_char(c) && i < text.len(), run) {
                    (true, None) => run = Some(i),
                    (false, Some(start)) => {
                        if masks.words.contains(&text[start..i]) {
                            ranges.push(start..i);
                        }
                        run = None;
                    }
                    _ => {}
                }
            }
        }
        for part in &masks.others {
            ranges.extend(whole_word_matches(text, part));
        }
        replace_ranges(text, ranges)
    }

    /// A value with its map: the bytes that came from a secret's written
    /// text (directly or through `${VAR}`s), the values of secret-named
    /// variables written nowhere the model read (the shell), and URL
    /// passwords are masked.
    pub fn value(&self, v: Mapped<'_>, is_secret: &dyn Fn(&str) -> bool) -> String {
        if self.disabled {
            return v.text.to_string();
        }
        let mut ranges = url_password_ranges(v.text);
        ranges.extend(self.mapped_ranges(v, is_secret, &mut HashMap::new(), 0));
        replace_ranges(v.text, ranges)
    }

    /// The secret bytes of `v`, by its map. Each written value followed
    /// into is computed once (`memo`, by address): a value that uses the
    /// same variable many times, through many levels, costs its size.
    fn mapped_ranges(
        &self,
        v: Mapped<'_>,
        is_secret: &dyn Fn(&str) -> bool,
        memo: &mut HashMap<*const Value, Vec<std::ops::Range<usize>>>,
        depth: usize,
    ) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        if depth > 32 {
            return out;
        }
        for seg in v.segments {
            let (s, e) = (seg.range.start, seg.range.end);
            match seg.origin {
                SegmentOrigin::Written { span, exact } => {
                    for r in self.secret_ranges(span.file, span.range) {
                        if exact {
                            let from = r.start.max(span.range.start) - span.range.start;
                            let to = r.end.min(span.range.end) - span.range.start;
                            out.push(s + from..(s + to).min(e));
                        } else {
                            // Decoded from another form: which bytes is not
                            // known, so all of them.
                            out.push(s..e);
                        }
                    }
                }
                SegmentOrigin::Variable { index, offset } => {
                    let Some(via) = v.via.get(index) else {
                        out.push(s..e);
                        continue;
                    };
                    if is_secret(&via.variable) {
                        out.push(s..e);
                    } else if let Some(w) = &via.written {
                        let key = Arc::as_ptr(w);
                        let inner = match memo.get(&key) {
                            Some(inner) => inner.clone(),
                            None => {
                                let inner =
                                    self.mapped_ranges(w.mapped(), is_secret, memo, depth + 1);
                                memo.insert(key, inner.clone());
                                inner
                            }
                        };
                        let len = e - s;
                        for r in inner {
                            let (a, b) = (r.start.max(offset), r.end.min(offset + len));
                            if a < b {
                                out.push(s + a - offset..s + b - offset);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The text with secret values overwritten by `*`, byte for byte, so that
    /// byte offsets stay valid (for a line shown without its file).
    pub fn redact_in_place(&self, text: &str) -> String {
        self.redact_source(None, text, 0)
    }

    /// `text`, which starts at byte `offset` of `file`, with secret values
    /// overwritten by `*` byte for byte: where the model knows them to be
    /// written, and URL passwords.
    pub fn redact_source(&self, file: Option<FileId>, text: &str, offset: usize) -> String {
        if self.disabled {
            return text.to_string();
        }
        let mut ranges = url_password_ranges(text);
        if let Some(file) = file {
            let end = offset + text.len();
            for r in self.secret_ranges(file, TextRange::new(offset, end)) {
                let (s, e) = (r.start.max(offset), r.end.min(end));
                if s < e {
                    ranges.push(s - offset..e - offset);
                }
            }
        }
        let mut bytes = text.as_bytes().to_vec();
        for r in ranges {
            // Whole characters: a range clamped inside one masks all of it,
            // and every byte of it becomes one `*`, so offsets stay valid;
            // line breaks are kept, so that lines stay where they are.
            let (start, end) = (floor_char(text, r.start), ceil_char(text, r.end));
            for b in &mut bytes[start..end] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = b'*';
                }
            }
        }
        // Only whole characters were replaced by ASCII.
        String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(text.len()))
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// The ranges of the literal text of a template, defaults included.
fn literal_ranges(t: &Template, out: &mut Vec<TextRange>) {
    for p in &t.pieces {
        match p {
            Piece::Literal { range, .. } | Piece::Escaped { range } => out.push(*range),
            Piece::Var(v) => match &v.op {
                // `${X:?message}`: the message is no value.
                Some(op) if matches!(op.kind, OpKind::Required | OpKind::RequiredNonEmpty) => {}
                Some(op) => literal_ranges(&op.arg, out),
                None => {}
            },
        }
    }
}

/// A redactor for every secret-like value the workspace holds, by where it
/// is written: project variables and `.env`-format files (the lines after
/// one Compose refuses included), container environments, build args (and
/// every `environment:` and `args:` value the compose files write, those a
/// merge removed included), Dockerfile `ENV`/`ARG`, the defaults of the app's settings fields, and
/// every URL or connection-string password in any file.
/// `NAME = "text"` / `NAME: str = 'text'` lines of a Python file whose
/// `NAME` is secret-like: the ranges of the text between the quotes (a
/// string on one line). The parser's view is the first; this one sees what
/// a syntax error hides from it.
fn python_line_secrets(text: &str, policy: &SecretPolicy) -> Vec<TextRange> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_start();
        let lead = line.len() - body.len();
        let name_len = body
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if name_len == 0 || !policy.is_secret(&body[..name_len]) {
            continue;
        }
        let rest = &body[name_len..];
        let Some(eq) = rest.find('=') else { continue };
        let head = rest[..eq].trim();
        if !(head.is_empty() || head.starts_with(':')) || rest[eq + 1..].starts_with('=') {
            continue;
        }
        let value = &rest[eq + 1..];
        let vlead = value.len() - value.trim_start().len();
        let v = value.trim_start();
        let v_body = v.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let prefix = v.len() - v_body.len();
        let Some(q) = v_body.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(close) = v_body[1..].find(q) else {
            continue;
        };
        let from = start + lead + name_len + eq + 1 + vlead + prefix + 1;
        out.push(TextRange::new(from, from + close));
    }
    out
}

pub fn redactor_for(ws: &Workspace, policy: &SecretPolicy) -> Redactor {
    // Where each secret value is written: its literal text.
    let mut written: Vec<Span> = Vec::new();
    let mut exact: Vec<Span> = Vec::new();
    for p in &ws.projects {
        // A secret's default or replacement written in a reference, in any
        // value (`postgres://u:${DB_PASSWORD:-hunter2}@db`).
        let dotenv_refs = p.dotenv_definitions.iter().flat_map(|d| &d.via);
        for via in p.references.iter().chain(dotenv_refs) {
            if policy.is_secret(&via.variable) {
                written.push(via.reference);
            }
        }
        for s in &p.services {
            for (k, var) in &s.container_env.vars {
                if policy.is_secret(k) {
                    for d in var.definitions() {
                        written.extend(d.value_span);
                    }
                }
            }
            if let Some(b) = &s.build {
                for (k, _, v) in &b.args {
                    if let (true, Some(v)) = (policy.is_secret(k), v) {
                        written.push(v.span);
                    }
                }
            }
        }
    }
    // What the compose files write, whatever the merge made of it: a value
    // a later file or document resets or overrides is in no project, but
    // still in the text, where a snippet may show it.
    for (id, compose) in &ws.compose {
        // A file Compose cannot parse has no tree: its lines are read one
        // by one, as the `.env` lines after a refused one are.
        if !compose.errors.is_empty() {
            let text = &ws.sources.get(*id).text;
            exact.extend(
                recover::secret_values(text, policy)
                    .into_iter()
                    .map(|r| Span::new(*id, TextRange::new(r.start, r.end))),
            );
        }
        for s in compose.documents().flat_map(|d| &d.services) {
            let args = s.build.iter().flat_map(|b| &b.args);
            for e in s.environment.iter().chain(args) {
                if let (true, Some(v)) = (policy.is_secret(&e.key.value), &e.value) {
                    written.push(Span::new(*id, v.range));
                }
            }
        }
    }
    for (id, file) in &ws.dotenv {
        let text = &ws.sources.get(*id).text;
        // A file with NUL bytes (UTF-16, as some editors save): its names
        // are no longer readable as names (`P\0A\0S\0S…`), so nothing of it
        // is shown.
        if file.encoding.is_some_and(|l| l.nul) {
            exact.push(Span::new(*id, TextRange::new(0, text.len())));
            continue;
        }
        for e in &file.entries {
            if let DotenvValue::Assigned(a) = &e.value {
                if policy.is_secret(&e.key) {
                    // Single quotes: no interpolation, all of it is the value.
                    match a.quote {
                        Quote::Single => exact.push(Span::new(*id, a.content_range)),
                        _ => written.push(Span::new(*id, a.content_range)),
                    }
                    // Text after the closing quote, on the same line: a
                    // shell reads it as part of the value.
                    let end = a.raw_range.end;
                    let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
                    if a.quote != Quote::None && text[end..line_end].trim() != "" {
                        exact.push(Span::new(*id, TextRange::new(end, line_end)));
                    }
                }
            }
        }
        // Compose stops at the first error: the entries from there on are
        // read line by line.
        if let Some(err) = file.errors.first() {
            let start = text[..err.range.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |n| n + 1);
            exact.extend(
                recovered_secret_values(&text[start..], policy)
                    .into_iter()
                    .map(|r| Span::new(*id, TextRange::new(start + r.start, start + r.end))),
            );
        }
    }
    for (id, df) in &ws.dockerfiles {
        for ins in &df.instructions {
            match &ins.kind {
                InstructionKind::Env(pairs) => {
                    for p in pairs {
                        if policy.is_secret(&p.key.value) {
                            written.push(Span::new(*id, p.value.range));
                        }
                    }
                }
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        if let (true, Some(v)) = (policy.is_secret(&d.name.value), &d.default) {
                            written.push(Span::new(*id, v.range));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Defaults of the app's settings fields (`SECRET_KEY: str = "..."`).
    // Every class's fields, settings class or not, by their name or any
    // alias; and the defaults of direct reads (`os.getenv("TOKEN", "...")`).
    use crate::syntax::python::{FieldDefault, Literal};
    for (id, module) in &ws.app.modules {
        for c in &module.classes {
            for f in &c.fields {
                let secret = policy.is_secret(&f.name)
                    || f.aliases.iter().any(|a| policy.is_secret(&a.text));
                if let (true, FieldDefault::Value(v)) = (secret, &f.default) {
                    if !matches!(v.literal, Literal::None | Literal::Bool(_)) {
                        exact.push(Span::new(*id, v.content_range()));
                    }
                }
            }
        }
        for r in &module.reads {
            if let (true, Some(v)) = (policy.is_secret(&r.name), &r.default) {
                if !matches!(v.literal, Literal::None | Literal::Bool(_)) && !v.text.is_empty() {
                    exact.push(Span::new(*id, v.content_range()));
                }
            }
        }
        // `SECRET_KEY = "django-insecure-…"`.
        for (name, v) in &module.constants {
            if policy.is_secret(name) {
                exact.push(Span::new(*id, v.content_range()));
            }
        }
    }
    // A field secret by the name it reads with its prefix (`pat` under
    // `env_prefix="GITHUB_"`).
    for c in &ws.app.classes {
        for f in &c.fields {
            if let (true, Some(v)) = (
                f.env_names.iter().any(|n| policy.is_secret(n)),
                f.default_value(),
            ) {
                if !matches!(v.literal, Literal::None | Literal::Bool(_)) {
                    exact.push(Span::new(f.file, v.content_range()));
                }
            }
        }
    }
    // Line by line too, in every Python file: what a syntax error hid from
    // the parser (`x = foo(1,` above the class) is still masked.
    for (id, file) in ws.sources.iter() {
        if file.kind == crate::source::FileKind::Python {
            for r in python_line_secrets(&file.text, policy) {
                exact.push(Span::new(id, r));
            }
        }
    }
    let mut r = Redactor::new();
    // URL and connection-string passwords, in every file.
    for (id, file) in ws.sources.iter() {
        for p in url_password_ranges(&file.text) {
            r.add_span(Span::new(id, TextRange::new(p.start, p.end)));
        }
    }
    for s in exact {
        r.add_span(s);
    }
    for s in written {
        r.add_value(s, &ws.sources.get(s.file).text);
    }
    r.finish();
    r
}

/// The values of secret-named `KEY=value` lines of `.env`-format `text`,
/// read leniently (each line on its own, `export` allowed, a quote that is
/// not closed on its line running to the closing quote or the end).
fn recovered_secret_values(text: &str, policy: &SecretPolicy) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        let line = &text[pos..line_end];
        let mut next = line_end + 1;
        if let Some(eq) = line.find('=') {
            let key = line[..eq].trim();
            let key = key.strip_prefix("export").map_or(key, str::trim_start);
            if policy.is_secret(key) {
                let vstart = pos + eq + 1;
                let mut vend = line_end;
                let v = text[vstart..line_end].trim_start();
                if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
                    let open = line_end - v.len();
                    // The value runs to the closing quote, over lines.
                    let close = text[open + 1..]
                        .find(q)
                        .map_or(text.len(), |n| open + 1 + n);
                    if close > line_end {
                        vend = text[close..].find('\n').map_or(text.len(), |n| close + n);
                        next = vend + 1;
                    }
                }
                if vstart < vend {
                    out.push(vstart..vend);
                }
            }
        }
        pos = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Variable names from the `.env` files, compose `environment:` keys,
    /// Dockerfile `ENV`/`ARG`, CI `env:` and settings modules of the real
    /// projects in `../shared/corpus/projects/`, each classified by hand: is
    /// the value one whose disclosure gives access or breaks integrity?
    const CORPUS_NAMES: &[(&str, bool)] = &[
        // Databases and caches
        ("POSTGRES_PASSWORD", true),
        ("POSTGRES_PASS", true),
        ("POSTGRES_PW", true),
        ("POSTGRESQL_PASS", true),
        ("POSTGRES_NON_ROOT_PASSWORD", true),
        ("POSTGRES_READ_REPLICA_PASSWORD", true),
        ("PGPASSWORD", true),
        ("PG_PASSWORD", true),
        ("MYSQL_PASSWORD", true),
        ("MYSQL_ROOT_PASSWORD", true),
        ("MYSQL_PASS", true),
        ("MYSQL_ROOT_PASS", true),
        ("MARIADB_PASSWORD", true),
        ("MARIADB_ROOT_PASSWORD", true),
        ("MONGO_INITDB_ROOT_PASSWORD", true),
        ("DB_PASSWORD", true),
        ("DB_PASSWD", true),
        ("DB_ROOT_PASSWORD", true),
        ("DBPASS", true),
        ("DATABASE_PASSWORD", true),
        ("DATASTORE_READONLY_PASSWORD", true),
        ("DB_POSTGRESDB_PASSWORD", true),
        ("WORDPRESS_DB_PASSWORD", true),
        ("KC_DB_PASSWORD", true),
        ("CKAN_DB_PASSWORD", true),
        ("NAUTOBOT_DB_PASSWORD", true),
        ("PHOTOPRISM_DATABASE_PASSWORD", true),
        ("POLAR_POSTGRES_PWD", true),
        ("POLAR_POSTGRES_READ_PWD", true),
        ("POLAR_READ_PASSWORD", true),
        ("SYNAPSE_POSTGRES_PASSWORD", true),
        ("TEST_POSTGRES_PASSWORD", true),
        ("CH_PASSWORD", true),
        ("SA_PASSWORD", true),
        ("REDIS_PASSWORD", true),
        ("REDIS_SENTINEL_PASSWORD", true),
        ("REDISPASS", true),
        ("REDISMASTERPASS", true),
        ("REDISCLI_AUTH", true),
        ("NAUTOBOT_REDIS_PASSWORD", true),
        ("ELASTICSEARCH_PASS", true),
        ("SEARCH_BACKEND_SONIC_PASSWORD", true),
        ("RABBITMQ_DEFAULT_PASS", true),
        ("RABBITMQ_PASSWORD", true),
        ("MINIO_ROOT_PASSWORD", true),
        ("POLAR_MINIO_PWD", true),
        ("POLAR_PREVIEW_POSTGRES_ADMIN_DSN", true),
        ("SIGNOZ_OTEL_COLLECTOR_CLICKHOUSE_DSN", true),
        ("SRH_CONNECTION_STRING", true),
        // Admin and user accounts
        ("ADMIN_PASSWORD", true),
        ("ADMIN_TOKEN", true),
        ("FIRST_SUPERUSER_PASSWORD", true),
        ("GF_SECURITY_ADMIN_PASSWORD", true),
        ("KEYCLOAK_ADMIN_PASSWORD", true),
        ("KC_BOOTSTRAP_ADMIN_PASSWORD", true),
        ("PGADMIN_DEFAULT_PASSWORD", true),
        ("PGADMIN_PW", true),
        ("PHOTOPRISM_ADMIN_PASSWORD", true),
        ("GOTRUE_ADMIN_PASSWORD", true),
        ("LD_SUPERUSER_PASSWORD", true),
        ("NAUTOBOT_SUPERUSER_PASSWORD", true),
        ("CKAN_SYSADMIN_PASSWORD", true),
        ("MASTER_PASSWORD", true),
        ("PIHOLE_PW", true),
        ("WEBPASSWORD", true),
        ("WEBDAV_PASSWORD", true),
        ("SUPABASE_PASSWORD", true),
        ("SIGNOZ_E2E_PASSWORD", true),
        ("TEST_USER_PASSWORD", true),
        ("TEST_USER2_PASSWORD", true),
        ("IN_PASSWORD", true),
        ("OE_PASS", true),
        ("PASSWORD", true),
        ("SECRET_PASSWORD", true),
        ("BASIC_AUTH_PASSWORD", true),
        // Mail, LDAP, XMPP, SIP
        ("SMTP_PASSWORD", true),
        ("SMTP_PWD", true),
        ("MAIL_PASSWORD", true),
        ("EMAIL_HOST_PASSWORD", true),
        ("CKAN_SMTP_PASSWORD", true),
        ("GOTRUE_SMTP_PASS", true),
        ("APPFLOWY_MAILER_SMTP_PASSWORD", true),
        ("DOVECOT_MASTER_PASS", true),
        ("RELAY_PASSWORD", true),
        ("LDAP_QUERY_PASSWORD", true),
        ("LDAP_BINDPW", true),
        ("LDAP_BIND_PW", true),
        ("AUTH_LDAP_BIND_PASSWORD", true),
        ("SASLAUTHD_LDAP_PASSWORD", true),
        ("JICOFO_AUTH_PASSWORD", true),
        ("JVB_AUTH_PASSWORD", true),
        ("JIBRI_XMPP_PASSWORD", true),
        ("JIBRI_RECORDER_PASSWORD", true),
        ("JIGASI_SIP_PASSWORD", true),
        ("JIGASI_XMPP_PASSWORD", true),
        ("NAUTOBOT_NAPALM_PASSWORD", true),
        // Application keys
        ("SECRET_KEY", true),
        ("DJANGO_SECRET_KEY", true),
        ("NAUTOBOT_SECRET_KEY", true),
        ("AUTH_SECRET_KEY", true),
        ("LIVE_SERVER_SECRET_KEY", true),
        ("ANALYTICS_SECRET_KEY", true),
        ("SECRET_KEY_BASE", true),
        ("APP_KEY", true),
        ("ENCRYPTION_KEY", true),
        ("DATA_ENCRYPTION_KEY", true),
        ("N8N_ENCRYPTION_KEY", true),
        ("SOGO_URL_ENCRYPTION_KEY", true),
        ("BW_INSTALLATION_KEY", true),
        ("PUSH_INSTALLATION_KEY", true),
        ("CRON_SECRET", true),
        ("UTILS_SECRET", true),
        ("SRS_SECRET", true),
        ("S3_FILES_DOWNLOAD_SALT", true),
        ("PLAIN_REQUEST_SIGNING_SECRET", true),
        ("CKAN___BEAKER__SESSION__SECRET", true),
        ("CKAN___API_TOKEN__JWT__ENCODE__SECRET", true),
        ("GOTRUE_JWT_SECRET", true),
        ("APPFLOWY_GOTRUE_JWT_SECRET", true),
        ("JWT_APP_SECRET", true),
        ("APPLICATION_SECRETS", true),
        // Cloud and storage
        ("AWS_SECRET_ACCESS_KEY", true),
        ("AWS_SECRET", true),
        ("AWS_ACCESS_KEY", true),
        ("AWS_SESSION_TOKEN", true),
        ("AI_AWS_SECRET_ACCESS_KEY", true),
        ("POLAR_AWS_SECRET_ACCESS_KEY", true),
        ("S3_SECRET_ACCESS_KEY", true),
        ("S3_ACCESS_KEY", true),
        ("SECRET_ACCESS_KEY", true),
        ("ACCESS_KEY", true),
        ("APPFLOWY_S3_ACCESS_KEY", true),
        ("APPFLOWY_S3_SECRET_KEY", true),
        ("GARAGE_DEFAULT_ACCESS_KEY", true),
        ("GARAGE_DEFAULT_SECRET_KEY", true),
        ("AWS_CLOUDFRONT_PRIVATE_KEY", true),
        ("AZURE_OPENAI_API_KEY", true),
        ("AZURE_OPENAI_KEY", true),
        ("AZURE_CLIENT_SECRET", true),
        ("CLOUDFLARE_TUNNEL_TOKEN", true),
        ("FRONTEND_CACHE_CLOUDFLARE_BEARER_TOKEN", true),
        ("TUNNEL_TOKEN", true),
        ("KV_REST_API_TOKEN", true),
        // OAuth and OIDC clients
        ("GITHUB_CLIENT_SECRET", true),
        ("GITLAB_CLIENT_SECRET", true),
        ("GOOGLE_CLIENT_SECRET", true),
        ("DISCORD_CLIENT_SECRET", true),
        ("MICROSOFT_CLIENT_SECRET", true),
        ("KEYCLOAK_CLIENT_SECRET", true),
        ("OIDC_CLIENT_SECRET", true),
        ("OIDC_RP_CLIENT_SECRET", true),
        ("SSO_CLIENT_SECRET", true),
        ("GOTRUE_EXTERNAL_GITHUB_SECRET", true),
        ("PHOTOPRISM_OIDC_SECRET", true),
        ("TS_OAUTH_SECRET", true),
        // API keys and tokens
        ("API_KEY", true),
        ("API_KEY_READ_ONLY", true),
        ("OPENAI_API_KEY", true),
        ("ANTHROPIC_API_KEY", true),
        ("LLM_API_KEY", true),
        ("HIBP_API_KEY", true),
        ("POSTHOG_PERSONAL_API_KEY", true),
        ("MAILCOW_EXPORTER_API_KEY", true),
        ("MAILCOW_EXPORTER_SECURITY_TOKEN", true),
        ("SPAMHAUS_DQS_KEY", true),
        ("GORELEASER_KEY", true),
        ("SCOUT_KEY", true),
        ("HCAPTCHA_SECRET", true),
        ("TURNSTILE_SECRET_KEY", true),
        ("POLAR_TURNSTILE_SECRET", true),
        ("POLAR_STRIPE_SECRET_KEY", true),
        ("YUBICO_SECRET_KEY", true),
        ("DUO_SKEY", true),
        ("NORDIGEN_SECRET_KEY", true),
        ("SENTRY_AUTH_TOKEN", true),
        ("SLACK_BOT_TOKEN", true),
        ("SLACK_VERIFICATION_TOKEN", true),
        ("GITHUB_TOKEN", true),
        ("GH_TOKEN", true),
        ("GITHUB_ACCESS_TOKEN", true),
        ("GITHUB_AUTH_TOKEN", true),
        ("GITHUB_PAT", true),
        ("SUPPORTISSUES_ACTION_PAT", true),
        ("PYPI_PAT_SECRET", true),
        ("NODE_AUTH_TOKEN", true),
        ("UV_PUBLISH_TOKEN", true),
        ("DOCKERHUB_TOKEN", true),
        ("DOCKER_PASSWORD", true),
        ("CODECOV_TOKEN", true),
        ("TS_AUTHKEY", true),
        ("N8N_RUNNERS_AUTH_TOKEN", true),
        ("NAUTOBOT_SUPERUSER_API_TOKEN", true),
        ("LICENSE_API_AUTH_TOKEN", true),
        ("MAINTENANCE_BYPASS_TOKEN", true),
        ("FIRST_INSTALL_TOKEN", true),
        ("TURN_CREDENTIALS", true),
        // Webhooks and signing
        ("GITHUB_WEBHOOK_SECRET", true),
        ("POLAR_STRIPE_WEBHOOK_SECRET", true),
        ("POLAR_CHARGEBACK_STOP_WEBHOOK_SECRET", true),
        ("GITHUB_APP_PRIVATE_KEY", true),
        ("GOTRUE_SAML_PRIVATE_KEY", true),
        ("TAURI_SIGNING_PRIVATE_KEY", true),
        ("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", true),
        ("SYNAPSE_RECAPTCHA_PRIVATE_KEY", true),
        ("SONATYPE_GPG_PASSWORD", true),
        ("SSH_KEY", true),
        // Lightning wallets
        ("LNBITS_KEY", true),
        ("LNPAY_WALLET_KEY", true),
        ("OPENNODE_KEY", true),
        ("LND_REST_MACAROON", true),
        ("LND_GRPC_MACAROON", true),
        ("BOLTZ_CLIENT_MACAROON", true),
        ("CLNREST_PAY_RUNE", true),
        ("CLNREST_READONLY_RUNE", true),
        ("BREEZ_GREENLIGHT_SEED", true),
        ("BREEZ_LIQUID_SEED", true),
        ("BOLTZ_MNEMONIC", true),
        ("BREEZ_GREENLIGHT_DEVICE_KEY", true),
        ("FAKE_WALLET_SECRET", true),
        // camelCase and dotted (.NET configuration keys)
        ("globalSettings__hibpApiKey", true),
        ("globalSettings__yubico__key", true),
        ("globalSettings__mail__smtp__password", true),
        ("globalSettings__identityServer__certificatePassword", true),
        // Files and paths that hold or name a secret
        ("SECRET_KEY_FILE", false),
        ("POSTGRES_PASSWORD_FILE", false),
        ("MYSQL_ROOT_PASSWORD_FILE", false),
        ("RSA_KEY_FILENAME", false),
        ("SSL_KEY_PATH", false),
        ("SSL_ALT_KEY_PATH", false),
        ("RTCSTATS_KEYPATH", false),
        ("KUBERNETES_TOKEN_PATH", false),
        ("GOOGLE_APPLICATION_CREDENTIALS", false),
        ("SSL_KEY", false),
        ("BW_SSL_KEY", false),
        ("SYNAPSE_TLS_KEY", false),
        // Certificates are public
        ("SSL_CERT", false),
        ("BW_SSL_CERT", false),
        ("SYNAPSE_TLS_CERT", false),
        ("LND_REST_CERT", false),
        ("CLNREST_CERT", false),
        ("BOLTZ_CLIENT_CERT", false),
        ("BREEZ_GREENLIGHT_DEVICE_CERT", false),
        ("LDAP_TLS_CACERT_FILE", false),
        // Public keys and release key fingerprints
        ("GPG_KEY", false),
        ("SONATYPE_GPG_KEYID", false),
        ("RTCSTATS_JWT_PUBLIC_KEY", false),
        ("RTCSTATS_JWT_EGHT_PUBLIC_KEY", false),
        ("SYNAPSE_RECAPTCHA_PUBLIC_KEY", false),
        ("POSTHOG_PUBLIC_API_KEY", false),
        ("POLAR_STRIPE_PUBLISHABLE_KEY", false),
        ("HCAPTCHA_SITEKEY", false),
        ("NEXT_PUBLIC_TURNSTILE_SITE_KEY", false),
        // Shipped to the browser on purpose
        ("NEXT_PUBLIC_STRIPE_KEY", false),
        ("NEXT_PUBLIC_POSTHOG_API_KEY", false),
        ("NEXT_PUBLIC_API_URL", false),
        ("NEXT_PUBLIC_COOKIE_DOMAIN", false),
        ("EXPO_PUBLIC_POLAR_SERVER_URL", false),
        ("VITE_POSTHOG_KEY", false),
        ("VITE_API_URL", false),
        ("VITE_SENTRY_DSN", false),
        ("PUBLIC_URL", false),
        ("PUBLIC_BUCKET_NAME", false),
        ("ETHERPAD_PUBLIC_URL", false),
        ("LNBITS_PUBLIC_NODE_UI", false),
        ("PHOTOPRISM_PUBLIC", false),
        // Sentry DSNs are made to be public
        ("SENTRY_DSN", false),
        ("JIGASI_SENTRY_DSN", false),
        ("JVB_SENTRY_DSN", false),
        // Ids and user names
        ("AWS_ACCESS_KEY_ID", false),
        ("AI_AWS_ACCESS_KEY_ID", false),
        ("POLAR_AWS_ACCESS_KEY_ID", false),
        ("S3_ACCESS_KEY_ID", false),
        ("AWS_CLOUDFRONT_KEY_PAIR_ID", false),
        ("NORDIGEN_SECRET_ID", false),
        ("GITHUB_CLIENT_ID", false),
        ("KEYCLOAK_CLIENT_ID", false),
        ("OIDC_RP_CLIENT_ID", false),
        ("AZURE_CLIENT_ID", false),
        ("JWT_APP_ID", false),
        ("BW_INSTALLATION_ID", false),
        ("DUO_IKEY", false),
        ("YUBICO_CLIENT_ID", false),
        ("globalSettings__yubico__clientId", false),
        ("POSTGRES_USER", false),
        ("MINIO_ROOT_USER", false),
        ("KEYCLOAK_ADMIN", false),
        ("KC_BOOTSTRAP_ADMIN_USERNAME", false),
        ("SMTP_USERNAME", false),
        ("LDAP_BIND_DN", false),
        ("DOVECOT_MASTER_USER", false),
        ("BASIC_AUTH_LOGIN", false),
        ("SIGNOZ_E2E_USERNAME", false),
        // Switches
        ("DISABLE_ADMIN_TOKEN", false),
        ("ENABLE_AUTH", false),
        ("ENABLE_EMAIL_PASSWORD", false),
        ("LD_ENABLE_AUTH_PROXY", false),
        ("BASIC_AUTH_ENABLED", false),
        ("LDAP_AUTH_ENABLED", false),
        ("OIDC_AUTH_ENABLED", false),
        ("ALLOW_SIGNUP", false),
        ("OIDC_SIGNUP_ENABLED", false),
        ("GOTRUE_DISABLE_SIGNUP", false),
        ("SIGNUPS_ALLOWED", false),
        ("MYSQL_RANDOM_ROOT_PASSWORD", false),
        ("MARIADB_RANDOM_ROOT_PASSWORD", false),
        ("CORS_ALLOW_CREDENTIALS", false),
        ("SSO_DEBUG_TOKENS", false),
        ("PASSWORD_HINTS_ALLOWED", false),
        ("SHOW_PASSWORD_HINT", false),
        ("APPFLOWY_KEYWORD_SEARCH_ENABLED", false),
        ("USE_MINIO", false),
        ("LDAP_AUTH", false),
        ("REVERSE_PROXY_AUTH", false),
        ("NAUTOBOT_LOCATION_NAME_AS_NATURAL_KEY", false),
        // Kinds, methods, schemes, policies
        ("AUTH_TYPE", false),
        ("PHOTOPRISM_AUTH_MODE", false),
        ("LDAP_AUTH_METHOD", false),
        ("SASLAUTHD_LDAP_AUTH_METHOD", false),
        ("SMTP_AUTH_MECHANISM", false),
        ("AUTH_ALLOWED_METHODS", false),
        ("MAILCOW_PASS_SCHEME", false),
        ("DOVECOT_PASS_FILTER", false),
        ("SASLAUTHD_LDAP_PASSWORD_ATTR", false),
        ("SSO_MASTER_PASSWORD_POLICY", false),
        ("PASSWORD_ITERATIONS", false),
        // Durations, sizes, limits
        ("AUTH_TOKEN_EXPIRE_MINUTES", false),
        ("GOTRUE_JWT_EXP", false),
        ("EMAIL_TOKEN_SIZE", false),
        ("API_KEY_RATE_LIMIT", false),
        ("ADMIN_SESSION_LIFETIME", false),
        ("SESSION_COOKIE_AGE", false),
        ("SIGNED_URL_EXPIRATION", false),
        // URLs, endpoints, hosts
        ("OIDC_TOKEN_URI", false),
        ("OIDC_OP_TOKEN_ENDPOINT", false),
        ("SOCIAL_AUTH_KEYCLOAK_ACCESS_TOKEN_URL", false),
        ("PHOTOPRISM_PASSWORD_RESET_URI", false),
        ("OIDC_AUTH_URI", false),
        ("KEYCLOAK_DISCOVERY_URL", false),
        ("LICENSE_API_URL", false),
        ("POSTHOG_API_HOST", false),
        ("KV_REST_API_URL", false),
        ("AWS_S3_ENDPOINT_URL", false),
        ("DATABASE_URL", false),
        ("REDIS_URL", false),
        ("WEBHOOK_URL", false),
        // Names, regions, buckets, domains, ports
        ("SESSION_COOKIE_NAME", false),
        ("SESSION_COOKIE_DOMAIN", false),
        ("GOTRUE_JWT_ADMIN_GROUP_NAME", false),
        ("AWS_STORAGE_BUCKET_NAME", false),
        ("AWS_S3_REGION_NAME", false),
        ("AWS_DEFAULT_REGION", false),
        ("APPFLOWY_S3_BUCKET", false),
        ("POSTGRES_HOST", false),
        ("REDIS_PORT", false),
        ("DB_NAME", false),
        // Versions
        ("KEYCLOAK_VERSION", false),
        ("COSIGN_VERSION", false),
        ("S3_SIGNATURE_VERSION", false),
        ("AZURE_OPENAI_API_VERSION", false),
        // Words inside other words
        ("KEYCLOAK_CLIENT_CUSTOM_ORG", false),
        ("APPFLOWY_KEYWORD_INDEX_DIR", false),
        ("PHOTOPRISM_SITE_AUTHOR", false),
        ("SSO_AUTHORITY", false),
        ("DUMMY_AUTHORITY", false),
        ("OAUTH2_INTROSPECTION_URL", false),
        ("OAUTHLIB_INSECURE_TRANSPORT", false),
        ("AUTHLIB_INSECURE_TRANSPORT", false),
        ("RTCSTATS_S3_USEIAMAUTH", false),
        ("NAUTOBOT_METRICS_AUTHENTICATED", false),
        ("UNAUTHENTICATED_RATELIMIT_SECONDS", false),
        ("SOCIALACCOUNT_AUTO_SIGNUP", false),
        ("PYTHONDONTWRITEBYTECODE", false),
        // Secret words that are not last
        ("AUTH_LDAP_SERVER_URI", false),
        ("DOVECOT_AUTH_BIND", false),
        ("SSO_AUTH_ONLY_NOT_SESSION", false),
        ("API_BASE_URL", false),
        ("OPENAI_API_BASE", false),
        ("LD_AUTH_PROXY_USERNAME_HEADER", false),
        ("TOKEN_TIME", false),
        ("KEY_RESPONSE", false),
        // Seeds of generators, hashes, other non-secrets
        ("NAUTOBOT_TEST_FACTORY_SEED", false),
        ("COMMIT_HASH", false),
        ("LND_REST_MACAROON_ENCRYPTED", false),
        ("GO_INPUT_ARTIFACT_CACHE_KEY", false),
        ("DEBUG", false),
        ("PWD", false),
        ("PATH", false),
    ];

    /// Secrets the names do not give away, with the reason: the rule says
    /// no, on purpose. A change of the rule that catches one moves it to
    /// `CORPUS_NAMES`.
    const KNOWN_MISSES: &[&str] = &[
        // mailcow's MySQL root password: the name says neither.
        "DBROOT",
        // The secret word comes before the service's name.
        "API_KEY_2CAPTCHA",
        // A URL, with the secret in its query (`?secret=`).
        "NWC_PAIRING_URL",
        // Real tokens under Vite's public prefix (SigNoz writes the Sentry
        // token into `frontend/.env` in CI): the prefix wins.
        "VITE_SENTRY_AUTH_TOKEN",
        "VITE_PYLON_IDENTITY_SECRET",
        "VITE_PROXYSCOTCH_ACCESS_TOKEN",
    ];

    #[test]
    fn corpus_names_are_classified_as_reviewed() {
        assert!(CORPUS_NAMES.len() >= 200);
        let wrong: Vec<String> = CORPUS_NAMES
            .iter()
            .filter(|(n, secret)| is_secret_name(n) != *secret)
            .map(|(n, secret)| format!("{n}: expected {secret}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        for n in KNOWN_MISSES {
            assert!(
                !is_secret_name(n),
                "{n} is caught now: move it to CORPUS_NAMES"
            );
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "SECRET_KEY",
            "JWT_SECRET",
            "NEXTAUTH_SECRET",
            "SECRET_KEY_BASE",
            "SECRET_KEY_FALLBACKS",
            "API_KEY",
            "apiKey",
            "dbPassword",
            "APIKey",
            "user2Password",
            "db_password",
            "DB_PASSWORD_2",
            "API_KEY2",
            "STRIPE_SECRET_KEY_OLD",
            "MYSQL_PWD",
            "REDIS_AUTH",
            "REDIS_PASS",
            "GITHUB_PAT",
            "HASHIDS_SALT",
            "GPG_PASSPHRASE",
            "GPG_PRIVATE_KEY",
            "DATABASE_DSN",
            "AZURE_STORAGE_CONNECTION_STRING",
            "GCP_CREDENTIALS",
            "OAUTH2_PROXY_COOKIE_SECRET",
            "APP_SIGNING_KEY",
            "WEBHOOK_HMAC_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "MEILI_MASTER_KEY",
            "LICENSE_KEY",
            "VAPID_PRIVATE_KEY",
            "KEY",
            "TOKEN",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "",
            "_",
            "2",
            "PWD",
            "OLDPWD",
            "PAT",
            "MONKEY",
            "KEYBOARD",
            "PASSENGER",
            "AUTHOR",
            "BYPASS",
            "OAUTH_PROVIDER",
            "AUTH_PROVIDER",
            "AUTH_URL",
            "KEYCLOAK_URL",
            "REACT_APP_API_KEY",
            "VUE_APP_FIREBASE_API_KEY",
            "GATSBY_ALGOLIA_SEARCH_KEY",
            "NUXT_PUBLIC_RECAPTCHA_SITE_KEY",
            "RECAPTCHA_SITE_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "VAPID_PUBLIC_KEY",
            "SSH_KEY_PUB",
            "GPG_KEYS",
            "PGP_KEY",
            "GPG_FINGERPRINT",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "USE_TOKEN",
            "REQUIRE_AUTH",
            "RABBITMQ_ROUTING_KEY",
            "CACHE_KEY_PREFIX",
            "REDIS_KEY_PREFIX",
            "AUTH_TOKEN_URL",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "JWT_SECRET_LENGTH",
            "JWT_KEY_ROTATION",
            "SECRET_NAME",
            "RANDOM_SEED",
            "SEED",
            "PASSWORD_HASH_ALGORITHM",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn words_split_on_separators_and_camel_case() {
        assert_eq!(
            words("globalSettings__hibpApiKey"),
            ["GLOBAL", "SETTINGS", "HIBP", "API", "KEY"]
        );
        assert_eq!(words("APIKey"), ["API", "KEY"]);
        assert_eq!(words("user2Password"), ["USER2", "PASSWORD"]);
        assert_eq!(words("TEST_USER2_PASSWORD"), ["TEST", "USER2", "PASSWORD"]);
        assert_eq!(words("a.b-c__D"), ["A", "B", "C", "D"]);
        assert!(words("_-.").is_empty());
    }

    #[test]
    fn patterns_add_names() {
        let policy = SecretPolicy {
            patterns: vec!["*_DSN".into(), "DBROOT".into()],
        };
        assert!(policy.is_secret("SENTRY_DSN"));
        assert!(policy.is_secret("dbroot"));
        assert!(policy.is_secret("POSTGRES_PASSWORD"));
        assert!(!policy.is_secret("DEBUG"));
        assert!(!SecretPolicy::default().is_secret("SENTRY_DSN"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("*_DSN", "SENTRY_DSN"));
        assert!(glob_match("sentry_*", "SENTRY_DSN"));
        assert!(!glob_match("*_DSN", "DSN_HOST"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn option_values_that_are_secrets_are_masked() {
        let r = Redactor::new();
        let masked = |t: &str| r.redact(t);
        for (text, want) in [
            (
                "redis-server --requirepass s3cr3t --appendonly yes",
                format!("redis-server --requirepass {MASK} --appendonly yes"),
            ),
            ("run --token=eyJabc", format!("run --token={MASK}")),
            (
                r#"["redis-cli", "-a", "s3cr3t", "ping"]"#,
                format!(r#"["redis-cli", "-a", "{MASK}", "ping"]"#),
            ),
            (
                "mysqladmin ping -uroot -ps3cr3t -P3306",
                format!("mysqladmin ping -uroot -p{MASK} -P3306"),
            ),
            (
                "command:\n  - --password\n  - s3cr3t\n",
                format!("command:\n  - --password\n  - {MASK}\n"),
            ),
            (
                r#"["app", "--password", "hunter2"]"#,
                format!(r#"["app", "--password", "{MASK}"]"#),
            ),
        ] {
            assert_eq!(masked(text), want, "{text}");
        }
        // Not a secret: a file, a reference, another option, a port, a
        // `-p` of another tool, a longer option word.
        for text in [
            "--password-file /run/secrets/db",
            "--requirepass ${REDIS_PASSWORD:?}",
            "--requirepass $REDIS_PASSWORD",
            "--token --verbose",
            "mysql -P3306 -h db",
            "docker run -p 8080:80 app",
            "redis-cli -h cache ping",
            "--passes 3",
            "--password\nenvironment:\n",
        ] {
            assert_eq!(masked(text), text, "{text}");
        }
    }

    #[test]
    fn option_values_after_an_equals_sign_and_only_in_the_client_command() {
        let r = Redactor::new();
        assert_eq!(
            r.redact("REDIS_ARGS=--requirepass s3cr3t --save 60"),
            format!("REDIS_ARGS=--requirepass {MASK} --save 60")
        );
        for text in [
            "mkdir -pv /var/lib/mysql",
            "cp -pr /etc/mysql /backup",
            "mysqladmin ping; mkdir -pv /x",
        ] {
            assert_eq!(r.redact(text), text);
        }
    }

    #[test]
    fn option_values_are_found_in_linear_time() {
        // A value that runs over the options after it is read once.
        let text = "(--token=a".repeat(100_000);
        assert_eq!(option_password_ranges(&text).len(), 1);
        let text = format!("mysql {}", "(-pa".repeat(100_000));
        assert_eq!(option_password_ranges(&text).len(), 1);
        // Every `-` starts an option; none is a value.
        let text = format!("mysql {}", "-p".repeat(200_000));
        assert!(option_password_ranges(&text).is_empty());
        let text = format!("mysql {}", "-pa ".repeat(200_000));
        assert_eq!(option_password_ranges(&text).len(), 200_000);
    }

    #[test]
    fn url_passwords_are_masked() {
        let r = Redactor::new();
        assert_eq!(
            r.redact("postgresql://u:p@ss@db:5432/x and redis://:pw@r:6379/0"),
            format!("postgresql://u:{MASK}@db:5432/x and redis://:{MASK}@r:6379/0")
        );
        assert_eq!(r.redact("http://db:80/x"), "http://db:80/x");
        assert_eq!(r.redact("http://user@db/x"), "http://user@db/x");
        assert_eq!(
            r.redact("http://db:8080/x?to=a@b.c"),
            "http://db:8080/x?to=a@b.c"
        );
        assert_eq!(
            r.redact("postgresql://u:${DB_PASSWORD}@db/x"),
            "postgresql://u:${DB_PASSWORD}@db/x"
        );
        // A default is a value.
        assert_eq!(
            r.redact("postgresql://u:${DB_PASSWORD:-pw}@db/x"),
            format!("postgresql://u:{MASK}@db/x")
        );
        assert_eq!(
            r.redact("postgresql://${U:-app}:${DB_PASSWORD:?}@db/x"),
            "postgresql://${U:-app}:${DB_PASSWORD:?}@db/x"
        );
        // Any character, unencoded, up to the last '@' of the value.
        assert_eq!(
            r.redact("\"amqp://u:a/b#c?d@e f@localhost:5672/\" x"),
            format!("\"amqp://u:{MASK}@localhost:5672/\" x")
        );
        // Connection-string parameters.
        assert_eq!(
            r.redact("jdbc:postgresql://db/x?user=u&password=s3cr3t&ssl=1"),
            format!("jdbc:postgresql://db/x?user=u&password={MASK}&ssl=1")
        );
        assert_eq!(
            r.redact("host=db PWD=s3cr3t;x"),
            format!("host=db PWD={MASK};x")
        );
        assert_eq!(r.redact("DB_PASSWORD=x"), "DB_PASSWORD=x");
    }

    #[test]
    fn redactor_keeps_offsets_in_place() {
        let r = Redactor::new();
        assert_eq!(r.redact_in_place("r://u:hunter2@h"), "r://u:*******@h");
        assert_eq!(Redactor::disabled().redact("r://u:p@h"), "r://u:p@h");
    }

    /// A secret written over lines is masked with its line breaks kept:
    /// the lines of a snippet stay where they are.
    #[test]
    fn masking_over_lines_keeps_the_line_breaks() {
        let mut r = Redactor::new();
        let text = "A: \"ab\r\n  cd\"\nB: x\n";
        let file = FileId(0);
        r.add_span(Span::new(file, TextRange::new(3, 13)));
        r.finish();
        let masked = r.redact_source(Some(file), text, 0);
        assert_eq!(masked, "A: ***\r\n*****\nB: x\n");
        assert_eq!(masked.len(), text.len());
    }

    /// A message masks the secret text written at its finding's spans, where
    /// it stands as a whole word, and nothing else.
    #[test]
    fn messages_mask_the_text_of_their_spans() {
        let mut sources = SourceMap::new();
        let file = sources.add(crate::source::SourceFile::new(
            std::path::PathBuf::from(".env"),
            ".env".into(),
            crate::source::FileKind::Dotenv,
            "DB_PASSWORD=local\nHOST=localhost\n".into(),
        ));
        let mut r = Redactor::new();
        r.add_span(Span::new(file, TextRange::new(12, 17)));
        let at = [Span::new(file, TextRange::new(0, 17))];
        assert_eq!(
            r.message(&sources, &at, "`local` at localhost"),
            format!("`{MASK}` at localhost")
        );
        // Another finding's message is not searched.
        let elsewhere = [Span::new(file, TextRange::new(18, 32))];
        assert_eq!(r.message(&sources, &elsewhere, "`local`"), "`local`");
    }

    /// Where the model knows a secret is written, it is masked there, whatever
    /// its length; the same word elsewhere in the file is not a secret.
    #[test]
    fn spans_mask_where_the_value_is_written() {
        let mut r = Redactor::new();
        let file = FileId(0);
        r.add_span(Span::new(file, TextRange::new(22, 26)));
        let text = "USER root\nDB_PASSWORD=root\n";
        assert_eq!(
            r.redact_source(Some(file), text, 0),
            "USER root\nDB_PASSWORD=****\n"
        );
        // A line shown alone, at its offset in the file.
        assert_eq!(
            r.redact_source(Some(file), "DB_PASSWORD=root", 10),
            "DB_PASSWORD=****"
        );
        assert_eq!(r.redact_source(Some(file), "USER root", 0), "USER root");
        // A range that ends inside a multi-byte character masks all of it.
        let mut r = Redactor::new();
        r.add_span(Span::new(file, TextRange::new(2, 4)));
        assert_eq!(r.redact_source(Some(file), "a=éé", 0), "a=**é");
        assert_eq!(r.redact_source(Some(file), "a=é", 0).len(), "a=é".len());
    }

    #[test]
    fn python_lines_with_a_secret_name_are_masked_by_line() {
        let text = "x = foo(1,\nSECRET_KEY: str = \"s3cr3t-value\"\nAPI_TOKEN = r'tok_live_1'\nDEBUG = \"1\"\nSECRET_KEY == \"no\"\n  ADMIN_PASSWORD='é-pw'  # c\n";
        let found: Vec<&str> = python_line_secrets(text, &SecretPolicy::default())
            .into_iter()
            .map(|r| &text[r.start..r.end])
            .collect();
        assert_eq!(found, ["s3cr3t-value", "tok_live_1", "é-pw"]);
    }

    /// Masking follows the name a field is read by, prefix included, and
    /// the constants of a module.
    #[test]
    fn python_defaults_under_a_prefix_and_constants_are_masked() {
        let dir = crate::rules::testing::write_project(&[
            ("compose.yaml", "services:\n  app:\n    build: .\n"),
            ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app/\n"),
            ("app/config.py", "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"GITHUB_\")\n    pat: str = \"ghp_abcdefghijklmnop\"\n\nsettings = Settings()\n"),
            ("app/settings.py", "import os\nSECRET_KEY = \"django-insecure-xyz\"\n"),
        ]);
        let ws = crate::model::workspace::load_workspace(
            &crate::fs::DiskFs,
            dir.path(),
            &crate::model::workspace::WorkspaceOptions {
                paths: vec![dir.path().to_path_buf()],
                ..Default::default()
            },
        );
        let r = redactor_for(&ws, &SecretPolicy::default());
        for (id, f) in ws.sources.iter() {
            let shown = r.redact_source(Some(id), &f.text, 0);
            assert!(!shown.contains("ghp_abcdefghijklmnop"), "{shown}");
            assert!(!shown.contains("django-insecure-xyz"), "{shown}");
        }
    }
}
