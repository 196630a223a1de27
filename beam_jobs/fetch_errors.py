"""The one error both content fetchers (clone and raw) raise for a candidate they cannot pair.

Shared so that the Beam wrappers of either fetcher turn it into a reject the same way: `reason` is
the reject reason, `detail` what a user needs to see why (never a token or other secret).
"""
from __future__ import annotations


class FetchError(Exception):
    """A candidate whose old or new contents could not be fetched; `reason` names it for the rejects."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
