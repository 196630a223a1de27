"""Beam source for online-judge exports: submissions in, repair pairs (JudgeRecord) out.

    CodeNet, one problem CSV per element (no shuffle of submissions):
    ReadCodenet: judge.read ─► judge.language ─► judge.status ─► judge.problem ─► group by user in memory
                 ─► judge.sequence ─► judge.code ─► judge.repeat ─► judge.pair ─► records
                                        ▲ (side inputs: problem verdicts, problems shared between files)
    tally pass over the metadata ─► (judged, accepted, files) per problem ─► CombinePerKey

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
  grouped locally: the tally pass counts the files each problem appears in, and such rows take the
  shuffled path, so the groups are exactly those of a GroupByKey either way.
- Single-file exports (Aizu, AtCoder, Codeforces, JSONL) are read in one pass each and their rows
  reshuffled after, then grouped on (dataset, problem, user) through sorted runs
  (sorted_runs.SpillGroupByKey: a GroupByKey's groups, with one group in memory, not the export).
- The acceptance rate describes a problem, so it is counted over every row the metadata has (every
  language, before any filter), combined per problem in Beam and handed to the problem filter as a
  side input: one small number per problem, no global state in any process. The tallies come from
  a second, independent pass over the metadata (cheap: no code is read). Were they taken from the
  main read, the runner could run the problem filter only after buffering the whole read; this way
  read, filters and pairing are one fused stage that streams.
- Code files are read only after grouping, and only for submissions up to a group's first
  Accepted: the shuffle (where there is one) carries packed metadata only, and CodeNet's millions of
  files in other languages, or after the first Accepted, are never opened. Our DoFns hold one
  (user, problem) group's code at a time.

Every stage counts with `beam_jobs.accounting.Stage`, so in = kept + rejected holds per stage; the
unit is a submission everywhere except `judge.metadata` (rows of CodeNet's problem_list.csv). At
`judge.read` a file that cannot be opened or parsed counts as one row. At `judge.pair`, kept counts
the submissions that are a side of at least one pair; the number of pairs is the number of records.
"""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam

from beam_jobs.sources.judge import pairs as jp
from beam_jobs.sources.judge import readers as jr
from beam_jobs.accounting import REJECTS, ApplyFilters, Stage
from beam_jobs.sorted_runs import RunFiles
from filters.judge import LANG_DISPLAY, judged_accepted, language_filter, problem_reason, status_filter
from filters.python import parses_as, python_major
from schemas.judge import SOURCE_JUDGE, JudgeRecord, judge_record_id
from config.judge import JudgeConfig
from schemas.submission import Submission, problem_key

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
DUPLICATE_PROBLEM = "duplicate_problem"


@dataclass(frozen=True)
class JudgeInputs:
    """Judge exports to read; any subset may be given. `aoj_code` is optional: Aizu records usually
    carry `sourceCode`, and otherwise the code folder defaults to `<file stem>_code` beside the file."""
    codenet: str | None = None
    aoj: str | None = None
    aoj_code: str | None = None
    atcoder: str | None = None
    atcoder_code: str | None = None
    codeforces: str | None = None
    codeforces_code: str | None = None
    judge_jsonl: str | None = None

    def any(self) -> bool:
        return any((self.codenet, self.aoj, self.atcoder, self.codeforces, self.judge_jsonl))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge_inputs_problem(inputs: JudgeInputs) -> str | None:
    """One sentence about the first thing wrong with the inputs, before any pipeline is built."""
    if inputs.codenet is not None:
        if not os.path.isdir(inputs.codenet):
            return f"the CodeNet folder '{inputs.codenet}' does not exist"
        if not os.path.isdir(os.path.join(inputs.codenet, "metadata")):
            return f"the CodeNet folder '{inputs.codenet}' has no metadata/ folder"
        if not jr.codenet_problem_csvs(inputs.codenet):
            return f"the CodeNet folder '{inputs.codenet}' has no problem CSVs in metadata/"
    pairs = (("--aoj", inputs.aoj, "--aoj-code", inputs.aoj_code, False),
             ("--atcoder", inputs.atcoder, "--atcoder-code", inputs.atcoder_code, True),
             ("--codeforces", inputs.codeforces, "--codeforces-code", inputs.codeforces_code, True))
    for flag, path, code_flag, code_dir, code_required in pairs:
        if path is None:
            if code_dir is not None:
                return f"{code_flag} is given without {flag}"
            continue
        if not os.path.isfile(path):
            return f"the {flag} file '{path}' does not exist"
        if code_dir is None:
            if code_required:
                return f"{flag} needs {code_flag} DIR, the folder that holds the code files"
            continue
        if not os.path.isdir(code_dir):
            return f"the {code_flag} folder '{code_dir}' does not exist"
    if inputs.judge_jsonl is not None and not os.path.isfile(inputs.judge_jsonl):
        return f"the --judge-jsonl file '{inputs.judge_jsonl}' does not exist"
    return None


