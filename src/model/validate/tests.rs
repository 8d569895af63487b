use super::*;
use crate::syntax::yaml;
use serde_json::{json, Map, Value as Json};

/// Interpolation as if every variable were unset here: a scalar without
/// `$` is its text, one with `$` is not judged.
struct Literal;

impl Context for Literal {
    fn interpolated(&self, node: &Node) -> Option<String> {
        let s = node.as_scalar()?;
        (!s.value.contains('$')).then(|| s.value.clone())
    }
}

fn errors_in(text: &str, earlier: &[&str]) -> Vec<String> {
    let doc = yaml::parse(text);
    assert!(doc.errors.is_empty(), "{text}: {:?}", doc.errors);
    let mut kinds = Earlier::default();
    for root in earlier.iter().filter_map(|t| yaml::parse(t).root) {
        kinds.add(&root);
    }
    let earlier = kinds;
    let root = doc.root.expect("a document");
    check_file(&root, &earlier, &Literal)
        .into_iter()
        .map(|e| {
            // Every error points at a piece of the text.
            assert!(e.range.end <= text.len() && e.range.start < e.range.end.max(1));
            e.message
        })
        .collect()
}

fn errors(text: &str) -> Vec<String> {
    errors_in(text, &[])
}

const APP: &str = "services:\n  app:\n    image: busybox\n";

#[test]
fn unknown_keys_at_every_level_with_the_key_meant() {
    let e = errors(&format!("{APP}    enviroment:\n      A: 1\n"));
    assert_eq!(
        e,
        ["unknown key `enviroment` in services.app: Compose does not allow it (did you mean `environment`?)"]
    );
    let e = errors("servics:\n  app:\n    image: x\n");
    assert!(e[0].contains("`servics` in the top level") && e[0].contains("`services`"));
    for (yaml, key, meant) in [
        ("    build:\n      contxt: .\n", "contxt", "context"),
        (
            "    healthcheck:\n      interva: 1s\n",
            "interva",
            "interval",
        ),
        ("    deploy:\n      replica: 1\n", "replica", "replicas"),
        (
            "    ports:\n      - target: 80\n        publishd: 80\n",
            "publishd",
            "published",
        ),
        (
            "    env_file:\n      - path: a.env\n        requird: false\n",
            "requird",
            "required",
        ),
        (
            "    depends_on:\n      db:\n        conditon: x\n",
            "conditon",
            "condition",
        ),
        (
            "    volumes:\n      - type: bind\n        sorce: .\n",
            "sorce",
            "source",
        ),
        ("    logging:\n      drivr: x\n", "drivr", "driver"),
    ] {
        let e = errors(&format!("{APP}{yaml}"));
        assert_eq!(e.len(), 1, "{yaml}: {e:?}");
        assert!(
            e[0].contains(&format!("`{key}`")) && e[0].contains(&format!("did you mean `{meant}`")),
            "{yaml}: {e:?}"
        );
    }
    let e = errors(&format!("{APP}networks:\n  n:\n    drivr: x\n"));
    assert!(
        e[0].contains("in networks.n") && e[0].contains("`driver`"),
        "{e:?}"
    );
    // Far from every key: no suggestion.
    let e = errors(&format!("{APP}    zzzzzzzz: 1\n"));
    assert!(!e[0].contains("did you mean"), "{e:?}");
}

#[test]
fn extension_keys_are_allowed() {
    let e = errors(&format!(
        "x-common: &c\n  a: 1\n{APP}    x-meta: 1\n    build:\n      context: .\n      x-b: 2\n    extends:\n      service: base\n      x-c: 3\n  base:\n    image: x\n"
    ));
    assert!(e.is_empty(), "{e:?}");
}

/// Where the specification allows no `x-` key and Compose refuses one
/// (checked with docker-compose 2.40.3; it accepts `x-` keys in `extends`
/// and `include` items, which the schema closes too).
#[test]
fn extension_keys_are_refused_where_compose_refuses_them() {
    for (yaml, at) in [
        ("    blkio_config:\n      weight: 10\n      x-a: 1\n", "x-a"),
        ("    blkio_config:\n      device_read_bps:\n        - {path: /dev/sda, rate: 1mb, x-b: 1}\n", "x-b"),
        ("    blkio_config:\n      weight_device:\n        - {path: /dev/sda, weight: 10, x-c: 1}\n", "x-c"),
        ("    env_file:\n      - {path: a.env, x-d: 1}\n", "x-d"),
    ] {
        let e = errors(&format!("{APP}{yaml}"));
        assert!(e.len() == 1 && e[0].contains(&format!("unknown key `{at}`")), "{yaml}: {e:?}");
    }
}

