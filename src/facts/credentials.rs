//! Which secrets a service cannot do without. An empty secret is a mistake
//! only when something needs it to start or to be safe: the password an
//! official database image refuses to start without, the key an application
//! signs sessions or tokens with, an administrator's password. An empty
//! credential of an optional integration (SMTP, S3, OAuth, a payment or AI
//! provider, LDAP) means the integration is off.

use crate::facts::server::ServerKind;
use crate::model::secrets::name_words;
use crate::model::types::Service;

/// Why a service needs a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needed {
    /// The official image of this server refuses to start without it (or
    /// starts with no password).
    ServerImage(ServerKind),
    /// The application signs or encrypts with it: sessions, tokens, cookies.
    AppKey,
    /// The password of an administrator, root or superuser account.
    AdminPassword,
}

/// The last words of the names of application keys.
const APP_KEYS: &[&[&str]] = &[
    &["SECRET", "KEY"],
    &["SECRET", "KEY", "BASE"],
    &["APP", "KEY"],
    &["APP", "SECRET"],
    &["ENCRYPTION", "KEY"],
    &["ENCRYPTION", "SECRET"],
    &["SIGNING", "KEY"],
    &["SIGNING", "SECRET"],
    &["JWT", "SECRET"],
    &["JWT", "KEY"],
    &["JWT", "SECRET", "KEY"],
    &["NEXTAUTH", "SECRET"],
    &["AUTH", "SECRET"],
    &["SESSION", "SECRET"],
    &["SESSION", "KEY"],
    &["COOKIE", "SECRET"],
    &["PRIVATE", "KEY"],
    &["MASTER", "KEY"],
    &["HMAC", "KEY"],
    &["HMAC", "SECRET"],
];

/// The last words of the names of administrators' passwords.
const ADMIN_PASSWORDS: &[&[&str]] = &[
    &["ADMIN", "PASSWORD"],
    &["ADMIN", "PASS"],
    &["ROOT", "PASSWORD"],
    &["ROOT", "PASS"],
    &["SUPERUSER", "PASSWORD"],
];

/// Words that name an optional integration: its credentials may be empty
/// when it is off.
const INTEGRATION_WORDS: &[&str] = &[
    "SMTP",
    "MAIL",
    "EMAIL",
    "MAILER",
    "IMAP",
    "POP3",
    "RELAY",
    "SASL",
    "LDAP",
    "SAML",
    "OAUTH",
    "OAUTH2",
    "OIDC",
    "SSO",
    "CLIENT",
    "EXTERNAL",
    "GOOGLE",
    "GITHUB",
    "GITLAB",
    "APPLE",
    "DISCORD",
    "MICROSOFT",
    "AZURE",
    "SLACK",
    "TWITTER",
    "FACEBOOK",
    "S3",
    "AWS",
    "MINIO",
    "GCS",
    "STORAGE",
    "STRIPE",
    "PAYPAL",
    "TWILIO",
    "SENDGRID",
    "MAILGUN",
    "POSTMARK",
    "OPENAI",
    "ANTHROPIC",
    "AI",
    "SENTRY",
    "TURN",
    "PUSH",
    "FIREBASE",
    "WEBHOOK",
    "BACKUP",
    "CAPTCHA",
    "RECAPTCHA",
    "HCAPTCHA",
    "MATRIX",
    "TELEGRAM",
];

/// The words after a credential's prefix that name the account or the
/// place it is for: when such a sibling (`NORDIGEN_SECRET_ID` beside
/// `NORDIGEN_SECRET_KEY`, `RELAY_USER` beside `RELAY_PASSWORD`) is empty
/// too, the integration is off.
const SIBLING_TAILS: &[&str] = &[
    "ID",
    "SECRET_ID",
    "KEY_ID",
    "CLIENT_ID",
    "ACCESS_KEY_ID",
    "USER",
    "USERNAME",
    "LOGIN",
    "HOST",
    "URL",
    "ENDPOINT",
    "ACCOUNT",
];

/// Whether a sibling of `key` (same prefix, an account or place word after
/// it) is defined empty in the service's environment.
fn sibling_off(service: &Service, key: &str) -> bool {
    let parts: Vec<&str> = key.split('_').collect();
    (1..parts.len()).any(|cut| {
        let prefix = parts[..cut].join("_");
        SIBLING_TAILS.iter().any(|tail| {
            let sibling = format!("{prefix}_{tail}");
            sibling != key
                && service
                    .container_env
                    .get(&sibling)
                    .is_some_and(|v| v.winner.value.as_deref().is_none_or(str::is_empty))
        })
    })
}

