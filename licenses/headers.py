"""File headers that declare a license other than the repository's.

A repository's license covers its files unless a file says otherwise, and vendored or copied files
often do: a GPL module inside an MIT project is GPL, and labelling it MIT in a corpus would launder
it. So a file whose header declares a different license is rejected with its own reason,
`file_header_license`.

Only the header is read: the comment lines and module docstring before the first line of code, within
the first lines of the file. Code further down that merely mentions a license (a classifier string, a
license-picker's table) declares nothing. Two kinds of declaration count:
- an `SPDX-License-Identifier:` line, read as an SPDX expression;
- a license notice in prose: the GNU family (GPL, LGPL, AGPL, with version and "or later"), Apache
  2.0, MPL 2.0 and the MIT grant, phrased as their own texts recommend.

A declaration agrees with the repository when it names the same GitHub key, when it allows a later
version that the repository uses ("GPL-2.0-or-later" in a gpl-3.0 repository), or, for an "A OR B"
expression, when either choice agrees.
"""
from __future__ import annotations

import re

from licenses.keys import (ExpressionError, Leaf, Node, Op, github_key_from_spdx, parse_expression)
from licenses.textmatch import normalize

REASON_FILE_HEADER = "file_header_license"
# A header is at most this many characters, however few lines it has (one minified line).
_MAX_HEADER_CHARS = 8000

_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*([^\n*]+?)\s*(?:\*/|-->|\"\"\"|'''|$)", re.MULTILINE)
_GNU = re.compile(r" gnu (affero |lesser |library )?general public license ")
_GNU_SHORT = re.compile(r" (a|l)?gpl(?: ?v?(\d)(?: (\d))?)?( or later| or any later| or newer)?(?! compatible) ")
_LATER = re.compile(r" (?:or \(?at your option\)? any later version|or any later version|or later) ")
_VERSION = re.compile(r" (?:version|v) ?(\d{1,2})(?: (\d)(?= ))?")
_PROSE = (
    (re.compile(r" apache license version 2 0 "), "apache-2.0"),
    (re.compile(r" subject to the terms of the mozilla public license v(?:ersion)? ?2 0 "), "mpl-2.0"),
    (re.compile(r" permission is hereby granted free of charge to any person obtaining a copy "), "mit"),
)


def header_text(contents: str, max_lines: int = 30) -> str:
    """The comment lines and docstring at the top of a Python file, before its first line of code."""
    kept: list[str] = []
    quote: str | None = None
    for line in contents[:_MAX_HEADER_CHARS].splitlines()[:max_lines]:
        stripped = line.strip()
        if quote:
            kept.append(stripped)
            if quote in stripped:
                quote = None
            continue
        if not stripped or stripped.startswith("#"):
            kept.append(stripped)
            continue
        opener = re.match(r"^[rRuUbB]{0,2}(\"\"\"|''')", stripped)
        if opener:
            quote = opener.group(1)
            kept.append(stripped)
            if stripped.count(quote) >= 2:
                quote = None
            continue
        break
    return "\n".join(kept)


def _gnu_leaf(kind: str, major: str | None, minor: str | None, or_later: bool) -> Leaf:
    family = {"affero": "agpl", "a": "agpl", "lesser": "lgpl", "library": "lgpl", "l": "lgpl"}.get(kind, "gpl")
    if major is None:
        # No version given: any version of the family, which agrees with every version of it.
        return Leaf(f"{family}-1.0", or_later=True) if family == "gpl" else Leaf(f"{family}-2.0", True)
    return Leaf(f"{family}-{major}.{minor or '0'}", or_later)


def might_declare(contents: str) -> bool:
    """Whether the file's start holds what every declaration needs: the SPDX tag, or once lowered
    "licen" (each license name the prose rules know; "licence" included) or "permission" (MIT's
    grant). The header is some of these lines, joined by newlines, and normalizing only lowers
    letters (a non-ASCII capital lowers to no ASCII letter run that could spell these) and turns
    other characters into spaces, so a start without them declares nothing. Every candidate's
    version is checked, and this look costs a fifth of reading its header."""
    head = contents[:_MAX_HEADER_CHARS]
    if "SPDX-License-Identifier" in head:
        return True
    lowered = head.lower()
    return "licen" in lowered or "permission" in lowered


def _prose_declaration(header: str) -> Node | None:
    norm = normalize(header)
    found = _GNU.search(norm)
    if found:
        window = norm[found.end() - 1:found.end() + 200]
        version = _VERSION.search(window)
        later = bool(_LATER.search(window))
        kind = (found.group(1) or "").strip()
        return _gnu_leaf(kind, version.group(1) if version else None, version.group(2) if version else None,
                         later)
    short = _GNU_SHORT.search(norm)
    if short and " licen" in norm:
        return _gnu_leaf(short.group(1) or "", short.group(2), short.group(3), bool(short.group(4)))
    for pattern, key in _PROSE:
        if pattern.search(norm):
            return Leaf(key)
    return None


def header_declaration(contents: str, max_lines: int = 30) -> Node | None:
    """The license expression a file's header declares, or None when it declares none."""
    if not might_declare(contents):
        return None
    header = header_text(contents, max_lines)
    if not header:
        return None
    spdx = _SPDX_LINE.search(header)
    if spdx:
        try:
            return parse_expression(spdx.group(1))
        except ExpressionError:
            # "SPDX-License-Identifier: MIT License" is wrong but common: read its first word.
            first = spdx.group(1).split()[0].strip("()") if spdx.group(1).split() else ""
            return Leaf(first or "LicenseRef-unparsable")
    return _prose_declaration(header)


def _family_version(name: str) -> tuple[str, tuple[int, ...]] | None:
    found = re.match(r"^(a?l?gpl)-(\d+)\.(\d+)", name.lower())
    if not found:
        return None
    return found.group(1), (int(found.group(2)), int(found.group(3)))


def _agrees(node: Node, repo_license: str) -> bool:
    if isinstance(node, Op):
        results = [_agrees(arg, repo_license) for arg in node.args]
        return any(results) if node.op == "or" else all(results)
    if github_key_from_spdx(node.name) == repo_license and github_key_from_spdx(node.name) != "other":
        return True
    if node.or_later:
        declared, repo = _family_version(node.name), _family_version(repo_license)
        if declared and repo and declared[0] == repo[0] and repo[1] >= declared[1]:
            return True
    return False


def header_license_conflict(contents: str, repo_license: str, max_lines: int = 30) -> str | None:
    """`file_header_license` when the file's header declares a license its repository does not have."""
    declared = header_declaration(contents, max_lines)
    if declared is None or _agrees(declared, repo_license):
        return None
    return REASON_FILE_HEADER
