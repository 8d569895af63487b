#!/usr/bin/env python3
"""Ground-truth oracle: how pydantic BaseSettings classes read the environment.

Reads a JSON array of cases on stdin, writes a JSON array of results on stdout.

  case:   {"id": 7, "source": "<python module text>", "class": "Settings",
           "env": {"KEY": "value"}, "files": {".env": "KEY=v\\n"}}   # "files": optional, relative paths
  result: {"id": 7, "crash": null | "<ExcType: text>", "warnings": [...],
           "fields": {"name": {"state": "set"|"default"|"missing"|"invalid"|"unknown",
                               "value": <model_dump(mode="json") value or null>,
                               "error": <pydantic error type or null>}}}

Per case: os.environ is replaced by exactly `env` (restored afterwards), the cwd is a
fresh empty temp dir (holding only `files`), the source is exec'd as a fresh module,
and `class` is instantiated with no arguments.
  set      field in model_fields_set (a settings source supplied it)
  default  field not in model_fields_set (its default/default_factory was used)
  missing / invalid   the ValidationError has an error for this field ("missing" or other
           type). Each error's loc[0] is mapped back to its field via the field's name,
           alias, validation_alias, AliasChoices choices or AliasPath first element.
  Fields WITHOUT an error in a failing case: a subclass is built where every erroring
  field is overridden as `Any = None` read from no env var and not validated (so its
  validators do not run), with extra="ignore" (so extra_forbidden keys from a .env file do
  not fail it); it is instantiated again under the same env, and the other fields'
  set/default state and value come from that instance. If that too fails (e.g. a
  model_validator, or a v1 validator on the overridden field), they are "unknown".
  crash    any non-ValidationError (bad source, SettingsError such as a non-JSON value
           for a list/dict field, ...); "fields" is then {}.
Errors that map to no field (model validators) are listed under "unmapped_errors".

Also works under pydantic v1 (`from pydantic import BaseSettings`): then __fields__,
__fields_set__ and .json() are used, and error types look like "type_error.integer".

Run:   python3 scripts/pydantic-oracle.py < cases.json > results.json
Checked with:  pip install pydantic-settings==2.16.3 pydantic==2.14.4   (python 3.11)
       and:    pip install pydantic==1.10.27                              (v1 mode)
Standard library + pydantic only; ~1-3 ms per case.
"""
import contextlib, json, os, sys, tempfile, types, warnings
from typing import Any

import pydantic

V1 = pydantic.VERSION.startswith("1.")


def fields_of(cls):
    return cls.__fields__ if V1 else cls.model_fields


def loc_map(cls):
    """loc[0] of an error -> field name. Aliases take priority over plain names."""
    m = {}
    for name, f in fields_of(cls).items():
        m.setdefault(name, name)
    for name, f in fields_of(cls).items():
        keys = [f.alias]
        if not V1:
            va = f.validation_alias
            for c in getattr(va, "choices", [va]):
                keys.append(c.path[0] if hasattr(c, "path") else c)
        for k in keys:
            if isinstance(k, str):
                m[k] = name
    return m


def dump(obj, name):
    try:
        if V1:
            return json.loads(obj.json(include={name})).get(name)
        return obj.model_dump(mode="json", include={name}).get(name)
    except Exception as e:  # unserialisable value
        return repr(getattr(obj, name, None)) + " (dump failed: %s)" % e


def report_ok(obj, names):
    fs = obj.__fields_set__ if V1 else obj.model_fields_set
    return {n: {"state": "set" if n in fs else "default", "value": dump(obj, n), "error": None}
            for n in names}


def erroring_removed(cls, bad):
    """Subclass of cls where each erroring field is `Any = None`, read from no env var and not
    validated (so its field validators do not run), with extra="ignore"."""
    ns = {"__annotations__": {n: Any for n in bad}, "__module__": cls.__module__}
    for n in bad:
        if V1:
            ns[n] = pydantic.Field(None, env="__oracle_unset__")
        else:
            ns[n] = pydantic.Field(None, validation_alias="__oracle_unset__", validate_default=False)
    if V1:  # extra keys (extra_forbidden from a .env file) must not hide the other fields
        ns["Config"] = type("Config", (), {"extra": "ignore"})
    else:
        ns["model_config"] = {**cls.model_config, "extra": "ignore"}
    return type(cls.__name__, (cls,), ns)


def run_case(case):
    res = {"id": case.get("id"), "fields": {}, "crash": None, "warnings": []}
    modname = "_oracle_case_%s" % abs(hash(str(case.get("id"))))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            mod = types.ModuleType(modname)
            sys.modules[modname] = mod
            with contextlib.redirect_stdout(sys.stderr):
                exec(compile(case["source"], "<case %s>" % case.get("id"), "exec"), mod.__dict__)
                cls = mod.__dict__[case.get("class", "Settings")]
                names = list(fields_of(cls))
                try:
                    res["fields"] = report_ok(cls(), names)
                except pydantic.ValidationError as e:
                    lm, out, unmapped = loc_map(cls), {}, []
                    for err in e.errors():
                        loc = err.get("loc") or ("__root__",)
                        n = lm.get(loc[0])
                        if n is None:
                            unmapped.append({"loc": list(map(str, loc)), "error": err["type"]})
                        elif n not in out:
                            out[n] = {"state": "missing" if err["type"] in ("missing", "value_error.missing") else "invalid",
                                      "value": None, "error": err["type"]}
                    rest = [n for n in names if n not in out]
                    if rest:
                        try:
                            out.update(report_ok(erroring_removed(cls, list(out))(), rest))
                        except Exception:
                            out.update({n: {"state": "unknown", "value": None, "error": None} for n in rest})
                    res["fields"] = {n: out[n] for n in names}
                    if unmapped:
                        res["unmapped_errors"] = unmapped
        except BaseException as e:  # never die on one case (SystemExit, KeyboardInterrupt too)
            res["crash"] = "%s: %s" % (type(e).__name__, e)
            res["fields"] = {}
        finally:
            sys.modules.pop(modname, None)
        res["warnings"] = sorted({"%s: %s" % (w.category.__name__, w.message) for w in caught})
    return res


def main():
    cases = json.load(sys.stdin)
    saved_env, saved_cwd, results = dict(os.environ), os.getcwd(), []
    for case in cases:
        with tempfile.TemporaryDirectory() as d:
            try:
                for fname, text in (case.get("files") or {}).items():
                    path = os.path.realpath(os.path.join(d, fname))
                    if not path.startswith(os.path.realpath(d) + os.sep):
                        raise ValueError("file outside the case dir: %s" % fname)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as fh:
                        fh.write(text)
                os.chdir(d)
                os.environ.clear()
                os.environ.update({str(k): str(v) for k, v in (case.get("env") or {}).items()})
                results.append(run_case(case))
            except Exception as e:  # malformed case (bad "files", not a dict, ...)
                results.append({"id": case.get("id") if isinstance(case, dict) else None,
                                "fields": {}, "crash": "bad case: %r" % e, "warnings": []})
            finally:
                os.environ.clear()
                os.environ.update(saved_env)
                os.chdir(saved_cwd)
    json.dump(results, sys.stdout, indent=1, default=repr)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
