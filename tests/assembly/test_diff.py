"""Diff headers of unusual paths, byte for byte against the `git diff` of a real repository.

git (core.quotePath at its default) quotes a path holding a newline, tab, double quote, backslash,
control byte or non-ASCII byte, and leaves a path with spaces unquoted but ends its header with a
tab; the sample's diff must say the same, or a newline splits its header and a tab reads as a
timestamp."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from beam_jobs.assembly.diff import changed_lines, file_header, quote_path, unified_diff
from tests.realcode import edited, real_sources

# (name as bytes on disk, the header git writes for its old side)
PATHS = [
    (b"plain.py", "--- a/plain.py"),
    (b"with space.py", "--- a/with space.py\t"),
    (b"new\nline.py", '--- "a/new\\nline.py"'),
    (b"tab\there.py", '--- "a/tab\\there.py"'),
    (b'quo"te.py', '--- "a/quo\\"te.py"'),
    (b"back\\slash.py", '--- "a/back\\\\slash.py"'),
    ("café.py".encode(), '--- "a/caf\\303\\251.py"'),
    (b"ctl\x01\x07\x1b.py", '--- "a/ctl\\001\\a\\033.py"'),
    (b"del\x7f.py", '--- "a/del\\177.py"'),
    (b"lat\xe9.py", '--- "a/lat\\351.py"'),  # not UTF-8: the path reaches us with a surrogate escape
    (b"dir \xe2\x98\x83/cr\r.py", '--- "a/dir \\342\\230\\203/cr\\r.py"\t'),
]


def _git(cwd: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-c", "core.quotePath=true", *args], cwd=cwd, env=env, check=True,
                          capture_output=True).stdout


def _headers(diff: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """git's (---, +++) lines in file order, by the `diff --git` line that opens each file."""
    out: dict[bytes, tuple[bytes, bytes]] = {}
    lines = diff.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(b"diff --git "):
            minus = next(l for l in lines[i + 1:] if l.startswith(b"--- "))
            plus = next(l for l in lines[i + 1:] if l.startswith(b"+++ "))
            out[line] = (minus, plus)
    return out


def test_headers_match_git_byte_for_byte(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name, _ in PATHS:
        path = os.path.join(os.fsencode(repo), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"x = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Add files")
    for name, _ in PATHS:
        with open(os.path.join(os.fsencode(repo), name), "wb") as f:
            f.write(b"x = 2\n")
    git_headers = sorted(_headers(_git(repo, "diff", "--no-color", "--no-ext-diff")).values())

    ours = []
    for name, expected in PATHS:
        path = os.fsdecode(name)
        diff = unified_diff("x = 1\n", "x = 2\n", path, path).diff
        minus, plus, rest = diff.split("\n", 2)
        assert minus == expected, name
        assert rest.startswith("@@ -1 +1 @@\n"), name  # the header stays two lines, whatever the path
        assert changed_lines(diff) == (["x = 1"], ["x = 2"]), name
        ours.append((minus.encode("utf-8", "surrogateescape"), plus.encode("utf-8", "surrogateescape")))
    assert sorted(ours) == git_headers
    assert len(git_headers) == len(PATHS)


def test_quote_path_on_its_own():
    assert quote_path("b/", "src/app.py") == "b/src/app.py"
    assert quote_path("b/", "a b.py") == "b/a b.py" and file_header("b/", "a b.py") == "b/a b.py\t"
    assert file_header("b/", "a\tb.py") == '"b/a\\tb.py"'
    assert quote_path("b/", "x\ty.py") == '"b/x\\ty.py"'
    # A lone surrogate no decoding made cannot be encoded back: its UTF-8 form is quoted, not a crash.
    assert quote_path("a/", "s\ud800.py") == '"a/s\\355\\240\\200.py"'


# ------------------------------------------------------------------- the compiled SequenceMatcher

def test_diffs_are_difflibs_byte_for_byte_on_real_code(monkeypatch):
    """cydifflib is difflib's algorithm compiled: every sample's diff must stay what difflib made."""
    import difflib

    from beam_jobs.assembly import diff as diff_module

    sources = real_sources(300)
    assert len(sources) >= 200
    pairs = [(old, edited(old, i)) for i, old in enumerate(sources)]
    fast = [unified_diff(old, new, "a.py", "a.py") for old, new in pairs]
    monkeypatch.setattr(diff_module, "cydifflib", difflib)
    slow = [unified_diff(old, new, "a.py", "a.py") for old, new in pairs]
    assert fast == slow
    assert sum(1 for d in fast if d.hunks > 1) > 100  # the comparison saw real, many-hunk diffs
