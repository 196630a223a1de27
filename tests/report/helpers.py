"""A small corpus folder written directly with pyarrow (SAMPLE_SCHEMA, REJECT_SCHEMA) and a manifest
whose counts match it, so the report's numbers can be worked out by hand."""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.arrow import to_row
from schemas.reject import REJECT_SCHEMA, make_reject
from beam_jobs.assembly.samples import with_diff
from schemas.sample import SAMPLE_SCHEMA, RepairSample, sample_id

BEAM_ARGS = ["--runner=FnApiRunner"]


def _sample(record_id: str, source: str, old: str, new: str, instruction: str, **fields: Any) -> RepairSample:
    base = RepairSample(id=sample_id(source, record_id, old, new), source=source, instruction=instruction,
                        old_contents=old, new_contents=new, diff="", lines_added=0, lines_removed=0, hunks=0,
                        lang="Python", license=fields.pop("license"), group=fields.pop("group"),
                        split=fields.pop("split", "train"), record_id=record_id, old_file="f.py", new_file="f.py",
                        message_lang="en", **fields)
    return with_diff(base)


def fixture_samples() -> list[RepairSample]:
    c1 = _sample("c1", "commit", "def f(a):\n    return a < 5\n", "def f(a):\n    return a <= 5\n",
                 "Fix the bound check in f", license="mit", group="alice/proj", commit="1" * 40, repos=["alice/proj"])
    c2 = _sample("c2", "commit", "print(a)\n", "print(b)\n", "Use the right variable",
                 license="mit", group="alice/proj", commit="2" * 40, repos=["alice/proj"])
    c3 = _sample("c3", "commit", "x = (\n", "x = 1\n", "Fix syntax error in config.",
                 license="apache-2.0", group="bob/lib", split="test", old_parses=False, commit="3" * 40,
                 repos=["bob/lib"])
    judge = dict(license="cdla-permissive-2.0", dataset="codenet", pairing="last-failure")
    j1 = _sample("j1", "judge", "n = int(input())\nprint(n + 1)\n", "n = int(input())\nprint(n)\n",
                 "Fix this solution to P1: it gets Wrong Answer.", group="codenet/p1", problem_id="p1", user_id="u1",
                 verdict_before="WA", verdict_after="AC", step_before=0, step_after=1,
                 verdict_sequence=["WA", "AC"], **judge)
    j2 = _sample("j2", "judge", "s = input()\nprint(s[1])\n", "s = input()\nprint(s[0])\n",
                 "Fix this solution to P1: it gets Wrong Answer.", group="codenet/p1", problem_id="p1", user_id="u2",
                 verdict_before="WA", verdict_after="AC", step_before=1, step_after=2,
                 verdict_sequence=["RE", "WA", "AC"], **judge)
    j3 = _sample("j3", "judge", "for i in range(10):\n    pass\n", "for i in range(9):\n    pass\n",
                 "Fix this solution to P2: it gets Time Limit Exceeded.", group="codenet/p2", problem_id="p2",
                 user_id="u3", verdict_before="TLE", verdict_after="AC", step_before=0, step_after=1,
                 verdict_sequence=["TLE", "AC"], **judge)
    return [c1, c2, c3, j1, j2, j3]


MANIFEST_COUNTS = {
    "git.commit": {"in": 7, "kept": 5, "multi_file": 2},
    "git.filters": {"in": 5, "kept": 4, "message_too_short": 1},
    "judge.sequence": {"in": 7, "kept": 6, "never_accepted": 1},
    "assembly.exact_dedup": {"in": 10, "kept": 8, "exact_duplicate": 2},
    "assembly.decontaminate": {"in": 8, "kept": 7, "benchmark_humaneval": 1},
    "assembly.near_dedup": {"in": 7, "kept": 6, "near_duplicate": 1},
}


def fixture_rejects(samples: list[RepairSample]) -> list[Any]:
    c1, j1 = samples[0], samples[3]
    return [
        make_reject("git.commit", "multi_file", source="git", key="a" * 40, repo="alice/proj"),
        make_reject("git.commit", "multi_file", source="git", key="b" * 40, repo="alice/proj"),
        make_reject("git.filters", "message_too_short", source="git", key="c" * 40, repo="bob/lib"),
        make_reject("judge.sequence", "never_accepted", source="judge", key="s9", repo="codenet/p1"),
        make_reject("assembly.exact_dedup", "exact_duplicate", source="commit", key="d1", repo="alice/proj",
                    detail=f"kept {c1.id}"),
        make_reject("assembly.exact_dedup", "exact_duplicate", source="commit", key="d2", repo="carol/fork",
                    detail=f"kept {c1.id}"),
        make_reject("assembly.near_dedup", "near_duplicate", source="judge", key="d3", repo="codenet/p1",
                    detail=f"kept {j1.id}"),
        make_reject("assembly.decontaminate", "benchmark_humaneval", source="commit", key="d4", repo="eve/x",
                    detail="HumanEval/3 canonical_solution"),
    ]


