use super::*;

fn slice(text: &str, r: TextRange) -> &str {
    &text[r.start..r.end]
}

#[test]
fn ranges_of_keys_and_values() {
    let text = "services:\n  app:\n    image: \"py:3\"\n    environment:\n      B: 'x'\n";
    let doc = parse(text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let root = doc.root.unwrap();
    let app = root.get("services").unwrap().get("app").unwrap();
    let image = app.get("image").unwrap();
    assert_eq!(slice(text, image.range), "\"py:3\"");
    let s = image.as_scalar().unwrap();
    assert_eq!(s.value_start, Some(image.range.start + 1));
    assert_eq!(s.style, ScalarStyle::DoubleQuoted);
    let (k, _) = &app.as_map().unwrap()[0];
    assert_eq!(slice(text, k.range), "image");
}

#[test]
fn non_ascii_offsets_are_bytes() {
    let text = "é: ü\nk: \"vé\"\n";
    let doc = parse(text);
    let root = doc.root.unwrap();
    let v = root.get("k").unwrap();
    assert_eq!(slice(text, v.range), "\"vé\"");
}

#[test]
fn core_schema_like_go_yaml() {
    let cases = [
        ("True", Some("true")),
        ("1.0", Some("1")),
        ("0x1F", Some("31")),
        ("1e3", Some("1000")),
        ("010", Some("8")),
        (".5", Some("0.5")),
        ("~", None),
        ("yes", Some("yes")),
        ("0o17", Some("15")),
        ("+5", Some("5")),
        ("1_000", Some("1000")),
        (".inf", Some("+Inf")),
        ("FALSE", Some("false")),
        ("12345678901234567890", Some("12345678901234567890")),
        ("-0", Some("0")),
        ("1.50", Some("1.5")),
        ("1e21", Some("1e+21")),
        ("08", Some("8")),
        ("0b101", Some("5")),
        ("1e-7", Some("1e-07")),
        ("123456789012345678901234", Some("1.2345678901234569e+23")),
        ("0.1e3", Some("100")),
        ("-.5", Some("-0.5")),
        ("1.2.3", Some("1.2.3")),
    ];
    for (input, want) in cases {
        let doc = parse(&format!("k: {input}\n"));
        let s = doc
            .root
            .unwrap()
            .get("k")
            .unwrap()
            .as_scalar()
            .unwrap()
            .clone();
        assert_eq!(s.compose_string().as_deref(), want, "{input}");
    }
    assert_eq!(resolve_plain("2001-12-14"), Resolved::Timestamp);
    assert_eq!(
        resolve_plain("2001-12-14T21:59:43.10-05:00"),
        Resolved::Timestamp
    );
    assert_eq!(resolve_plain("2001-12"), Resolved::Str);
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "x: &base\n  a: 1\n  b: 2\ny:\n  <<: *base\n  b: 3\nz: *base\n";
    let doc = parse(text);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let root = doc.root.unwrap();
    let y = root.get("y").unwrap();
    assert_eq!(y.get("a").unwrap().as_str(), Some("1"));
    assert_eq!(y.get("b").unwrap().as_str(), Some("3"));
    assert_eq!(root.get("z").unwrap().get("b").unwrap().as_str(), Some("2"));
    // A merged value keeps the range where it is written.
    assert_eq!(slice(text, y.get("a").unwrap().range), "1");
    // A list of merges: the first one wins.
    let doc = parse("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n");
    let c = doc.root.unwrap().get("c").unwrap().clone();
    assert_eq!(c.get("k").unwrap().as_str(), Some("1"));
    assert_eq!(c.get("j").unwrap().as_str(), Some("3"));
}

#[test]
fn errors_have_locations() {
    let doc = parse("a: [1, 2\nb: c\n");
    assert!(doc.root.is_none());
    assert_eq!(doc.errors.len(), 1);
    let doc = parse("a: 1\na: 2\n");
    assert!(doc.errors[0].message.contains("already defined at line 1"));
    assert_eq!(doc.errors[0].range, TextRange::new(5, 6));
    let doc = parse("a: *nope\n");
    assert!(!doc.errors.is_empty());
    let doc = parse("a:\n  <<: 3\n");
    assert!(doc.errors[0].message.contains("merge key"));
}

#[test]
fn alias_bomb_is_bounded() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
    }
    let doc = parse(&text);
    assert!(doc.root.is_none());
    assert!(
        doc.errors[0].message.contains("alias bomb"),
        "{:?}",
        doc.errors
    );
}

#[test]
fn deep_nesting_is_bounded() {
    let text = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let doc = parse(&text);
    assert!(doc.root.is_none());
    assert!(!doc.errors.is_empty());
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&" ".repeat(i * 2));
        text.push_str("k:\n");
    }
    let doc = parse(&text);
    assert!(!doc.errors.is_empty());
}

#[test]
fn empty_and_odd_documents() {
    assert!(parse("").root.is_none());
    assert!(parse("# only a comment\n").root.is_none());
    let doc = parse("a: 1\n---\nb: 2\n");
    assert!(doc.root.unwrap().get("a").is_some());
    for text in [
        "\t",
        "- - -",
        "? a\n: b",
        "&a a: *a",
        "!!str 1",
        "{",
        "'",
        "a: |\n  x\n y",
    ] {
        let _ = parse(text);
    }
}
