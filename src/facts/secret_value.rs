//! Values that hold no secret whatever their variable's name: a switch
//! that turns the feature off (`GOOGLE_API_KEY=no`), and the path of the
//! file that holds the secret (`BOLTZ_CLIENT_MACAROON=/root/.boltz/admin.macaroon`).

/// Words that say "none" or "off" rather than give a value.
const OFF_WORDS: &[&str] = &[
    "no",
    "none",
    "false",
    "off",
    "disabled",
    "disable",
    "null",
    "nil",
    "undefined",
    "unset",
    "n/a",
    "empty",
];

/// Whether `value` (as the program reads it) is no secret: an "off" word,
/// or an absolute or home-relative path to the file that holds one.
pub(crate) fn holds_no_secret(value: &str) -> bool {
    let v = value.trim();
    if OFF_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
        return true;
    }
    let path = (v.starts_with('/') || v.starts_with("~/")) && v.len() > 1;
    path && !v.contains(char::is_whitespace) && !v.contains("://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_words_and_paths() {
        for v in [
            "no",
            "None",
            "false",
            "/run/secrets/db_password",
            "/root/.boltz/macaroons/admin.macaroon",
            "~/.config/token",
        ] {
            assert!(holds_no_secret(v), "{v}");
        }
        for v in [
            "s3cr3t",
            "photoprism",
            "/",
            "changeme",
            "0",
            "/ not a path",
            "nope",
        ] {
            assert!(!holds_no_secret(v), "{v}");
        }
    }
}
