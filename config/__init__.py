"""The typed config of a run: one module per section, presets, loading and validation.

Config is data, not a record shape, so it lives apart from `schemas/`. Stages import the section
they read (`config.filters.FilterConfig`, ...); the door (`run_pipeline.py`) and the pipeline
import the whole object from here.

- `model`: the root `Config`; `git`, `dump` (bigquery, fetch), `filters`, `licenses`, `judge`,
  `assembly`, `output`: one module per section, each with its dataclass and `problems(section)`.
- `presets`: the named presets, gathered from the sections' own shares.
- `loading`: preset -> YAML -> flag overrides, type checks, and the config printed back as YAML.
- `validation`: every problem of every section at once. `errors`: the ConfigError that carries them.
- `checks`: the sentences the sections' checks share.
"""
from config.errors import ConfigError
from config.git import GitConfig
from config.loading import build_config, config_to_dict, config_to_yaml
from config.model import Config
from config.output import STOP_AFTER, OutputConfig
from config.presets import PRESETS
from config.validation import validate
from config.verify import VerifyConfig

__all__ = ["PRESETS", "STOP_AFTER", "Config", "ConfigError", "GitConfig", "OutputConfig", "VerifyConfig", "build_config",
           "config_to_dict", "config_to_yaml", "validate"]
