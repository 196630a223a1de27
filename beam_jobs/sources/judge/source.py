"""Beam source for online-judge exports: submissions in, repair pairs (JudgeRecord) out.

    CodeNet, one problem CSV per element (no shuffle of submissions):
    ReadCodenet: judge.read ─► judge.language ─► judge.status ─► judge.problem ─► group by user in memory
                 ─► judge.sequence ─► judge.code ─► judge.repeat ─► judge.pair ─► records
                                        ▲ (side inputs: duplicates, problem verdicts, problems shared
                                        │   between files)
    ids pass over every input's metadata ─► SpillGroupByKey(dataset, submission id) ─► decide
                 ─► duplicates: the copies of a repeated id to reject at judge.read (side input)
                 ─► (judged, accepted, files) per problem over the copies read ─► CombinePerKey

    single-file exports (and CodeNet rows of a problem that also appears in another file):
    readers ─► judge.read ─► judge.language ─► judge.status ─► judge.problem ─► GroupByKey(user, problem)
                 ─► judge.sequence ─► judge.code ─► judge.repeat ─► judge.pair ─► records

Why this shape:
- CodeNet keeps one metadata file per problem, so every (user, problem) group lies inside one file.
  The DoFn that reads a problem's CSV also groups its rows by user and pairs them, so CodeNet needs
  no shuffle of submissions at all: a runner that holds each shuffle in memory (the FnApiRunner)
  would otherwise hold every kept submission of the export at once. Memory is one problem's
  metadata rows (no code) plus one group's code. A problem whose rows appear in more than one input
  file (a row filed under another problem's CSV, or a JSONL that reuses the dataset name) is not
  grouped locally: the ids pass counts the files each problem appears in, and such rows take the
  shuffled path, so the groups are exactly those of a GroupByKey either way.
- A submission id seen twice is caught wherever the copies are (one file, two problems' files, two
  inputs of one dataset): the ids pass groups every row's id (a small `duplicates.Occurrence`, no
  code) through sorted runs, so memory holds one id's copies, not the export's ids, and the read
  gets only the locations of the copies to reject (`duplicates.py` says which and why).
- Single-file exports (Aizu, AtCoder, Codeforces, JSONL) are read in one pass each and their rows
  reshuffled after, then grouped on (dataset, problem, user) through sorted runs
  (sorted_runs.SpillGroupByKey: a GroupByKey's groups, with one group in memory, not the export).
- The acceptance rate describes a problem, so it is counted over every row the metadata has (every
  language, before any filter), combined per problem in Beam and handed to the problem filter as a
  side input: one small number per problem, no global state in any process. The tallies come from
  the ids pass, a second, independent pass over the metadata (cheap: no code is read), over the
  copies that judge.read keeps. Were they taken from the main read, the runner could run the problem
  filter only after buffering the whole read; this way read, filters and pairing are one fused stage
  that streams.
- Code files are read only after grouping, and only for submissions up to a group's first
  Accepted: the shuffle (where there is one) carries packed metadata only, and CodeNet's millions of
  files in other languages, or after the first Accepted, are never opened. Our DoFns hold one
  (user, problem) group's code at a time.

The decisions are plain functions in `core.py` (reading, the per-submission `Selection`, and
`fix_sequence` per group), which count through the `accounting.Stage` objects these DoFns, all
`StageDoFn`s, hand them, and return rejects as data that the DoFns tag. So in = kept + rejected
holds per stage; the unit is a submission everywhere except `judge.metadata` (rows of CodeNet's
problem_list.csv). At `judge.read` a file that cannot be opened or parsed counts as one row, and
the rejected copies of a repeated id are counted there (`duplicate_submission_id`, `repeated_row`). At
`judge.pair`, kept counts the submissions that are a side of at least one pair; the number of pairs
is the number of records. With `output.trajectories`, both pairing DoFns also put each paired group's
`schemas.trajectory.Trajectory` on the TRAJECTORIES output (built from the steps already in memory,
after judge.verify when it runs, so attempts carry their executed verdicts).
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam

from beam_jobs.accounting import REJECTS, TALLY, CounterFactory, StageDoFn, tallied
from beam_jobs.sorted_runs import RunFiles
from beam_jobs.sources.judge import pairs as jp
from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge.core import (SOURCE, STAGE_LANGUAGE, STAGE_METADATA, STAGE_READ, STAGE_SEQUENCE,
                                          SequenceStages, Selection, count_reads, fix_sequence, group_key,
                                          problem_of)
from beam_jobs.sources.judge.inputs import JudgeInputs
from beam_jobs.sources.judge.duplicates import Occurrence, Verdict, decide, input_label, occurrences
from beam_jobs.sources.judge.testcases import TestCase
from beam_jobs.sources.judge.trajectories import with_execution
from beam_jobs.sources.judge.verification import (OFF, STAGE_TESTS, STAGE_VERIFY, ProblemLoader, count_tests,
                                                  jsonl_inline_tests, verify_group)
from beam_jobs.verify.compare import verdict
from beam_jobs.verify.policy import choose_mode, limits_for
from beam_jobs.verify.sandbox import run_program
from config.judge import JudgeConfig
from filters.judge import judged_accepted, problem_reason
from schemas.judge import JudgeRecord
from schemas.reject import Reject
from schemas.submission import Submission, problem_key
from schemas.trajectory import Trajectory

DUPLICATE_PROBLEM = "duplicate_problem"


# ------------------------------------------------------------------------------------------ reading

TRAJECTORIES = "trajectories"  # the tagged output of the pairing DoFns: a Trajectory per group with pairs


def _route(out: Any) -> Any:
    """What the core returns, routed: a Reject to the rejects output, a Trajectory to its own, anything
    else on."""
    if isinstance(out, Reject):
        return beam.pvalue.TaggedOutput(REJECTS, out)
    if isinstance(out, Trajectory):
        return beam.pvalue.TaggedOutput(TRAJECTORIES, out)
    return out


# The reader of each dataset name, for the tasks of the ids pass (a task names its reader by dataset,
# so the elements are plain data).
_READERS: dict[str, Callable[..., Iterable[Submission | jr.ReadReject]]] = {
    jr.DATASET_CODENET: jr.read_codenet_csv, jr.DATASET_AOJ: jr.read_aoj, jr.DATASET_ATCODER: jr.read_atcoder,
    jr.DATASET_CODEFORCES: jr.read_codeforces, jr.DATASET_JSONL_DEFAULT: jr.read_judge_jsonl,
}
ReadTask = tuple[str, tuple[Any, ...]]  # (dataset, the reader's arguments)


def _read_tasks(task: ReadTask) -> Iterator[ReadTask]:
    """CodeNet's folder becomes one task per problem CSV; a single-file export is one task."""
    dataset, args = task
    if dataset == jr.DATASET_CODENET:
        yield from ((dataset, (args[0], name)) for name in jr.codenet_problem_csvs(args[0]))
    else:
        yield task