fn ends_with(words: &[String], tail: &[&str]) -> bool {
    words.len() >= tail.len()
        && words[words.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(w, t)| w == t)
}

/// Whether `service` needs the secret `key` (already known to be a secret
/// name) to start or to be safe, and why; `None` for an optional one.
/// `set(name)` says whether the service receives `name` non-empty.
pub(crate) fn needed_secret(
    service: &Service,
    key: &str,
    set: &dyn Fn(&str) -> bool,
) -> Option<Needed> {
    let upper = key.to_ascii_uppercase();
    if let Some(kind) = ServerKind::of_service(service) {
        // The server's own variables: its image decides.
        if let Some(needed) = server_needs(kind, &upper, set) {
            return needed.then_some(Needed::ServerImage(kind));
        }
    }
    let words = name_words(key);
    if words
        .iter()
        .any(|w| INTEGRATION_WORDS.contains(&w.as_str()))
        || sibling_off(service, key)
    {
        return None;
    }
    if APP_KEYS.iter().any(|t| ends_with(&words, t)) {
        return Some(Needed::AppKey);
    }
    if ADMIN_PASSWORDS.iter().any(|t| ends_with(&words, t)) {
        return Some(Needed::AdminPassword);
    }
    None
}

/// For a variable the official image of `kind` reads: whether it refuses
/// to start without it (or starts with no password), given what else it
/// receives. `None` for a variable the image does not read.
fn server_needs(kind: ServerKind, key: &str, set: &dyn Fn(&str) -> bool) -> Option<bool> {
    Some(match kind {
        ServerKind::Postgres if key == "POSTGRES_PASSWORD" => !set("POSTGRES_HOST_AUTH_METHOD"),
        ServerKind::Mysql => match key {
            "MYSQL_ROOT_PASSWORD" | "MARIADB_ROOT_PASSWORD" => ![
                "MYSQL_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD",
                "MYSQL_ALLOW_EMPTY_PASSWORD",
                "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
                "MYSQL_RANDOM_ROOT_PASSWORD",
                "MARIADB_RANDOM_ROOT_PASSWORD",
            ]
            .iter()
            .any(|k| *k != key && set(k)),
            "MYSQL_PASSWORD" => set("MYSQL_USER"),
            "MARIADB_PASSWORD" => set("MARIADB_USER"),
            _ => return None,
        },
        ServerKind::Mongo if key == "MONGO_INITDB_ROOT_PASSWORD" => {
            set("MONGO_INITDB_ROOT_USERNAME")
        }
        ServerKind::RabbitMq if key == "RABBITMQ_DEFAULT_PASS" => set("RABBITMQ_DEFAULT_USER"),
        _ => return None,
    })
}

/// Passwords that are no secret: the images' documentation examples, the
/// server's or user's own name, the words everyone tries first.
const DEFAULT_PASSWORDS: &[&str] = &[
    "password",
    "passw0rd",
    "pass",
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "change-it",
    "change_it",
    "example",
    "mysecretpassword",
    "postgres",
    "mysql",
    "mariadb",
    "root",
    "admin",
    "guest",
    "redis",
    "mongo",
    "default",
    "test",
    "123456",
    "12345678",
];

/// Whether a password is a default anyone would try: [`DEFAULT_PASSWORDS`],
/// or the user's name.
pub(crate) fn is_default_password(password: &str, user: Option<&str>) -> bool {
    let p = password.trim();
    DEFAULT_PASSWORDS.iter().any(|d| p.eq_ignore_ascii_case(d))
        || user.is_some_and(|u| !u.is_empty() && p == u)
}

/// How a server's image, as the service configures it, lets clients in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerAuth {
    /// No password is asked: why, and the variable or argument that says
    /// so (`None`: the image's default).
    Off { why: String, key: Option<String> },
    /// The password is a default anyone would try: the variable.
    DefaultPassword { key: String },
    /// A password is set, or what the server asks cannot be known here (a
    /// configuration file, an image built from it).
    Other,
}

