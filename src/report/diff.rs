//! `check --diff`: what the fixes change, as a unified diff `patch` and
//! `git apply` read (`a/` and `b/` paths, three lines of context). Line
//! endings are kept (a CRLF file's lines end in CR LF in the diff too);
//! other control characters from files are escaped, as in every output.

use similar::TextDiff;

/// The diff of one file, `before` (`None`: the fix creates it) to `after`,
/// both masked already; escaped.
pub fn unified(display: &str, before: Option<&str>, after: &str) -> String {
    let path = display.replace('\\', "/");
    let old_name = match before {
        Some(_) => format!("a/{path}"),
        None => "/dev/null".to_string(),
    };
    let diff = TextDiff::from_lines(before.unwrap_or(""), after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{path}"))
        .to_string();
    escape_keeping_line_ends(&text)
}

/// `masked` (a text the redactor masked byte for byte) with each masked
/// run written as one [`crate::model::secrets::MASK`]: a diff shows the
/// same mask for a secret of any length, so the secret's length is not
/// told either.
pub fn collapse_masks(original: &str, masked: &str) -> String {
    if original.len() != masked.len() || original == masked {
        return masked.to_string();
    }
    let (o, m) = (original.as_bytes(), masked.as_bytes());
    let mut out = String::with_capacity(masked.len());
    let mut i = 0;
    while i < m.len() {
        if o[i] == m[i] {
            let start = i;
            while i < m.len() && o[i] == m[i] {
                i += 1;
            }
            out.push_str(&masked[start..i]);
        } else {
            while i < m.len() && o[i] != m[i] {
                i += 1;
            }
            // A run ends on a character boundary of both texts (each
            // masked character is all stars).
            while i < m.len() && !masked.is_char_boundary(i) {
                i += 1;
            }
            out.push_str(crate::model::secrets::MASK);
        }
    }
    out
}

/// [`super::escape::output`], with a CR kept where it ends a line.
fn escape_keeping_line_ends(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (body, cr) = match line.strip_suffix('\r') {
            Some(b) => (b, "\r"),
            None => (line, ""),
        };
        out.push_str(&super::escape::text(body));
        out.push_str(cr);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_keeps_crlf_and_escapes_the_rest() {
        let d = unified(".env", Some("A=\"x\"\r\nB=1\r\n"), "A=x\r\nB=1\r\n");
        assert_eq!(
            d,
            "--- a/.env\n+++ b/.env\n@@ -1,2 +1,2 @@\n-A=\"x\"\r\n+A=x\r\n B=1\r\n"
        );
        let d = unified(".env", Some("A=\u{1b}[2J\n"), "A=\n");
        assert!(!d.contains('\u{1b}'), "{d:?}");
    }

    #[test]
    fn masks_have_one_length() {
        let masked = collapse_masks("K=secret1\nL=ab\n", "K=*******\nL=**\n");
        let mask = crate::model::secrets::MASK;
        assert_eq!(masked, format!("K={mask}\nL={mask}\n"));
        assert_eq!(collapse_masks("K=é\n", "K=**\n"), format!("K={mask}\n"));
    }

    #[test]
    fn a_new_file_comes_from_dev_null() {
        let d = unified("app/.dockerignore", None, ".env\n");
        assert_eq!(
            d,
            "--- /dev/null\n+++ b/app/.dockerignore\n@@ -0,0 +1 @@\n+.env\n"
        );
    }
}