def _task_input(task: ReadTask) -> str:
    """The input's label (`duplicates.input_label`): the CSV's name for CodeNet, else the file's."""
    dataset, args = task
    return input_label(dataset, args[1] if dataset == jr.DATASET_CODENET else args[0])


def _occurrences(task: ReadTask) -> Iterator[tuple[str, Occurrence]]:
    dataset, args = task
    return occurrences(_READERS[dataset](*args), _task_input(task))


DUPLICATES = "duplicates"  # the tagged output of `_DecideIds`: (location, Verdict) of rejected copies


class _DecideIds(beam.DoFn):
    """(id, its copies) -> the rejected copies' verdicts (DUPLICATES), and the tally of the copy that
    is read: (problem, (judged, accepted, (input,))). The input counts the files a problem appears
    in: a problem seen in one file only can be grouped where that file is read (`_CodenetProblem`)."""

    def process(self, element: tuple[str, list[Occurrence]]) -> Iterator[Any]:
        kept, verdicts = decide(element[1])
        for where in sorted(verdicts):
            yield beam.pvalue.TaggedOutput(DUPLICATES, (where, verdicts[where]))
        if kept is not None:
            judged, accepted = judged_accepted(kept.status)
            yield kept.problem, (judged, accepted, (kept.input,))


class _ReadFile(StageDoFn):
    """A single-file export; `reader` is a module-level function of the readers package (picklable)."""

    def __init__(self, reader: Callable[..., Iterable[Submission | jr.ReadReject]], dataset: str,
                 args: tuple[Any, ...]) -> None:
        super().__init__(STAGE_READ, SOURCE)
        self._reader = reader
        self._dataset = dataset
        self._args = args

    def process(self, _: Any, duplicates: dict[str, Verdict]) -> Iterator[Any]:
        label = _task_input((self._dataset, self._args))
        yield from map(_route, count_reads(self._reader(*self._args), self._stage, self._dataset, label, duplicates))


