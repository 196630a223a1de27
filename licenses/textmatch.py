"""The fallback detector: recognise common license texts by their defining phrases, in pure Python.

scancode is the reference engine, but it is a heavy optional extra (hundreds of MB, an index that
takes seconds and about 1.4 GB to load per worker). This matcher needs nothing and answers in a
fraction of a millisecond (a few for the long GNU texts). It knows the licenses that make up nearly all
of GitHub (GitHub's common keys), by the sentences that define each one rather than by whole-text
similarity, so reflowed, abbreviated or comment-wrapped copies still match. A text it does not know
is `other`.

Its known limit, and the reason scancode stays the default: a rare variant that keeps the MIT or BSD
sentences and adds terms of its own reads as MIT or BSD, unless the additions make the file much longer
than the license or use a known restriction phrase. Measured over scancode's 2,455 reference texts:
every GitHub key common on GitHub is named right; of the 2,398 texts GitHub has no key for, 2,144 read
as `other` and about 250 as a GitHub key (BSD and MIT variants with extra clauses, GPL exception texts).

When a file holds several licenses, the one whose defining phrase comes first wins: license files put
the project's own license first and bundled notices after it, and the GNU, MPL and Apache texts name
other licenses only after their own title.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from licenses.keys import OTHER


def normalize(text: str) -> str:
    """Lowercase words separated by single spaces, British "licence" spelled "license"."""
    lowered = text.lower().replace("licence", "license")
    return " " + re.sub(r"[^a-z0-9]+", " ", lowered).strip() + " "


# A version right after a license name: "version 2 1", "v 2 0", "v2". The minor part is one digit, so
# "version 3 29 june 2007" reads as 3.
_VERSION = re.compile(r" (?:version|v) ?(\d{1,2})(?: (\d)(?= ))?")
_GNU = re.compile(r" gnu (affero |lesser |library )?general public license ")


def _version_after(norm: str, end: int, window: int = 160) -> str | None:
    found = _VERSION.search(norm, end - 1, end + window)
    if not found:
        return None
    major, minor = found.group(1), found.group(2)
    return f"{major}.{minor or '0'}"


def _gnu(norm: str) -> tuple[int, str] | None:
    found = _GNU.search(norm)
    if not found:
        return None
    kind = (found.group(1) or "").strip()
    version = _version_after(norm, found.end())
    if kind == "affero":
        key = "agpl-3.0" if version in (None, "3.0") else OTHER
    elif kind in ("lesser", "library"):
        key = {"2.1": "lgpl-2.1", "3.0": "lgpl-3.0"}.get(version or "", OTHER)
    else:
        key = {"2.0": "gpl-2.0", "3.0": "gpl-3.0"}.get(version or "", OTHER)
    return found.start(), key


def _versioned(name: str, versions: dict[str, str]) -> Callable[[str], tuple[int, str] | None]:
    pattern = re.compile(f" {name} ")

    def match(norm: str) -> tuple[int, str] | None:
        found = pattern.search(norm)
        if not found:
            return None
        return found.start(), versions.get(_version_after(norm, found.end(), 60) or "", OTHER)
    return match


@dataclass(frozen=True)
class _Rule:
    key: str
    anchor: re.Pattern[str]
    # The key to report instead when this phrase is also present (a variant of the same text).
    variants: tuple[tuple[str, str], ...] = ()
    # The key to report instead when this phrase is absent.
    unless_missing: tuple[str, str] | None = None

    def match(self, norm: str) -> tuple[int, str] | None:
        found = self.anchor.search(norm)
        if not found:
            return None
        for phrase, key in self.variants:
            if f" {phrase} " in norm:
                return found.start(), key
        if self.unless_missing and f" {self.unless_missing[0]} " not in norm:
            return found.start(), self.unless_missing[1]
        return found.start(), self.key


def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(" " + re.escape(normalize(text).strip()) + " ")


_BSD_GRANT = re.compile(r" redistribution and use in source and binary forms with or without modification are "
                       r"permitted (?:subject to the limitations in the disclaimer below )?provided that the "
                       r"following conditions are met ")
# "licensed under the terms of the": how a file that is not the license text names it.
_UNDER = r" (?:licensed|released|distributed|available) under (?:the )?(?:terms of the )?"
_RULES: tuple[_Rule, ...] = (
    _Rule("mit", _phrase("Permission is hereby granted, free of charge, to any person obtaining a copy of this "
                         "software"),
          variants=(("to deal with the software without restriction", "ncsa"),),
          unless_missing=("the above copyright notice and this permission notice shall be included",
                          "mit-0")),
    _Rule("isc", re.compile(r" permission to use copy modify (?:and or |and )?distribute this software for "
                            r"any purpose with or without fee is hereby granted "),
          unless_missing=("provided that the above copyright notice and this permission notice appear "
                          "in all copies", "0bsd")),
    _Rule("bsd-2-clause", _BSD_GRANT, variants=(
        ("all advertising materials mentioning features or use of this software", "bsd-4-clause"),
        ("no express or implied licenses to any party s patent rights are granted", "bsd-3-clause-clear"),
        ("hereby grants to those receiving rights under this license a perpetual worldwide non exclusive",
         "bsd-2-clause-patent"),
        ("may be used to endorse or promote products derived from this software", "bsd-3-clause"),
    )),
    _Rule("unlicense", _phrase("This is free and unencumbered software released into the public domain")),
    _Rule("cc0-1.0", re.compile(r" (?:creative commons )?cc0 1 0 ")),
    _Rule("wtfpl", _phrase("do what the fuck you want to public license")),
    _Rule("zlib", _phrase("Altered source versions must be plainly marked as such, and must not be "
                          "misrepresented as being the original software")),
    _Rule("bsl-1.0", _phrase("Boost Software License - Version 1.0")),
    _Rule("artistic-2.0", _phrase("The Artistic License 2.0")),
    _Rule("upl-1.0", _phrase("The Universal Permissive License (UPL), Version 1.0")),
    _Rule("mit", re.compile(f"{_UNDER}mit license ")),
    # A file that only says which BSD license applies (IPython's COPYING.rst: "licensed under the terms of
    # the Modified BSD License"). A bare "BSD license" names no variant, and stays `other`.
    _Rule("bsd-3-clause", re.compile(f"{_UNDER}(?:(?:modified|new|revised|3 clause) bsd|bsd 3 clause) license ")),
    _Rule("bsd-2-clause", re.compile(f"{_UNDER}(?:(?:simplified|freebsd|2 clause) bsd|bsd 2 clause) license ")),
    _Rule("ms-pl", _phrase("Microsoft Public License (Ms-PL)")),
    _Rule("ms-rl", _phrase("Microsoft Reciprocal License (Ms-RL)")),
    _Rule("cc-by-sa-4.0", _phrase("Attribution-ShareAlike 4.0 International")),
    _Rule("cc-by-4.0", re.compile(r" creative commons attribution 4 0 international ")),
    # Known texts without a GitHub key, claimed here so their BSD- or MIT-like wording cannot pass for
    # BSD or MIT.
    _Rule(OTHER, _phrase("The Apache Software License, Version 1.1")),
    _Rule(OTHER, _phrase("SIL Open Font License")),
    _Rule("vim", _phrase("VIM LICENSE")),
    _Rule("cecill-2.1", _phrase("CeCILL FREE SOFTWARE LICENSE AGREEMENT Version 2.1")),
    _Rule(OTHER, re.compile(r" cecill(?: [a-z])? free software license agreement ")),
)
_MATCHERS: tuple[Callable[[str], tuple[int, str] | None], ...] = (
    _gnu,
    _versioned("apache license", {"2.0": "apache-2.0"}),
    _versioned("mozilla public license", {"2.0": "mpl-2.0"}),
    _versioned("eclipse public license", {"1.0": "epl-1.0", "2.0": "epl-2.0"}),
    _versioned("european union public license", {"1.1": "eupl-1.1", "1.2": "eupl-1.2"}),
    _versioned("open software license", {"3.0": "osl-3.0"}),
    _versioned("academic free license", {"3.0": "afl-3.0"}),
    _versioned("educational community license", {"2.0": "ecl-2.0"}),
    *(rule.match for rule in _RULES),
)


# Words in each license's reference text (as scancode ships it), rounded. A file much longer than its
# license holds more terms than that license, as a variant with added clauses does: `other`.
_REFERENCE_WORDS = {
    "0bsd": 100, "afl-3.0": 1650, "agpl-3.0": 5580, "apache-2.0": 1610, "artistic-2.0": 1380,
    "bsd-2-clause": 185, "bsd-2-clause-patent": 380, "bsd-3-clause": 215, "bsd-3-clause-clear": 240,
    "bsd-4-clause": 235, "bsl-1.0": 450, "cc-by-4.0": 2620, "cc-by-sa-4.0": 2830, "cc0-1.0": 1090,
    "ecl-2.0": 1740, "epl-1.0": 1720, "epl-2.0": 2155, "eupl-1.1": 2110, "eupl-1.2": 2070,
    "gpl-2.0": 2990, "gpl-3.0": 5700, "isc": 110, "lgpl-2.1": 4415, "lgpl-3.0": 1240, "mit": 165,
    "mit-0": 140, "mpl-2.0": 2430, "ms-pl": 415, "ms-rl": 480, "ncsa": 230, "osl-3.0": 1650,
    "unlicense": 200, "upl-1.0": 295, "wtfpl": 80, "zlib": 135,
}
# Room for a title, copyright lines and a note on top of the license itself.
_SLACK_RATIO, _SLACK_WORDS = 1.2, 80
# Terms that no license of GitHub's list contains: a file with them is a restricted variant.
_RESTRICTIONS = (" non commercial purposes only ", " noncommercial purposes only ", " non commercial use only ",
                 " noncommercial use only ", " not for commercial use ", " military ", " good not evil ",
                 " evaluation purposes ", " end user license agreement ", " nuclear facility ")


def text_license(text: str) -> str:
    """The GitHub key of one license file's text, or `other` when no known license is found."""
    norm = normalize(text)
    found = [hit for hit in (match(norm) for match in _MATCHERS) if hit is not None]
    if not found:
        return OTHER
    key = min(found, key=lambda hit: hit[0])[1]
    reference = _REFERENCE_WORDS.get(key)
    if reference and norm.count(" ") - 1 > reference * _SLACK_RATIO + _SLACK_WORDS:
        return OTHER
    if key != OTHER and any(term in norm for term in _RESTRICTIONS):
        return OTHER
    return key


class TextDetector:
    """The built-in detector; stateless, so one instance serves every thread."""

    name = "text"

    def load(self) -> None:
        """Nothing to load; present so callers treat every detector alike."""

    def file_license(self, text: str) -> str:
        return text_license(text)
