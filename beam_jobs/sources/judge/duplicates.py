"""Submission ids seen more than once in an export: which copies are read, which are rejected, and why.

A judge gives each submission one id. The same id twice (in one problem's CSV, in two problems'
CSVs, or twice in a JSON export) is either the same row written twice (a file joined to itself, a
retried download) or two different rows, say once Runtime Error and once Accepted. In the second
case no copy can be trusted: the failing code could come out as the "accepted" side of a pair. So:

- copies that differ in any field: every copy is rejected, `duplicate_submission_id`;
- copies identical in every field: one submission written several times, so the first copy (by
  input name, then position in it) is read and the others are rejected, `repeated_row`.

Both at `judge.read`, so in = kept + rejected holds there as before. The scope of an id is the
dataset (`Submission.dataset`): CodeNet's s1 and Aizu's s1 are different submissions.

How, with memory bounded: a pass over the metadata (no code is read) emits one small `Occurrence`
per row keyed by its id; the occurrences are grouped by id through sorted runs
(`sorted_runs.SpillGroupByKey`, one id's copies in memory, not the export's ids), and `decide`
judges each group. What the read needs is only the rejected copies' locations (input, position), a
side input as small as the duplicates; the kept copy of each id also gives the per-problem tallies
of the problem filter, so this pass replaces the tally pass rather than adding one. A driver-side
set of ids would hold every id of an export of millions of rows in one process.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Iterable, Iterator, NamedTuple

from beam_jobs.sources.judge import readers as jr
from schemas.submission import Submission, problem_key

DUPLICATE_SUBMISSION_ID = "duplicate_submission_id"
REPEATED_ROW = "repeated_row"


class Occurrence(NamedTuple):
    """One row's copy of an id: where it was read and what it says, small enough to shuffle."""
    input: str          # `input_label`: "codenet:p00001.csv", "atcoder:submissions.csv"
    index: int          # its position among the submissions that input's reader yields, from 0
    fingerprint: bytes  # of every field, so identical copies are known without comparing rows
    problem: str        # `problem_key`, for the tallies
    status: str


class Verdict(NamedTuple):
    reason: str
    detail: str


def input_label(dataset: str, path: str) -> str:
    """What names an input in locations and details: the reader's dataset and the file's name."""
    return f"{dataset}:{os.path.basename(path)}"


def id_key(sub: Submission) -> str:
    return f"{sub.dataset}\0{sub.submission_id}"


def location(input_name: str, index: int) -> str:
    return f"{input_name}\0{index}"


def fingerprint(sub: Submission) -> bytes:
    """A digest of every field of the row as read (inline code included)."""
    text = repr(dataclasses.astuple(sub)).encode("utf-8", errors="surrogatepass")
    return hashlib.blake2b(text, digest_size=16).digest()


def occurrences(items: Iterable[Submission | jr.ReadReject], input_name: str) -> Iterator[tuple[str, Occurrence]]:
    """(id key, Occurrence) per submission a reader yields; its rejects have no id to check."""
    index = 0
    for item in items:
        if isinstance(item, Submission):
            yield id_key(item), Occurrence(input_name, index, fingerprint(item),
                                           problem_key(item.dataset, item.problem_id), item.status)
            index += 1


def _place(o: Occurrence) -> str:
    return f"{o.input} #{o.index + 1}"


def decide(copies: Iterable[Occurrence]) -> tuple[Occurrence | None, dict[str, Verdict]]:
    """(the copy that is read, or None; {location: verdict} of every copy rejected) for one id."""
    ordered = sorted(copies, key=lambda o: (o.input, o.index))
    if len(ordered) < 2:
        return (ordered[0] if ordered else None), {}
    if len({o.fingerprint for o in ordered}) == 1:
        kept = ordered[0]
        detail = f"the same row as {_place(kept)}, which is read; {len(ordered)} copies"
        return kept, {location(o.input, o.index): Verdict(REPEATED_ROW, detail) for o in ordered[1:]}
    shown = ", ".join(_place(o) for o in ordered[:5]) + (", ..." if len(ordered) > 5 else "")
    detail = f"{len(ordered)} rows with this id differ ({shown}): none can be trusted"
    return None, {location(o.input, o.index): Verdict(DUPLICATE_SUBMISSION_ID, detail) for o in ordered}