class _ReadProblemList(StageDoFn):
    """CodeNet's problem_list.csv -> (problem id, ProblemInfo); a repeated id keeps its first row."""

    def __init__(self) -> None:
        super().__init__(STAGE_METADATA, SOURCE)

    def process(self, root: str) -> Iterator[Any]:
        seen: set[str] = set()
        for item in jr.read_codenet_problem_list(root):
            self._stage.incoming()
            if isinstance(item, jr.ReadReject):
                yield self._stage.reject(item.reason, key=item.key, repo=jr.DATASET_CODENET, detail=item.detail)
            elif item.problem_id in seen:
                yield self._stage.reject(DUPLICATE_PROBLEM, key=item.problem_id, repo=jr.DATASET_CODENET)
            else:
                seen.add(item.problem_id)
                self._stage.kept()
                yield item.problem_id, item


def _description(info: jr.ProblemInfo, root: str, max_chars: int) -> Iterator[tuple[str, str]]:
    markup = jr.read_codenet_description(root, info.problem_id)
    if markup:
        text = jp.truncate(jp.html_to_text(markup), max_chars)
        if text:
            yield problem_key(jr.DATASET_CODENET, info.problem_id), text


# ------------------------------------------------------------------------ language, status, problem

Tally = tuple[int, int, tuple[str, ...]]  # (judged, accepted, up to two inputs the problem appears in)


def _sum_tallies(tallies: Iterable[Tally]) -> Tally:
    """Summed; of the inputs only two are kept (sorted, so the result does not depend on the order
    the runner combines in): all the reader asks is whether a problem appears in more than one."""
    judged = accepted = 0
    inputs: set[str] = set()
    for j, a, names in tallies:
        judged += j
        accepted += a
        inputs.update(names)
    return judged, accepted, tuple(sorted(inputs)[:2])


class _Select(StageDoFn):
    """The shuffled rows' judge.language, judge.status and judge.problem (`core.Selection`), with the
    problem verdicts from the side input."""

    def __init__(self, cfg: JudgeConfig) -> None:
        super().__init__(STAGE_LANGUAGE, SOURCE)
        self._cfg = cfg

    def setup(self) -> None:
        super().setup()
        self._select = Selection(self._cfg, lambda name: self.stage(name=name))

    def process(self, sub: Submission, verdicts: dict[str, str]) -> Iterator[Any]:
        out = self._select(sub, verdicts)
        if out is not None:
            yield _route(out)


# ------------------------------------------------------------------------------------ verification

VERIFY_NAMESPACE = "repairpack.verify"  # `test_runs`: programs run on a test, for the manifest
PROBLEMS = "problems"  # the tagged output of the pairing DoFns: (dataset, problem id) of each group paired


