"""A repository's license, from the license files at the root of the mined ref.

Detection runs once per repository, not per commit: a repository's license is a property of the
repository (as GitHub and the BigQuery `licenses` table see it), and scancode costs milliseconds to a
second per file, far too much to pay per commit. The Beam source detects it when it lists a
repository's commits and carries the key along with the repository's name.

The detector is chosen by name ("scancode" or "text") and created once per process: `get_detector`
keeps it, so a Beam DoFn calls `get_detector(name).load()` in `setup()` and every bundle after that
reuses the loaded index.

How several license files combine follows GitHub's own rule, so both sources agree: one license
across all files gives that key; a GPL text shipped beside an LGPL text (which the LGPL requires)
gives the LGPL key; any other mix gives `other`. No license file gives `none`.
"""
from __future__ import annotations

import re
import threading
from typing import Callable, Iterable, Mapping, Protocol, Union

import pygit2

from licenses.keys import NONE, OTHER
from licenses.mapfile import mapped_license
from licenses.scancode_detector import ScancodeDetector, scancode_problem
from licenses.textmatch import TextDetector
from schemas.reject import RejectError

# LICENSE, LICENCE.md, COPYING.LESSER, UNLICENSE, LICENSE-MIT, ... at the tree root.
_LICENSE_NAME = re.compile(r"^(?:un)?licen[cs]e(?:s)?(?:[-_. ].*)?$|^copying(?:[-_. ].*)?$", re.IGNORECASE)
# Names that match the pattern but hold code or data, not a license text (license.py, licenses.json).
_NOT_TEXT_SUFFIXES = (".py", ".pyc", ".pyi", ".js", ".ts", ".json", ".yml", ".yaml", ".toml", ".cfg",
                      ".ini", ".xml", ".c", ".h", ".go", ".rb", ".java", ".sh", ".rs", ".php", ".css",
                      ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".ico", ".in", ".lock")
# Longer license files are read only this far: every license text fits, and a huge "LICENSE" is data.
MAX_LICENSE_BYTES = 512 * 1024
_LINK_MODE = 0o120000

RefOrCommit = Union[str, pygit2.Oid, pygit2.Commit, pygit2.Tree, None]
# Reads one object by id for the license files: (id, what it is) -> object. The git source hands in
# its safe reader, which never gives libgit2 a damaged loose object (libgit2 would spin on it).
ReadObject = Callable[[pygit2.Oid, str], pygit2.Object]
REASON_UNREADABLE = "license_unreadable"


class LicenseFileError(ValueError):
    """A license file that exists but cannot be read: the repository's license is unknown, which is
    neither `none` nor `other`. The message names the file and the blob."""


def _plain_read(repo: pygit2.Repository) -> ReadObject:
    return lambda oid, what: repo[oid]


class LicenseDetector(Protocol):
    name: str

    def load(self) -> None:
        """Do the expensive setup now (in DoFn.setup), not on the first file."""

    def file_license(self, text: str) -> str:
        """The GitHub key for one license file's text; `other` when not recognised."""


_DETECTORS: dict[str, LicenseDetector] = {}
_DETECTORS_LOCK = threading.Lock()
_FACTORIES = {"scancode": ScancodeDetector, "text": TextDetector}


def get_detector(name: str) -> LicenseDetector:
    """This process's detector of that name, created on first use and kept: one index per worker."""
    with _DETECTORS_LOCK:
        detector = _DETECTORS.get(name)
        if detector is None:
            if name not in _FACTORIES:
                raise ValueError(f"unknown license detector '{name}' (known: {', '.join(sorted(_FACTORIES))})")
            detector = _FACTORIES[name]()
            _DETECTORS[name] = detector
        return detector


def detector_problem(name: str) -> str | None:
    """Why the named detector cannot run on this machine, as one sentence for the CLI, or None."""
    if name not in _FACTORIES:
        return f"unknown license detector '{name}' (known: {', '.join(sorted(_FACTORIES))})"
    if name == "scancode":
        return scancode_problem()
    return None


def _resolve(detector: LicenseDetector | str) -> LicenseDetector:
    return get_detector(detector) if isinstance(detector, str) else detector


# ------------------------------------------------------------------------------------------ pure part

def is_license_file_name(name: str) -> bool:
    return bool(_LICENSE_NAME.match(name)) and not name.lower().endswith(_NOT_TEXT_SUFFIXES)


def combine_file_licenses(per_file: Mapping[str, str]) -> str:
    """One repository key from each license file's key, by GitHub's rule (see the module docstring)."""
    keys = set(per_file.values())
    if not keys:
        return NONE
    if len(keys) == 1:
        return keys.pop()
    families = {key.split("-")[0]: key for key in keys}
    if len(keys) == 2 and set(families) == {"gpl", "lgpl"}:
        return families["lgpl"]
    return OTHER


