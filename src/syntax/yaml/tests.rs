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

/// Few nodes, many bytes: a scalar of 1 MB aliased 2,000 times would copy
/// 2 GB.
#[test]
fn alias_bytes_are_bounded() {
    let mut text = format!("x-big: &big \"{}\"\nx-copies:\n", "a".repeat(1_000_000));
    for _ in 0..2_000 {
        text.push_str("  - *big\n");
    }
    let doc = parse(&text);
    assert!(doc.root.is_none());
    let e = &doc.errors[0];
    assert!(e.limit && e.message.contains("16 MiB"), "{e:?}");
    // At the alias that went past: the 17th.
    let line = text[..e.range.start].matches('\n').count();
    assert_eq!(line, 2 + 16);
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
    assert_eq!(doc.later.len(), 1);
    assert!(doc.later[0].1.as_ref().unwrap().get("b").is_some());
    assert_eq!(doc.later[0].0, TextRange::new(5, 8));
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

/// The value of the first document as text (scalars as Compose reads them),
/// for comparing with what go-yaml decodes.
fn show(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(s) => match s.compose_string() {
            Some(v) => format!("{v:?}"),
            None => "null".into(),
        },
        NodeKind::Seq(items) => {
            let items: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
        NodeKind::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

fn parses_to(text: &str, want: &str) -> Node {
    let doc = parse(text);
    assert!(doc.errors.is_empty(), "{text:?}: {:?}", doc.errors);
    let root = doc.root.expect("a root");
    assert_eq!(show(&root), want, "{text:?}");
    root
}

/// go-yaml reads a flow collection whatever the indentation of its lines:
/// its closing bracket, items, commas and comments may sit at or left of the
/// parent key's indentation (saphyr says "invalid indentation").
#[test]
fn flow_sequence_closed_at_or_left_of_its_key() {
    for close in ["    ]", "   ]", "  ]", "]", "\t]", "    \t]"] {
        let text = format!(
            "services:\n  app:\n    image: x\n    command: [\n      \"a\",\n      \"b\"\n{close}\n"
        );
        parses_to(
            &text,
            r#"{"services": {"app": {"image": "x", "command": ["a", "b"]}}}"#,
        );
    }
}

#[test]
fn flow_mapping_closed_at_or_left_of_its_key() {
    for close in ["    }", "  }", "}"] {
        let text = format!("services:\n  app:\n    labels: {{\n      a: b,\n      c: d\n{close}\n");
        parses_to(
            &text,
            r#"{"services": {"app": {"labels": {"a": "b", "c": "d"}}}}"#,
        );
    }
}

#[test]
fn flow_items_commas_and_comments_left_of_the_key() {
    let cases = [
        ("a:\n  b: [\n\"x\",\n  y]\n", r#"{"a": {"b": ["x", "y"]}}"#),
        ("a:\n  b: [\nx,\n  y]\n", r#"{"a": {"b": ["x", "y"]}}"#),
        (
            "a:\n  b: [ \"x\"\n, \"y\" ]\n",
            r#"{"a": {"b": ["x", "y"]}}"#,
        ),
        (
            "a:\n  b: [ x,\n# note\n    y ]\n",
            r#"{"a": {"b": ["x", "y"]}}"#,
        ),
        (
            "a:\n  b: {\nk: v,\n  l: w}\n",
            r#"{"a": {"b": {"k": "v", "l": "w"}}}"#,
        ),
        ("a:\n  b: { k:\nv }\n", r#"{"a": {"b": {"k": "v"}}}"#),
        (
            "a:\n  b: [ {k: v,\nl: w} ]\n",
            r#"{"a": {"b": [{"k": "v", "l": "w"}]}}"#,
        ),
        ("a:\n  b: [ [x,\n y\n] ]\n", r#"{"a": {"b": [["x", "y"]]}}"#),
        ("a:\n  b: [\n&x y, *x]\n", r#"{"a": {"b": ["y", "y"]}}"#),
        ("a:\n  b: [\n!!str 1]\n", r#"{"a": {"b": ["1"]}}"#),
        ("x:\n  - [\n    a\n]\n  - b\n", r#"{"x": [["a"], "b"]}"#),
        ("a: [\n  b\n]\nc: d\n", r#"{"a": ["b"], "c": "d"}"#),
        ("a: [ # c\n]\n", r#"{"a": []}"#),
        ("a: [{\nb: c\n}]\n", r#"{"a": [{"b": "c"}]}"#),
        ("- {a: 1,\n}\n- b\n", r#"[{"a": "1"}, "b"]"#),
        ("a:\n  b: [\n\t\"x\"]\n", r#"{"a": {"b": ["x"]}}"#),
        (
            "a:\r\n  b: [\r\n    x\r\n  ]\r\n  c: d\r\n",
            r#"{"a": {"b": ["x"], "c": "d"}}"#,
        ),
    ];
    for (text, want) in cases {
        parses_to(text, want);
    }
}

/// go-yaml folds a quoted scalar's lines whatever their indentation, in a
/// flow collection or in a block.
#[test]
fn quoted_scalars_spanning_lines_left_of_the_key() {
    let cases = [
        ("a:\n  b: [ \"x\ny\" ]\n", r#"{"a": {"b": ["x y"]}}"#),
        ("a:\n  b: [ 'x\n  y' ]\n", r#"{"a": {"b": ["x y"]}}"#),
        (
            "a:\n  b: \"x\ny\"\n  c: d\n",
            r#"{"a": {"b": "x y", "c": "d"}}"#,
        ),
        ("a:\n  b: 'x\n\n y'\n", r#"{"a": {"b": "x\ny"}}"#),
        ("a: 'x\ny'\n", r#"{"a": "x y"}"#),
        ("a:\n  b: [ \"x\\\ny\" ]\n", r#"{"a": {"b": ["xy"]}}"#),
        ("a:\n  b: [ x\ny ]\n", r#"{"a": {"b": ["x y"]}}"#),
    ];
    for (text, want) in cases {
        parses_to(text, want);
    }
}

/// The re-indented lines change no range: every node after them still
/// points at its own bytes of the original text.
#[test]
fn ranges_after_a_bracket_left_of_its_key_are_exact() {
    let text = "services:\n  app:\n    command: [\n      \"a\",\n  \"é\"\n]\n    image: \"x:1\"\n  db:\n    labels: {\nk: v }\n    image: y\n";
    let root = parses_to(
        text,
        r#"{"services": {"app": {"command": ["a", "é"], "image": "x:1"}, "db": {"labels": {"k": "v"}, "image": "y"}}}"#,
    );
    let app = root.get("services").unwrap().get("app").unwrap();
    let command = app.get("command").unwrap();
    assert_eq!(slice(text, command.range), "[\n      \"a\",\n  \"é\"\n]");
    let items = command.as_seq().unwrap();
    assert_eq!(slice(text, items[0].range), "\"a\"");
    assert_eq!(slice(text, items[1].range), "\"é\"");
    assert_eq!(
        items[1].as_scalar().unwrap().value_start,
        Some(items[1].range.start + 1)
    );
    let image = app.get("image").unwrap();
    assert_eq!(slice(text, image.range), "\"x:1\"");
    assert_eq!(
        image.as_scalar().unwrap().value_start,
        Some(image.range.start + 1)
    );
    let (key, _) = &app.as_map().unwrap()[1];
    assert_eq!(slice(text, key.range), "image");
    let db = root.get("services").unwrap().get("db").unwrap();
    let labels = db.get("labels").unwrap();
    assert_eq!(slice(text, labels.range), "{\nk: v }");
    let (k, v) = &labels.as_map().unwrap()[0];
    assert_eq!((slice(text, k.range), slice(text, v.range)), ("k", "v"));
    assert_eq!(slice(text, db.get("image").unwrap().range), "y");
    // A quoted scalar whose lines are re-indented keeps its own range too.
    let text = "a:\n  b: \"x\ny\"\n  c: d\n";
    let root = parses_to(text, r#"{"a": {"b": "x y", "c": "d"}}"#);
    let a = root.get("a").unwrap();
    assert_eq!(slice(text, a.get("b").unwrap().range), "\"x\ny\"");
    assert_eq!(slice(text, a.get("c").unwrap().range), "d");
}

/// What go-yaml rejects stays rejected, with the error where saphyr put it
/// in the text as written.
#[test]
fn flow_collections_go_yaml_rejects_stay_errors() {
    for text in [
        // A document marker ends the document, even inside a flow collection.
        "a: [\n---\n]\n",
        "a: [\n...\n]\n",
        "a: \"x\n---\ny\"\n",
        // Block content inside a flow collection.
        "a: [\n- b]\n",
        // Unterminated.
        "a: [\n  b\n",
        "a:\n  b: [\n  c\nd: e\n",
        // A flow collection that ends before block content on its line.
        "a: [\n  b\n], c: d\n",
        // A block line that is not in a flow collection.
        "a:\n  b: [c,\n d]\n e: f\n",
        "a:\n  b: x\n c: y\n",
    ] {
        let doc = parse(text);
        assert!(doc.root.is_none(), "{text:?} parsed");
        assert!(!doc.errors.is_empty(), "{text:?}");
    }
    // A file still wrong once re-indented: its error is the one further on,
    // where go-yaml stops too, not the indentation go-yaml does not mind.
    let text = "a:\n  b: [\n  c\n]\nd: [\n---\n]\n";
    let doc = parse(text);
    assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
    assert_eq!(
        doc.errors[0].message,
        "invalid YAML: while parsing a node, did not find expected node content"
    );
    assert_eq!(slice(text, doc.errors[0].range), "-");
    assert_eq!(doc.errors[0].range.start, 21);
    // A line that is not in a flow collection once re-indented: the error
    // of the text as written.
    let text = "a:\n  b: x\n c: [\nd]\n";
    let doc = parse(text);
    assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
    assert_eq!(slice(text, doc.errors[0].range), "c");
}

/// go-yaml takes a key in a flow collection for a key only when its `:` is
/// on the line where the key starts, within 1024 characters; saphyr takes
/// any. With the lines of flow collections re-indented, that would be read
/// at any indentation: both are errors, at the `:`.
#[test]
fn flow_keys_whose_colon_is_on_a_later_line_are_errors() {
    let long = "a".repeat(1030);
    for text in [
        "x: {a\n : b}\n".to_string(),
        "x: {\"a\"\n : b}\n".into(),
        "x: {\"a\n b\": c}\n".into(),
        "x: {a\n b: c}\n".into(),
        "x: {a: b,\n c\n : d}\n".into(),
        "x: {\"a\" # c\n : b}\n".into(),
        "x: [{a\n : b}]\n".into(),
        "x: {[a,\n b]: c}\n".into(),
        "x: {a: {b\n : c}}\n".into(),
        "x: {a: b?, c\n : d}\n".into(),
        "x:\n  y: {\n\"a\"\n: b }\n".into(),
        format!("x: {{{long}: b}}\n"),
    ] {
        let doc = parse(&text);
        assert!(doc.root.is_none(), "{text:?} parsed");
        assert_eq!(doc.errors.len(), 1, "{text:?}");
        assert_eq!(slice(&text, doc.errors[0].range), ":", "{text:?}");
    }
    let long = "a".repeat(1010);
    for (text, want) in [
        (
            "x: {? a\n : b}\n".to_string(),
            r#"{"x": {"a": "b"}}"#.to_string(),
        ),
        ("x: {?\n a\n : b}\n".into(), r#"{"x": {"a": "b"}}"#.into()),
        ("x: {a:\n b}\n".into(), r#"{"x": {"a": "b"}}"#.into()),
        (
            "x: {a: b, c, d: e}\n".into(),
            r#"{"x": {"a": "b", "c": null, "d": "e"}}"#.into(),
        ),
        ("x: {a : b}\n".into(), r#"{"x": {"a": "b"}}"#.into()),
        (
            "y: &y k\nx: {*y : b}\n".into(),
            r#"{"y": "k", "x": {"k": "b"}}"#.into(),
        ),
        ("x: {\"a\":\n b}\n".into(), r#"{"x": {"a": "b"}}"#.into()),
        (
            "x: [a: b,\n c: d]\n".into(),
            r#"{"x": [{"a": "b"}, {"c": "d"}]}"#.into(),
        ),
        (
            format!("x: {{{long}: b}}\n"),
            format!(r#"{{"x": {{"{long}": "b"}}}}"#),
        ),
    ] {
        parses_to(&text, &want);
    }
}

/// A quoted scalar, or one tagged `!!str`, is a string whatever it looks
/// like: go-yaml gives Compose `"0123"` as 0123, not the octal 83.
#[test]
fn quoted_numbers_stay_as_written() {
    parses_to(
        "a: \"0123\"\nb: '0777'\nc: \"0000000000000000000000000000000000000000\"\nd: !!str 0123\ne: \"18446744073709551615\"\nf: '1_000'\ng: \"0x1F\"\n",
        r#"{"a": "0123", "b": "0777", "c": "0000000000000000000000000000000000000000", "d": "0123", "e": "18446744073709551615", "f": "1_000", "g": "0x1F"}"#,
    );
    parses_to(
        "a: 0123\nb: 18446744073709551615\nc: 0000000000000000000000000000000000000000\n",
        r#"{"a": "83", "b": "18446744073709551615", "c": "0"}"#,
    );
    assert_eq!(
        resolve_plain("18446744073709551615"),
        Resolved::Uint(u64::MAX)
    );
}

/// A block scalar at the end of a file without a final line break: go-yaml
/// adds no line break after its last line (saphyr does), and a last line of
/// blanks is no line at all.
#[test]
fn block_scalar_at_the_end_without_a_line_break() {
    for (text, want) in [
        ("a: |\n  x", "x"),
        ("a: |+\n  x", "x"),
        ("a: |-\n  x", "x"),
        ("a: >\n  x\n  y", "x y"),
        ("a: |\n  x\n  ", "x\n"),
        ("a: |\n  x\n\n  ", "x\n"),
        ("a: |+\n  x\n\n", "x\n\n"),
        ("a: |\n  x\n ", "x\n"),
        ("a: |+\n  x\n  ", "x\n"),
        ("a: |+\n  x\n\n  ", "x\n\n"),
        ("a: |\n  x  ", "x  "),
        ("a: |\n  x\n    ", "x\n  "),
        ("a: |\n\n  x", "\nx"),
        ("a: |\n  \n  x\n   ", "\nx\n "),
        ("a: >+\n  x\n\n  y", "x\ny"),
        ("a: | # note\n  x", "x"),
        ("a: |\r\n  x\r\n  ", "x\n"),
        ("a: |\n  x\n# c", "x\n"),
        ("a: |\n  x\n  # c", "x\n# c"),
        ("a: |\n", ""),
        ("a: |", ""),
        ("a: |+\n\n  ", "\n"),
        ("a: |4\n    x\n  ", "x\n"),
    ] {
        let root = parses_to(text, &format!("{{\"a\": {want:?}}}"));
        let a = root.get("a").unwrap();
        assert!(text[a.range.start..a.range.end].trim_end() == &text[a.range.start..a.range.end]);
    }
    parses_to("k:\n- |\n  x\n  ", r#"{"k": ["x\n"]}"#);
    parses_to("b:\n  a: |\n    x", r#"{"b": {"a": "x"}}"#);
    parses_to("a: |\n  x\nb: c", r#"{"a": "x\n", "b": "c"}"#);
}

/// go-yaml takes tabs alone between a `:` and its value; saphyr wants a
/// space before a value that starts with a letter, a digit, `_` or `-`.
#[test]
fn tabs_alone_after_a_colon() {
    let text = "services:\n  app:\n    image:\tnginx\n    environment:\n      A:\t\t1\n      B:\t'2'\n      C:\t-x\n      D: {e:\tf}\n";
    let root = parses_to(
        text,
        r#"{"services": {"app": {"image": "nginx", "environment": {"A": "1", "B": "2", "C": "-x", "D": {"e": "f"}}}}}"#,
    );
    let app = root.get("services").unwrap().get("app").unwrap();
    assert_eq!(slice(text, app.get("image").unwrap().range), "nginx");
    let env = app.get("environment").unwrap();
    assert_eq!(slice(text, env.get("A").unwrap().range), "1");
    assert_eq!(slice(text, env.get("C").unwrap().range), "-x");
    parses_to("a:\tb\tc\n", r#"{"a": "b\tc"}"#);
    parses_to("- a:\t1\n  b:\t_x\n", r#"[{"a": "1", "b": "_x"}]"#);
    // With a flow collection left of its key too.
    parses_to(
        "a:\n  b:\tc\n  d: [\ne]\n",
        r#"{"a": {"b": "c", "d": ["e"]}}"#,
    );
    // What go-yaml rejects with tabs it rejects with spaces too.
    for text in ["a:\t-\tb\n", "a:\t- b\n"] {
        assert!(parse(text).root.is_none(), "{text:?}");
    }
}

/// saphyr ends a flow collection with a trailing comma at the comma; its
/// range goes to its closing bracket.
#[test]
fn flow_collection_with_a_trailing_comma_ends_at_its_bracket() {
    for (text, want) in [
        ("a: {b: 1,}\n", "{b: 1,}"),
        ("a: {b: 1, }\n", "{b: 1, }"),
        ("a: [1,]\n", "[1,]"),
        ("a: [1, # c\n  ]\n", "[1, # c\n  ]"),
        (
            "x:\n  a: {\n    c: 1,\n  d: 2,\n}\n",
            "{\n    c: 1,\n  d: 2,\n}",
        ),
    ] {
        let doc = parse(text);
        assert!(doc.errors.is_empty(), "{text:?}: {:?}", doc.errors);
        let root = doc.root.unwrap();
        let node = root.get("x").unwrap_or(&root).get("a").unwrap();
        assert_eq!(slice(text, node.range), want, "{text:?}");
    }
}

/// Numbers as Compose prints them (Go's `%v`, checked against Compose
/// v2.40): exponent form from 1e+06 and below 1e-04, integers past 64 bits
/// as floats, a float out of range stays the string written.
#[test]
fn numbers_print_as_go_prints_them() {
    parses_to(
        "a: 1234567.0\nb: 100000000000000000000\nc: 1e400\nd: 1e3\ne: 1E6\nf: 0.000001\ng: 0.0001\nh: 123456.5\ni: -9223372036854775809\nj: 2.5e-5\nk: -0.0\nl: 1.0\n",
        r#"{"a": "1.234567e+06", "b": "1e+20", "c": "1e400", "d": "1000", "e": "1e+06", "f": "1e-06", "g": "0.0001", "h": "123456.5", "i": "-9.223372036854776e+18", "j": "2.5e-05", "k": "-0", "l": "1"}"#,
    );
}

/// `!!binary` is decoded (line breaks ignored); invalid base64 is an error
/// at the scalar, as go-yaml refuses it.
#[test]
fn binary_scalars_are_decoded() {
    parses_to(
        "a: !!binary aGVsbG8=\nb: !!binary |\n  aGVs\n  bG8gd29y\n  bGQ=\nc: !!binary \"aGk=\"\n",
        r#"{"a": "hello", "b": "hello world", "c": "hi"}"#,
    );
    let doc = parse("a: !!binary aGk\n");
    assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
    assert_eq!(doc.errors[0].range, TextRange::new(3, 15));
}

#[test]
fn every_document_is_read() {
    // A comment before the first `---` starts no document.
    let doc = parse("# c\n---\na: 1\n");
    assert!(doc.root.unwrap().get("a").is_some());
    assert!(doc.later.is_empty());
    // `...` ends a document; the next `---` starts one.
    let doc = parse("---\na: 1\n...\n---\nb: 2\n...\n");
    assert_eq!(doc.later.len(), 1);
    // An empty document at the end is there, null.
    let doc = parse("a: 1\n---\n");
    assert_eq!(doc.later.len(), 1);
    assert!(doc.later[0].1.as_ref().is_none_or(Node::is_null));
    // Anchors carry over, as go-yaml's decoder keeps them.
    let doc = parse("a: &x 1\n---\nb: *x\n");
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        doc.later[0].1.as_ref().unwrap().get("b").unwrap().as_str(),
        Some("1")
    );
    // An error in a later document refuses the whole file, as Compose does.
    let doc = parse("a: 1\n---\nb: [\n");
    assert!(!doc.errors.is_empty());
    assert!(doc.root.is_none() && doc.later.is_empty());
}

#[test]
fn aliases_are_bounded_across_documents() {
    // Each document under the limit, the file over it.
    let mut text = String::from("a: &a [");
    text.push_str(&"x,".repeat(1_000));
    text.push_str("x]\n");
    for _ in 0..150 {
        text.push_str("---\nb: *a\n");
    }
    let doc = parse(&text);
    assert!(
        doc.errors.iter().any(|e| e.message.contains("alias bomb")),
        "{:?}",
        doc.errors
    );
}
