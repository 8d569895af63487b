//! Each expectation was checked against `docker-compose config` v2.40.3.

use super::*;
use crate::model::interpolate::resolve_dotenv;

fn values(text: &str) -> Result<Vec<(String, String)>, String> {
    let f = parse(text);
    if let Some(e) = f.errors.first() {
        return Err(e.message.clone());
    }
    let mut lookup = |n: &str| (n == "SH").then(|| "shell".to_string());
    let r = resolve_dotenv(&f, &mut lookup).map_err(|e| e.message)?;
    Ok(r.into_iter().map(|e| (e.key, e.value)).collect())
}

fn one(text: &str) -> String {
    let v = values(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(v.len(), 1, "{text:?}: {v:?}");
    v[0].1.clone()
}

#[test]
fn values_like_compose() {
    let cases = [
        ("KEY = v\n", "v"),
        ("KEY=a b c  \n", "a b c"),
        ("KEY=v # c\n", "v"),
        ("KEY=v#c\n", "v#c"),
        ("KEY= lead\n", "lead"),
        ("export KEY=v\n", "v"),
        ("export  KEY=v", "v"),
        ("KEY=\"x\\ny\\tz\\\"q\\\\w\\$v\"", "x\ny\tz\"q\\w$v"),
        ("KEY='x\\'y'", "x'y"),
        ("KEY='a b' # c", "a b"),
        ("KEY:b", "b"),
        ("KEY=$1", "$1"),
        ("KEY=x$", "x$"),
        ("KEY=\"line1\nline2\"", "line1\nline2"),
        ("KEY=a #b", "a"),
        ("KEY= ", ""),
        ("KEY=é", "é"),
        ("KEY=\"${SH}\"", "shell"),
        ("KEY='${SH}'", "${SH}"),
        ("KEY=`x`", "`x`"),
        ("KEY=\\x", "\\x"),
        ("KEY=\"a\\\\\"", "a\\"),
        ("KEY=\"\\a\\b\\c\"", "\u{7}\u{8}\\c"),
        ("KEY=\"x\" # c\n", "x"),
        ("KEY=\"\\0123\"", "S"),
        ("KEY=\"\\012\"", "\\12"),
        ("KEY=\"\\0\"", "\\"),
        ("  KEY = b c  \n", "b c"),
        ("\u{feff}KEY=1\n", "1"),
        ("KEY=1\r\n", "1"),
        ("KEY=1\t#c", "1\t#c"),
    ];
    for (text, want) in cases {
        assert_eq!(one(text), want, "{text:?}");
    }
}

#[test]
fn keys_like_compose() {
    let v = values("exportA=1\nA-B=1\nA[0]=1\nA.B=1\n").unwrap();
    let keys: Vec<_> = v.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["exportA", "A-B", "A[0]", "A.B"]);
    // A bare key takes the lookup's value, or is left out.
    assert_eq!(
        values("SH\nNOPE\n").unwrap(),
        [("SH".into(), "shell".into())]
    );
    // Text after a closing quote starts another statement.
    let f = parse("A=\"a\" trailing\n");
    assert_eq!(f.entries.len(), 2);
    assert_eq!(f.warnings.len(), 1);
    // A last line without `=` is an empty key.
    assert_eq!(values("SH").unwrap(), [(String::new(), "SH".into())]);
}

#[test]
fn errors_like_compose() {
    for (text, msg) in [
        ("A B=1", "key cannot contain a space"),
        ("A=${1}", "invalid interpolation format"),
        ("A=\"unterminated", "unterminated quoted value"),
        ("A='un", "unterminated quoted value"),
        ("A='a\\'", "unterminated quoted value"),
        ("A=\"x\"y\"", "unexpected character"),
        ("A#=1", "unexpected character"),
    ] {
        let e = values(text).unwrap_err();
        assert!(e.contains(msg), "{text:?}: {e}");
    }
    assert_eq!(
        values("A=${U:?boom}").unwrap_err(),
        "required variable U is missing a value: boom"
    );
}

#[test]
fn lookup_before_earlier_entries() {
    // The lookup wins over the file's own earlier line (Compose).
    assert_eq!(
        values("SH=fromfile\nB=${SH}\n").unwrap()[1].1,
        "shell".to_string()
    );
    assert_eq!(values("A=1\nB=$A\n").unwrap()[1].1, "1");
    assert_eq!(
        values("A=${SH:-d}\nexport SH=fromfile\n").unwrap()[0].1,
        "shell"
    );
}

#[test]
fn exact_ranges() {
    let text = "# c\nexport KEY=\"va\\nl\" # x\nB='q'\nC=${SH:-d} z\n";
    let f = parse(text);
    assert!(f.errors.is_empty());
    let e = &f.entries[0];
    assert_eq!(&text[e.key_range.start..e.key_range.end], "KEY");
    assert_eq!(
        &text[e.export_range.unwrap().start..e.export_range.unwrap().end],
        "export"
    );
    let DotenvValue::Assigned(a) = &e.value else {
        panic!()
    };
    assert_eq!(&text[a.raw_range.start..a.raw_range.end], "\"va\\nl\"");
    assert_eq!(&text[a.content_range.start..a.content_range.end], "va\\nl");
    assert_eq!(&text[e.range.start..e.range.end], "export KEY=\"va\\nl\"");
    let DotenvValue::Assigned(c) = &f.entries[2].value else {
        panic!()
    };
    assert_eq!(&text[c.raw_range.start..c.raw_range.end], "${SH:-d} z");
    let ValueText::Template(t) = &c.text else {
        panic!()
    };
    let v = t.variables()[0];
    assert_eq!(&text[v.range.start..v.range.end], "${SH:-d}");
    // Inside a double-quoted value with escapes, ranges still point at the source.
    let text = "A=\"\\t${SH}x\"";
    let f = parse(text);
    let DotenvValue::Assigned(a) = &f.entries[0].value else {
        panic!()
    };
    let ValueText::Template(t) = &a.text else {
        panic!()
    };
    let v = t.variables()[0];
    assert_eq!(&text[v.range.start..v.range.end], "${SH}");
}

#[test]
fn error_ranges() {
    let text = "OK=1\nA=\"open\nB=2\n";
    let f = parse(text);
    assert_eq!(f.entries.len(), 1);
    let e = &f.errors[0];
    assert_eq!(&text[e.range.start..e.range.end], "\"open");
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "=",
        "=x",
        "\"",
        "'",
        "export",
        "export ",
        "A=\\",
        "A=\"\\",
        "A=\"\\0",
        "\u{feff}",
        "A=\"é\\0\"",
        "\n\n#",
        "A=${",
        "A:\"",
        "é=ü",
        "A=\"\\0777\"",
    ] {
        let _ = values(text);
    }
}

#[test]
fn names_in_comments_and_values() {
    let text = "# SMTP_HOST=mail\n#TAG is set by CI, see docs\nURL=http://${HOST}:$PORT/\nKEY='$LITERAL'\nA=1 # INLINE\n";
    let names = comment_names(text);
    for n in ["SMTP_HOST", "TAG", "CI", "docs"] {
        assert!(names.contains(n), "{n}: {names:?}");
    }
    assert!(!names.contains("INLINE"));
    let f = parse(text);
    let v: Vec<&str> = f.interpolated().collect();
    assert_eq!(v, ["HOST", "PORT"]);
}
