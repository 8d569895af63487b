use super::*;

fn slice(text: &str, r: TextRange) -> &str {
    &text[r.start..r.end]
}

const SEED: &str = r#"name: demo
x-common: &common
  restart: unless-stopped
services:
  app:
    <<: *common
    build:
      context: .
      dockerfile: Dockerfile.prod
      target: runtime
      args:
        - PY=3.12
        - PASSTHROUGH
    image: "demo:1"
    user: "1000:1000"
    env_file:
      - .env
      - path: ./extra.env
        required: false
    environment:
      - DATABASE_URL=postgresql://u:p@db:5432/x
      - "QUOTED=yes"
      - SECRET_KEY
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "8000:8000"
      - target: 9000
        published: 9001
    networks:
      backend:
        aliases: [api]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
      interval: 30s
    command: uvicorn app.main:app --host 0.0.0.0
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: x
      FLAG: True
      EMPTY:
    profiles: [data]
    network_mode: host
networks:
  backend:
"#;

#[test]
fn reads_the_fields_we_model() {
    let f = parse(SEED);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.name.as_ref().unwrap().value, "demo");
    assert_eq!(f.services.len(), 2);
    let app = &f.services[0];
    let b = app.build.as_ref().unwrap();
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "Dockerfile.prod");
    assert_eq!(b.target.as_ref().unwrap().value, "runtime");
    assert_eq!(b.args.len(), 2);
    assert!(b.args[1].value.is_none());
    assert_eq!(app.image.as_ref().unwrap().value, "demo:1");
    assert_eq!(app.env_file.len(), 2);
    assert_eq!(
        app.env_file[1].required.as_ref().map(|r| r.value.as_str()),
        Some("false")
    );
    assert_eq!(app.environment.len(), 3);
    let e = &app.environment[0];
    assert_eq!(slice(SEED, e.key.range), "DATABASE_URL");
    assert_eq!(
        slice(SEED, e.value.as_ref().unwrap().range),
        "postgresql://u:p@db:5432/x"
    );
    let q = &app.environment[1];
    assert!(q.quoted_in_yaml);
    assert_eq!(slice(SEED, q.key.range), "QUOTED");
    assert!(app.environment[2].value.is_none());
    assert_eq!(
        app.depends_on[0].condition.as_ref().unwrap().value,
        "service_healthy"
    );
    assert_eq!(app.ports[0].target.as_deref(), Some("8000"));
    assert_eq!(app.ports[1].published.as_deref(), Some("9001"));
    assert_eq!(app.networks[0].aliases[0].value, "api");
    let Some(Command::Exec(test)) = &app.healthcheck.as_ref().unwrap().test else {
        panic!()
    };
    assert_eq!(test.len(), 4);
    assert!(matches!(app.command, Some(Command::Shell(_))));
    let db = &f.services[1];
    let env: Vec<_> = db
        .environment
        .iter()
        .map(|e| {
            (
                e.key.value.as_str(),
                e.value.as_ref().map(|v| v.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        env,
        [
            ("POSTGRES_DB", Some("x")),
            ("FLAG", Some("true")),
            ("EMPTY", None)
        ]
    );
    assert_eq!(db.network_mode.as_ref().unwrap().value, "host");
    assert_eq!(db.profiles[0].value, "data");
    assert_eq!(f.networks[0].value, "backend");
}

#[test]
fn wrong_shapes_are_errors_with_ranges() {
    let text = "services:\n  app:\n    environment: 3\n    ports: {a: 1}\n";
    let f = parse(text);
    assert_eq!(f.errors.len(), 2);
    assert_eq!(slice(text, f.errors[0].range), "3");
    let f = parse("- a\n");
    assert_eq!(f.errors.len(), 1);
    let f = parse("services: [\n");
    assert!(!f.errors.is_empty());
}

#[test]
fn port_specs() {
    assert_eq!(split_port("80"), (None, Some("80".into())));
    assert_eq!(
        split_port("8080:80/tcp"),
        (Some("8080".into()), Some("80".into()))
    );
    assert_eq!(
        split_port("127.0.0.1:8080:80"),
        (Some("8080".into()), Some("80".into()))
    );
    assert_eq!(
        split_port("[::1]:8080:80"),
        (Some("8080".into()), Some("80".into()))
    );
}

#[test]
fn later_documents_are_files_of_their_own() {
    let text = "services:\n  a:\n    image: x\n---\nname: two\nservices:\n  b:\n    image: y\n";
    let f = parse(text);
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.services.len(), 1);
    assert_eq!(f.later.len(), 1);
    assert_eq!(f.later[0].services[0].name.value, "b");
    assert_eq!(f.later[0].name.as_ref().unwrap().value, "two");
    assert_eq!(slice(text, f.later[0].services[0].name.range), "b");
}

#[test]
fn an_empty_or_scalar_document_among_several_is_refused() {
    for (text, at) in [
        ("services: {}\n---\n", "---"),
        ("services: {}\n---\n# only a comment\n", "---"),
        ("services: {}\n---\n- 1\n", "1"),
        ("services: {}\n---\n~\n", "~"),
    ] {
        let f = parse(text);
        let e = f
            .errors
            .iter()
            .find(|e| e.message.contains("top level"))
            .unwrap_or_else(|| panic!("{text:?}: {:?}", f.errors));
        assert_eq!(slice(text, e.range), at, "{text:?}");
    }
    // Two empty documents: each refused at its own `---`.
    let text = "services: {}\n---\n---\n";
    let at: Vec<usize> = parse(text).errors.iter().map(|e| e.range.start).collect();
    assert_eq!(at, [13, 17]);
    // Alone, an empty document is an empty file (reported elsewhere).
    assert!(parse("---\n").errors.is_empty());
    // The errors of a later document are the file's.
    let f = parse("services: {}\n---\nservices: []\n");
    assert!(f
        .errors
        .iter()
        .any(|e| e.message == "services must be a mapping"));
}

#[test]
fn documents_are_bounded() {
    let doc = "---\nservices:\n  a:\n    image: busybox\n";
    let text = doc.repeat(crate::syntax::limits::MAX_DOCUMENTS);
    assert!(parse(&text).errors.is_empty());
    let text = doc.repeat(crate::syntax::limits::MAX_DOCUMENTS + 1);
    let f = parse(&text);
    let e = &f.errors[0];
    assert!(
        e.limit && e.message.contains("a limit of mppeep-lint"),
        "{e:?}"
    );
    assert_eq!(e.range.start, text.len() - doc.len());
    assert_eq!(slice(&text, e.range), "---");
}
