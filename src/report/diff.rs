//! `check --diff`: what the fixes change, as a unified diff `patch` and
//! `git apply` read (`a/` and `b/` paths, three lines of context). Line
//! endings are kept (a CRLF file's lines end in CR LF in the diff too);
//! other control characters from files are escaped, as in every output.

use similar::TextDiff;

/// The diff of one file, `before` (`None`: the fix creates it) to `after`,
/// each as (text, the same text masked line for line); escaped. Which
/// lines changed comes from the texts themselves, what is shown from the
/// masked ones: a change inside a masked secret (its quotes removed) is
/// still a changed line.
pub fn unified(display: &str, before: Option<(&str, &str)>, after: (&str, &str)) -> String {
    let path = display.replace('\\', "/");
    let old_name = match before {
        Some(_) => format!("a/{path}"),
        None => "/dev/null".to_string(),
    };
    let (old, old_masked) = before.unwrap_or(("", ""));
    let (new, new_masked) = after;
    let lines = |t: &str| -> Vec<String> { t.split_inclusive('\n').map(str::to_string).collect() };
    let (old_shown, new_shown) = (lines(old_masked), lines(new_masked));
    let diff = TextDiff::from_lines(old, new);
    let mut text = String::new();
    for group in diff.grouped_ops(3) {
        if text.is_empty() {
            text.push_str(&format!("--- {old_name}\n+++ b/{path}\n"));
        }
        text.push_str(&format!(
            "{}\n",
            similar::udiff::UnifiedHunkHeader::new(&group)
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let (sign, line) = match change.tag() {
                    similar::ChangeTag::Delete => {
                        ('-', change.old_index().and_then(|i| old_shown.get(i)))
                    }
                    similar::ChangeTag::Insert => {
                        ('+', change.new_index().and_then(|i| new_shown.get(i)))
                    }
                    similar::ChangeTag::Equal => {
                        (' ', change.new_index().and_then(|i| new_shown.get(i)))
                    }
                };
                let line = line.map(String::as_str).unwrap_or("");
                text.push(sign);
                text.push_str(line);
                if !line.ends_with('\n') {
                    text.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
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
        let (before, after) = ("A=\"x\"\r\nB=1\r\n", "A=x\r\nB=1\r\n");
        let d = unified(".env", Some((before, before)), (after, after));
        assert_eq!(
            d,
            "--- a/.env\n+++ b/.env\n@@ -1,2 +1,2 @@\n-A=\"x\"\r\n+A=x\r\n B=1\r\n"
        );
        let d = unified(
            ".env",
            Some(("A=\u{1b}[2J\n", "A=\u{1b}[2J\n")),
            ("A=\n", "A=\n"),
        );
        assert!(!d.contains('\u{1b}'), "{d:?}");
    }

    /// A change inside a masked value (its quotes removed) is a changed
    /// line, though both sides show the same mask.
    #[test]
    fn a_change_under_a_mask_is_shown() {
        let mask = crate::model::secrets::MASK;
        let before = "K=\"hunter2\"\n";
        let after = "K=hunter2\n";
        let d = unified(
            ".env",
            Some((before, &format!("K={mask}\n"))),
            (after, &format!("K={mask}\n")),
        );
        assert_eq!(
            d,
            format!("--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n-K={mask}\n+K={mask}\n")
        );
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
        let d = unified("app/.dockerignore", None, (".env\n", ".env\n"));
        assert_eq!(
            d,
            "--- /dev/null\n+++ b/app/.dockerignore\n@@ -0,0 +1 @@\n+.env\n"
        );
    }
}
