"""Building a Config: a preset, then a YAML file, then flag overrides, each value type-checked.

YAML and flags are text from the user, so every value is checked against its field's type before it
is set, and every mistake is gathered before one ConfigError is raised: a file with three typos is
fixed in one round, not three.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

import yaml

from config.dump import redact_config_dict
from config.errors import ConfigError
from config.model import Config
from config.presets import PRESETS
from config.validation import validate

# What a scalar knob accepts, and how a mistake names it. bool is an int to Python, never to a user.
_SCALARS: dict[type, tuple[Callable[[Any], bool], str]] = {
    bool: (lambda v: isinstance(v, bool), "true or false"),
    int: (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    float: (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    str: (lambda v: isinstance(v, str), "a string"),
}


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _mistyped(path: str, value: Any, what: str) -> ConfigError:
    return ConfigError(f"config key '{path}' must be {what}, not {value!r}")


def _check_value(path: str, value: Any, tp: Any) -> Any:
    """The value as the field holds it (an int given for a float becomes a float), or a ConfigError
    naming the key, so a typo in YAML never reaches a stage as a wrong type."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _check_value(path, value, inner[0])
    if origin is list:
        if not isinstance(value, list):
            raise _mistyped(path, value, "a list")
        (item_tp,) = typing.get_args(tp)
        return [_check_value(f"{path}[{i}]", v, item_tp) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _mistyped(path, value, "a mapping")
        return dict(value)
    if tp is str and isinstance(value, bool):
        # YAML 1.1 reads a bare off/on (and no/yes) as a boolean; a text key given one means the word
        # (judge.verify.mode: off), and the key's own check says whether the word is allowed.
        return "on" if value else "off"
    if tp in _SCALARS:
        accepts, what = _SCALARS[tp]
        if not accepts(value):
            raise _mistyped(path, value, what)
        return float(value) if tp is float else value
    raise ConfigError(f"config key '{path}' has an unsupported type {_type_name(tp)}")


def _apply(obj: Any, data: dict[str, Any], prefix: str = "") -> None:
    """Sets every value of `data` that passes its check, then raises one ConfigError for all that did
    not; a key that fails keeps its earlier value, so the rest of the config can still be checked."""
    if not isinstance(data, dict):
        raise ConfigError(f"config section '{prefix.rstrip('.') or 'top level'}' must be a mapping, not {data!r}")
    hints = typing.get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    found: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        try:
            if key not in names:
                raise ConfigError(f"unknown config key '{path}' (known: {', '.join(sorted(names))})")
            current = getattr(obj, key)
            if dataclasses.is_dataclass(current):
                _apply(current, value, prefix=f"{path}.")
            else:
                setattr(obj, key, _check_value(path, value, hints[key]))
        except ConfigError as exc:
            found += exc.problems
    if found:
        raise ConfigError(*found)


def _yaml_mapping(yaml_text: str, source: str | None) -> dict[str, Any]:
    """A file that is not a mapping cannot be checked key by key, so it stops the build at once.
    A syntax error names the file, the line and the column, which is where the user must look."""
    name = f"the config file '{source}'" if source else "the config file"
    try:
        loaded = yaml.safe_load(yaml_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or str(exc).splitlines()[0]
        raise ConfigError(f"{name} is not valid YAML{where}: {what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{name} must hold a mapping of keys to values")
    return loaded or {}


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    """A flag's dotted key as the nested mapping a YAML file would hold."""
    *parents, leaf = dotted.split(".")
    nested: dict[str, Any] = {leaf: value}
    for parent in reversed(parents):
        nested = {parent: nested}
    return nested


def build_config(preset: str = "strict", yaml_text: str | None = None,
                 overrides: dict[str, Any] | None = None, *, source: str | None = None) -> Config:
    """Layer preset, then YAML, then flag overrides (dotted keys), and validate the result.

    Raises one ConfigError listing every problem: the type errors of all layers first, then what
    validation finds in the values that passed. `source` names the YAML file in messages.
    """
    yaml_data = _yaml_mapping(yaml_text, source) if yaml_text else {}
    preset = yaml_data.pop("preset", preset)
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ConfigError(f"unknown preset '{preset}' (known: {', '.join(sorted(PRESETS))})")
    config = Config(preset=preset)
    found: list[str] = []
    layers = [PRESETS[preset], yaml_data, *(_nested(k, v) for k, v in (overrides or {}).items())]
    for layer in layers:
        try:
            _apply(config, layer)
        except ConfigError as exc:
            found += exc.problems
    found += validate(config)
    if found:
        raise ConfigError(*found)
    return config


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as written to the manifest and printed: credentials in URLs are taken out."""
    return redact_config_dict(dataclasses.asdict(config))


def config_to_yaml(config: Config) -> str:
    """The printed config loads back into the same Config, so it can be saved and edited as a file."""
    return yaml.safe_dump(config_to_dict(config), sort_keys=False)
