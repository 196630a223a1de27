"""How a blob becomes text: strict UTF-8, binary files told apart."""
from __future__ import annotations

import pytest

from beam_jobs.sources.contents import ContentError, decode_source

@pytest.mark.parametrize("data, reason", [
    (b"x = '\xe9t\xe9'\n", "not_utf8"),
    (b"x = 1\x00\x01\n", "binary_content"),
])
def test_undecodable_contents_raise_with_reason(data, reason):
    with pytest.raises(ContentError) as exc:
        decode_source(data, "new")
    assert exc.value.reason == reason
    assert exc.value.detail.startswith("new contents")


def test_decode_source_accepts_utf8():
    assert decode_source("x = 'é'\n".encode(), "old") == "x = 'é'\n"


# ------------------------------------------------------------- one rule for both routes

MODES = (0o100644, 0o100755, 0o100664, 0o120000, 0o160000)


def test_change_reason_is_the_git_sources_rule_on_every_mode_pair():
    """The dump route judges a change from the query's modes and shas with `change_reason`; the git
    source from its tree entries with `_entry_reason`. Same answer for every pair of modes, same or
    other blob, Python or not."""
    from types import SimpleNamespace

    from beam_jobs.sources.commits import change_reason
    from beam_jobs.sources.git.history import _entry_reason

    seen = set()
    for old_mode in MODES:
        for new_mode in MODES:
            for same_blob in (True, False):
                for path in ("pkg/a.py", "README.md"):
                    old = SimpleNamespace(filemode=old_mode, id="1" * 40)
                    new = SimpleNamespace(filemode=new_mode, id="1" * 40 if same_blob else "2" * 40)
                    want = _entry_reason(old, new, path, (".py",))
                    assert change_reason(old_mode, new_mode, old.id, new.id, path, (".py",)) == want
                    seen.add(want)
    assert seen == {None, "type_change", "submodule", "symlink", "mode_change_only", "not_python"}


def test_a_dump_candidate_becomes_the_record_git_makes_of_the_same_commit():
    """Subject from the message as git derives it (not the dump's unstripped subject column), the
    author's name carried for the bot rule, and an id that does not name the route."""
    from datetime import datetime, timezone

    from beam_jobs.sources.commits import commit_record, to_commit_record
    from schemas.candidate import CandidateCommit
    from schemas.commit import commit_record_id

    message = "  Fix the parser crash on empty input  \n\nIt indexed the first token.\n"
    candidate = CandidateCommit(
        commit="a" * 40, parent="b" * 40, old_path="p.py", new_path="p.py", old_sha1="c" * 40, new_sha1="d" * 40,
        subject="  Fix the parser crash on empty input  ", message=message, author_time_sec=1_600_000_000,
        committer_time_sec=1_600_000_100, repos=["o/r"], license="mit", author_name="dependabot[bot]",
        author_email="bot@example.com")
    dumped = to_commit_record(candidate, "x = 1\n", "x = 2\n", source="bigquery")
    mined = commit_record(source="git", commit="a" * 40, parent="b" * 40, old_file="p.py", new_file="p.py",
                          old_contents="x = 1\n", new_contents="x = 2\n", message=message, license="mit",
                          repos=["o/r"], author_time=datetime.fromtimestamp(1_600_000_000, tz=timezone.utc),
                          committer_time=datetime.fromtimestamp(1_600_000_100, tz=timezone.utc),
                          author_name="dependabot[bot]")
    assert dumped.subject == "Fix the parser crash on empty input"
    assert dumped.author_name == "dependabot[bot]"
    assert dumped.id == mined.id == commit_record_id("a" * 40, "p.py")
    assert {**vars(dumped), "source": "git"} == vars(mined)
    # A NULL message: the subject column stands in for it, and the subject is derived the same way.
    no_message = to_commit_record(CandidateCommit(**{**vars(candidate), "message": ""}), "a", "b", source="bigquery")
    assert (no_message.message, no_message.subject) == (candidate.subject, "Fix the parser crash on empty input")