#[test]
fn wrong_types() {
    let cases = [
        (
            "services:\n  app:\n    image: 123\n",
            "services.app.image must be a string",
        ),
        (
            "services:\n  app:\n    image: x\n    container_name: true\n",
            "services.app.container_name must be a string",
        ),
        (
            "services:\n  app:\n    image:\n",
            "services.app.image must be a string",
        ),
        ("version: 3.8\nservices: {}\n", "version must be a string"),
        (
            "services:\n  app:\n    image: x\n    environment: \"A=1\"\n",
            "services.app.environment must be a mapping or a list",
        ),
        (
            "services:\n  app:\n    image: x\n    environment:\n",
            "services.app.environment must be a mapping or a list",
        ),
        (
            "services:\n  app:\n    image: x\n    cap_add: NET_ADMIN\n",
            "services.app.cap_add must be a list",
        ),
        (
            "services:\n  app:\n    image: x\n    command: [sleep, 10]\n",
            "services.app.command.1 must be a string",
        ),
        (
            "services:\n  app:\n    image: x\n    environment: [5]\n",
            "services.app.environment.0 must be a string",
        ),
        (
            "services:\n  app:\n    image: x\n    environment: [~]\n",
            "services.app.environment.[0]: unexpected type <nil>",
        ),
        (
            "services:\n  app:\n    image: x\n    environment:\n      A: [1]\n",
            "services.app.environment.A must be a boolean, null, number or string",
        ),
        (
            "services:\n  app:\n    image: x\n    labels: {5: a}\n",
            "non-string key in services.app.labels: 5",
        ),
        (
            "x-a:\n  true: 1\nservices: {}\n",
            "non-string key in x-a: true",
        ),
        ("services:\n  app:\n", "services.app must be a mapping"),
        ("services:\n", "services must be a mapping"),
        ("volumes:\n", "volumes must be a mapping"),
        (
            "services:\n  app:\n    image: x\n    healthcheck:\n      interval: 10\n",
            "services.app.healthcheck.interval must be a string",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(errors(text), [message], "{text}");
    }
    // What the schema allows.
    for text in [
        "services:\n  app:\n    image: x\n    restart: no\n",
        "services:\n  app:\n    image: \"${I}\"\n",
        "services:\n  app:\n    image: x\n    command:\n    entrypoint:\n    deploy:\n    develop:\n",
        "services:\n  app:\n    image: x\n    environment:\n      A:\n      B: 1.5\n      C: true\n",
        "services:\n  app:\n    image: x\n    expose: [80, \"443\"]\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\n",
        "services:\n  app:\n    image: x\n    healthcheck: {retries: \"3\"}\n    tmpfs: [/run]\n",
        "networks:\n  n:\nvolumes:\n  v:\n  w: {}\nservices: {}\n",
        "include:\n",
        "x-only: 1\n",
    ] {
        assert!(errors(text).is_empty(), "{text}: {:?}", errors(text));
    }
}

#[test]
fn an_earlier_file_completes_a_null_or_a_differently_typed_value() {
    let base = "services:\n  app:\n    image: x\n    environment: {A: 1}\n";
    let over = "services:\n  app:\n    environment:\n";
    assert!(errors_in(over, &[base]).is_empty());
    assert_eq!(
        errors_in("services:\n  app:\n    labels:\n", &[base]),
        ["services.app.labels must be a mapping or a list"]
    );
    assert!(errors_in("services:\n  app:\n", &[base]).is_empty());
    assert_eq!(
        errors_in("services:\n  tool:\n", &[base]),
        ["services.tool must be a mapping"]
    );
    assert!(errors_in("services:\n  app:\n    environment: \"A=1\"\n", &[base]).is_empty());
    // A top-level key left empty is refused, whatever came before
    // (docker-compose 2.40.3: "services must be a mapping").
    assert_eq!(
        errors_in("services:\n", &[base]),
        ["services must be a mapping"]
    );
    // Unknown keys are refused whatever came before.
    assert_eq!(
        errors_in("services:\n  app:\n    imag: y\n", &[base]).len(),
        1
    );
}

#[test]
fn a_service_that_extends_is_judged_merged() {
    let text = "services:\n  base:\n    image: x\n    environment: {A: 1}\n  app:\n    extends: base\n    environment:\n    enviroment: {}\n";
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("`enviroment`"));
}

