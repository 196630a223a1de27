"""Verbatim license files, recognised without scancode's index.

Most repositories ship a license file that is a reference text word for word, with only a title and
a copyright line of their own (GitHub's license picker writes exactly that). scancode answers such a
file with the license whose text it is, but only after loading its index (3 to 9 s and about 1.2 GB
per worker). This module compares a file with scancode's own reference texts (the `.LICENSE` files it
ships, read as plain text, no index) and names the license when the file is one of them; anything
else, however close, gets None and goes to scancode as before. So the answer for a file never
changes, only how fast it comes: `tests/test_licenses.py` checks, for every text listed here, that
scancode's full scan gives the same key.

The comparison: lines that are copyright notices are dropped ("Copyright ...", "(c) ...",
"All rights reserved."), the rest is reduced to lowercase words (`textmatch.normalize`), and an
optional title line naming the license ("MIT License", "The MIT License (MIT)", "BSD 3-Clause
License") is allowed in front. The reduced file must then equal the reduced reference text exactly.
"""
from __future__ import annotations

import importlib.util
import os
import re
import threading

from licenses.keys import OTHER, github_key_from_scancode
from licenses.textmatch import normalize

# scancode keys of the texts most repositories ship verbatim. Each is checked against scancode's
# own answer in the tests; a key that scancode would answer differently must not be here.
SCANCODE_KEYS = ("mit", "apache-2.0", "bsd-new", "bsd-simplified", "isc", "gpl-2.0", "gpl-3.0", "lgpl-2.1",
                 "lgpl-3.0", "agpl-3.0", "mpl-2.0", "unlicense", "cc0-1.0", "zlib", "epl-2.0")
_COPYRIGHT = re.compile(r"^\s*(?:copyright\b|\(c\)|©|all rights reserved\.?\s*$|portions copyright\b)",
                        re.IGNORECASE)
_FRONT_MATTER_FIELD = re.compile(r"^(name|short_name|spdx_license_key):\s*(.+?)\s*$", re.MULTILINE)

_TABLE: dict[str, tuple[str, frozenset[str]]] | None = None
_LOCK = threading.Lock()


def reduce_text(text: str) -> str:
    """The words of a license file without its copyright lines, lowercased, single-spaced."""
    kept = [line for line in text.splitlines() if not _COPYRIGHT.match(line)]
    return normalize("\n".join(kept)).strip()


def _titles(fields: dict[str, str]) -> frozenset[str]:
    """Title lines a file may put above the text: the license's names, with or without "the",
    "license" and the SPDX id in brackets ("The MIT License (MIT)")."""
    names = {normalize(v).strip() for k, v in fields.items() if k in ("name", "short_name", "spdx_license_key")}
    names.discard("")
    spdx = normalize(fields.get("spdx_license_key", "")).strip()
    titles: set[str] = set()
    for name in names:
        for base in (name, f"{name} license"):
            titles.update((base, f"the {base}"))
            if spdx:
                titles.update((f"{base} {spdx}", f"the {base} {spdx}"))
    return frozenset(titles)


def _licenses_folder() -> str | None:
    spec = importlib.util.find_spec("licensedcode")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(list(spec.submodule_search_locations)[0], "data", "licenses")
    return folder if os.path.isdir(folder) else None


def _read_reference(folder: str, key: str) -> tuple[dict[str, str], str] | None:
    """(front matter fields, text) of scancode's `<key>.LICENSE`, or None when it is not there."""
    try:
        with open(os.path.join(folder, f"{key}.LICENSE"), encoding="utf-8") as f:
            raw = f.read()
    except OSError:
        return None
    parts = raw.split("---\n", 2)
    if len(parts) != 3 or parts[0].strip():
        return None
    fields = {m.group(1): m.group(2).strip("'\"") for m in _FRONT_MATTER_FIELD.finditer(parts[1])}
    return fields, parts[2]


def _table() -> dict[str, tuple[str, frozenset[str]]]:
    """{reduced reference text: (GitHub key, titles)}, built once per process from scancode's files;
    empty when scancode is not installed (then every file goes to scancode, which says what to install)."""
    global _TABLE
    if _TABLE is None:
        with _LOCK:
            if _TABLE is None:
                table: dict[str, tuple[str, frozenset[str]]] = {}
                folder = _licenses_folder()
                for key in SCANCODE_KEYS if folder else ():
                    found = _read_reference(folder, key)  # type: ignore[arg-type]
                    if found is None:
                        continue
                    fields, text = found
                    reduced = reduce_text(text)
                    github = github_key_from_scancode(key, fields.get("spdx_license_key"))
                    if reduced and github != OTHER:
                        table[reduced] = (github, _titles(fields))
                _TABLE = table
    return _TABLE


def verbatim_license(text: str) -> str | None:
    """The GitHub key when `text` is one of the reference texts above (plus title and copyright
    lines), else None: the caller then runs the full detector."""
    table = _table()
    if not table:
        return None
    reduced = reduce_text(text)
    hit = table.get(reduced)
    if hit is not None:
        return hit[0]
    for reference, (key, titles) in table.items():
        if reduced.endswith(reference) and reduced[:-len(reference)].strip() in titles:
            return key
    return None
