"""One license vocabulary for every source: GitHub's license keys.

GitHub's keys (`mit`, `apache-2.0`, `bsd-3-clause`, ...) are what the BigQuery `licenses` table holds,
so records mined from git repositories must use them too, or a corpus built from both sources would
speak two languages. Two special values complete the vocabulary: `none` (no license file, so no
license was granted) and `other` (a license file nobody could name, or several different licenses).

Detectors speak other vocabularies (scancode keys, SPDX ids); the functions here translate them.
Versioned GNU licenses collapse "-only" and "-or-later" into one key, as GitHub does.

## The allow lists

`COMMITPACK` is the OctoPack paper's list of 12 keys, kept verbatim so the `commitpackft` preset
reproduces that dataset. It includes `agpl-3.0` and `lgpl-2.1`, a known complaint about it: code under
those licenses can be redistributed only under the same terms, which a training corpus cannot promise.

`PERMISSIVE` (the default) therefore holds no copyleft at all, weak or strong: it drops `agpl-3.0`,
`lgpl-2.1`, and also `mpl-2.0` and `epl-1.0`, whose file-level copyleft still binds modified copies of a
file, which is exactly what a repair sample is. In their place it adds GitHub's other permissive keys
(`0bsd`, `mit-0`, `zlib`, `bsl-1.0`, ...). Licenses that are permissive but not meant for code
(`cc-by-4.0`) stay out; a user can add any key with `licenses.extra_allowed`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

NONE = "none"
OTHER = "other"

# GitHub's license keys (choosealicense.com, which the GitHub licenses API and BigQuery use).
GITHUB_KEYS: frozenset[str] = frozenset({
    "0bsd", "afl-3.0", "agpl-3.0", "apache-2.0", "artistic-2.0", "blueoak-1.0.0", "bsd-2-clause",
    "bsd-2-clause-patent", "bsd-3-clause", "bsd-3-clause-clear", "bsd-4-clause", "bsl-1.0", "cc-by-4.0",
    "cc-by-sa-4.0", "cc0-1.0", "cecill-2.1", "cern-ohl-p-2.0", "cern-ohl-s-2.0", "cern-ohl-w-2.0",
    "ecl-2.0", "epl-1.0", "epl-2.0", "eupl-1.1", "eupl-1.2", "gfdl-1.3", "gpl-2.0", "gpl-3.0", "isc",
    "lgpl-2.1", "lgpl-3.0", "lppl-1.3c", "mit", "mit-0", "mpl-2.0", "ms-pl", "ms-rl", "mulanpsl-2.0",
    "ncsa", "odbl-1.0", "ofl-1.1", "osl-3.0", "postgresql", "unlicense", "upl-1.0", "vim", "wtfpl", "zlib",
})
VOCABULARY: frozenset[str] = GITHUB_KEYS | {NONE, OTHER}

COMMITPACK: frozenset[str] = frozenset({
    "mit", "artistic-2.0", "isc", "cc0-1.0", "epl-1.0", "mpl-2.0", "unlicense", "apache-2.0",
    "bsd-3-clause", "agpl-3.0", "lgpl-2.1", "bsd-2-clause",
})

PERMISSIVE: frozenset[str] = frozenset({
    "mit", "mit-0", "isc", "0bsd", "apache-2.0", "bsd-2-clause", "bsd-2-clause-patent", "bsd-3-clause",
    "bsd-3-clause-clear", "bsl-1.0", "zlib", "unlicense", "cc0-1.0", "wtfpl", "artistic-2.0",
    "upl-1.0", "ncsa", "postgresql", "afl-3.0", "ecl-2.0", "blueoak-1.0.0",
})

COPYLEFT: frozenset[str] = frozenset({
    "agpl-3.0", "gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "mpl-2.0", "epl-1.0", "epl-2.0",
    "eupl-1.1", "eupl-1.2", "ms-rl", "osl-3.0", "cecill-2.1", "cc-by-sa-4.0", "odbl-1.0", "gfdl-1.3",
    "cern-ohl-s-2.0", "cern-ohl-w-2.0", "lppl-1.3c",
})

# How much a license binds a redistributor; used to choose among alternatives ("A OR B"), where the
# redistributor may pick either, so the least binding choice is the honest label.
_STRENGTH = {key: 0 for key in PERMISSIVE}
_STRENGTH.update({"mpl-2.0": 1, "epl-1.0": 1, "epl-2.0": 1, "lgpl-2.1": 1, "lgpl-3.0": 1, "ms-rl": 1,
                  "cern-ohl-w-2.0": 1, "gpl-2.0": 2, "gpl-3.0": 2, "eupl-1.1": 2, "eupl-1.2": 2,
                  "osl-3.0": 2, "cecill-2.1": 2, "agpl-3.0": 3, OTHER: 9, NONE: 10})

# Scancode license keys whose names differ from their GitHub key. Anything not here is looked up
# through the SPDX id scancode records for it, or read as an SPDX-like name (most scancode keys are
# lowercased SPDX ids, with "-plus" for "or later").
SCANCODE_TO_GITHUB: dict[str, str] = {
    "bsd-new": "bsd-3-clause",
    "bsd-simplified": "bsd-2-clause",
    "bsd-original": "bsd-4-clause",
    "bsd-original-uc": "bsd-4-clause",
    "clear-bsd": "bsd-3-clause-clear",
    "bsd-plus-patent": "bsd-2-clause-patent",
    "bsd-zero": "0bsd",
    "boost-1.0": "bsl-1.0",
    "bsl-1.0": OTHER,  # the Business Source License
    "bsl-1.1": OTHER,
    "mit-0": "mit-0",
    "mit-no-attribution": "mit-0",
    "mpl-2.0-no-copyleft-exception": "mpl-2.0",
    "cc0-1.0": "cc0-1.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "afl-3.0": "afl-3.0",
    "ecl-2.0": "ecl-2.0",
    "uoi-ncsa": "ncsa",
    "postgresql": "postgresql",
    "upl-1.0": "upl-1.0",
    "ms-pl": "ms-pl",
    "ms-rl": "ms-rl",
    "osl-3.0": "osl-3.0",
    "ofl-1.1": "ofl-1.1",
    "lppl-1.3c": "lppl-1.3c",
    "vim": "vim",
    "wtfpl-2.0": "wtfpl",
    "blueoak-1.0.0": "blueoak-1.0.0",
    "mulanpsl-2.0": "mulanpsl-2.0",
    "mulanpsl-2.0-en": "mulanpsl-2.0",
    "gfdl-1.3": "gfdl-1.3",
    "gfdl-1.3-plus": "gfdl-1.3",
    "eupl-1.1": "eupl-1.1",
    "eupl-1.2": "eupl-1.2",
    "cecill-2.1": "cecill-2.1",
}

# Scancode keys that say nothing about which license applies (an intro like "License:", a bare
# warranty disclaimer); they never vote, but a file made only of them is still a license file.
SCANCODE_NOISE: frozenset[str] = frozenset({
    "unknown-license-reference", "warranty-disclaimer", "free-unknown-license-reference",
})

# SPDX ids whose GitHub key is not their lowercased, suffix-stripped form.
_SPDX_ALIASES: dict[str, str] = {
    "bsd-2-clause-freebsd": "bsd-2-clause",
    "bsd-2-clause-netbsd": "bsd-2-clause",
    "bsd-2-clause-views": "bsd-2-clause",
    "bsd-3-clause-modification": "bsd-3-clause",
    "wtfpl-2.0": "wtfpl",
    "mpl-2.0-no-copyleft-exception": "mpl-2.0",
    "zlib-acknowledgement": OTHER,
    "ncsa": "ncsa",
    "apache2": "apache-2.0",
    "apache 2.0": "apache-2.0",
    "gplv2": "gpl-2.0",
    "gplv3": "gpl-3.0",
    "lgplv2.1": "lgpl-2.1",
    "lgplv3": "lgpl-3.0",
    "agplv3": "agpl-3.0",
}
_VERSION_SUFFIX = re.compile(r"(-only|-or-later|\+|-plus)$")


def github_key_from_spdx(spdx_id: str) -> str:
    """GitHub's key for an SPDX id ("GPL-3.0-or-later" -> "gpl-3.0"); `other` when GitHub has none.

    Also accepts GitHub keys themselves and `none`/`other`, so user-written maps may use either.
    """
    name = spdx_id.strip().lower()
    if name in VOCABULARY:
        return name
    if name in _SPDX_ALIASES:
        return _SPDX_ALIASES[name]
    if name.startswith("licenseref-"):
        return OTHER
    stripped = _VERSION_SUFFIX.sub("", name)
    if stripped in _SPDX_ALIASES:
        return _SPDX_ALIASES[stripped]
    if stripped in GITHUB_KEYS:
        return stripped
    return OTHER


def github_key_from_scancode(key: str, spdx_id: str | None = None) -> str:
    """GitHub's key for a scancode license key; `spdx_id` is scancode's own SPDX id for it, if known."""
    key = key.strip().lower()
    if key in SCANCODE_TO_GITHUB:
        return SCANCODE_TO_GITHUB[key]
    if spdx_id:
        # scancode's own SPDX id is authoritative: its key names can mislead ("bsl-1.0" is the
        # Business Source License, not Boost's).
        return github_key_from_spdx(spdx_id)
    return github_key_from_spdx(key)


def strength(key: str) -> int:
    """How much a license binds a redistributor: 0 permissive ... 3 network copyleft, 9 other, 10 none."""
    return _STRENGTH.get(key, 2 if key in COPYLEFT else (0 if key in GITHUB_KEYS else 9))


# ------------------------------------------------------------------------------- license expressions

@dataclass(frozen=True)
class Leaf:
    """One license in an expression; `or_later` keeps SPDX's "+" and "-or-later" for header checks."""
    name: str
    or_later: bool = False