# ------------------------------------------------------------------------------------------ reading

def _problem_of(sub: Submission) -> str:
    return problem_key(sub.dataset, sub.problem_id)


def _tallies(items: Iterable[Submission | jr.ReadReject]) -> Iterator[tuple[str, tuple[int, int, int]]]:
    """(problem, (judged, accepted, 1)) over the rows a reader accepts, summed within one input so the
    combine sees one partial sum per problem and file. The 1 counts the files a problem appears in:
    a problem seen in one file only can be grouped where that file is read (see `_CodenetProblem`)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        if isinstance(item, Submission):
            judged, accepted = judged_accepted(item.status)
            tally = sums[_problem_of(item)]
            tally[0] += judged
            tally[1] += accepted
    for key in sorted(sums):
        yield key, (sums[key][0], sums[key][1], 1)


class _CountingRead(beam.DoFn):
    """Runs a reader over one element and counts its rows at judge.read."""

    def setup(self) -> None:
        self._stage = Stage(STAGE_READ, SOURCE)

    def _emit(self, items: Iterable[Submission | jr.ReadReject], dataset: str) -> Iterator[Any]:
        for item in items:
            self._stage.incoming()
            if isinstance(item, jr.ReadReject):
                yield self._stage.reject(item.reason, key=item.key, repo=dataset, detail=item.detail)
            else:
                self._stage.kept()
                yield item


class _ReadFile(_CountingRead):
    """A single-file export; `reader` is a module-level function of judge_readers (picklable)."""

    def __init__(self, reader: Callable[..., Iterable[Submission | jr.ReadReject]], dataset: str,
                 args: tuple[Any, ...]) -> None:
        self._reader = reader
        self._dataset = dataset
        self._args = args

    def process(self, _: Any) -> Iterator[Any]:
        yield from self._emit(self._reader(*self._args), self._dataset)


class _ReadProblemList(beam.DoFn):
    """CodeNet's problem_list.csv -> (problem id, ProblemInfo); a repeated id keeps its first row."""

    def setup(self) -> None:
        self._stage = Stage(STAGE_METADATA, SOURCE)

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


# ----------------------------------------------------------------------------------- problem filter

def _sum_tallies(tallies: Iterable[tuple[int, int, int]]) -> tuple[int, int, int]:
    judged = accepted = files = 0
    for j, a, f in tallies:
        judged += j
        accepted += a
        files += f
    return judged, accepted, files


class _ProblemFilter(beam.DoFn):
    """Keeps submissions to problems whose verdict (from the side input) is empty."""

    def setup(self) -> None:
        self._stage = Stage(STAGE_PROBLEM, SOURCE)

    def process(self, sub: Submission, verdicts: dict[str, str]) -> Iterator[Any]:
        key = _problem_of(sub)
        rejected = self._stage.verdict(verdicts.get(key), key=sub.submission_id, repo=key)
        yield sub if rejected is None else rejected


# ---------------------------------------------------------------------------------------- sequences

def _group_key(sub: Submission) -> str:
    return f"{sub.dataset}\0{sub.problem_id}\0{sub.user_id}"


