#!/usr/bin/env python3
"""What parsing costs, and whether a cheaper parser could decide the same: CPython's `ast.parse`
(what the filters, tags, edit kinds and windows use) against `compile()` to bytecode (the same C
parser without building Python objects, enough for a yes/no syntax check) and tree-sitter's Python
grammar (a C parser with error recovery), on real Python files.

For each parser it prints MB/s and files/s over the same texts, and for the two alternatives how often
their "parses" agrees with `ast.parse`'s: a filter may only switch parser where the answers are
identical. The anchor is `ast.parse`, measured in the same run.

    python bench/parsing.py                      # the standard library and Beam, as installed
    python bench/parsing.py --repo CLONE --max 4000   # the .py blobs of a git repository's HEAD
    python bench/parsing.py --pairs CLONE --max 4000  # a history's pairs: whole parses vs parse_pair

With `--pairs`, the two versions of the latest single-file commits that modify one .py file, newest
first as a walk gives them: each version parsed whole (the anchor) against filters/parsing.py
`parse_pair` (one version parsed whole at most, the other derived from it, and a file's versions
derived from its earlier pair), in the same run; every pair's trees compared, positions included
where anything reads them.

tree-sitter is not a dependency of repairpack: `pip install tree-sitter tree-sitter-python` to include it.
"""
from __future__ import annotations

import argparse
import ast
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def installed_sources(limit: int) -> list[str]:
    from tests.realcode import real_sources
    return real_sources(limit)


def repo_sources(path: str, limit: int) -> list[str]:
    import pygit2

    repo = pygit2.Repository(path)
    out: list[str] = []

    def walk(tree: pygit2.Tree) -> None:
        for entry in tree:
            if len(out) >= limit:
                return
            if isinstance(entry, pygit2.Tree):
                walk(entry)
            elif entry.name.endswith(".py"):
                try:
                    out.append(entry.data.decode("utf-8"))
                except UnicodeDecodeError:
                    pass

    walk(repo.head.peel(pygit2.Commit).tree)
    return out


def _ast_parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _compile_parses(text: str) -> bool:
    try:
        compile(text, "<bench>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _tree_sitter() -> Callable[[str], bool] | None:
    try:
        import tree_sitter
        import tree_sitter_python
    except ImportError:
        return None
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))

    def parses(text: str) -> bool:
        return not parser.parse(text.encode("utf-8", "surrogatepass")).root_node.has_error
    return parses


def history_pairs(path: str, limit: int) -> list[tuple[str, str, str]]:
    """(path, old, new) of the latest single-parent commits that modify exactly one file, a .py file."""
    import pygit2

    repo = pygit2.Repository(path)
    out: list[tuple[str, str, str]] = []
    for commit in repo.walk(repo.head.target, pygit2.GIT_SORT_TIME):
        if len(out) >= limit:
            break
        if len(commit.parents) != 1:
            continue
        diff = repo.diff(commit.parents[0], commit)
        if len(diff) != 1:
            continue
        delta = diff[0].delta
        if delta.status != pygit2.GIT_DELTA_MODIFIED or not delta.new_file.path.endswith(".py"):
            continue
        try:
            old, new = repo[delta.old_file.id].data.decode("utf-8"), repo[delta.new_file.id].data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append((delta.new_file.path, old, new))
    return out


def _positions(tree: ast.Module) -> list[tuple[int, ...]]:
    """What readers of the trees take positions from (filters/derived_trees.py)."""
    from filters.units import first_line

    out = []
    for stmt in tree.body:
        for node in [stmt, *(stmt.body if isinstance(stmt, ast.ClassDef) else [])]:
            out.append((node.lineno, node.end_lineno or 0, node.col_offset, node.end_col_offset or 0,
                        first_line(node)))
    return out


def _whole(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def pairs_main(path: str, limit: int) -> int:
    from filters import parsing

    pairs = history_pairs(path, limit)
    chars = sum(len(old) + len(new) for _, old, new in pairs)
    warnings.simplefilter("ignore")
    started = time.process_time()
    for _, old, new in pairs:
        _whole(old), _whole(new)
    anchor = time.process_time() - started
    parsing.clear_parse_memos()
    started = time.process_time()
    for name, old, new in pairs:
        parsing.parse_pair(old, new, name)
    derived = time.process_time() - started
    parsing.clear_parse_memos()
    wrong = 0
    for name, old, new in pairs:  # again, unclocked, each tree against its full parse
        for got, text in zip(parsing.parse_pair(old, new, name), (old, new)):
            want = _whole(text)
            if (got is None) != (want is None) or (want is not None and (
                    ast.dump(got) != ast.dump(want) or _positions(got) != _positions(want))):
                wrong += 1
    print(f"{len(pairs):,} pairs of {len({n for n, _, _ in pairs}):,} files, {chars / len(pairs) / 1e3:.1f} KB a pair")
    print(f"each version parsed whole (anchor): {anchor:7.2f} CPU-s")
    print(f"parse_pair, families on:            {derived:7.2f} CPU-s  {anchor / derived:.2f}x")
    print(f"trees unlike the full parse's: {wrong}")
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", metavar="CLONE", help="a git repository: parse its history's pairs (see above)")
    ap.add_argument("--repo", help="a git repository: parse the .py files of its HEAD")
    ap.add_argument("--max", type=int, default=3000, help="at most this many files (default 3000)")
    ap.add_argument("--broken", type=float, default=0.2,
                    help="share of files also parsed with one line cut in half, to test the no answers")
    args = ap.parse_args(argv)
    if args.pairs:
        return pairs_main(args.pairs, args.max)
    texts = repo_sources(args.repo, args.max) if args.repo else installed_sources(args.max)
    # Broken variants: the middle line of every fifth file cut in half, so "does not parse" is tested too.
    step = max(1, round(1 / args.broken)) if args.broken > 0 else 0
    for i in range(0, len(texts), step or len(texts) + 1):
        lines = texts[i].split("\n")
        mid = len(lines) // 2
        lines[mid] = lines[mid][:len(lines[mid]) // 2]
        texts.append("\n".join(lines))
    size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    parsers: dict[str, Callable[[str], bool]] = {"ast.parse": _ast_parses, "compile": _compile_parses}
    ts = _tree_sitter()
    if ts is not None:
        parsers["tree-sitter"] = ts
    warnings.simplefilter("ignore")
    answers: dict[str, list[bool]] = {}
    seconds: dict[str, float] = {}
    for name, parses in parsers.items():
        started = time.process_time()
        answers[name] = [parses(t) for t in texts]
        seconds[name] = time.process_time() - started
    anchor = seconds["ast.parse"]
    print(f"{len(texts):,} texts, {size:.1f} MB ({sum(not a for a in answers['ast.parse']):,} that ast.parse refuses)")
    print(f"{'parser':<12} {'CPU-s':>7} {'MB/s':>7} {'files/s':>8} {'vs ast.parse':>13} {'same answer':>12}")
    for name in parsers:
        same = sum(a == b for a, b in zip(answers[name], answers["ast.parse"]))
        print(f"{name:<12} {seconds[name]:7.2f} {size / seconds[name]:7.1f} {len(texts) / seconds[name]:8.0f} "
              f"{anchor / seconds[name]:12.2f}x {same / len(texts):11.2%}")
    if ts is None:
        print("tree-sitter: not installed (pip install tree-sitter tree-sitter-python)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