class _Verifier:
    """judge.verify inside a pairing DoFn (`verification.verify_group`), built in the DoFn's `setup`:
    the sandbox mode is chosen there, on the worker (`choose_mode` raises SandboxRefused with one
    sentence when bubblewrap cannot start and no weaker mode is named), and each worker keeps its own
    small LRU of problems' tests."""

    def __init__(self, cfg: JudgeConfig, stage: Any, tests_dir: str | None, codenet_root: str | None,
                 counter: CounterFactory) -> None:
        self._cfg = cfg.verify
        self._mode = choose_mode(cfg.verify)
        self._limits = limits_for(cfg.verify, None)
        self._stage = stage
        self._loader = ProblemLoader(tests_dir, codenet_root)
        self._runs = counter("test_runs", VERIFY_NAMESPACE)

    def _run(self, code: str, case: TestCase) -> str:
        self._runs.inc()
        result = run_program(code, case.input.encode("utf-8"), self._limits, self._mode)
        return verdict(result, case.output.encode("utf-8"), self._cfg.float_tolerance)

    def __call__(self, outputs: Iterable[Any], inline: dict[str, Any] | None) -> Iterator[Any]:
        """A group's records verified, routed; its trajectory with the executed verdicts; then the
        group's problem on the PROBLEMS output."""
        self._loader.inline = inline or {}
        problems: list[tuple[str, str]] = []
        seen: dict[str, str] = {}

        def executed(item: Any) -> Any:
            if not isinstance(item, Trajectory):
                return item
            return with_execution(item, seen, self._loader(item.dataset, item.problem_id).statement)

        def noted(items: Iterable[JudgeRecord | Reject]) -> Iterator[JudgeRecord | Reject]:
            for item in items:
                if isinstance(item, JudgeRecord) and not problems:
                    problems.append((item.dataset, item.problem_id))
                yield item

        yield from (_route(executed(item)) for item in verify_group(
            noted(outputs), self._loader.for_record, self._run, self._cfg.mode, self._stage, seen))
        for problem in problems:
            yield beam.pvalue.TaggedOutput(PROBLEMS, problem)


class _CountTests(StageDoFn):
    """(dataset, problem id), once per problem with pairs -> judge.tests counted (its unit a test) and
    the unusable tests as rejects. Here, after a Distinct, and not where the tests are loaded: a
    problem's tests are loaded by every worker that verifies one of its groups."""

    def __init__(self, tests_dir: str | None, codenet_root: str | None) -> None:
        super().__init__(STAGE_TESTS, SOURCE)
        self._tests_dir = tests_dir
        self._codenet_root = codenet_root

    def setup(self) -> None:
        super().setup()
        self._loader = ProblemLoader(self._tests_dir, self._codenet_root, size=1)

    def process(self, problem: tuple[str, str], inline: dict[str, Any]) -> Iterator[Any]:
        self._loader.inline = inline
        dataset, problem_id = problem
        tests = self._loader(dataset, problem_id).tests
        for reject in count_tests(tests, self._stage, problem_key(dataset, problem_id)):
            yield beam.pvalue.TaggedOutput(REJECTS, reject)


# ---------------------------------------------------------------------------------------- sequences

class _FixSequences(StageDoFn):
    """(group key, the submissions of one user to one problem) -> JudgeRecords, after the grouping."""

    def __init__(self, cfg: JudgeConfig, tests_dir: str | None = None, codenet_root: str | None = None,
                 trajectories: bool = False) -> None:
        super().__init__(STAGE_SEQUENCE, SOURCE)
        self._cfg = cfg
        self._tests_dir = tests_dir
        self._codenet_root = codenet_root
        self._trajectories = trajectories

    def setup(self) -> None:
        super().setup()
        self._verify = (None if self._cfg.verify.mode == OFF else
                        _Verifier(self._cfg, self.stage(name=STAGE_VERIFY), self._tests_dir, self._codenet_root,
                                  self.counter))
        self._sequence_stages = SequenceStages.of(lambda name: self.stage(name=name))

    def process(self, element: tuple[str, Iterable[Submission]], descriptions: dict[str, str],
                inline: dict[str, Any] | None = None) -> Iterator[Any]:
        _, group = element
        records = fix_sequence(iter(group), self._cfg, descriptions, self._sequence_stages, self._trajectories)
        yield from map(_route, records) if self._verify is None else self._verify(records, inline)


