//! What well-known base images are known to hold and do, read through
//! [`ImageRef`]: which user they run as, whether they ship a compiler
//! toolchain, curl or wget. Only official images whose Dockerfiles we know;
//! anything else is unknown, and rules stay silent on it.

use crate::facts::image_ref::ImageRef;

/// The name of an official Docker Hub image (`python` for `python:3.12`,
/// `docker.io/library/python`), lowercase; `None` for any other image.
pub(crate) fn official_name(image: &ImageRef) -> Option<String> {
    let docker_hub = image
        .registry
        .is_none_or(|r| matches!(r, "docker.io" | "index.docker.io" | "registry-1.docker.io"));
    let path = image.path.to_ascii_lowercase();
    let path = path.strip_prefix("library/").unwrap_or(&path).to_string();
    (docker_hub && !path.contains('/')).then_some(path)
}

/// The tag, lowercase; `latest` when none is written (a digest alone names
/// the default variant too).
fn tag(image: &ImageRef) -> String {
    image.tag.unwrap_or("latest").to_ascii_lowercase()
}

/// Who the processes of an image run as when its Dockerfile sets no USER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseUser {
    /// root, and nothing in the image changes that: distributions, language
    /// runtimes, `scratch`.
    Root,
    /// The entrypoint starts as root and hands the server to its own user
    /// (`postgres`, `redis`, `mysql` through gosu), or only a master process
    /// keeps root and the workers do not (`nginx`, `httpd`, `php:*-fpm`).
    DropsPrivileges,
    /// Not an image we know: it may set a USER of its own (`grafana/grafana`
    /// runs as 472, `prom/prometheus` as nobody).
    Unknown,
}

/// Whether `name` (no registry, path or tag) is a Docker Official Image
/// people copy from or build on (`node`, `alpine`, `nginx`): the images of
/// the tables here and a few more.
pub(crate) fn is_official_image(name: &str) -> bool {
    const MORE: &[&str] = &[
        "nginx",
        "httpd",
        "caddy",
        "traefik",
        "haproxy",
        "docker",
        "mongo",
        "memcached",
        "rabbitmq",
        "elasticsearch",
        "gcc",
        "maven",
        "gradle",
        "composer",
        "bash",
        "php",
        "openjdk",
        "eclipse-temurin",
        "postgres",
        "redis",
        "mysql",
        "mariadb",
        "tomcat",
        "wordpress",
        "nextcloud",
        "ghost",
        "influxdb",
        "telegraf",
        "vault",
        "consul",
        "registry",
        "swift",
        "haskell",
        "julia",
        "erlang",
        "elixir",
        "clojure",
        "dart",
        "kong",
        "neo4j",
        "couchdb",
        "cassandra",
        "solr",
        "sonarqube",
        "jenkins",
        "drupal",
        "joomla",
        "odoo",
        "eclipse-mosquitto",
        "nats",
        "zookeeper",
        "flink",
        "spark",
    ];
    let name = name.to_ascii_lowercase();
    [ROOT_IMAGES, DROPPING_IMAGES, TOOLCHAIN_IMAGES, MORE]
        .iter()
        .any(|list| list.contains(&name.as_str()))
}

/// Official images that run as root unless told otherwise.
const ROOT_IMAGES: &[&str] = &[
    "alpine",
    "debian",
    "ubuntu",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "oraclelinux",
    "archlinux",
    "buildpack-deps",
    "python",
    "pypy",
    "node",
    "golang",
    "ruby",
    "rust",
    "perl",
    "php",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "ibmjava",
    "sapmachine",
    "maven",
    "gradle",
    "julia",
    "elixir",
    "erlang",
    "haskell",
    "swift",
    "dart",
    "clojure",
    "groovy",
    "gcc",
    "bash",
    "tomcat",
    "caddy",
    "traefik",
];

/// Official server images whose entrypoint or master process hands the
/// work to an unprivileged user.
const DROPPING_IMAGES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
    "redis",
    "valkey",
    "rabbitmq",
    "memcached",
    "cassandra",
    "couchdb",
    "elasticsearch",
    "nginx",
    "httpd",
    "wordpress",
    "nextcloud",
    "drupal",
    "joomla",
    "haproxy",
];

/// Who `image` runs as without a USER of the Dockerfile.
pub(crate) fn base_user(image: &ImageRef) -> BaseUser {
    if image.registry.is_none() && image.path.eq_ignore_ascii_case("scratch") {
        return BaseUser::Root;
    }
    // Microsoft's .NET images run as root; `app` exists but is not the default.
    if image
        .registry
        .is_some_and(|r| r.eq_ignore_ascii_case("mcr.microsoft.com"))
        && image.path.to_ascii_lowercase().starts_with("dotnet/")
        && !tag(image).contains("chiseled")
        && !tag(image).contains("distroless")
    {
        return BaseUser::Root;
    }
    let Some(name) = official_name(image) else {
        return BaseUser::Unknown;
    };
    // php's Apache and FPM variants serve through www-data workers.
    if name == "php" && (tag(image).contains("apache") || tag(image).contains("fpm")) {
        return BaseUser::DropsPrivileges;
    }
    if DROPPING_IMAGES.contains(&name.as_str()) {
        BaseUser::DropsPrivileges
    } else if ROOT_IMAGES.contains(&name.as_str()) {
        BaseUser::Root
    } else {
        BaseUser::Unknown
    }
}

/// Official images whose default variant is built on `buildpack-deps`
/// and so already ships gcc, make and the common headers.
const TOOLCHAIN_IMAGES: &[&str] = &[
    "buildpack-deps",
    "gcc",
    "golang",
    "rust",
    "python",
    "node",
    "ruby",
    "perl",
];

