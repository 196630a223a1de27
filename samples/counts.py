"""The tables of samples/README.md: each sample bundle mined the way the pipeline's git source mines
it, and every listed commit's outcome counted per bundle, over distinct shas, and per ref selection."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from beam_jobs.sources.git import history as gh
from beam_jobs.sources.repositories import RepoHandle
from schemas.reject import Reject

# Single-file Python commits whose messages the later message filters are meant to drop.
POOR_MESSAGES = frozenset({"update", "wip", "fixed stuff", "fix", "tweak"})

COMMIT_REASONS = ["root_commit", "merge_commit", "no_change", "rename", "multi_file", "added_file",
                  "deleted_file", "type_change", "symlink", "mode_change_only", "not_python"]
CONTENTS_REASONS = ["binary_content", "not_utf8"]


def mine_bundle(bundle: Path, refs: str = "branches",
                include_pull_refs: bool = False) -> list[tuple[int, str, str, str]]:
    """(commit time, sha, subject, outcome) per listed commit, each mined by the pipeline's own
    `history.mine_commit`: its reject reason, or "mined"."""
    rows = []
    with RepoHandle(str(bundle)) as handle:
        repo = handle.repo
        for sha in gh.iter_commit_shas(repo, gh.select_refs(repo, refs, include_pull_refs)):
            mined = gh.mine_commit(repo, sha, [handle.name], license_key="")
            outcome = mined.reason if isinstance(mined, Reject) else "mined"
            commit = repo[sha]
            subject = gh.decode_message(commit).split("\n", 1)[0].strip()
            if outcome == "mined" and subject in POOR_MESSAGES:
                outcome = "mined (poor message)"
            rows.append((commit.commit_time, sha, subject, outcome))
    return sorted(rows)


MINED = ("mined", "mined (poor message)")
# (git.refs, git.include_pull_refs) selections shown besides the default ("branches", False).
OTHER_SELECTIONS = [("head", False), ("refs/*", False), ("refs/*", True)]


def _count(outcomes: Iterable[str], *wanted: str) -> int:
    return sum(1 for o in outcomes if o in wanted)


def counts_markdown(bundles: list[Path]) -> str:
    """The README tables: outcome counts per bundle and over distinct shas, then every commit."""
    names = [f"{p.parent.name}/{p.stem}" for p in bundles]
    mined = {name: mine_bundle(p) for name, p in zip(names, bundles)}
    merged = {sha: outcome for rows in mined.values() for _, sha, _, outcome in rows}
    columns = [[o for *_, o in mined[n]] for n in names] + [list(merged.values())]

    out = ["| outcome (stage) | " + " | ".join(names) + " | all bundles, distinct shas |",
           "|---|" + "---:|" * (len(names) + 1)]
    out.append("| **commits listed** | " + " | ".join(str(len(c)) for c in columns) + " |")
    for reason in COMMIT_REASONS:
        out.append(f"| `{reason}` (git.commit) | " + " | ".join(str(_count(c, reason)) for c in columns) + " |")
    out.append("| *candidates (kept by git.commit)* | "
               + " | ".join(str(_count(c, *MINED, *CONTENTS_REASONS)) for c in columns) + " |")
    for reason in CONTENTS_REASONS:
        out.append(f"| `{reason}` (git.contents) | " + " | ".join(str(_count(c, reason)) for c in columns) + " |")
    out.append("| **records mined** | " + " | ".join(str(_count(c, *MINED)) for c in columns) + " |")
    out.append("| of which poor messages | "
               + " | ".join(str(_count(c, "mined (poor message)")) for c in columns) + " |")

    out += ["", "| git.refs, include_pull_refs | " + " | ".join(names) + " | all, distinct |",
            "|---|" + "---:|" * (len(names) + 1)]
    selections: dict[tuple[str, bool], dict[str, list[tuple[int, str, str, str]]]] = {("branches", False): mined}
    for refs, pulls in OTHER_SELECTIONS:
        selections[(refs, pulls)] = {n: mine_bundle(p, refs, pulls) for n, p in zip(names, bundles)}
    for (refs, pulls), per_bundle in selections.items():
        distinct = {sha: o for rows in per_bundle.values() for _, sha, _, o in rows}
        cells = [f"{len(rows)} / {_count([o for *_, o in rows], *MINED)}" for rows in per_bundle.values()]
        cells.append(f"{len(distinct)} / {_count(distinct.values(), *MINED)}")
        out.append(f"| `{refs}`, {str(pulls).lower()} | " + " | ".join(cells) + " |")

    widest = selections[("refs/*", True)]
    on_head = {n: {sha for _, sha, _, _ in rows} for n, rows in selections[("head", False)].items()}
    for name in names:
        out += ["", f"#### {name}", "", "| # | commit | subject | outcome |", "|---:|---|---|---|"]
        shared = {sha for other in names[:names.index(name)] for _, sha, _, _ in widest[other]}
        listed = {sha for _, sha, _, _ in mined[name]}
        for i, (_, sha, subject, outcome) in enumerate(widest[name], 1):
            if sha in shared:
                continue
            notes = []
            if sha not in listed:
                notes.append("not on a branch: listed only with refs/* and include_pull_refs")
            elif sha not in on_head[name]:
                notes.append("not reachable from HEAD")
            note = f" ({'; '.join(notes)})" if notes else ""
            cell = subject.replace("|", r"\|")
            out.append(f"| {i} | `{sha[:10]}` | {cell} | {outcome}{note} |")
        repeated = len(shared & {sha for _, sha, _, _ in widest[name]})
        if repeated:
            out.append(f"\nCommits 1-{repeated} are not repeated: they are the ones listed above for an "
                       "earlier bundle.")
    return "\n".join(out)

