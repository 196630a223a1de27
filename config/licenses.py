"""License settings: which repository licenses may be redistributed, and how they are found.

Nothing here imports the rest of repairpack, so the config can be built and printed without scancode
installed. `LICENSE_PRESETS` is this section's share of `config.presets.PRESETS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.checks import not_one_of, too_small

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


# Per-preset overrides of the `licenses` section, merged into config.presets.PRESETS.
LICENSE_PRESETS: dict[str, dict[str, Any]] = {
    "strict": {},
    # The paper used GitHub's repository license and never read file headers.
    "commitpackft": {"allow_list": "commitpack", "check_file_headers": False},
    # Raw exports: the license is still detected and recorded, but nothing is dropped for it.
    "none": {"allow_list": "any", "check_file_headers": False},
}


def problems(cfg: LicenseConfig) -> list[str]:
    """Every mistake in the section, each as one sentence; empty when the section is usable."""
    found = not_one_of("licenses.allow_list", cfg.allow_list, ALLOW_LISTS)
    found += not_one_of("licenses.detector", cfg.detector, DETECTORS)
    found += too_small("licenses", cfg, {"header_lines": 1})
    if cfg.license_map is not None and not cfg.license_map.strip():
        found.append("config key 'licenses.license_map' must be a file path or unset")
    return found
