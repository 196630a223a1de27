"""The one error both content fetchers (clone and raw) raise for a candidate they cannot pair.

Shared so that the Beam wrappers of either fetcher turn it into a reject the same way: `reason` is
the reject reason, `detail` what a user needs to see why (never a token or other secret).
"""
from __future__ import annotations

from schemas.reject import RejectError


class FetchError(RejectError):
    """A candidate whose old or new contents could not be fetched, or must not be paired."""