/// Whether an image is a full toolchain image (`python:3.12`,
/// `node:22-bookworm`, `buildpack-deps:bookworm`), not a `-slim` or
/// `-alpine` variant.
pub(crate) fn is_toolchain(image: &ImageRef) -> bool {
    let tag = tag(image);
    official_name(image).is_some_and(|n| TOOLCHAIN_IMAGES.contains(&n.as_str()))
        && ![
            "slim",
            "alpine",
            "windowsservercore",
            "nanoserver",
            "distroless",
        ]
        .iter()
        .any(|v| tag.contains(v))
}

/// Whether a base image ships `program` (`curl`, `wget`): `Some(true)` has
/// it, `Some(false)` lacks it, `None` unknown (no guess).
pub(crate) fn ships(image: &ImageRef, program: &str) -> Option<bool> {
    if image.path.to_ascii_lowercase().contains("distroless") {
        return Some(false);
    }
    let name = official_name(image)?;
    let tag = tag(image);
    if name == "scratch" {
        return Some(false);
    }
    if name == "busybox" {
        return Some(program == "wget");
    }
    // Official images whose variants we know.
    const KNOWN: &[&str] = &[
        "python",
        "node",
        "ruby",
        "golang",
        "openjdk",
        "eclipse-temurin",
        "php",
        "rust",
        "perl",
        "debian",
        "ubuntu",
        "alpine",
        "postgres",
        "redis",
        "mysql",
        "mariadb",
        "mongo",
    ];
    if !KNOWN.contains(&name.as_str()) {
        return None;
    }
    if name == "alpine" || tag.contains("alpine") {
        // busybox wget, no curl.
        return Some(program == "wget");
    }
    if tag.contains("slim") || matches!(name.as_str(), "debian" | "ubuntu") {
        return Some(false);
    }
    match name.as_str() {
        // The full variants are built on buildpack-deps: curl and wget.
        "python" | "node" | "ruby" | "golang" | "php" | "rust" | "perl" => Some(true),
        _ => None,
    }
}

/// The names of every variable the configuration of `image` sets (its
/// `ENV`), when we know them: `scratch` and the distributions set only
/// `PATH` (BuildKit adds it to any image that lacks it), Python, Node.js and Go
/// their versions — the union over the tags and variants of the official
/// images' Dockerfiles. `None` for any other image.
pub(crate) fn known_env(image: &ImageRef) -> Option<&'static [&'static str]> {
    const PATH_ONLY: &[&str] = &["PATH"];
    const PYTHON: &[&str] = &[
        "PATH",
        "LANG",
        "GPG_KEY",
        "PYTHON_VERSION",
        "PYTHON_SHA256",
        "PYTHON_PIP_VERSION",
        "PYTHON_SETUPTOOLS_VERSION",
        "PYTHON_GET_PIP_URL",
        "PYTHON_GET_PIP_SHA256",
        "PYTHON_RELEASE",
        "PYTHON_WHEEL_VERSION",
        "PYTHONIOENCODING",
    ];
    const NODE: &[&str] = &[
        "PATH",
        "NODE_VERSION",
        "YARN_VERSION",
        "NPM_CONFIG_LOGLEVEL",
    ];
    const GOLANG: &[&str] = &[
        "PATH",
        "GOLANG_VERSION",
        "GOTOOLCHAIN",
        "GOPATH",
        "GOLANG_DOWNLOAD_URL",
        "GOLANG_DOWNLOAD_SHA256",
        "GOLANG_SRC_URL",
        "GOLANG_SRC_SHA256",
    ];
    let name = official_name(image)?;
    // Windows variants set more (Git's version and download for Go), and
    // `onbuild` ones declare names in the images built from them.
    let t = tag(image);
    if ["windowsservercore", "nanoserver", "onbuild"]
        .iter()
        .any(|v| t.contains(v))
    {
        return None;
    }
    match name.as_str() {
        "scratch" | "alpine" | "debian" | "ubuntu" | "busybox" => Some(PATH_ONLY),
        "python" => Some(PYTHON),
        "node" => Some(NODE),
        "golang" => Some(GOLANG),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(s: &str) -> BaseUser {
        base_user(&ImageRef::parse(s).unwrap())
    }

    #[test]
    fn users_of_known_images() {
        for root in [
            "python:3.12-slim",
            "docker.io/library/node:22",
            "alpine",
            "scratch",
            "php:8.3-cli",
            "mcr.microsoft.com/dotnet/aspnet:8.0",
        ] {
            assert_eq!(user(root), BaseUser::Root, "{root}");
        }
        for drops in ["postgres:16", "nginx:1.27-alpine", "php:8.3-fpm", "redis"] {
            assert_eq!(user(drops), BaseUser::DropsPrivileges, "{drops}");
        }
        for unknown in [
            "grafana/grafana:11.0.0",
            "prom/prometheus",
            "bitnami/postgresql:16",
            "registry.local:5000/python:3.12",
            "ghcr.io/org/app",
            "mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled",
        ] {
            assert_eq!(user(unknown), BaseUser::Unknown, "{unknown}");
        }
    }

    #[test]
    fn toolchains_and_programs() {
        let p = |s| ImageRef::parse(s).unwrap();
        assert!(is_toolchain(&p("python:3.12")));
        assert!(is_toolchain(&p("docker.io/library/golang:1.22")));
        assert!(!is_toolchain(&p("python:3.12-slim")));
        assert!(!is_toolchain(&p("registry.local:5000/python:3.12")));
        assert_eq!(ships(&p("python:3.12-slim"), "curl"), Some(false));
        assert_eq!(ships(&p("redis:7-alpine"), "wget"), Some(true));
        assert_eq!(ships(&p("gcr.io/distroless/static"), "wget"), Some(false));
        assert_eq!(ships(&p("nginx:1.27"), "curl"), None);
    }
}
