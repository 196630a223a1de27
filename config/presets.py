"""The named presets, gathered from the sections.

A preset is a set of overrides on the defaults (which are `strict`), section by section. Each section
module keeps its own share next to its knobs, where the reason for a value is written; this module
only puts the shares together under one name.
"""
from __future__ import annotations

from typing import Any

from config.filters import FILTER_PRESETS
from config.judge import JUDGE_PRESETS
from config.licenses import LICENSE_PRESETS

PRESETS: dict[str, dict[str, Any]] = {
    name: {"filters": FILTER_PRESETS[name], "licenses": LICENSE_PRESETS[name], "judge": JUDGE_PRESETS[name]}
    for name in ("strict", "commitpackft", "none")
}
# CommitPackFT's Python subset took every Linguist Python extension: mine those files too.
if "extensions" in FILTER_PRESETS["commitpackft"]:
    PRESETS["commitpackft"]["git"] = {"extensions": FILTER_PRESETS["commitpackft"]["extensions"]}