class _SequenceStages:
    """The counters of the four per-group stages, created on the worker (in a DoFn's setup)."""

    def __init__(self) -> None:
        self.sequence = Stage(STAGE_SEQUENCE, SOURCE)
        self.code = Stage(STAGE_CODE, SOURCE)
        self.repeat = Stage(STAGE_REPEAT, SOURCE)
        self.pair = Stage(STAGE_PAIR, SOURCE)


def fix_sequence(subs: Iterable[Submission], cfg: JudgeConfig, descriptions: dict[str, str],
                 stages: _SequenceStages) -> Iterator[Any]:
    """One (user, problem) group -> JudgeRecords and tagged rejects, counting four stages. The group's
    code is read here, one file at a time, and only for submissions up to the first Accepted."""
    seq = jp.sort_sequence(subs)
    repo = _problem_of(seq[0])
    stages.sequence.incoming(len(seq))
    head, dropped = jp.cut_at_first_accepted(seq)
    for sub, reason in dropped:
        yield stages.sequence.reject(reason, key=sub.submission_id, repo=repo)
    if not head:
        return
    stages.sequence.kept(len(head))

    steps: list[jp.Step] = []
    for sub in head:
        stages.code.incoming()
        code = jr.load_code(sub, cfg.max_code_bytes)
        if isinstance(code, jr.ReadReject):
            yield stages.code.reject(code.reason, key=sub.submission_id, repo=repo, detail=code.detail)
            continue
        stages.code.kept()
        steps.append(jp.clean(sub, code, cfg.strip_docstrings))
    if not steps:
        return

    stages.repeat.incoming(len(steps))
    steps, repeats = jp.collapse_repeats(steps)
    for step, reason in repeats:
        yield stages.repeat.reject(reason, key=step.sub.submission_id, repo=repo)
    stages.repeat.kept(len(steps))

    stages.pair.incoming(len(steps))
    pairs, reasons = jp.pair_sequence([s.sub.status for s in steps], cfg.pairing)
    for index in sorted(reasons):
        yield stages.pair.reject(reasons[index], key=steps[index].sub.submission_id, repo=repo)
    stages.pair.kept(len(steps) - len(reasons))
    if not pairs:
        return
    verdicts = [s.sub.status for s in steps]
    ids = [s.sub.submission_id for s in steps]
    description = descriptions.get(repo, "") if cfg.include_description else ""
    for pair in pairs:
        yield _record(steps, pair, verdicts, ids, description, cfg)


class _FixSequences(beam.DoFn):
    """(group key, the submissions of one user to one problem) -> JudgeRecords, after the grouping."""

    def __init__(self, cfg: JudgeConfig) -> None:
        self._cfg = cfg

    def setup(self) -> None:
        self._stages = _SequenceStages()

    def process(self, element: tuple[str, Iterable[Submission]], descriptions: dict[str, str]) -> Iterator[Any]:
        _, group = element
        yield from fix_sequence(iter(group), self._cfg, descriptions, self._stages)


SHARED = "shared"  # the tagged output of `_CodenetProblem` for rows that must take the shuffled path