FIXTURE_CONFIG = {"preset": "strict", "filters": {"pair_min_chars": 17, "max_change_share": 0.5,
                                                  "instruction_min_words": 4},
                  "judge": {"max_code_bytes": 33}}


def fixture_manifest() -> dict[str, Any]:
    return {
        "format": "repairpack-manifest/2",
        "counts": copy.deepcopy(MANIFEST_COUNTS),
        "rows": {"default": {"test": 1, "train": 5}, "rejects": {"rejects": 8}},
        "secrets_findings": {"email": 1},
        "benchmarks": {"humaneval": {"rows": 164}},
        "config": copy.deepcopy(FIXTURE_CONFIG),
    }


def write_corpus(folder: Path, samples: list[RepairSample], rejects: list[Any], manifest: dict[str, Any]) -> Path:
    """The layout a build publishes: data/<split>-*.parquet, rejects/, manifest.json."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "rejects").mkdir(exist_ok=True)
    by_split: dict[str, list[RepairSample]] = {}
    for s in samples:
        by_split.setdefault(s.split, []).append(s)
    for split, rows in sorted(by_split.items()):
        table = pa.Table.from_pylist([to_row(s) for s in sorted(rows, key=lambda s: s.id)], schema=SAMPLE_SCHEMA)
        pq.write_table(table, folder / "data" / f"{split}-00000-of-00001.parquet")
    if rejects:
        table = pa.Table.from_pylist([to_row(r) for r in rejects], schema=REJECT_SCHEMA)
        pq.write_table(table, folder / "rejects" / "rejects-00000-of-00001.parquet")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def write_fixture_corpus(folder: Path) -> Path:
    samples = fixture_samples()
    return write_corpus(folder, samples, fixture_rejects(samples), fixture_manifest())


def with_split(sample: RepairSample, split: str) -> RepairSample:
    return replace(sample, split=split)


def word_samples(source: str, counts: dict[str, int]) -> list[RepairSample]:
    """`counts[word]` samples of `source` whose instructions start with `word`, all in train: a corpus
    whose first-word counts are known exactly (judge samples are one WA -> AC trajectory each)."""
    out = []
    for word, n in sorted(counts.items()):
        for i in range(n):
            rid = f"{source}-{word}-{i}"
            if source == "judge":
                out.append(_sample(rid, "judge", f"print({i})\n", f"print({i + 1})\n", f"{word} the solution",
                                   group="codenet/p1", license="cdla-permissive-2.0", dataset="codenet",
                                   pairing="last-failure", problem_id="p1", user_id=rid, verdict_before="WA",
                                   verdict_after="AC", step_before=0, step_after=1, verdict_sequence=["WA", "AC"]))
            else:
                out.append(_sample(rid, source, f"x = {i}\n", f"x = {i + 1}\n", f"{word} the value",
                                   group="alice/proj", license="mit", commit=f"{i:040d}", repos=["alice/proj"]))
    return out


# Sample text that would load an external resource, open a link, break a table or close a code fence
# if a page embedded it raw.
HOSTILE_INSTRUCTION = ("![x](https://tracker.example/i.png) <img src=https://tracker.example/j.png> "
                       "[click](https://tracker.example/k) **b** `c` | d & e")
HOSTILE_GROUP = "evil/<img src=https://tracker.example/g.png>|x"
HOSTILE_REASON = "<img src=https://tracker.example/r.png>|x"
HOSTILE_OLD = "s = '`````'\nt = '</pre><img src=https://tracker.example/d.png>'\n"
HOSTILE_NEW = "s = '``````'\nt = '[y](https://tracker.example/e)'\n"


def hostile_corpus(folder: Path) -> tuple[Path, RepairSample]:
    """One commit sample and one reject whose every free-text field is hostile, with a manifest that
    reconciles."""
    sample = _sample("h1", "commit", HOSTILE_OLD, HOSTILE_NEW, HOSTILE_INSTRUCTION + "\nsecond line",
                     license="mit", group=HOSTILE_GROUP, commit="4" * 40, repos=[HOSTILE_GROUP])
    reject = make_reject("git.filters", HOSTILE_REASON, source="git", key="e" * 40, repo=HOSTILE_GROUP)
    manifest = {"format": "repairpack-manifest/2",
                "counts": {"git.filters": {"in": 2, "kept": 1, HOSTILE_REASON: 1},
                           "assembly.exact_dedup": {"in": 1, "kept": 1}},
                "rows": {"default": {"train": 1}, "rejects": {"rejects": 1}},
                "config": {"preset": "<b>strict</b>"}}
    return write_corpus(folder, [sample], [reject], manifest), sample
