"""The license filter: keep a record or name why not, from its repository's key and its file header.

Pure functions over plain values; the shared Beam filter wrapper counts the reasons. Repositories
without a license (`none`) and with an unrecognised one (`other`) get reasons of their own, since
they are the bulk of the drops and mean different things: `none` grants nothing, `other` may grant
something nobody has read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from licenses.headers import REASON_FILE_HEADER, header_license_conflict
from licenses.keys import COMMITPACK, GITHUB_KEYS, NONE, OTHER, PERMISSIVE, VOCABULARY, github_key_from_spdx
from config.errors import ConfigError
from config.licenses import LicenseConfig

REASON_NONE = "license_none"
REASON_OTHER = "license_other"
REASON_NOT_ALLOWED = "license_not_allowed"
REASONS = (REASON_NONE, REASON_OTHER, REASON_NOT_ALLOWED, REASON_FILE_HEADER)

ALLOW_LISTS: dict[str, frozenset[str] | None] = {
    "permissive": PERMISSIVE,
    "commitpack": COMMITPACK,
    "any": None,  # every key, `none` and `other` included
}


def allowed_keys(allow_list: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The keys a record may carry (None: all). Raises ConfigError for an unknown list or key."""
    if allow_list not in ALLOW_LISTS:
        raise ConfigError(f"unknown license allow list '{allow_list}' (known: {', '.join(ALLOW_LISTS)})")
    base = ALLOW_LISTS[allow_list]
    added = set()
    for key in extra:
        normal = github_key_from_spdx(key)
        if normal not in VOCABULARY or (normal == OTHER and key.strip().lower() != OTHER):
            raise ConfigError(f"config key 'licenses.extra_allowed' holds '{key}', which is not a GitHub "
                              f"license key (such as {', '.join(sorted(GITHUB_KEYS)[:4])}, ...)")
        added.add(normal)
    return None if base is None else base | added


def license_reason(license_key: str, allowed: frozenset[str] | None) -> str | None:
    """None to keep; else why a record with this repository license is dropped."""
    if allowed is None or license_key in allowed:
        return None
    if license_key == NONE:
        return REASON_NONE
    if license_key == OTHER:
        return REASON_OTHER
    return REASON_NOT_ALLOWED


class _LicensedRecord(Protocol):
    license: str
    old_contents: str
    new_contents: str


@dataclass(frozen=True)
class LicensePolicy:
    """The license section of the config, compiled once; picklable, so a DoFn can carry it."""

    allowed: frozenset[str] | None
    check_file_headers: bool = True
    header_lines: int = 30

    @classmethod
    def from_config(cls, config: LicenseConfig) -> "LicensePolicy":
        return cls(allowed=allowed_keys(config.allow_list, config.extra_allowed),
                   check_file_headers=config.check_file_headers, header_lines=config.header_lines)

    def reason(self, license_key: str, old_contents: str, new_contents: str) -> str | None:
        """The repository license first (a set lookup), then both versions' headers (a short scan).

        Both versions are checked because a sample redistributes both.
        """
        reason = license_reason(license_key, self.allowed)
        if reason or not self.check_file_headers:
            return reason
        return (header_license_conflict(new_contents, license_key, self.header_lines)
                or header_license_conflict(old_contents, license_key, self.header_lines))

    def record_reason(self, record: _LicensedRecord) -> str | None:
        """`reason` for a CommitRecord (or anything with license, old_contents and new_contents)."""
        return self.reason(record.license, record.old_contents, record.new_contents)