SHARED = "shared"  # the tagged output of `_CodenetProblem` for rows that must take the shuffled path


class _CodenetProblem(StageDoFn):
    """One CodeNet problem CSV -> JudgeRecords and rejects, every stage from judge.read to judge.pair.

    The file holds every submission to its problem, so its (user, problem) groups are complete here
    and need no shuffle. Rows of a problem that also appears in another input (`shared`, from the
    tally pass) are emitted untouched on the `shared` output instead, and go through the same
    filters and the GroupByKey as the single-file readers, so no group is ever split. Kept rows wait
    in memory as metadata (no code) until the file is read; groups are then paired one at a time,
    in sorted key order.
    """

    def __init__(self, root: str, cfg: JudgeConfig, tests_dir: str | None = None, trajectories: bool = False) -> None:
        super().__init__(STAGE_READ, SOURCE)
        self._root = root
        self._cfg = cfg
        self._tests_dir = tests_dir
        self._trajectories = trajectories

    def setup(self) -> None:
        super().setup()
        # The same selection, stages and order as the shuffled path's `_Select`.
        self._select = Selection(self._cfg, lambda name: self.stage(name=name))
        self._verify = (None if self._cfg.verify.mode == OFF else
                        _Verifier(self._cfg, self.stage(name=STAGE_VERIFY), self._tests_dir, self._root,
                                  self.counter))
        self._sequence_stages = SequenceStages.of(lambda name: self.stage(name=name))

    def process(self, csv_name: str, problems: dict[str, jr.ProblemInfo], verdicts: dict[str, str],
                shared: dict[str, bool], descriptions: dict[str, str], duplicates: dict[str, Verdict]
                ) -> Iterator[Any]:
        groups: dict[str, list[Submission]] = defaultdict(list)
        read = jr.read_codenet_csv(self._root, csv_name, problems)
        label = input_label(jr.DATASET_CODENET, csv_name)
        for item in count_reads(read, self._stage, jr.DATASET_CODENET, label, duplicates):
            if isinstance(item, Submission):
                if problem_of(item) in shared:
                    yield beam.pvalue.TaggedOutput(SHARED, item)
                    continue
                item = self._select(item, verdicts)
            if isinstance(item, Submission):
                groups[group_key(item)].append(item)
            elif item is not None:
                yield _route(item)
        for group in sorted(groups):
            subs = groups.pop(group)
            records = fix_sequence(subs, self._cfg, descriptions, self._sequence_stages, self._trajectories)
            yield from map(_route, records) if self._verify is None else self._verify(records, None)


# --------------------------------------------------------------------------------------- the source

def _judge_config(config: Any) -> JudgeConfig:
    """The whole Config (once the lead nests the section as `Config.judge`) or the section itself."""
    return config if isinstance(config, JudgeConfig) else config.judge


