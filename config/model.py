"""The one typed config object, a section per stage.

Every knob a stage reads lives under it, so `--print-config` shows the whole truth of a run and the
manifest can record it. The field order is the order the config prints in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from config.assembly import AssemblyConfig
from config.dump import BigQueryConfig, FetchConfig
from config.filters import FilterConfig
from config.git import GitConfig
from config.judge import JudgeConfig
from config.licenses import LicenseConfig
from config.output import OutputConfig


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
