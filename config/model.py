"""The one typed config object: built from a preset, then a YAML file, then flags.

Every knob a stage reads lives here, so `--print-config` shows the whole truth of a run and the
manifest can record it.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import yaml

from config.assembly import AssemblyConfig, assembly_config_problems
from config.dump import BigQueryConfig, FetchConfig, dump_config_problems, redact_config_dict
from config.filters import FILTER_PRESETS, FilterConfig, filter_config_problems
from config.judge import JUDGE_PRESETS, JudgeConfig, judge_config_problems
from config.licenses import LICENSE_PRESETS, LicenseConfig, license_config_problem


class ConfigError(ValueError):
    """A mistake the user can fix; the CLI prints its message as one sentence and exits."""


@dataclass
class GitConfig:
    # "branches" (refs/heads/*), "head", or an fnmatch pattern over full ref names such as "refs/tags/v*".
    refs: str = "branches"
    # Pull-request refs hold unreviewed work; they are mined only when asked.
    include_pull_refs: bool = False
    # File extensions that count as Python.
    extensions: list[str] = field(default_factory=lambda: [".py"])


STOP_AFTER = ("corpus", "sources")


@dataclass
class OutputConfig:
    # Shard counts and sizes of the corpus are in assembly.output; these apply to every file written.
    compression: str = "zstd"
    # Rows per Parquet row group; keeps readers' memory small.
    row_group_rows: int = 1000
    # Memory each shard writer and each grouping (fork merge, dedup, judge sequences) may fill per
    # bundle before it sorts the rows and spills them to a run file (under the output's staging
    # folder). Larger: fewer runs to merge; smaller: less memory.
    sort_buffer_mb: int = 16
    # "corpus": the whole build. "sources": stop after each source's own stages (mining, reading,
    # filters) and write their records (data/commits-*.parquet, data/judge-*.parquet), to be
    # assembled later, as often as wanted, with --from-shards.
    stop_after: str = "corpus"

    @property
    def sort_buffer_bytes(self) -> int:
        return self.sort_buffer_mb << 20


@dataclass
class Config:
    preset: str = "strict"
    git: GitConfig = field(default_factory=GitConfig)
    bigquery: BigQueryConfig = field(default_factory=BigQueryConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    filters: FilterConfig = field(default_factory=FilterConfig)
    licenses: LicenseConfig = field(default_factory=LicenseConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    assembly: AssemblyConfig = field(default_factory=AssemblyConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


# A preset is a set of overrides on the defaults (which are `strict`), section by section.
PRESETS: dict[str, dict[str, Any]] = {
    name: {"filters": FILTER_PRESETS[name], "licenses": LICENSE_PRESETS[name], "judge": JUDGE_PRESETS[name]}
    for name in ("strict", "commitpackft", "none")
}
# CommitPackFT's Python subset took every Linguist Python extension: mine those files too.
if "extensions" in FILTER_PRESETS["commitpackft"]:
    PRESETS["commitpackft"]["git"] = {"extensions": FILTER_PRESETS["commitpackft"]["extensions"]}


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _check_value(path: str, value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _check_value(path, value, inner[0])
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{path}' must be a list, not {value!r}")
        return [_check_value(f"{path}[{i}]", v, item_tp) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{path}' must be a mapping, not {value!r}")
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{path}' must be true or false, not {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{path}' must be a whole number, not {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{path}' must be a number, not {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{path}' must be a string, not {value!r}")
        return value
    raise ConfigError(f"config key '{path}' has an unsupported type {_type_name(tp)}")


def _apply(obj: Any, data: dict[str, Any], prefix: str = "") -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"config section '{prefix or 'top level'}' must be a mapping, not {data!r}")
    hints = typing.get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(f"unknown config key '{path}' (known: {', '.join(sorted(names))})")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            _apply(current, value, prefix=f"{path}.")
        else:
            setattr(obj, key, _check_value(path, value, hints[key]))


def build_config(preset: str = "strict", yaml_text: str | None = None,
                 overrides: dict[str, Any] | None = None) -> Config:
    """Layer preset, then YAML, then flag overrides (dotted keys), and validate the result."""
    config = Config()
    yaml_data: dict[str, Any] = {}
    if yaml_text:
        try:
            loaded = yaml.safe_load(yaml_text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"the config file is not valid YAML ({str(exc).splitlines()[0]})") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError("the config file must hold a mapping of keys to values")
        yaml_data = loaded or {}
        preset = yaml_data.pop("preset", preset)
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset '{preset}' (known: {', '.join(sorted(PRESETS))})")
    config.preset = preset
    _apply(config, PRESETS[preset])
    _apply(config, yaml_data)
    for dotted, value in (overrides or {}).items():
        *parents, leaf = dotted.split(".")
        nested: dict[str, Any] = {leaf: value}
        for parent in reversed(parents):
            nested = {parent: nested}
        _apply(config, nested)
    validate(config)
    return config


def validate(config: Config) -> None:
    if config.output.row_group_rows < 1:
        raise ConfigError("config key 'output.row_group_rows' must be at least 1")
    if config.output.sort_buffer_mb < 1:
        raise ConfigError("config key 'output.sort_buffer_mb' must be at least 1")
    if config.output.stop_after not in STOP_AFTER:
        raise ConfigError(f"config key 'output.stop_after' must be one of {', '.join(STOP_AFTER)}")
    if config.output.compression not in ("zstd", "snappy", "gzip", "none"):
        raise ConfigError("config key 'output.compression' must be one of zstd, snappy, gzip or none")
    if not config.git.refs:
        raise ConfigError("config key 'git.refs' must not be empty")
    problems = (filter_config_problems(config.filters) + judge_config_problems(config.judge)
                + assembly_config_problems(config.assembly) + dump_config_problems(config.bigquery, config.fetch))
    if problems:
        raise ConfigError(problems[0])
    problem = license_config_problem(config.licenses)
    if problem:
        raise ConfigError(problem)


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as written to the manifest and printed: credentials in URLs are taken out."""
    return redact_config_dict(dataclasses.asdict(config))


def config_to_yaml(config: Config) -> str:
    return yaml.safe_dump(config_to_dict(config), sort_keys=False)