#[test]
fn merge_tags_are_not_judged() {
    let text = "services:\n  app:\n    image: x\n    environment: !reset\n    ports: !override\n      - 80\n";
    assert!(errors(text).is_empty(), "{:?}", errors(text));
}

#[test]
fn sizes_as_go_units_reads_them() {
    for ok in [
        "1g", "1GB", "1gib", "1.5g", "1 g", "1024", "1b", "10 MB", "1e3", "0x10", "512m",
    ] {
        assert_eq!(parse_size(ok), Ok(()), "{ok}");
    }
    assert_eq!(parse_size("12XB"), Err("invalid suffix: 'xb'".into()));
    assert_eq!(parse_size("1kbb"), Err("invalid suffix: 'kbb'".into()));
    assert_eq!(parse_size(""), Err("invalid size: ''".into()));
    assert_eq!(parse_size("big"), Err("invalid size: 'big'".into()));
    assert_eq!(parse_size("-5m"), Err("invalid size: '-5m'".into()));
    let e = errors(&format!("{APP}    mem_limit: 12XB\n"));
    assert_eq!(e, ["services.app.mem_limit invalid suffix: 'xb'"]);
    let e = errors(&format!(
        "{APP}    deploy:\n      resources:\n        limits:\n          memory: 1kbb\n"
    ));
    assert_eq!(
        e,
        ["services.app.deploy.resources.limits.memory invalid suffix: 'kbb'"]
    );
    // Numbers are bytes; a variable unset here is not judged.
    assert!(errors(&format!("{APP}    mem_limit: -1\n    shm_size: ${{SHM}}\n")).is_empty());
}

#[test]
fn ports_as_compose_parses_them() {
    for ok in [
        "80",
        "8080:80",
        "127.0.0.1:8080:80",
        "127.0.0.1::80",
        "8000-8010:8000-8010",
        "80/udp",
        "[::1]:80:80",
        "${P}:80",
        "0:80",
        "80/",
        "::80",
        "::1:80:80",
        "1.2.3.4::80",
        "0-5:10-15",
    ] {
        let e = errors(&format!("{APP}    ports:\n      - \"{ok}\"\n"));
        assert!(e.is_empty(), "{ok}: {e:?}");
    }
    for (bad, message) in [
        ("abc", "invalid containerPort: abc"),
        ("80:abc", "invalid containerPort: abc"),
        ("70000", "invalid containerPort: 70000"),
        ("x:80", "invalid hostPort: x"),
        ("80:", "invalid proto: "),
        ("/tcp", "invalid proto: "),
        ("80:/udp", "invalid proto: "),
        ("80/tcp/udp", "invalid proto: tcp/udp"),
        ("localhost:80:80", "invalid IP address: localhost"),
        ("01.2.3.4:80:80", "invalid IP address: 01.2.3.4"),
        (
            "0",
            "service ports services.app.ports.[0] is missing a target port",
        ),
        (
            "80:0",
            "service ports services.app.ports.[0] is missing a target port",
        ),
        (
            "0-0",
            "service ports services.app.ports.[0] is missing a target port",
        ),
    ] {
        let e = errors(&format!("{APP}    ports:\n      - \"{bad}\"\n"));
        assert_eq!(e, [message], "{bad}");
    }
    // A number 0, a long form without `target` (`target: 0` passes).
    assert_eq!(
        errors(&format!(
            "{APP}    ports: [80, 0, {{target: 0}}, {{published: 80}}]\n"
        )),
        [
            "service ports services.app.ports.[1] is missing a target port",
            "service ports services.app.ports.[3] is missing a target port"
        ]
    );
}