@dataclass(frozen=True)
class Op:
    op: str  # "and" or "or"
    args: tuple["Node", ...]


Node = Union[Leaf, Op]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class ExpressionError(ValueError):
    """An SPDX-like expression that does not parse."""


def parse_expression(text: str) -> Node:
    """Parse "A OR (B AND C WITH exception)": operators in any case, AND binds tighter than OR.

    WITH exceptions only ever loosen a license, so they are dropped and the base license kept.
    """
    tokens = [t for t in _TOKEN.findall(text) if t]
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ExpressionError(f"expression '{text}' ends too early")
        pos += 1
        return tokens[pos - 1]

    def parse_or() -> Node:
        args = [parse_and()]
        while (peek() or "").lower() == "or":
            take()
            args.append(parse_and())
        return args[0] if len(args) == 1 else Op("or", tuple(args))

    def parse_and() -> Node:
        args = [parse_with()]
        while (peek() or "").lower() == "and":
            take()
            args.append(parse_with())
        return args[0] if len(args) == 1 else Op("and", tuple(args))

    def parse_with() -> Node:
        node = parse_atom()
        while (peek() or "").lower() == "with":
            take()
            take()
        return node

    def parse_atom() -> Node:
        token = take()
        if token == "(":
            node = parse_or()
            if take() != ")":
                raise ExpressionError(f"expression '{text}' has an unclosed parenthesis")
            return node
        if token == ")" or token.lower() in ("and", "or", "with"):
            raise ExpressionError(f"expression '{text}' has '{token}' where a license belongs")
        lowered = token.lower()
        or_later = lowered.endswith(("+", "-or-later", "-plus"))
        return Leaf(token, or_later)

    if not tokens:
        raise ExpressionError("the expression is empty")
    node = parse_or()
    if pos != len(tokens):
        raise ExpressionError(f"expression '{text}' has extra text after '{tokens[pos - 1]}'")
    return node


def resolve_expression(node: Node, to_github: Callable[[str], str]) -> list[str]:
    """The GitHub keys an expression binds a redistributor to: every AND term, the least binding OR choice."""
    if isinstance(node, Leaf):
        return [to_github(node.name)]
    if node.op == "and":
        keys: list[str] = []
        for arg in node.args:
            keys.extend(k for k in resolve_expression(arg, to_github) if k not in keys)
        return keys
    options = [resolve_expression(arg, to_github) for arg in node.args]
    # An option made of one key compares by that key; a compound option by its most binding part.
    best = min(options, key=lambda ks: (max(strength(k) for k in ks), sorted(ks)))
    return best
