"""The judge source's decisions, as plain functions: the DoFns of `source.py` only feed and route them.

Counters are handed in as `accounting.Stage` objects: Beam counters inside a DoFn
(`StageDoFn.stage`), `accounting.MemoryCounters` in tests, as TensorFlow Datasets' c4_utils passes
its counters in. A dropped item comes back as a `schemas.reject.Reject` row, plain data, which the
DoFn tags for the rejects output. So the path from a reader's row to the records runs, and is
tested, without a pipeline, and in = kept + rejected holds per stage wherever it runs: every stage
counts an item in, then kept or rejected, at the one place it decides.
"""
from __future__ import annotations

from dataclasses import replace

from typing import Callable, Iterable, Iterator, Mapping, NamedTuple

from beam_jobs.accounting import Stage
from beam_jobs.sources.judge import pairs as jp
from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge.duplicates import Verdict, location
from beam_jobs.sources.judge.trajectories import build_trajectory
from config.judge import JudgeConfig
from filters.judge import LANG_DISPLAY, language_filter, status_filter
from filters.tags import analyse
from schemas.judge import SOURCE_JUDGE, JudgeRecord, judge_record_id
from schemas.reject import Reject
from schemas.submission import Submission, problem_key
from schemas.trajectory import Trajectory

SOURCE = SOURCE_JUDGE
STAGE_METADATA = "judge.metadata"
STAGE_READ = "judge.read"
STAGE_LANGUAGE = "judge.language"
STAGE_STATUS = "judge.status"
STAGE_PROBLEM = "judge.problem"
STAGE_SEQUENCE = "judge.sequence"
STAGE_CODE = "judge.code"
STAGE_REPEAT = "judge.repeat"
STAGE_PAIR = "judge.pair"
# The order records flow through the stages, for summaries (accounting.FLOW_ORDER holds git's).
JUDGE_FLOW_ORDER = ("metadata", "read", "language", "status", "problem", "sequence", "code", "repeat", "pair")

# A stage's counters by its name: `lambda name: self.stage(name=name)` in a StageDoFn,
# `lambda name: Stage(name, SOURCE, counter=counters)` in a test.
StageOf = Callable[[str], Stage]


def problem_of(sub: Submission) -> str:
    return problem_key(sub.dataset, sub.problem_id)


def group_key(sub: Submission) -> str:
    """One user's submissions to one problem: the unit `fix_sequence` pairs."""
    return f"{sub.dataset}\0{sub.problem_id}\0{sub.user_id}"


def rejected(stage: Stage, reason: str, *, key: str, repo: str, detail: str = "") -> Reject:
    """Counts one reject at `stage` and gives its row as data: `Stage.reject` wraps the row for Beam,
    and the DoFn, not this code, decides where it goes."""
    return stage.reject(reason, key=key, repo=repo, detail=detail).value


def decided(stage: Stage, reason: str | None, *, key: str, repo: str) -> Reject | None:
    """`Stage.verdict` (one in, then kept or rejected) with the reject as data; None when kept."""
    tagged = stage.verdict(reason, key=key, repo=repo)
    return None if tagged is None else tagged.value


# ------------------------------------------------------------------------------------------ reading

def count_reads(items: Iterable[Submission | jr.ReadReject], stage: Stage, dataset: str, input_name: str = "",
                duplicates: Mapping[str, Verdict] | None = None) -> Iterator[Submission | Reject]:
    """A reader's rows counted at judge.read: a file that cannot be opened or parsed counts as one row.

    `duplicates` holds the verdicts of `duplicates.decide` by location; the submissions of
    `input_name` are numbered as `duplicates.occurrences` numbers them, so a copy of a repeated id
    is rejected here (`duplicate_submission_id`, `repeated_row`) and never reaches a pair."""
    index = 0
    for item in items:
        stage.incoming()
        if isinstance(item, jr.ReadReject):
            yield rejected(stage, item.reason, key=item.key, repo=dataset, detail=item.detail)
            continue
        verdict = duplicates.get(location(input_name, index)) if duplicates else None
        index += 1
        if verdict is not None:
            yield rejected(stage, verdict.reason, key=item.submission_id, repo=dataset, detail=verdict.detail)
        else:
            stage.kept()
            yield item


# ---------------------------------------------------------------------------------------- selection

class Selection:
    """judge.language, judge.status and judge.problem, in that order, for one submission.

    The one place both paths decide them: CodeNet's rows, grouped where their file is read, and the
    shuffled rows of every other input. Their counts and rejects therefore agree by construction.
    """

    def __init__(self, cfg: JudgeConfig, stage: StageOf) -> None:
        self._language = stage(STAGE_LANGUAGE)
        self._status = stage(STAGE_STATUS)
        self._problem = stage(STAGE_PROBLEM)
        self._language_ok = language_filter(cfg)
        self._status_ok = status_filter(cfg)
        self._language_rows = cfg.language_reject_rows

    def __call__(self, sub: Submission, verdicts: Mapping[str, str]) -> Submission | Reject | None:
        """The submission when all three keep it, else the first reject. None for a language reject
        when `language_reject_rows` is off: counted all the same, but most of a CodeNet export is in
        other languages and its rows would swamp the rejects. `verdicts` holds the problem filter's
        reason per problem ("" keeps it), computed over the whole metadata."""
        key = problem_of(sub)
        reject = decided(self._language, self._language_ok(sub), key=sub.submission_id, repo=key)
        if reject is not None:
            return reject if self._language_rows else None
        return (decided(self._status, self._status_ok(sub), key=sub.submission_id, repo=key)
                or decided(self._problem, verdicts.get(key), key=sub.submission_id, repo=key)
                or sub)