#[test]
fn environment_list_keys_with_a_trailing_space() {
    for item in ["A =1", "A ", "A\t=1"] {
        let e = errors(&format!("{APP}    environment:\n      - \"{item}\"\n"));
        assert_eq!(e.len(), 1, "{item}: {e:?}");
        assert!(e[0].contains("trailing space"), "{e:?}");
    }
    let e = errors("services:\n  app:\n    build:\n      context: .\n      args: [\"A =1\"]\n");
    assert_eq!(e.len(), 1, "{e:?}");
    for fine in [
        "    environment:\n      - \" A=1\"\n",
        "    environment:\n      \"A \": 1\n",
        "    labels:\n      - \"A =1\"\n",
        "    environment:\n      - \"A=1 \"\n",
    ] {
        assert!(errors(&format!("{APP}{fine}")).is_empty(), "{fine}");
    }
}

#[test]
fn suggestions() {
    let keys = ["environment", "env_file", "image", "ports", "expose"];
    assert_eq!(
        suggest("enviroment", keys.iter().copied()),
        Some("environment")
    );
    assert_eq!(
        suggest("Environment", keys.iter().copied()),
        Some("environment")
    );
    assert_eq!(suggest("port", keys.iter().copied()), Some("ports"));
    assert_eq!(suggest("imgae", keys.iter().copied()), Some("image"));
    assert_eq!(suggest("command", keys.iter().copied()), None);
}

// The Compose Specification's JSON schema (test input, where present).

fn schema() -> Option<Json> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/schema/compose-spec.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        crate::testing::skipped(
            "corpus",
            &format!(
                "the Compose Specification's schema: {} is absent",
                path.display()
            ),
        );
        return None;
    };
    Some(serde_json::from_str(&text).expect("the schema is JSON"))
}

fn resolve<'s>(root: &'s Json, v: &'s Json) -> &'s Json {
    match v.get("$ref").and_then(Json::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            resolve(root, &root["$defs"][name])
        }
        None => v,
    }
}

/// A value the schema allows: its first type's simplest value.
fn sample(root: &Json, v: &Json) -> Json {
    let v = resolve(root, v);
    if let Some(alt) = v.get("oneOf").or(v.get("anyOf")).and_then(Json::as_array) {
        return sample(root, &alt[0]);
    }
    let ty = match &v["type"] {
        Json::Array(types) => types[0].as_str().unwrap_or("null"),
        t => t.as_str().unwrap_or("null"),
    };
    match ty {
        // A value of a pattern of words (`pull_policy`): its first word.
        "string" if v["pattern"].as_str().is_some_and(|p| p.contains('|')) => {
            json!(v["pattern"].as_str().unwrap_or_default().split('|').next())
        }
        // Of another pattern (`container_name`): two characters.
        "string" if v["pattern"].is_string() => json!("a1"),
        "string" => json!("1"),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        "object" => json!({}),
        "array" => json!([]),
        _ => Json::Null,
    }
}

/// Every object schema reachable from `v`, with how to place an object of
/// it in its parent (`[obj]` in a list, `{"k": obj}` under a pattern).
/// An object schema, and how an object of it is placed in its parent.
type Placed<'s> = (&'s Json, fn(Json) -> Json);

fn objects<'s>(root: &'s Json, v: &'s Json) -> Vec<Placed<'s>> {
    let v = resolve(root, v);
    let mut out: Vec<Placed> = Vec::new();
    if v.get("properties").is_some() {
        out.push((v, |o| o));
    }
    for alt in v
        .get("oneOf")
        .or(v.get("anyOf"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(objects(root, alt));
    }
    if let Some(items) = v.get("items") {
        for (o, _) in objects(root, items) {
            out.push((o, |o| json!([o])));
        }
    }
    for (pattern, p) in v
        .get("patternProperties")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        if pattern != "^x-" {
            for (o, _) in objects(root, p) {
                out.push((o, |o| json!({ "k": o })));
            }
        }
    }
    out
}