def license_from_texts(texts: Mapping[str, str], detector: LicenseDetector | str = "scancode") -> str:
    """The repository key for its license files' texts ({filename: text}); `none` for no files."""
    chosen = _resolve(detector)
    return combine_file_licenses({name: chosen.file_license(text) for name, text in texts.items()})


# ------------------------------------------------------------------------------------------- git part

def _root_tree(repo: pygit2.Repository, ref_or_commit: RefOrCommit) -> pygit2.Tree:
    target: object = ref_or_commit
    try:
        if target is None:
            target = repo.head.target
        if isinstance(target, str):
            target = repo.revparse_single(target)
        elif isinstance(target, pygit2.Oid):
            target = repo[target]
        return target.peel(pygit2.Tree)  # type: ignore[union-attr]
    except (pygit2.GitError, KeyError, ValueError, AttributeError, pygit2.InvalidSpecError) as exc:
        raise ValueError(f"'{ref_or_commit or 'HEAD'}' does not name a commit or tree ({exc})") from None


def _read(read: ReadObject, entry: pygit2.Object, name: str) -> pygit2.Object:
    try:
        return read(entry.id, "blob")
    except (pygit2.GitError, KeyError, ValueError, OSError, RejectError) as exc:
        why = getattr(exc, "detail", "") or str(exc) or type(exc).__name__
        raise LicenseFileError(f"the license file {name} (blob {entry.id}) cannot be read: {why}") from None


def _blob_text(read: ReadObject, tree: pygit2.Tree, entry: pygit2.Object, hops: int = 0) -> str | None:
    if entry.filemode == _LINK_MODE:
        # A LICENSE symlink to another file of the same tree: follow it, once.
        if hops:
            return None
        link = _read(read, entry, entry.name).data.decode("utf-8", "replace").strip().lstrip("./")
        try:
            return _blob_text(read, tree, tree[link], hops + 1)
        except KeyError:
            return None
    obj = _read(read, entry, entry.name)
    if not isinstance(obj, pygit2.Blob):
        return None
    return obj.data[:MAX_LICENSE_BYTES].decode("utf-8", "replace")


def license_file_texts(repo: pygit2.Repository, ref_or_commit: RefOrCommit = None,
                       read: ReadObject | None = None) -> dict[str, str]:
    """{filename: text} of the license files at the root of a ref, sha, commit or tree (None: HEAD).

    Raises LicenseFileError when a license file's blob cannot be read.
    """
    tree = _root_tree(repo, ref_or_commit)
    reader = read or _plain_read(repo)
    texts: dict[str, str] = {}
    for entry in tree:
        if not is_license_file_name(entry.name) or entry.filemode == pygit2.enums.FileMode.TREE:
            continue
        text = _blob_text(reader, tree, entry)
        if text is not None:
            texts[entry.name] = text
    return texts


def detect_repository_license(repo: pygit2.Repository, ref_or_commit: RefOrCommit = None,
                              detector: LicenseDetector | str = "scancode", read: ReadObject | None = None) -> str:
    """The GitHub license key of a repository at a ref (default HEAD): `none` without license files.

    Raises ValueError when `ref_or_commit` names nothing in the repository, and its subclass
    LicenseFileError when a license file cannot be read.
    """
    return license_from_texts(license_file_texts(repo, ref_or_commit, read), detector)


def license_ref(repo: pygit2.Repository, refs: list[str]) -> str | None:
    """Which of the mined refs to read the license at: HEAD when it is mined, else the first ref.

    GitHub reports the license of the default branch, which HEAD names in a clone or mirror.
    """
    if not refs:
        return None
    if "HEAD" in refs:
        return "HEAD"
    try:
        head = repo.references["HEAD"].resolve().name
    except (KeyError, pygit2.GitError):
        head = None
    return head if head in refs else refs[0]


def repository_license(repo: pygit2.Repository, names: Iterable[str], ref_or_commit: RefOrCommit = None,
                       detector: LicenseDetector | str = "scancode",
                       license_map: Mapping[str, str] | None = None, read: ReadObject | None = None) -> str:
    """The key the user's map gives any of `names` (owner/name, URLs or paths), else the detected one.

    A mapped repository is never scanned (nor its license files read): the map is the user's word,
    and it saves the detection.
    """
    if license_map:
        mapped = mapped_license(license_map, names)
        if mapped is not None:
            return mapped
    return detect_repository_license(repo, ref_or_commit, detector, read)
