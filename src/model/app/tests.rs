use super::*;
use crate::syntax::python::parse;

fn code(files: &[(&str, &str)]) -> AppCode {
    let mut sources = crate::source::SourceMap::new();
    let mut modules = BTreeMap::new();
    for (path, text) in files {
        let id = sources.add(crate::source::SourceFile::new(
            std::path::PathBuf::from(format!("/p/{path}")),
            path.to_string(),
            crate::source::FileKind::Python,
            text.to_string(),
        ));
        modules.insert(id, Arc::new(parse(text)));
    }
    AppCode::new(&sources, modules)
}

fn names(c: &SettingsClass) -> Vec<(String, Vec<String>, bool)> {
    c.fields
        .iter()
        .map(|f| (f.def.name.clone(), f.env_names.clone(), f.required))
        .collect()
}

#[test]
fn inheritance_across_modules_merges_fields_and_configuration() {
    let app = code(&[
        ("app/base.py", "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Common(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='A_', case_sensitive=True)\n    x: int = 1\n    y: str\n"),
        ("app/config.py", "from .base import Common\n\nclass Settings(Common):\n    model_config = SettingsConfigDict(env_prefix='B_')\n    y: str = 'd'\n    z: str = Field(alias='ZED')\n\nclass Plain(Mixin):\n    q: int\n"),
    ]);
    let s = app.classes.iter().find(|c| c.name == "Settings").unwrap();
    assert!(s.complete);
    assert!(s.config.case_sensitive);
    assert_eq!(s.config.env_prefix, "B_");
    assert_eq!(
        names(s),
        [
            ("x".into(), vec!["B_x".into()], false),
            ("y".into(), vec!["B_y".into()], false),
            ("z".into(), vec!["ZED".into()], true),
        ]
    );
    assert!(s.field_for("B_x").is_some() && s.field_for("B_X").is_none());
    // A class that reaches no BaseSettings is no settings class.
    assert!(!app.classes.iter().any(|c| c.name == "Plain"));
}

#[test]
fn v1_semantics() {
    let app = code(&[(
        "app/config.py",
        "from pydantic import BaseSettings, Field\n\nclass S(BaseSettings):\n    a: Optional[str]\n    b: str = Field(..., alias='BEE')\n    c: str = Field(..., env='SEE')\n    d: str\n\n    class Config:\n        env_prefix = 'P_'\n        fields = {'d': {'env': ['D1', 'D2']}}\n",
    )]);
    let s = &app.classes[0];
    assert!(s.v1);
    assert_eq!(
        names(s),
        [
            ("a".into(), vec!["P_a".into()], false),
            ("b".into(), vec!["P_b".into()], true),
            ("c".into(), vec!["SEE".into()], true),
            ("d".into(), vec!["D1".into(), "D2".into()], true),
        ]
    );
}

#[test]
fn v2_ignores_env_and_reads_class_keywords_and_populate_by_name() {
    let app = code(&[(
        "app/config.py",
        "from pydantic_settings import BaseSettings\n\nclass S(BaseSettings, env_prefix='K_', populate_by_name=True):\n    a: Optional[str]\n    b: str = Field('x', env='IGNORED')\n    c: str = Field('x', validation_alias=AliasChoices('C1', 'C2'))\n",
    )]);
    let s = &app.classes[0];
    assert!(!s.v1);
    assert_eq!(
        names(s),
        [
            ("a".into(), vec!["K_a".into()], true),
            ("b".into(), vec!["K_b".into()], false),
            (
                "c".into(),
                vec!["C1".into(), "C2".into(), "K_c".into()],
                false
            ),
        ]
    );
}

#[test]
fn what_we_cannot_see_makes_a_class_incomplete() {
    let app = code(&[(
        "app/config.py",
        "from pydantic_settings import BaseSettings\nfrom lib import Base\n\nclass S(Base, BaseSettings):\n    a: str\n\nclass T(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=PREFIX)\n    a: str\n",
    )]);
    assert!(app.classes.iter().all(|c| !c.complete));
}

#[test]
fn test_modules_are_not_the_app() {
    for p in [
        "tests/x.py",
        "app/test_config.py",
        "conftest.py",
        "a/config_test.py",
    ] {
        assert!(is_test_module(Path::new(p)), "{p}");
    }
    assert!(!is_test_module(Path::new("app/config.py")));
}