/// Each property of `object` (placed in the document by `place`) is
/// accepted with a value of its type; then the objects below it.
fn walk(
    root: &Json,
    object: &Json,
    place: &dyn Fn(Json) -> Json,
    at: &str,
    depth: usize,
    seen: &mut usize,
) {
    assert!(depth < 12, "{at}: the schema nests deeper than expected");
    for (key, prop) in object["properties"].as_object().into_iter().flatten() {
        let mut one = Map::new();
        // The schema types durations as strings; Compose parses them, and
        // `1` alone lacks its unit.
        let duration = [
            "stop_grace_period",
            "interval",
            "timeout",
            "start_period",
            "start_interval",
            "delay",
            "monitor",
            "window",
        ];
        let value = match sample(root, prop) {
            Json::String(_) if duration.contains(&key.as_str()) => json!("1s"),
            v => v,
        };
        one.insert(key.clone(), value);
        // A long-form port needs its target (Compose's own check, not the
        // schema's).
        if at.ends_with(".ports") {
            one.entry("target").or_insert(json!(80));
        }
        let doc = place(Json::Object(one));
        let text = serde_json::to_string(&doc).expect("json");
        let e = errors(&text);
        assert!(e.is_empty(), "{at}.{key}: {text}: {e:?}");
        *seen += 1;
        for (o, wrap) in objects(root, prop) {
            let name = key.clone();
            let inner = move |x: Json| {
                let mut m = Map::new();
                m.insert(name.clone(), wrap(x));
                place(Json::Object(m))
            };
            walk(root, o, &inner, &format!("{at}.{key}"), depth + 1, seen);
        }
    }
}

#[test]
fn every_key_the_specification_allows_is_accepted() {
    let Some(root) = schema() else { return };
    let mut seen = 0;
    walk(&root, &root, &|o| o, "", 0, &mut seen);
    // Services, build, deploy, healthcheck, networks…: hundreds of keys.
    assert!(seen > 300, "only {seen} keys walked");
}

/// The keys of an object of the schema.
fn keys_of(v: &Json) -> Vec<&str> {
    v["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .collect()
}

fn typos_are_caught(keys: &[&str], doc: &dyn Fn(&str) -> String) {
    for key in keys {
        let mut tried = 0;
        for i in 0..key.len() {
            let typo = format!("{}{}", &key[..i], &key[i + 1..]);
            // Another key, or as near another key: not this key's typo.
            let d = edit_distance(&typo, key, 3);
            if typo.is_empty()
                || keys.contains(&typo.as_str())
                || keys
                    .iter()
                    .any(|k| k != key && edit_distance(&typo, k, 3) <= d)
            {
                continue;
            }
            let e = errors(&doc(&typo));
            assert_eq!(e.len(), 1, "{typo}: {e:?}");
            assert!(
                e[0].contains(&format!("unknown key `{typo}`"))
                    && e[0].contains(&format!("did you mean `{key}`?")),
                "{typo} for {key}: {e:?}"
            );
            tried += 1;
        }
        assert!(tried > 0, "no typo of {key} tried");
    }
}

#[test]
fn a_typo_of_each_top_level_and_service_key_names_the_key() {
    let Some(root) = schema() else { return };
    let top = keys_of(&root);
    assert!(top.contains(&"services"));
    typos_are_caught(&top, &|typo| format!("{typo}: {{}}\n"));
    let service = keys_of(&root["$defs"]["service"]);
    assert!(service.len() > 80, "{service:?}");
    typos_are_caught(&service, &|typo| {
        format!("services:\n  app:\n    image: x\n    {typo}: 1\n")
    });
}

#[test]
fn our_tables_know_no_key_the_specification_does_not() {
    let Some(root) = schema() else { return };
    let mine = |fields: &[Field]| -> Vec<&str> { fields.iter().map(|(k, _)| *k).collect() };
    let mut theirs = keys_of(&root);
    let mut ours = mine(TOP);
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs);
    let mut theirs = keys_of(&root["$defs"]["service"]);
    let mut ours = mine(SERVICE);
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs);
}

