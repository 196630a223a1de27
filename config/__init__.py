"""The typed config of a run: one section per stage, presets, YAML loading and validation.

Config is data, not a record shape, so it lives apart from `schemas/`. Stages import the section
they read (`config.filters.FilterConfig`, ...); the door (`run_pipeline.py`) and the pipeline
import the whole object from here.
"""
from config.model import (PRESETS, STOP_AFTER, Config, ConfigError, GitConfig, OutputConfig, build_config,
                          config_to_dict, config_to_yaml, validate)

__all__ = ["PRESETS", "STOP_AFTER", "Config", "ConfigError", "GitConfig", "OutputConfig", "build_config",
           "config_to_dict", "config_to_yaml", "validate"]