class _CodenetProblem(_CountingRead):
    """One CodeNet problem CSV -> JudgeRecords and rejects, every stage from judge.read to judge.pair.

    The file holds every submission to its problem, so its (user, problem) groups are complete here
    and need no shuffle. Rows of a problem that also appears in another input (`shared`, from the
    tally pass) are emitted untouched on the `shared` output instead, and go through the same
    filters and the GroupByKey as the single-file readers, so no group is ever split. Kept rows wait
    in memory as metadata (no code) until the file is read; groups are then paired one at a time,
    in sorted key order.
    """

    def __init__(self, root: str, cfg: JudgeConfig) -> None:
        self._root = root
        self._cfg = cfg

    def setup(self) -> None:
        super().setup()
        self._language = Stage(STAGE_LANGUAGE, SOURCE)
        self._status = Stage(STAGE_STATUS, SOURCE)
        self._problem = Stage(STAGE_PROBLEM, SOURCE)
        self._stages = _SequenceStages()
        self._language_ok = language_filter(self._cfg)
        self._status_ok = status_filter(self._cfg)

    def process(self, csv_name: str, problems: dict[str, jr.ProblemInfo], verdicts: dict[str, str],
                shared: dict[str, bool], descriptions: dict[str, str]) -> Iterator[Any]:
        groups: dict[str, list[Submission]] = defaultdict(list)
        read = self._emit(jr.read_codenet_csv(self._root, csv_name, problems), jr.DATASET_CODENET)
        for item in read:
            if not isinstance(item, Submission):
                yield item  # a judge.read reject
                continue
            key = _problem_of(item)
            if key in shared:
                yield beam.pvalue.TaggedOutput(SHARED, item)
                continue
            # The same checks, stages and order as the shuffled path (ApplyFilters, _ProblemFilter).
            for stage, check in ((self._language, self._language_ok), (self._status, self._status_ok),
                                 (self._problem, lambda s: verdicts.get(key))):
                rejected = stage.verdict(check(item), key=item.submission_id, repo=key)
                if rejected is not None:
                    if stage is not self._language or self._cfg.language_reject_rows:
                        yield rejected  # language reject rows may be left out; they are counted all the same
                    break
            else:
                groups[_group_key(item)].append(item)
        for group in sorted(groups):
            subs = groups.pop(group)
            yield from fix_sequence(subs, self._cfg, descriptions, self._stages)


def _record(steps: list[jp.Step], pair: jp.Pair, verdicts: list[str], ids: list[str], description: str,
            cfg: JudgeConfig) -> JudgeRecord:
    before, after = jp.settle(steps[pair.before]), jp.settle(steps[pair.after])
    b, a = before.sub, after.sub
    name = a.problem_name or b.problem_name or a.problem_id
    instruction = jp.build_instruction(b.status, name, a.problem_id, a.dataset, description, cfg)
    major = python_major(after.code)
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
        old_parses=parses_as(before.code, major or 3),
        python_major=major,
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


# -------------------------------------------------------------------------------------- the source

def _judge_config(config: Any) -> JudgeConfig:
    """The whole Config (once the lead nests the section as `Config.judge`) or the section itself."""
    return config if isinstance(config, JudgeConfig) else config.judge