/// Durations as docker-compose 2.40.3 reads them (each checked with it).
#[test]
fn durations_as_compose_reads_them() {
    for ok in [
        "1m30s",
        "1.5s",
        "-1s",
        "0",
        "-0",
        "+0",
        "1h2m3s4ms5us6ns",
        "1µs",
        "1μs",
        "1d",
        "1w",
        ".5s",
        "5.s",
        "+1s",
    ] {
        assert_eq!(parse_duration(ok), Ok(()), "{ok}");
    }
    for (bad, message) in [
        ("10", "time: missing unit in duration \"10\""),
        ("00", "time: missing unit in duration \"00\""),
        ("1.2.3s", "time: missing unit in duration \"1.2.3s\""),
        ("10x", "time: unknown unit \"x\" in duration \"10x\""),
        ("1S", "time: unknown unit \"S\" in duration \"1S\""),
        ("1h-1m", "time: unknown unit \"h-\" in duration \"1h-1m\""),
        ("1 s", "time: unknown unit \" s\" in duration \"1 s\""),
        ("1e3s", "time: unknown unit \"e\" in duration \"1e3s\""),
        ("", "time: invalid duration \"\""),
        (".", "time: invalid duration \".\""),
        (" 1s", "time: invalid duration \" 1s\""),
    ] {
        assert_eq!(parse_duration(bad), Err(message.to_string()), "{bad}");
    }
    // At most 2^63 - 1 nanoseconds, whatever the sign.
    for ok in [
        "2562047h",
        "106751d",
        "9223372036854775807ns",
        "-9223372036854775807ns",
        "0000000000000000000000000001s",
        "2562047.788h",
        "15250w",
        // Go's arithmetic to the nanosecond: 2^63 - 1 exactly (the
        // fraction rounded otherwise passes it).
        "1.692415505490w9222348463957055456ns",
    ] {
        assert_eq!(parse_duration(ok), Ok(()), "{ok}");
    }
    for bad in [
        "2562048h",
        "106752d",
        "9223372036854775808ns",
        "-9223372036854775808ns",
        "2562047.789h",
        "99999999999999999999999h",
        "15251w",
        "1.567651910290h9223366393307898764ns",
    ] {
        assert_eq!(
            parse_duration(bad),
            Err(format!("time: invalid duration {bad:?}")),
            "{bad}"
        );
    }
    let e = errors(&format!("{APP}    stop_grace_period: 10x\n    healthcheck:\n      test: [CMD, x]\n      interval: \"5\"\n"));
    assert_eq!(
        e,
        [
            "services.app.stop_grace_period time: unknown unit \"x\" in duration \"10x\"",
            "services.app.healthcheck.interval time: missing unit in duration \"5\""
        ]
    );
}

/// Typed values a string gives: cast as Compose casts them (each case
/// checked with docker-compose 2.40.3).
#[test]
fn strings_cast_to_numbers_and_booleans() {
    for fine in [
        "    cpus: \"1.5\"\n    cpu_count: \"+5\"\n    init: \"Y\"\n    tty: \"OFF\"\n    read_only: \"True\"\n",
        "    cpus: \"1e3\"\n    ulimits:\n      nofile: \"1024\"\n      nproc: {soft: \"1\", hard: 2}\n",
        "    cpus: ${CPUS}\n    privileged: ${P:-x}\n",
        "    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: \"0.5\"}\n",
    ] {
        let e = errors(&format!("{APP}{fine}"));
        assert!(e.is_empty(), "{fine}: {e:?}");
    }
    for (bad, message) in [
        ("    cpus: \"abc\"\n", "error while interpolating services.app.cpus: failed to cast to expected type: strconv.ParseFloat: parsing \"abc\": invalid syntax"),
        ("    cpus: 1.5x\n", "error while interpolating services.app.cpus: failed to cast to expected type: strconv.ParseFloat: parsing \"1.5x\": invalid syntax"),
        ("    cpu_shares: \"1.5\"\n", "error while interpolating services.app.cpu_shares: failed to cast to expected type: strconv.ParseInt: parsing \"1.5\": invalid syntax"),
        ("    cpu_count: \"1_000\"\n", "error while interpolating services.app.cpu_count: failed to cast to expected type: strconv.ParseInt: parsing \"1_000\": invalid syntax"),
        ("    init: \"1\"\n", "error while interpolating services.app.init: failed to cast to expected type: invalid boolean: 1"),
        ("    ulimits:\n      nofile: {soft: x, hard: 2}\n", "error while interpolating services.app.ulimits.nofile.soft: failed to cast to expected type: strconv.ParseInt: parsing \"x\": invalid syntax"),
        ("    healthcheck:\n      disable: \"x\"\n", "error while interpolating services.app.healthcheck.disable: failed to cast to expected type: invalid boolean: x"),
        ("    deploy:\n      update_config: {parallelism: \"x\"}\n", "error while interpolating services.app.deploy.update_config.parallelism: failed to cast to expected type: strconv.ParseInt: parsing \"x\": invalid syntax"),
    ] {
        assert_eq!(errors(&format!("{APP}{bad}")), [message], "{bad}");
    }
}