/// The major version of the image the service pulls, from its tag
/// (`7.16.1` is 7, `8-alpine` 8).
fn major_version(s: &Service) -> Option<u32> {
    let reference = crate::facts::server::image_reference(s)?;
    let tag = crate::facts::image_ref::ImageRef::parse(&reference)?.tag?;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What the service's container receives for `key`, when it does.
fn received<'s>(s: &'s Service, key: &str) -> Option<&'s str> {
    s.container_env.get(key)?.winner.value.as_deref()
}

/// How the well-known server `kind` that `s` runs lets clients in, from
/// what its container receives and its `command:` (the official images'
/// documented variables, and Bitnami's `ALLOW_EMPTY_PASSWORD`). An image
/// the service builds may hold any configuration: [`ServerAuth::Other`].
pub(crate) fn server_auth(kind: ServerKind, s: &Service) -> ServerAuth {
    // A variable, or its `_FILE` twin the official images read a secret
    // file from.
    let set = |k: &str| {
        [k.to_string(), format!("{k}_FILE")]
            .iter()
            .any(|k| received(s, k).is_some_and(|v| !v.trim().is_empty()))
    };
    let off = |why: &str, key: Option<&str>| ServerAuth::Off {
        why: why.to_string(),
        key: key.map(String::from),
    };
    let weak = |password_keys: &[&str], user_keys: &[&str]| {
        let user = user_keys.iter().find_map(|k| received(s, k));
        password_keys.iter().find_map(|k| {
            received(s, k)
                .filter(|p| !p.trim().is_empty() && is_default_password(p, user))
                .map(|_| ServerAuth::DefaultPassword { key: k.to_string() })
        })
    };
    // Bitnami's switch, when no password is given beside it (for MySQL
    // and MariaDB, root's: a user's password leaves root without one).
    let any_password = match kind {
        ServerKind::Mysql => set("MYSQL_ROOT_PASSWORD") || set("MARIADB_ROOT_PASSWORD"),
        _ => s.container_env.vars.keys().any(|k| {
            k.to_ascii_uppercase().contains("PASSWORD") && !k.contains("ALLOW_EMPTY") && set(k)
        }),
    };
    if let Some(v) = received(s, "ALLOW_EMPTY_PASSWORD") {
        if crate::model::mount::is_true(v.trim()) && !any_password {
            return off(
                "ALLOW_EMPTY_PASSWORD lets clients in without one",
                Some("ALLOW_EMPTY_PASSWORD"),
            );
        }
    }
    // What the server is started with: compose's entrypoint and command.
    // (The words of a `sh -c "…"` script too.)
    let words: Vec<String> = s
        .entrypoint
        .iter()
        .chain(&s.command)
        .flat_map(|c| c.words())
        .flat_map(|w| {
            w.split_whitespace()
                .map(|x| x.trim_matches(['"', '\'']).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let has = |w: &str| {
        words
            .iter()
            .any(|x| x == w || x.starts_with(&format!("{w}=")))
    };
    let configured = words.iter().any(|w| {
        [".conf", ".yaml", ".yml", ".acl", ".cnf"]
            .iter()
            .any(|e| w.ends_with(e))
    });
    let built = s.build.is_some();
    // Only the images whose defaults we know are said to ask for nothing.
    let image = crate::facts::server::image_reference(s);
    let image = image
        .as_deref()
        .and_then(crate::facts::image_ref::ImageRef::parse);
    let official = |names: &[&str]| {
        image.is_some_and(|i| {
            let repo = i.repository().to_ascii_lowercase();
            names.iter().any(|n| {
                repo == *n
                    || repo == format!("library/{n}")
                    || repo.ends_with(&format!("/{n}")) && n.contains('/')
            })
        })
    };
    let found = match kind {
        ServerKind::Postgres => {
            if received(s, "POSTGRES_HOST_AUTH_METHOD").is_some_and(|m| m.trim() == "trust") {
                Some(off(
                    "POSTGRES_HOST_AUTH_METHOD=trust lets every client in without a password",
                    Some("POSTGRES_HOST_AUTH_METHOD"),
                ))
            } else {
                weak(
                    &["POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD"],
                    &["POSTGRES_USER", "POSTGRESQL_USERNAME"],
                )
            }
        }
        ServerKind::Mysql => {
            // The switch matters only without a root password (the
            // entrypoint sets one when it is given).
            let root = set("MYSQL_ROOT_PASSWORD") || set("MARIADB_ROOT_PASSWORD");
            let empty = [
                "MYSQL_ALLOW_EMPTY_PASSWORD",
                "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            ]
            .into_iter()
            .find(|k| received(s, k).is_some_and(|v| !v.is_empty()));
            match empty {
                Some(k) if !root => Some(off("root has no password", Some(k))),
                _ => weak(
                    &[
                        "MYSQL_ROOT_PASSWORD",
                        "MARIADB_ROOT_PASSWORD",
                        "MYSQL_PASSWORD",
                        "MARIADB_PASSWORD",
                    ],
                    &["MYSQL_USER", "MARIADB_USER"],
                ),
            }
        }
        ServerKind::Redis => {
            let args = received(s, "REDIS_ARGS").unwrap_or("");
            let protected = has("--requirepass")
                || has("--aclfile")
                || has("--user")
                || args.contains("requirepass")
                || args.contains("aclfile")
                || set("REDIS_PASSWORD")
                || set("VALKEY_PASSWORD")
                || configured
                || built;
            (!protected && official(&["redis", "valkey/valkey"])).then(|| {
                off(
                    "Redis asks for no password unless it is started with `--requirepass`, an ACL file or a configuration file",
                    None,
                )
            })
        }
        ServerKind::Mongo => {
            if set("MONGO_INITDB_ROOT_USERNAME") {
                weak(
                    &["MONGO_INITDB_ROOT_PASSWORD"],
                    &["MONGO_INITDB_ROOT_USERNAME"],
                )
            } else if has("--auth")
                || has("--config")
                || has("-f")
                || has("--keyFile")
                || configured
                || built
                || !official(&["mongo"])
            {
                None
            } else {
                Some(off(
                    "MongoDB starts without authentication when MONGO_INITDB_ROOT_USERNAME is not set",
                    None,
                ))
            }
        }
        ServerKind::Memcached => {
            (!(has("-S") || has("--enable-sasl") || built) && official(&["memcached"])).then(|| {
                off(
                    "Memcached has no authentication unless started with SASL (`-S`)",
                    None,
                )
            })
        }
        ServerKind::Elasticsearch => {
            let security =
                received(s, "xpack.security.enabled").map(|v| v.trim().to_ascii_lowercase());
            // A configuration file of its own may turn security on.
            let config_file = s.volumes.iter().any(|m| {
                m.read()
                    .and_then(|m| m.target)
                    .is_some_and(|t| t.trim_end_matches('/').ends_with("elasticsearch.yml"))
            });
            match security.as_deref() {
                Some("false") => Some(off(
                    "xpack.security.enabled=false turns authentication off",
                    Some("xpack.security.enabled"),
                )),
                Some(_) => None,
                // Before 8.0, security is off unless turned on.
                None if !built
                    && !config_file
                    && official(&["elasticsearch", "elasticsearch/elasticsearch"])
                    && major_version(s).is_some_and(|v| v < 8) =>
                {
                    Some(off(
                        "Elasticsearch before 8 asks for no password unless xpack.security.enabled=true",
                        None,
                    ))
                }
                None => None,
            }
        }
        ServerKind::RabbitMq => received(s, "RABBITMQ_DEFAULT_USER")
            .filter(|u| u.trim() != "guest")
            .and_then(|_| weak(&["RABBITMQ_DEFAULT_PASS"], &["RABBITMQ_DEFAULT_USER"])),
        _ => None,
    };
    found.unwrap_or(ServerAuth::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(image: &str) -> Service {
        let compose = format!("services:\n  s:\n    image: {image}\n");
        let dir = crate::rules::testing::write_project(&[("compose.yaml", &compose)]);
        let ws = crate::rules::testing::workspace(dir.path());
        ws.projects[0].services[0].clone()
    }

    #[test]
    fn how_servers_let_clients_in() {
        let auth = |compose: &str| {
            let dir = crate::rules::testing::write_project(&[("compose.yaml", compose)]);
            let ws = crate::rules::testing::workspace(dir.path());
            let s = &ws.projects[0].services[0];
            server_auth(ServerKind::of_service(s).unwrap(), s)
        };
        let off = |a: ServerAuth| matches!(a, ServerAuth::Off { .. });
        assert!(off(auth(
            "services:\n  es:\n    image: elasticsearch:7.16.1\n"
        )));
        assert_eq!(
            auth("services:\n  es:\n    image: elasticsearch:8.15.0\n"),
            ServerAuth::Other
        );
        assert!(off(auth("services:\n  es:\n    image: elasticsearch:8.15.0\n    environment:\n      xpack.security.enabled: \"false\"\n")));
        assert!(off(auth("services:\n  r:\n    image: redis:7\n")));
        assert_eq!(auth("services:\n  r:\n    image: redis:7\n    command: redis-server --requirepass \"$${REDIS_PASSWORD}\"\n"), ServerAuth::Other);
        assert_eq!(auth("services:\n  r:\n    image: redis:7\n    command: redis-server /usr/local/etc/redis/redis.conf\n"), ServerAuth::Other);
        assert!(off(auth("services:\n  m:\n    image: mongo:7\n")));
        assert!(matches!(
            auth("services:\n  m:\n    image: mongo:7\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: root\n      MONGO_INITDB_ROOT_PASSWORD: root\n"),
            ServerAuth::DefaultPassword { .. }
        ));
        assert!(off(auth("services:\n  db:\n    image: mariadb:11\n    environment:\n      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: \"1\"\n")));
        assert!(matches!(
            auth("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: changeit\n"),
            ServerAuth::DefaultPassword { .. }
        ));
        assert_eq!(
            auth("services:\n  q:\n    image: rabbitmq:3\n"),
            ServerAuth::Other
        );
    }

    #[test]
    fn what_services_need() {
        let none = |_: &str| false;
        let app = service("python:3.12-slim");
        for key in [
            "SECRET_KEY",
            "DJANGO_SECRET_KEY",
            "SECRET_KEY_BASE",
            "NEXTAUTH_SECRET",
            "JWT_SECRET",
            "APP_KEY",
            "DB_ENCRYPTION_KEY",
            "GOTRUE_JWT_SECRET",
        ] {
            assert_eq!(
                needed_secret(&app, key, &none),
                Some(Needed::AppKey),
                "{key}"
            );
        }
        for key in [
            "GOTRUE_ADMIN_PASSWORD",
            "FIRST_SUPERUSER_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
        ] {
            assert_eq!(
                needed_secret(&app, key, &none),
                Some(Needed::AdminPassword),
                "{key}"
            );
        }
        for key in [
            "SMTP_PASSWORD",
            "EMAIL_HOST_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "GOTRUE_EXTERNAL_GOOGLE_SECRET",
            "OPENAI_API_KEY",
            "STRIPE_SECRET_KEY",
            "GOTRUE_SAML_PRIVATE_KEY",
            "LDAP_BIND_PW",
            "REDIS_PASSWORD",
            "DB_PASSWORD",
            "SENTRY_AUTH_TOKEN",
        ] {
            assert_eq!(needed_secret(&app, key, &none), None, "{key}");
        }
    }

    #[test]
    fn an_integration_whose_account_is_empty_is_off() {
        let compose = "services:\n  app:\n    image: x\n    environment:\n      NORDIGEN_SECRET_ID: ''\n      NORDIGEN_SECRET_KEY: ''\n      APP_SECRET_KEY: ''\n";
        let dir = crate::rules::testing::write_project(&[("compose.yaml", compose)]);
        let ws = crate::rules::testing::workspace(dir.path());
        let app = &ws.projects[0].services[0];
        let none = |_: &str| false;
        assert_eq!(needed_secret(app, "NORDIGEN_SECRET_KEY", &none), None);
        assert_eq!(
            needed_secret(app, "APP_SECRET_KEY", &none),
            Some(Needed::AppKey)
        );
    }

    #[test]
    fn what_database_images_need() {
        let none = |_: &str| false;
        let pg = service("postgres:16");
        assert_eq!(
            needed_secret(&pg, "POSTGRES_PASSWORD", &none),
            Some(Needed::ServerImage(ServerKind::Postgres))
        );
        let trust = |k: &str| k == "POSTGRES_HOST_AUTH_METHOD";
        assert_eq!(needed_secret(&pg, "POSTGRES_PASSWORD", &trust), None);
        let maria = service("mariadb:11");
        assert!(needed_secret(&maria, "MYSQL_ROOT_PASSWORD", &none).is_some());
        let random = |k: &str| k == "MARIADB_RANDOM_ROOT_PASSWORD";
        assert_eq!(
            needed_secret(&maria, "MARIADB_ROOT_PASSWORD", &random),
            None
        );
        assert_eq!(needed_secret(&maria, "MYSQL_PASSWORD", &none), None);
        let user = |k: &str| k == "MYSQL_USER";
        assert!(needed_secret(&maria, "MYSQL_PASSWORD", &user).is_some());
    }
}
