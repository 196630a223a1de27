"""License settings: which repository licenses may be redistributed, and how they are found.

Kept apart from `config.model` so that module stays small; `Config` embeds `LicenseConfig` as its
`licenses` section and merges `LICENSE_PRESETS[preset]` into its own preset table. Nothing here
imports the rest of repairpack, so the config can be built and printed without scancode installed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALLOW_LISTS = ("permissive", "commitpack", "any")
DETECTORS = ("scancode", "text")


@dataclass
class LicenseConfig:
    # Which repository licenses a record may carry: "permissive" (no copyleft; the default),
    # "commitpack" (the OctoPack paper's 12 keys, copyleft agpl-3.0 and lgpl-2.1 included) or "any"
    # (nothing is dropped for its license, which is still recorded). licenses/keys.py says why.
    allow_list: str = "permissive"
    # GitHub license keys allowed on top of the list, e.g. ["mpl-2.0"].
    extra_allowed: list[str] = field(default_factory=list)
    # A CSV (columns repo,license) or JSON ({"owner/name": "mit"}) file; it overrides detection.
    license_map: str | None = None
    # Reject a file whose header declares a license other than its repository's (an
    # SPDX-License-Identifier line, a GNU notice in an MIT repository, ...).
    check_file_headers: bool = True
    # Lines at the top of a file read as its header.
    header_lines: int = 30
    # "scancode": scancode-toolkit, the engine The Stack v2 used (the `licenses` extra; its index
    # takes seconds and about 1.4 GB per worker to load). "text": a built-in phrase matcher for
    # the common licenses, for machines without scancode; it answers "other" more often.
    detector: str = "scancode"


# Per-preset overrides of the `licenses` section, merged into config.model.PRESETS.
LICENSE_PRESETS: dict[str, dict[str, Any]] = {
    "strict": {},
    # The paper used GitHub's repository license and never read file headers.
    "commitpackft": {"allow_list": "commitpack", "check_file_headers": False},
    # Raw exports: the license is still detected and recorded, but nothing is dropped for it.
    "none": {"allow_list": "any", "check_file_headers": False},
}


def license_config_problem(config: LicenseConfig) -> str | None:
    """What is wrong with the section, as one sentence for the CLI, or None."""
    if config.allow_list not in ALLOW_LISTS:
        return (f"config key 'licenses.allow_list' must be one of {', '.join(ALLOW_LISTS)}, "
                f"not '{config.allow_list}'")
    if config.detector not in DETECTORS:
        return (f"config key 'licenses.detector' must be one of {', '.join(DETECTORS)}, "
                f"not '{config.detector}'")
    if config.header_lines < 1:
        return "config key 'licenses.header_lines' must be at least 1"
    if config.license_map is not None and not config.license_map.strip():
        return "config key 'licenses.license_map' must be a file path or unset"
    return None