class JudgeSource(beam.PTransform):
    """PBegin -> {"records": tuple of PCollection[JudgeRecord], "rejects": tuple of PCollection[Reject]}."""

    def __init__(self, inputs: JudgeInputs, config: Any, runs: RunFiles | None = None) -> None:
        super().__init__()
        self._inputs = inputs
        self._cfg = _judge_config(config)
        # Where (user, problem) groups of the other formats wait, as sorted runs (SpillGroupByKey).
        self._runs = runs or RunFiles.local()

    def expand(self, pbegin: beam.pvalue.PBegin) -> dict[str, beam.PCollection]:
        p = pbegin.pipeline
        cfg = self._cfg
        inputs = self._inputs
        subs, stats, rejects, descriptions = [], [], [], []
        codenet_csvs = codenet_problems = None
        codenet_root = ""

        if inputs.codenet:
            root = os.path.abspath(inputs.codenet)
            roots = p | "CodenetRoot" >> beam.Create([root])
            plist = roots | "ReadProblemList" >> beam.ParDo(_ReadProblemList()).with_outputs(REJECTS, main="problems")
            rejects.append(plist[REJECTS])
            codenet_root, codenet_problems = root, plist.problems
            csvs = (roots
                    | "ListProblemCsvs" >> beam.FlatMap(jr.codenet_problem_csvs)
                    | "SpreadProblems" >> beam.Reshuffle())
            # The tally pass lists the files again on a branch of its own: were it to share `csvs`, the
            # runner would fuse it with the main read, and the problem filter, which needs the tallies,
            # could only run after the whole read had been buffered.
            stats.append(p | "CodenetRootForTally" >> beam.Create([root])
                         | "ListProblemCsvsForTally" >> beam.FlatMap(jr.codenet_problem_csvs)
                         | "SpreadProblemsForTally" >> beam.Reshuffle()
                         | "TallyCodenet" >> beam.FlatMap(lambda name, r: _tallies(jr.read_codenet_csv(r, name)), root))
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
        for label, reader, dataset, args in single_files:
            stats.append(p | f"{label}FileForTally" >> beam.Create([args[0]])
                         | f"Tally{label}" >> beam.FlatMap(lambda _, rd, a: _tallies(rd(*a)), reader, args))
            read = (p | f"{label}File" >> beam.Create([args[0]])
                    | f"Read{label}" >> beam.ParDo(_ReadFile(reader, dataset, args)).with_outputs(REJECTS, main="subs"))
            # One file is read by one worker; spread its rows before the per-row work.
            subs.append(read.subs | f"Spread{label}" >> beam.Reshuffle())
            rejects.append(read[REJECTS])

        if not subs and codenet_csvs is None:
            empty = p | "NoJudgeInputs" >> beam.Create([])
            return {"records": (empty,), "rejects": (p | "NoJudgeRejects" >> beam.Create([]),)}

        tallies = (tuple(stats) | "AllStats" >> beam.Flatten()
                   | "CountPerProblem" >> beam.CombinePerKey(_sum_tallies))
        problem_verdicts = tallies | "JudgeProblems" >> beam.Map(
            lambda kv, c: (kv[0], problem_reason(kv[1][0], kv[1][1], c) or ""), cfg)
        description_side = (tuple(descriptions) | "AllDescriptions" >> beam.Flatten() if descriptions
                            else p | "NoDescriptions" >> beam.Create([]))
        local_records = []
        if codenet_csvs is not None:
            shared_problems = (tallies | "InSeveralFiles" >> beam.Filter(lambda kv: kv[1][2] > 1)
                               | "SharedProblems" >> beam.Map(lambda kv: (kv[0], True)))
            read = (codenet_csvs
                    | "ReadCodenet" >> beam.ParDo(
                        _CodenetProblem(codenet_root, cfg), beam.pvalue.AsDict(codenet_problems),
                        beam.pvalue.AsDict(problem_verdicts), beam.pvalue.AsDict(shared_problems),
                        beam.pvalue.AsDict(description_side))
                    .with_outputs(REJECTS, SHARED, main="records"))
            local_records.append(read.records)
            subs.append(read[SHARED])
            rejects.append(read[REJECTS])
        all_subs = tuple(subs) | "AllSubmissions" >> beam.Flatten()
        language = all_subs | ApplyFilters(STAGE_LANGUAGE, SOURCE, [language_filter(cfg)],
                                           key_of=lambda s: s.submission_id, repo_of=_problem_of)
        status = language.kept | ApplyFilters(STAGE_STATUS, SOURCE, [status_filter(cfg)],
                                              key_of=lambda s: s.submission_id, repo_of=_problem_of)
        problems = (status.kept
                    | "FilterProblems" >> beam.ParDo(_ProblemFilter(), beam.pvalue.AsDict(problem_verdicts))
                    .with_outputs(REJECTS, main="kept"))
        sequences = (problems.kept
                     | "KeyByUserProblem" >> beam.Map(lambda s: (_group_key(s), s))
                     | "GroupSequences" >> self._runs.group("sequences")
                     | "FixSequences" >> beam.ParDo(_FixSequences(cfg), beam.pvalue.AsDict(description_side))
                     .with_outputs(REJECTS, main="records"))
        language_rejects = language[REJECTS]
        if not cfg.language_reject_rows:
            # Counted all the same; only the rows go (most of a CodeNet export is in other languages).
            language_rejects = language_rejects | "DropLanguageRejectRows" >> beam.Filter(lambda r: False)
        # A runner that materialises a Flatten (the FnApiRunner buffers it whole between stages) would
        # hold every record and reject of the export there: both go on as separate parts, and the
        # writers spill each part where it is made (pipeline.build).
        all_rejects = tuple(rejects) + (language_rejects, status[REJECTS], problems[REJECTS], sequences[REJECTS])
        return {"records": tuple(local_records) + (sequences.records,), "rejects": all_rejects}