/// Plain YAML scalars of another type where Compose casts strings
/// (docker-compose 2.40.3). Infinite and NaN floats are read: only
/// encoding the final project as JSON fails, for a service still there
/// with that value (a profile or a later file may take it away).
#[test]
fn typed_scalars_and_floats() {
    for fine in [
        "    init: yes\n    tty: false\n",
        "    cpu_shares: 1.5\n    cpus: 2\n",
        "    cpus: \"1e-400\"\n",
        "    cpus: .inf\n    cpu_shares: .nan\n    pids_limit: -.inf\n",
        "    cpus: \"inf\"\n",
        "    cpus: \"-Infinity\"\n",
        "    cpus: \"NaN\"\n",
    ] {
        let e = errors(&format!("{APP}{fine}"));
        assert!(e.is_empty(), "{fine}: {e:?}");
    }
    for (bad, message) in [
        ("    init: 1\n", "services.app.init must be a boolean or string"),
        ("    read_only: 1.5\n", "services.app.read_only must be a boolean or string"),
        ("    tty: 2001-12-14\n", "services.app.tty invalid jsonType time.Time"),
        ("    cpu_shares: true\n", "services.app.cpu_shares must be a number or string"),
        ("    cpus: \"+nan\"\n", "error while interpolating services.app.cpus: failed to cast to expected type: strconv.ParseFloat: parsing \"+nan\": invalid syntax"),
        ("    cpus: 1e400\n", "error while interpolating services.app.cpus: failed to cast to expected type: strconv.ParseFloat: parsing \"1e400\": value out of range"),
    ] {
        assert_eq!(errors(&format!("{APP}{bad}")), [message], "{bad}");
    }
}

/// `container_name` as the specification's unanchored pattern reads it.
#[test]
fn container_names() {
    for fine in ["app", "-bad", "ab c", "é1."] {
        let e = errors(&format!("{APP}    container_name: \"{fine}\"\n"));
        assert!(e.is_empty(), "{fine}: {e:?}");
    }
    for bad in ["a", "-_", "é"] {
        assert_eq!(
            errors(&format!("{APP}    container_name: \"{bad}\"\n")),
            [format!("services.app.container_name '{bad}' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'")],
            "{bad}"
        );
    }
}

/// `pull_policy` and `extra_hosts` items as docker-compose 2.40.3 reads them.
#[test]
fn pull_policy_and_extra_hosts() {
    for fine in [
        "    pull_policy: always\n",
        "    pull_policy: every_12h\n",
        "    pull_policy: every_1h2\n",
        "    pull_policy: always-x\n",
        "    extra_hosts: [\"h:1.2.3.4\", \"h2=::1\", \"h:\", \"h:1.2.3.4:5\"]\n",
        "    extra_hosts: {h: \"\"}\n",
    ] {
        let e = errors(&format!("{APP}{fine}"));
        assert!(e.is_empty(), "{fine}: {e:?}");
    }
    for (bad, message) in [
        ("    pull_policy: sometimes\n", "services.app.pull_policy 'sometimes' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'"),
        ("    pull_policy: EVERY_1h\n", "services.app.pull_policy 'EVERY_1h' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'"),
        ("    pull_policy: every_x\n", "services.app.pull_policy 'every_x' does not match pattern 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'"),
        ("    extra_hosts: [bad]\n", "services.app.extra_hosts.0 invalid additional host, missing IP: bad"),
        ("    extra_hosts: [\"::1\"]\n", "services.app.extra_hosts.0 bad host name ''"),
    ] {
        assert_eq!(errors(&format!("{APP}{bad}")), [message], "{bad}");
    }
}

/// Float casts Go's `ParseFloat` accepts: `_` between digits, signed hex.
#[test]
fn float_casts_go_accepts() {
    for fine in ["1_000", "1_0.5", "+0x1p-2", "-0X1P0"] {
        let e = errors(&format!("{APP}    cpus: \"{fine}\"\n"));
        assert!(e.is_empty(), "{fine}: {e:?}");
    }
}

/// Only `services:` is refused empty in a later file; other top-level
/// keys left empty merge (docker-compose 2.40.3).
#[test]
fn only_services_is_refused_empty_after_an_earlier_file() {
    let base = "services:\n  app:\n    image: x\nvolumes:\n  data:\nnetworks:\n  n:\n";
    assert!(errors_in("volumes:\nnetworks:\n", &[base]).is_empty());
    assert_eq!(
        errors_in("services:\n", &[base]),
        ["services must be a mapping"]
    );
}