class JudgeSource(beam.PTransform):
    """PBegin -> {"records": tuple of PCollection[JudgeRecord], "rejects": tuple of PCollection[Reject],
    "trajectories": tuple of PCollection[Trajectory]} (the trajectories empty unless asked for, the
    pipeline's `output.trajectories`)."""

    def __init__(self, inputs: JudgeInputs, config: Any, runs: RunFiles | None = None,
                 trajectories: bool = False) -> None:
        super().__init__()
        self._inputs = inputs
        self._cfg = _judge_config(config)
        self._trajectories = trajectories
        # Where (user, problem) groups of the other formats wait, as sorted runs (SpillGroupByKey).
        self._runs = runs or RunFiles.local()

    def expand(self, pbegin: beam.pvalue.PBegin) -> dict[str, beam.PCollection]:
        p = pbegin.pipeline
        cfg = self._cfg
        inputs = self._inputs
        subs, rejects, descriptions = [], [], []
        # judge.verify: off leaves the graph as it was; otherwise the tests folder, the JSONL's inline
        # tests (a small side input: one `tests` value per problem) and the problems verified.
        verify = cfg.verify.mode != OFF
        tests_dir = os.path.abspath(inputs.tests) if inputs.tests else None
        verified_problems: list[beam.PCollection] = []
        codenet_csvs = codenet_problems = None
        codenet_root = ""

        if inputs.codenet:
            root = os.path.abspath(inputs.codenet)
            roots = p | "CodenetRoot" >> beam.Create([root])
            plist = tallied(roots | "ReadProblemList" >> beam.ParDo(_ReadProblemList())
                            .with_outputs(REJECTS, TALLY, main="problems"))
            rejects.append(plist[REJECTS])
            codenet_root, codenet_problems = root, plist.problems
            csvs = (roots
                    | "ListProblemCsvs" >> beam.FlatMap(jr.codenet_problem_csvs)
                    | "SpreadProblems" >> beam.Reshuffle())
            if cfg.include_description and cfg.description_max_chars > 0:
                descriptions.append(plist.problems | "ReadDescriptions" >> beam.FlatMap(
                    lambda kv, r, n: _description(kv[1], r, n), root, cfg.description_max_chars))
            codenet_csvs = csvs

        single_files = []
        if inputs.aoj:
            single_files.append(("Aoj", jr.read_aoj, jr.DATASET_AOJ,
                                 (os.path.abspath(inputs.aoj),
                                  os.path.abspath(inputs.aoj_code) if inputs.aoj_code else None)))
        if inputs.atcoder:
            single_files.append(("Atcoder", jr.read_atcoder, jr.DATASET_ATCODER,
                                 (os.path.abspath(inputs.atcoder), os.path.abspath(inputs.atcoder_code or "."))))
        if inputs.codeforces:
            single_files.append(("Codeforces", jr.read_codeforces, jr.DATASET_CODEFORCES,
                                 (os.path.abspath(inputs.codeforces),
                                  os.path.abspath(inputs.codeforces_code or "."))))
        if inputs.judge_jsonl:
            single_files.append(("JudgeJsonl", jr.read_judge_jsonl, jr.DATASET_JSONL_DEFAULT,
                                 (os.path.abspath(inputs.judge_jsonl),)))
        # The ids pass: every input's rows (no code), grouped by submission id through sorted runs; it
        # gives the duplicates to reject at judge.read and the per-problem tallies (duplicates.py).
        # Its CSVs are listed on a branch of their own: were it to share `csvs`, the runner would fuse
        # it with the main read, and the main read, which needs its results, could only run after
        # the whole read had been buffered.
        tasks: list[ReadTask] = [(jr.DATASET_CODENET, (codenet_root,))] if inputs.codenet else []
        tasks += [(dataset, args) for _, _, dataset, args in single_files]
        if not tasks:
            empty = p | "NoJudgeInputs" >> beam.Create([])
            return {"records": (empty,), "rejects": (p | "NoJudgeRejects" >> beam.Create([]),), "trajectories": ()}
        decided = (p | "IdInputs" >> beam.Create(tasks)
                   | "IdTasks" >> beam.FlatMap(_read_tasks)
                   | "SpreadIdTasks" >> beam.Reshuffle()
                   | "IdOccurrences" >> beam.FlatMap(_occurrences)
                   | "GroupIds" >> self._runs.group("ids")
                   | "DecideIds" >> beam.ParDo(_DecideIds()).with_outputs(DUPLICATES, main="tallies"))
        duplicates = beam.pvalue.AsDict(decided[DUPLICATES])
        for label, reader, dataset, args in single_files:
            read = tallied(p | f"{label}File" >> beam.Create([args[0]])
                           | f"Read{label}" >> beam.ParDo(_ReadFile(reader, dataset, args), duplicates)
                           .with_outputs(REJECTS, TALLY, main="subs"))
            # One file is read by one worker; spread its rows before the per-row work.
            subs.append(read.subs | f"Spread{label}" >> beam.Reshuffle())
            rejects.append(read[REJECTS])

        inline_side = None
        if verify:
            inline = (p | "InlineTestsFile" >> beam.Create([os.path.abspath(inputs.judge_jsonl)] if inputs.judge_jsonl
                                                           else [])
                      | "InlineTests" >> beam.FlatMap(jsonl_inline_tests))
            inline_side = beam.pvalue.AsDict(inline)
        tallies = decided.tallies | "CountPerProblem" >> beam.CombinePerKey(_sum_tallies)
        problem_verdicts = tallies | "JudgeProblems" >> beam.Map(
            lambda kv, c: (kv[0], problem_reason(kv[1][0], kv[1][1], c) or ""), cfg)
        description_side = (tuple(descriptions) | "AllDescriptions" >> beam.Flatten() if descriptions
                            else p | "NoDescriptions" >> beam.Create([]))
        local_records, trajectories = [], []
        if codenet_csvs is not None:
            shared_problems = (tallies | "InSeveralFiles" >> beam.Filter(lambda kv: len(kv[1][2]) > 1)
                               | "SharedProblems" >> beam.Map(lambda kv: (kv[0], True)))
            read = tallied(codenet_csvs
                    | "ReadCodenet" >> beam.ParDo(
                        _CodenetProblem(codenet_root, cfg, tests_dir, self._trajectories),
                        beam.pvalue.AsDict(codenet_problems),
                        beam.pvalue.AsDict(problem_verdicts), beam.pvalue.AsDict(shared_problems),
                        beam.pvalue.AsDict(description_side), duplicates)
                    .with_outputs(REJECTS, TALLY, SHARED, PROBLEMS, TRAJECTORIES, main="records"))
            local_records.append(read.records)
            trajectories.append(read[TRAJECTORIES])
            subs.append(read[SHARED])
            rejects.append(read[REJECTS])
            verified_problems.append(read[PROBLEMS])
        all_subs = tuple(subs) | "AllSubmissions" >> beam.Flatten()
        selected = tallied(all_subs
                           | "SelectSubmissions" >> beam.ParDo(_Select(cfg), beam.pvalue.AsDict(problem_verdicts))
                           .with_outputs(REJECTS, TALLY, main="kept"))
        fix = _FixSequences(cfg, tests_dir, codenet_root or None, self._trajectories)
        sequences = tallied(selected.kept
                     | "KeyByUserProblem" >> beam.Map(lambda s: (group_key(s), s))
                     | "GroupSequences" >> self._runs.group("sequences")
                     | "FixSequences" >> (beam.ParDo(fix, beam.pvalue.AsDict(description_side)) if not verify else
                                          beam.ParDo(fix, beam.pvalue.AsDict(description_side), inline_side))
                     .with_outputs(REJECTS, TALLY, PROBLEMS, TRAJECTORIES, main="records"))
        trajectories.append(sequences[TRAJECTORIES])
        if verify:
            verified_problems.append(sequences[PROBLEMS])
            # judge.tests: each problem that has pairs once, whichever workers loaded its tests.
            counted = tallied(tuple(verified_problems) | "VerifiedProblems" >> beam.Flatten()
                       | "DistinctProblems" >> beam.Distinct()
                       | "CountTests" >> beam.ParDo(_CountTests(tests_dir, codenet_root or None), inline_side)
                       .with_outputs(REJECTS, TALLY, main="none"))
            rejects.append(counted[REJECTS])
        # A runner that materialises a Flatten (the FnApiRunner buffers it whole between stages) would
        # hold every record and reject of the export there: both go on as separate parts, and the
        # writers spill each part where it is made (pipeline.build).
        all_rejects = tuple(rejects) + (selected[REJECTS], sequences[REJECTS])
        return {"records": tuple(local_records) + (sequences.records,), "rejects": all_rejects,
                "trajectories": tuple(trajectories) if self._trajectories else ()}