# ---------------------------------------------------------------------------------------- sequences

class SequenceStages(NamedTuple):
    """The counters of the four per-group stages, in the order a group passes them."""
    sequence: Stage
    code: Stage
    repeat: Stage
    pair: Stage

    @classmethod
    def of(cls, stage: StageOf) -> SequenceStages:
        return cls(stage(STAGE_SEQUENCE), stage(STAGE_CODE), stage(STAGE_REPEAT), stage(STAGE_PAIR))


def fix_sequence(subs: Iterable[Submission], cfg: JudgeConfig, descriptions: Mapping[str, str],
                 stages: SequenceStages, trajectories: bool = False) -> Iterator[JudgeRecord | Reject | Trajectory]:
    """One (user, problem) group -> JudgeRecords and Rejects, counting four stages. The group's code
    is read here, one file at a time, and only for submissions up to the first Accepted. With
    `trajectories`, a group that gave pairs ends with its Trajectory (`trajectories.py`), after its
    records, so a verifier that passes it through has run every pair of the group by then."""
    seq = jp.sort_sequence(subs)
    repo = problem_of(seq[0])
    stages.sequence.incoming(len(seq))
    head, dropped = jp.cut_at_first_accepted(seq)
    for sub, reason in dropped:
        yield rejected(stages.sequence, reason, key=sub.submission_id, repo=repo)
    if not head:
        return
    stages.sequence.kept(len(head))

    steps: list[jp.Step] = []
    for sub in head:
        stages.code.incoming()
        code = jr.load_code(sub, cfg.max_code_bytes)
        if isinstance(code, jr.ReadReject):
            yield rejected(stages.code, code.reason, key=sub.submission_id, repo=repo, detail=code.detail)
            continue
        stages.code.kept()
        steps.append(jp.clean(sub, code, cfg.strip_docstrings))
    if not steps:
        return

    stages.repeat.incoming(len(steps))
    steps, repeats = jp.collapse_repeats(steps)
    for step, reason in repeats:
        yield rejected(stages.repeat, reason, key=step.sub.submission_id, repo=repo)
    stages.repeat.kept(len(steps))

    stages.pair.incoming(len(steps))
    pairs, reasons = jp.pair_sequence([s.sub.status for s in steps], cfg.pairing)
    for index in sorted(reasons):
        yield rejected(stages.pair, reasons[index], key=steps[index].sub.submission_id, repo=repo)
    stages.pair.kept(len(steps) - len(reasons))
    if not pairs:
        return
    verdicts = [s.sub.status for s in steps]
    ids = [s.sub.submission_id for s in steps]
    description = descriptions.get(repo, "") if cfg.include_description else ""
    # The statement as data, whole, whether or not the instruction carries (a cut of) it.
    statement = descriptions.get(repo) or None
    for pair in pairs:
        yield replace(_record(steps, pair, verdicts, ids, description, cfg), problem_statement=statement)
    if trajectories:
        yield build_trajectory(steps, descriptions.get(repo), cfg)


def _record(steps: list[jp.Step], pair: jp.Pair, verdicts: list[str], ids: list[str], description: str,
            cfg: JudgeConfig) -> JudgeRecord:
    before, after = jp.settle(steps[pair.before]), jp.settle(steps[pair.after])
    b, a = before.sub, after.sub
    name = a.problem_name or b.problem_name or a.problem_id
    instruction = jp.build_instruction(b.status, name, a.problem_id, a.dataset, description, cfg)
    # One parse of each side gives python_major, old_parses, the tags that apply to judge code (the
    # content tags: syntax_error_before/after, formatting_only, docs_only, ...; never test_file, as a
    # submission has no path) and the edit kinds, as annotate gives them to commits.
    analysis = analyse(before.code, after.code)
    return JudgeRecord(
        id=judge_record_id(a.dataset, b.submission_id, a.submission_id),
        source=SOURCE,
        commit=a.submission_id,
        parent=b.submission_id,
        old_file=f"{b.submission_id}.py",
        new_file=f"{a.submission_id}.py",
        old_contents=before.code,
        new_contents=after.code,
        subject=instruction.subject,
        message=instruction.full,
        lang=LANG_DISPLAY.get(a.lang, a.lang),
        license=jp.license_for(a.dataset, cfg),
        repos=[problem_key(a.dataset, a.problem_id)],
        author_time=a.time,
        committer_time=a.time,
        author_name=a.user_id,
        instruction=instruction.full,
        message_lang="en",
        old_parses=analysis.old_parses,
        python_major=analysis.python_major,
        tags=list(analysis.tags),
        edit_kinds=list(analysis.edit_kinds),
        group=a.problem_id,
        dataset=a.dataset,
        origin=a.origin,
        problem_id=a.problem_id,
        problem_name=name,
        user_id=a.user_id,
        pairing=cfg.pairing,
        verdict_before=b.status,
        verdict_after=a.status,
        submission_before=b.submission_id,
        submission_after=a.submission_id,
        time_before=b.time,
        time_after=a.time,
        step_before=pair.before,
        step_after=pair.after,
        verdict_sequence=list(verdicts),
        submission_sequence=list(ids),
        language_before=b.original_language,
        language_after=a.original_language,
        original_code_before=before.original,
        original_code_after=after.original,
        code_tokenizes_before=before.tokenizes,
        code_tokenizes_after=after.tokenizes,
    )
