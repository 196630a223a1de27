"""Verbatim license files, recognised without scancode's index.

Most repositories ship a license file that is a reference text word for word, with only a title and
a copyright line of their own (GitHub's license picker writes exactly that). scancode answers such a
file with the license whose text it is, but only after loading its index (3 to 9 s and about 1.2 GB
per worker). This module compares a file with scancode's own reference texts (the `.LICENSE` files it
ships, read as plain text, no index) and names the license when the file is one of them; anything
else, however close, gets None and goes to scancode as before. So the answer for a file never
changes, only how fast it comes: `tests/licenses/test_licenses.py` checks, for every text listed here, that
scancode's full scan gives the same key.

The comparison, per reference text: only around the body may a file differ from it. Above the body,
blank lines, title lines naming the license ("MIT License", "The MIT License (MIT)", "BSD 3-Clause
License") and copyright notices are skipped; below it, blank lines and notices. A notice is one short
line ("Copyright (c) 2021 Jane Doe", "(c) ACME Inc.", "All rights reserved.") with none of the words
that give or restrict rights, so that no term of a license can hide in one. The body, from the first
other line to the last, reduced to lowercase words (`textmatch.normalize`), must then equal the
reference's body, taken the same way, exactly: a line inside the body is never skipped, whatever it
starts with.
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
_NOTICE = re.compile(r"^\s*(?:copyright\b|\(c\)|©|portions copyright\b|all rights reserved\.?\s*$)", re.IGNORECASE)
# Words that give or restrict rights: a line holding one is a term, never a notice to skip.
_OPERATIVE = re.compile(r"licen[cs]|permi|grant|warrant|liab|condition|terms|provided|shall|must|may\b|"
                        r"\bnot\b|use\b|copy\b|modif|distribut|sell|sublicens|patent|notice", re.IGNORECASE)
_NOTICE_MAX_CHARS = 120
_FRONT_MATTER_FIELD = re.compile(r"^(name|short_name|spdx_license_key):\s*(.+?)\s*$", re.MULTILINE)

_TABLE: dict[str, tuple[str, frozenset[str]]] | None = None
_LOCK = threading.Lock()


def is_notice(line: str) -> bool:
    """A copyright notice line, short and free of any word that could carry a license term."""
    stripped = line.strip()
    return (bool(_NOTICE.match(stripped)) and len(stripped) <= _NOTICE_MAX_CHARS
            and not _OPERATIVE.search(stripped))


def reduce_body(text: str, titles: frozenset[str] = frozenset()) -> str:
    """The words of a license file's body: leading blank, title and notice lines and trailing blank
    and notice lines are left out, every line between them kept; lowercased, single-spaced."""
    lines = text.splitlines()
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or is_notice(lines[end - 1])):
        end -= 1
    start = 0
    while start < end and (not lines[start].strip() or is_notice(lines[start])
                           or normalize(lines[start]).strip() in titles):
        start += 1
    return normalize("\n".join(lines[start:end])).strip()


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
                    titles = _titles(fields)
                    reduced = reduce_body(text, titles)
                    github = github_key_from_scancode(key, fields.get("spdx_license_key"))
                    if reduced and github != OTHER:
                        table[reduced] = (github, titles)
                _TABLE = table
    return _TABLE


def verbatim_license(text: str) -> str | None:
    """The GitHub key when `text` is one of the reference texts above (plus title and copyright
    lines), else None: the caller then runs the full detector."""
    table = _table()
    for reference, (key, titles) in table.items():
        if reduce_body(text, titles) == reference:
            return key
    return None
