"""scancode-toolkit as a license detector: the engine The Stack v2 used, behind one small method.

scancode is an optional extra (`pip install "scancode-toolkit>=32.5,<33" "pluggy<1.7"`): importing
this module never imports it; `load()` does. Loading reads scancode's prebuilt license index (about
400 MB on disk, 4-6 s and about 1.4 GB of memory), so a process loads it once and keeps it: the
detector object is created lazily, per worker, by `licenses.detect.get_detector`.

scancode reports many overlapping matches per file: the license text itself, plus fragments such as
the bare words "GNU General Public License" inside a GPL text. The file's license is the one whose
matches cover the most of its text. Fragments that match less than half of their rule are ignored,
so a stray sentence cannot outvote nothing and turn an unknown file into a known license.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict, defaultdict
from typing import Any

from licenses.verbatim import verbatim_license
from licenses.keys import (OTHER, SCANCODE_NOISE, ExpressionError, github_key_from_scancode,
                           parse_expression, resolve_expression, strength)

# A file's matching gives up after this long; a pathological file then counts as unrecognised.
MATCH_SECONDS = 60.0
# Matches covering less of their rule than this (percent) are fragments, not evidence.
MIN_COVERAGE = 50.0
# Results remembered per worker, by text digest: forks and templates repeat the same license file
# byte for byte, and a repeat then costs a hash instead of a scan.
CACHE_ENTRIES = 4096
_NOISE = ""


class ScancodeUnavailable(RuntimeError):
    """scancode is not installed or not usable; the message says what to install."""


INSTALL_HINT = ('the scancode detector needs the licenses extra: pip install "scancode-toolkit>=32.5,<33" '
                '"pluggy<1.7" (or set licenses.detector to "text")')


def scancode_problem() -> str | None:
    """Why scancode cannot be used here, as one sentence for the CLI, or None. Does not load the index."""
    try:
        import licensedcode.cache  # noqa: F401
        # The index load goes through scancode's plugin registry, which pluggy 1.7 breaks
        # ("did not find any 'plugincode.location_provider' hooks"); importing it shows that early.
        import plugincode.location_provider  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    except Exception as exc:  # noqa: BLE001  scancode fails in many ways when pluggy is too new
        return f"scancode is installed but cannot be imported ({exc}); {INSTALL_HINT}"
    return None


class ScancodeDetector:
    """Thread-safe: the index is loaded once under a lock, then only read."""

    name = "scancode"

    def __init__(self, cache_entries: int = CACHE_ENTRIES, verbatim: bool = True) -> None:
        # verbatim=False always scans: the tests use it to check the shortcut against the scan.
        self._verbatim = verbatim
        self._index: Any = None
        self._db: Any = None
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cache_entries = cache_entries
        self._results: OrderedDict[bytes, str] = OrderedDict()

    def load(self) -> None:
        if self._index is not None:
            return
        with self._lock:
            if self._index is not None:
                return
            problem = scancode_problem()
            if problem:
                raise ScancodeUnavailable(problem)
            from licensedcode.cache import get_index, get_licenses_db
            self._db = get_licenses_db()
            self._index = get_index()

    def _to_github(self, key: str) -> str:
        cached = self._keys.get(key)
        if cached is None:
            if key in SCANCODE_NOISE:
                cached = _NOISE
            else:
                lic = self._db.get(key) if self._db is not None else None
                cached = github_key_from_scancode(key, getattr(lic, "spdx_license_key", None))
            self._keys[key] = cached
        return cached

    def file_license(self, text: str) -> str:
        """The GitHub key of one license file's text, or `other` when scancode finds no license in it.

        A file that is one of scancode's reference texts word for word (`licenses.verbatim`) is named
        without loading the index: the same answer the scan gives, without its seconds and 1.2 GB."""
        known = verbatim_license(text) if self._verbatim else None
        if known is not None:
            return known
        self.load()
        if not text.strip():
            return OTHER
        if not self._cache_entries:
            return self._scan(text)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            cached = self._results.get(digest)
            if cached is not None:
                self._results.move_to_end(digest)
                return cached
        result = self._scan(text)
        with self._lock:
            self._results[digest] = result
            while len(self._results) > self._cache_entries:
                self._results.popitem(last=False)
        return result

    def _scan(self, text: str) -> str:
        matches = self._index.match(query_string=text, deadline=time.time() + MATCH_SECONDS)
        votes: dict[str, int] = defaultdict(int)
        for match in matches:
            rule = match.rule
            if getattr(rule, "is_license_intro", False) or getattr(rule, "is_license_clue", False):
                continue
            if match.coverage() < MIN_COVERAGE:
                continue
            try:
                keys = resolve_expression(parse_expression(rule.license_expression), self._to_github)
            except ExpressionError:
                keys = [OTHER]
            for key in keys:
                if key != _NOISE:
                    votes[key] += match.len()
        if not votes:
            return OTHER
        # On equal evidence the more binding license wins: the cautious reading.
        return max(votes, key=lambda k: (votes[k], strength(k), k))
