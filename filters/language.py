"""Message language (beyond the paper): langdetect on the cleaned message, made deterministic.

langdetect samples n-grams at random; with a fixed seed the same text always gives the same answer.
This module owns its detector factory, seeded with 0, instead of langdetect's module-level one, so
another library calling `DetectorFactory.set_seed` or `langdetect.detect` cannot change our results.
The profiles load once per process (on first use, i.e. on the worker).

What is examined: the cleaned message (instruction plus body, trailers removed), with code-like tokens
taken out first (identifiers with `_`, `.`, brackets or digits, camelCase words, `--flags`). Those are
language-neutral and pull short English subjects towards French or Italian.

What is kept: a record is kept when any allowed language reaches `language_min_prob`, not only when it
is the top guess. langdetect is overconfident on short text; on a hand-written set of 80 plain English
subjects, "top guess must be English" dropped 5 and this rule drops 2, while all 15 non-English
subjects of the same set are still dropped. ASCII text with fewer than `language_min_chars` letters is
not judged at all (kept, language "und"): langdetect on "Use in" is noise. Short text in another
script is still judged, because the script alone is a strong signal (eight Chinese characters are a
whole sentence).

How fast: langdetect's answer is reproduced to the last bit by faster code, never approximated.
`detect` runs its sampling loop for one message on numpy arrays (about 1 ms a commit message);
`detect_many` runs the loops of up to BATCH messages in lock-step (several times faster per
message), and the filter's batch hook `prepare_language` feeds it whole batches of records (see
filters/base.py). Both fill the same bounded memo, so `check_language` and `annotate` ask once.
`detect_reference` is langdetect's own loop, the tests' yardstick.

Reasons: language_not_allowed, undetectable_language (langdetect found no usable features).
"""
from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters.message import MessageRules, clean_message

SEED = 0
UNDETERMINED = "und"
UNDETECTABLE = "undetectable_language"
NOT_ALLOWED = "language_not_allowed"

_CODE_TOKEN = re.compile(
    r"\S*[_.()\[\]{}<>=/\\`'\"0-9@#$%^&*|~]\S*"   # identifiers with punctuation or digits, paths, calls
    r"|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"     # camelCase, PascalCase with an inner capital
    r"|(?<!\w)--?\w[\w-]*"                          # command-line flags
)
_LETTER = re.compile(r"[^\W\d_]")

_factory = None


def _detector_factory():  # type: ignore[no-untyped-def]
    global _factory
    if _factory is None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        factory.set_seed(SEED)
        _factory = factory
    return _factory


class Detection(NamedTuple):
    """Top language and every (language, probability) langdetect reported; `error` when it gave up."""
    language: str
    probabilities: tuple[tuple[str, float], ...]
    error: bool = False


_NO_FEATURES = Detection(UNDETERMINED, (), error=True)


def text_for_detection(text: str, max_chars: int) -> str:
    return " ".join(_CODE_TOKEN.sub(" ", text[:max_chars]).split())


class _Profile:
    """langdetect's per-n-gram probability lists as rows of one numpy matrix, converted on first use
    and kept: at most one row per n-gram of its profile (87,598 x 55 floats, some 40 MB per worker
    process if every one were met; commit messages meet a small fraction). The matrix grows by
    doubling; a row, once written, never changes, so a reader may keep any matrix it was handed.
    Rows are written before their ids are published, under a lock, so threads may share it."""

    def __init__(self, word_lang_prob_map: dict, width: int) -> None:
        import numpy as np

        self.source = word_lang_prob_map
        self.index: dict[str, int] = {}
        self.matrix = np.empty((0, width), dtype=np.float64)
        self._lock = threading.Lock()

    def ids(self, words: list[str]) -> list[int]:
        """Each word's row in `matrix` (read `matrix` after this returns)."""
        index = self.index
        missing = [w for w in words if w not in index]
        if missing:
            self._add(missing)
        return [index[w] for w in words]

    def get(self, word: str) -> Any:
        i = self.index.get(word)
        if i is None:
            self._add([word])
            i = self.index[word]
        return self.matrix[i]

    def _add(self, words: list[str]) -> None:
        import numpy as np

        with self._lock:
            index = self.index
            new = [w for w in dict.fromkeys(words) if w not in index]
            if not new:
                return
            size = len(index)
            need = size + len(new)
            if need > len(self.matrix):
                rows = max(need, min(2 * len(self.matrix), len(self.source)), 1024)
                grown = np.empty((rows, self.matrix.shape[1]), dtype=np.float64)
                grown[:size] = self.matrix[:size]
                self.matrix = grown
            self.matrix[size:need] = np.array([self.source[w] for w in new], dtype=np.float64)
            for offset, word in enumerate(new):
                index[word] = size + offset


_profile: _Profile | None = None


def _profile_of(detector: Any) -> _Profile:
    global _profile
    profile = _profile
    if profile is None or profile.source is not detector.word_lang_prob_map:
        profile = _profile = _Profile(detector.word_lang_prob_map, len(detector.langlist))
    return profile


def _detect_block(detector: Any) -> list[float]:
    """langdetect's `Detector._detect_block`, the same arithmetic on numpy arrays: the same answer to
    the last bit, about 2.5 times faster (langdetect updates 55 languages in a Python loop for each
    of up to 7 x 1,000 sampled n-grams; it is the slowest filter there is).

    Why the answer is identical: the random stream is langdetect's own (`detector.random`, seeded the
    same, drawn in the same order: one gauss per trial, one choice per step); every language's
    probability goes through the same IEEE double operations in the same order (multiply by
    `weight + p`, divide by the sum); the sum is Python's own `sum` over the same list, as
    langdetect's is, never numpy's pairwise sum; n-grams are drawn as `Random.choice` draws them
    (`_picker`). `tests/filters/test_language.py` compares both on every commit message of the sample
    repositories and on a few hundred generated texts in several languages.
    """
    import numpy as np
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    detector.cleaning_text()
    ngrams = detector._extract_ngrams()
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    rows = _profile_of(detector)
    langprob = np.zeros(len(detector.langlist), dtype=np.float64)
    rng = detector.random
    rng.seed(detector.seed)
    pick = _picker(rng, ngrams)
    conv, limit, n_trial = detector.CONV_THRESHOLD, detector.ITERATION_LIMIT, detector.n_trial
    for _ in range(n_trial):
        prob = np.array(detector._init_probability(), dtype=np.float64)
        alpha = detector.alpha + rng.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / detector.BASE_FREQ
        factors: dict[str, Any] = {}  # weight + p, per n-gram, for this trial's weight
        i = 0
        while True:
            word = pick()
            factor = factors.get(word)
            if factor is None:
                factor = factors[word] = weight + rows.get(word)
            prob *= factor
            if i % 5 == 0:
                values = prob.tolist()
                total = sum(values)  # left to right, exactly as langdetect sums
                if total == 0.0:
                    raise ZeroDivisionError("float division by zero")  # what langdetect raises
                prob /= total
                # langdetect takes the largest quotient; division by a positive number is monotonic
                # even rounded, so that is the largest value divided, the same double.
                if max(values) / total > conv or i >= limit:
                    break
            i += 1
        langprob += prob / n_trial
    return langprob.tolist()


def _inline_choice_matches() -> bool:
    """Whether `_picker`'s inlined draw is what this Python's `Random.choice` does (CPython 3.10 to
    3.13 draw `getrandbits(n.bit_length())` until below n); checked once, on a few sizes."""
    import random

    for n in (1, 2, 3, 7, 8, 9, 100, 255, 256, 1000):
        a, b = random.Random(n), random.Random(n)
        seq = list(range(n))
        k = n.bit_length()
        for _ in range(200):
            r = b.getrandbits(k)
            while r >= n:
                r = b.getrandbits(k)
            if a.choice(seq) != seq[r]:
                return False
    return True


_INLINE_CHOICE: bool | None = None


def _picker(rng: Any, seq: list[str]) -> Any:
    """`lambda: rng.choice(seq)`, without `choice`'s two Python calls per draw when this Python draws
    the same way (a third of langdetect's loop went there); the same numbers from the same stream."""
    global _INLINE_CHOICE
    if _INLINE_CHOICE is None:
        _INLINE_CHOICE = _inline_choice_matches()
    if not _INLINE_CHOICE or not seq:
        return lambda: rng.choice(seq)
    getrandbits, n = rng.getrandbits, len(seq)
    k = n.bit_length()

    def pick() -> str:
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]
    return pick


# ------------------------------------------------------------------------------ many messages at once
#
# Every detector is seeded with SEED before its trials, so every message draws from the same
# Mersenne-Twister stream: the same 32-bit words, in the same order. What differs per message is how
# the words are used: `choice` over n n-grams takes `getrandbits(k)` (k = n.bit_length(), the word
# shifted right by 32 - k) and rejects draws >= n; each trial starts with `gauss`, which takes two
# `random()` (two words each) every other trial and returns its cached second value in between; and
# a trial stops where its arithmetic converges. So the words are generated once per process
# (`_Stream`), and the sampling loops of a whole batch of messages run in lock-step (`_Batch`): one
# row of language probabilities and one stream position per message, each row going through exactly
# langdetect's operations in langdetect's order, each position moving as that message's own draws
# would move it. A message's answer depends on its text alone, never on the rest of its batch.
# `_inline_choice_matches`, `_stream_matches` and `_sum_kind` check the assumptions about this
# Python once per process; when one fails, every message takes the one-at-a-time path.

_WORDS_CHUNK = 1 << 15


class _Stream:
    """The 32-bit words `random.Random(SEED)` produces, in order, generated in bulk by numpy's
    MT19937 from Python's own state and kept (the first 32,768 cover most batches; 4 bytes each)."""

    def __init__(self, seed: int) -> None:
        import random

        import numpy as np

        state = random.Random(seed).getstate()[1]
        self._generator = np.random.MT19937()
        self._generator.state = {"bit_generator": "MT19937",
                                 "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
        self.words = np.empty(0, dtype=np.uint32)
        self._windows: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def windows(self, words: Any) -> Any:
        """`words` as overlapping windows of _WINDOW words (row p: the words from p), a view."""
        if self._windows is None or self._windows[0] is not words:
            from numpy.lib.stride_tricks import sliding_window_view

            self._windows = (words, sliding_window_view(words, _WINDOW))
        return self._windows[1]

    def upto(self, end: int) -> Any:
        """The words, at least `end` of them (read the returned array; it may be replaced later)."""
        words = self.words
        if len(words) >= end:
            return words
        import numpy as np

        with self._lock:
            if len(self.words) < end:
                more = -(-(end - len(self.words)) // _WORDS_CHUNK) * _WORDS_CHUNK
                raw = self._generator.random_raw(more).astype(np.uint32)
                self.words = np.concatenate([self.words, raw])
            return self.words


_stream: _Stream | None = None


def _words() -> _Stream:
    global _stream
    if _stream is None:
        _stream = _Stream(SEED)
    return _stream


def _random_at(words: Any, p: int) -> float:
    """`Random.random()` made of the words at p and p + 1 (CPython's `random_random`)."""
    a, b = int(words[p]) >> 5, int(words[p + 1]) >> 6
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)


def _gauss_at(words: Any, p: int) -> tuple[float, float]:
    """`Random.gauss` when nothing is cached: (the value it returns with mu 0 and sigma 1, the
    `gauss_next` it caches), made of the four words from p."""
    x2pi = _random_at(words, p) * _TWOPI
    g2rad = math.sqrt(-2.0 * math.log(1.0 - _random_at(words, p + 2)))
    z = math.cos(x2pi) * g2rad
    return 0.0 + z * 1.0, math.sin(x2pi) * g2rad


_TWOPI = 2.0 * math.pi


def _stream_matches() -> bool:
    """Whether this Python's `Random` draws what the batch path assumes: `_Stream`'s words,
    `getrandbits(k)` the word shifted right by 32 - k, `random()` and `gauss` as above (gauss caching
    its second value), `seed` forgetting the cached value. Checked once, on some 800 words."""
    import random

    words = _words().upto(4096)
    rng = random.Random(SEED)
    if [rng.getrandbits(32) for _ in range(64)] != words[:64].tolist():
        return False
    p = 64
    for k in range(1, 33):
        for _ in range(4):
            if rng.getrandbits(k) != int(words[p]) >> (32 - k):
                return False
            p += 1
    for _ in range(100):
        if rng.random() != _random_at(words, p):
            return False
        first, cached = _gauss_at(words, p + 2)
        if rng.gauss(0.0, 1.0) != first or rng.gauss(0.0, 1.0) != 0.0 + cached * 1.0:
            return False
        p += 6
    rng.gauss(0.0, 1.0)   # caches a value ...
    rng.seed(SEED)        # ... which seeding forgets: the next gauss draws from the start again
    return rng.gauss(0.0, 1.0) == _gauss_at(words, 0)[0]


def _plain_sum(values: list[float]) -> float:
    total = 0 + values[0]
    for x in values[1:]:
        total = total + x
    return total


def _neumaier_sum(values: list[float]) -> float:
    total, compensation = 0 + values[0], 0.0
    for x in values[1:]:
        t = total + x
        if abs(total) >= abs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation and math.isfinite(compensation):
        total += compensation
    return total


def _sum_kind() -> str | None:
    """How this Python's `sum` adds floats: "plain" (left to right, CPython up to 3.11), "neumaier"
    (left to right with Neumaier's compensation, 3.12 and 3.13), None if neither (checked on a few
    thousand lists, some built so that the two differ)."""
    import random

    rng = random.Random(1)
    lists = [[1.0, 1e100, 1.0, -1e100], [0.1] * 10]
    for _ in range(3000):
        lists.append([rng.random() ** rng.randint(1, 60) * rng.choice((1.0, 1e-300, 1e-10))
                      for _ in range(rng.choice((2, 5, 55)))])
    for kind, replica in (("plain", _plain_sum), ("neumaier", _neumaier_sum)):
        if all(sum(values) == replica(values) for values in lists):
            return kind
    return None


def _row_sums(prob: Any, kind: str) -> Any:
    """Python's `sum` of each row, the batch at once: column by column, left to right, the way this
    Python's `sum` goes (never numpy's pairwise `sum`)."""
    import numpy as np

    total = 0.0 + prob[:, 0]
    if kind == "plain":
        for j in range(1, prob.shape[1]):
            total += prob[:, j]
        return total
    compensation = np.zeros_like(total)
    for j in range(1, prob.shape[1]):
        x = prob[:, j]
        t = total + x
        compensation += np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
        total = t
    return np.where((compensation != 0.0) & np.isfinite(compensation), total + compensation, total)


_BATCH_OK: bool | None = None
_SUM_KIND: str | None = None


def _batch_supported() -> bool:
    global _BATCH_OK, _SUM_KIND, _INLINE_CHOICE
    if _BATCH_OK is None:
        if _INLINE_CHOICE is None:
            _INLINE_CHOICE = _inline_choice_matches()
        _SUM_KIND = _sum_kind()
        _BATCH_OK = bool(_INLINE_CHOICE and _SUM_KIND and _stream_matches() and _texts_match())
    return _BATCH_OK


class _Params(NamedTuple):
    init: Any             # the initial probability row (`_init_probability`)
    alpha: float
    alpha_width: float
    base_freq: float
    conv: float
    limit: int
    n_trial: int


# Below this many messages still sampling, a lock-step round (some 100 numpy calls) costs more than
# finishing each of them alone.
_TAIL = 6
_WINDOW = 32   # stream words a round looks at per message for its next five accepted draws
# The index of a power of two 2**b (b < 32) from its remainder mod 37 (2 generates the units mod 37,
# so the remainders differ); remainder 0 (no bit left) maps to _WINDOW, "not found".
_LOW_BIT = [_WINDOW] * 37
for _b in range(32):
    _LOW_BIT[(1 << _b) % 37] = _b
del _b
_LOW_BIT_ARRAY: Any = None
# what `_Batch` keeps per message still sampling (compacted together as messages finish)
_PER_ROW = ("act", "q", "shift", "bound", "start", "prob", "i", "t", "weight", "cached")


class _Batch:
    """A batch of messages sampled in lock-step (`_detect_blocks`).

    A round gives every message still sampling one step of langdetect's loop up to its next
    normalisation: step 0 of a trial (one draw), or steps i to i + 4 (five draws). Its draws are the
    first accepted words from its stream position: word >> shift < n, that is word < n << shift,
    found in a window of 32 words (a bit mask, then its five lowest bits). The multiplications run
    on the whole batch, row by row in langdetect's order; step 0 multiplies four more times by 1.0,
    which changes no double. Then each row is summed left to right, divided, tested, and rows whose
    trial converged add their share to `langprob` and start the next trial (or leave the batch)."""

    def __init__(self, rows: list[Any], params: _Params, matrix: Any, sum_kind: str) -> None:
        import numpy as np

        global _LOW_BIT_ARRAY
        if _LOW_BIT_ARRAY is None:
            _LOW_BIT_ARRAY = np.array(_LOW_BIT, dtype=np.int64)
        m = len(rows)
        self.params, self.matrix, self.sum_kind = params, matrix, sum_kind
        self.rows = rows                                  # per message: its n-grams' profile rows
        sizes = np.array([len(r) for r in rows], dtype=np.int64)
        shifts = [32 - len(r).bit_length() for r in rows]
        self.flat = np.concatenate(rows)
        self.langprob = np.zeros((m, len(params.init)), dtype=np.float64)
        self.failed = [False] * m
        # Per message still sampling (compacted as messages finish): batch index, stream position,
        # accepted-draw bound and shift, where its rows start in `flat`, probabilities, next step
        # `i` of the trial, trial number, the trial's alpha / BASE_FREQ, and the value `gauss`
        # cached for the next trial (`Random.gauss_next`, NaN for None).
        self.act = np.arange(m)
        self.q = np.zeros(m, dtype=np.int64)
        self.shift = np.array(shifts, dtype=np.uint32)
        self.bound = (sizes << np.array(shifts, dtype=np.int64)).astype(np.uint32)  # < 2**32
        self.start = np.cumsum(sizes) - sizes
        self.prob = np.tile(params.init, (m, 1))
        self.i = np.zeros(m, dtype=np.int64)
        self.t = np.zeros(m, dtype=np.int64)
        self.weight = np.zeros(m, dtype=np.float64)
        self.cached = np.full(m, np.nan)   # seeding clears Random.gauss_next
        self._start_trials(np.arange(m))

    def _start_trials(self, rows: Any) -> None:
        """The weight of these rows' next trial, `gauss` done as `Random.gauss` does it: the value it
        cached the trial before, or four words from the stream position (and a value to cache)."""
        import numpy as np

        p = self.params
        cached = self.cached[rows]
        has = ~np.isnan(cached)
        gauss = 0.0 + cached * 1.0
        draw = rows[~has]
        if len(draw):
            positions = self.q[draw].tolist()
            words = _words().upto(max(positions) + 4)
            pairs = {at: _gauss_at(words, at) for at in set(positions)}   # many share one position
            gauss[~has] = [pairs[at][0] for at in positions]
            self.cached[draw] = [pairs[at][1] for at in positions]
            self.q[draw] += 4
        self.cached[rows[has]] = np.nan
        alpha = p.alpha + gauss * p.alpha_width
        self.weight[rows] = alpha / p.base_freq

    def _start_trial(self, j: int, q: int) -> tuple[float, int]:
        """`_start_trials` for one row, its stream position given and returned."""
        p = self.params
        cached = float(self.cached[j])
        self.cached[j] = math.nan
        if math.isnan(cached):
            gauss, self.cached[j] = _gauss_at(_words().upto(q + 4), q)
            q += 4
        else:
            gauss = 0.0 + cached * 1.0
        alpha = p.alpha + gauss * p.alpha_width
        return alpha / p.base_freq, q

    def _draws(self) -> tuple[Any, Any]:
        """Each row's next five accepted draws, as offsets from its stream position, and the words
        (at least up to every one of them)."""
        import numpy as np

        q, bound = self.q, self.bound
        stream = _words()
        words = stream.upto(int(q.max()) + 4 * _WINDOW)
        accepted = stream.windows(words)[q] < bound[:, None]    # row j: the 32 words from q[j]
        bits = np.packbits(accepted, axis=1, bitorder="little").view("<u4")[:, 0].astype(np.int64)
        offsets = np.empty((5, len(q)), dtype=np.int64)
        low = np.empty_like(bits)
        for s in range(5):
            np.bitwise_and(bits, -bits, out=low)
            _LOW_BIT_ARRAY.take(low % 37, out=offsets[s])
            bits ^= low
        offsets = offsets.T
        for j in (offsets[:, 4] == _WINDOW).nonzero()[0]:   # under five in the window: rare
            found, at, n = [], int(q[j]), int(bound[j])
            while len(found) < 5:
                if int(_words().upto(at + 1)[at]) < n:
                    found.append(at - int(q[j]))
                at += 1
            offsets[j] = found
            words = _words().upto(int(q.max()) + found[-1] + 1)
        return offsets, words

    def run(self) -> None:
        import numpy as np

        with np.errstate(divide="ignore", invalid="ignore"):   # a zero total: the row is given up
            self._rounds()
        for j in range(len(self.act)):
            self._finish_alone(j)

    def _rounds(self) -> None:
        import numpy as np

        p = self.params
        while len(self.act) > _TAIL:
            i = self.i
            first = i == 0
            offsets, words = self._draws()
            drawn = words[self.q + offsets.T] >> self.shift       # (5, messages)
            factors = self.matrix.take(self.flat[self.start + drawn], axis=0)
            width = factors.shape[2]
            flat = factors.reshape(5, -1)   # weight + p, as langdetect adds it (flat: a long loop)
            np.add(flat, self.weight.repeat(width), out=flat)
            if first.any():
                factors[1:, first] = 1.0                         # x * 1.0 == x: no step at all
            prob = self.prob
            for s in range(5):
                prob *= factors[s]
            step = np.where(first, 0, i + 4)
            self.q = self.q + np.where(first, offsets[:, 0], offsets[:, 4]) + 1
            self.i = step + 1
            total = _row_sums(prob, self.sum_kind)
            zero = total == 0.0
            top = prob.max(axis=1)
            np.divide(prob, total.repeat(width).reshape(prob.shape), out=prob)
            done = (top / total > p.conv) | (step >= p.limit) | zero
            if done.any():
                self._end_trials(done.nonzero()[0], zero)

    def _end_trials(self, done: Any, zero: Any) -> None:
        import numpy as np

        p = self.params
        self.langprob[self.act[done]] += self.prob[done] / p.n_trial
        t = self.t[done] + 1
        self.t[done] = t
        over = t == p.n_trial
        if zero.any():
            over |= zero[done]
            for j in done[zero[done]]:
                self.failed[int(self.act[j])] = True   # langdetect divides by zero: asked again alone
        going = done[~over] if over.any() else done
        if len(going):
            self._start_trials(going)
            self.prob[going] = p.init
            self.i[going] = 0
        if len(going) < len(done):
            keep = np.ones(len(self.act), dtype=bool)
            keep[done[over]] = False
            for name in _PER_ROW:
                setattr(self, name, getattr(self, name)[keep])

    def _finish_alone(self, j: int) -> None:
        """The rest of one message's trials, one draw at a time (`_detect_block`'s loop)."""
        p, matrix = self.params, self.matrix
        m = int(self.act[j])
        rows = self.rows[m].tolist()
        n, shift = len(rows), int(self.shift[j])
        prob, q, i, t, weight = self.prob[j].copy(), int(self.q[j]), int(self.i[j]), int(self.t[j]), float(self.weight[j])
        langprob = self.langprob[m]
        base, buffer = q, _words().upto(q + 4096)[q:q + 4096].tolist()
        while True:
            factors: dict[int, Any] = {}
            while True:
                while True:
                    if q - base >= len(buffer):
                        base, buffer = q, _words().upto(q + 4096)[q:q + 4096].tolist()
                    r = buffer[q - base] >> shift
                    q += 1
                    if r < n:
                        break
                rid = rows[r]
                factor = factors.get(rid)
                if factor is None:
                    factor = factors[rid] = weight + matrix[rid]
                prob *= factor
                if i % 5 == 0:
                    values = prob.tolist()
                    total = sum(values)
                    if total == 0.0:
                        self.failed[m] = True
                        return
                    prob /= total
                    if max(values) / total > p.conv or i >= p.limit:
                        break
                i += 1
            langprob += prob / p.n_trial
            t += 1
            if t == p.n_trial:
                return
            weight, q = self._start_trial(j, q)
            prob[:] = p.init
            i = 0
            if q - base >= len(buffer) or q < base:
                base, buffer = q, _words().upto(q + 4096)[q:q + 4096].tolist()


def _detect_blocks(rows: list[Any], detector: Any) -> list[list[float] | None]:
    """`_detect_block` for many texts at once, given each one's n-grams as profile rows (`_Texts`)
    and a detector of the factory (for langdetect's parameters): each one's `langprob`, the same
    doubles, or None where the one-at-a-time path must answer (langdetect would divide by zero)."""
    import numpy as np

    if not rows:
        return []
    profile = _profile_of(detector)
    params = _Params(np.array(detector._init_probability(), dtype=np.float64), detector.alpha,
                     detector.ALPHA_WIDTH, detector.BASE_FREQ, detector.CONV_THRESHOLD,
                     detector.ITERATION_LIMIT, detector.n_trial)
    assert _SUM_KIND is not None
    batch = _Batch(rows, params, profile.matrix, _SUM_KIND)
    batch.run()
    return [None if failed else values for failed, values in zip(batch.failed, batch.langprob.tolist())]


class _Texts:
    """langdetect's text preparation (`Detector.append`, `cleaning_text`, `_extract_ngrams`) giving
    the same n-grams, as profile rows, about four times faster: built from langdetect's own
    regular expressions, `NGram.normalize` (memoised per character, applied with `str.translate`)
    and `unicode_block`. `_extract_ngrams` starts afresh after every space (its n-gram buffer and
    capital-word flag reset there), so a text's n-grams are its words' n-grams one after the other,
    each word's (with the space after it, if any) run through the same loop and memoised."""

    MAX_WORDS = 100_000   # memoised words, at most; then the memo starts again

    def __init__(self, profile: _Profile, max_text_length: int) -> None:
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram
        from langdetect.utils.unicode_block import unicode_block

        self.profile, self.max_text_length = profile, max_text_length
        self._url, self._mail, self._vi = Detector.URL_RE, Detector.MAIL_RE, NGram.normalize_vi
        self._unicode_block = unicode_block
        self._normalized = _Normalized(NGram.normalize)
        self._non_latin: dict[str, bool] = {}
        self._words: dict[tuple[str, bool], list[int]] = {}

    def rows(self, text: str) -> list[int]:
        # Detector.append: no URLs, no e-mail addresses, Vietnamese normalised, cut, runs of spaces
        # made one (the loop keeps a space only after a non-space)
        text = self._vi(self._mail.sub(" ", self._url.sub(" ", text)))
        text = _SPACES.sub(" ", text[:self.max_text_length])
        # cleaning_text: mostly non-Latin text loses its Latin letters ('A' to 'z', as langdetect
        # compares; its block test compares a number with a name, so it holds for every character
        # from U+0300 on, which calling the same function here keeps)
        latin = len(_A_TO_Z.findall(text))
        if latin * 2 < sum(text.count(ch) for ch in set(text) if self._is_non_latin(ch)):
            text = _A_TO_Z.sub("", text)
        tokens = text.translate(self._normalized).split(" ")
        last = len(tokens) - 1
        rows: list[int] = []
        for k, token in enumerate(tokens):
            if token:
                rows += self._word_rows(token, k < last)
        return rows

    def _is_non_latin(self, ch: str) -> bool:
        found = self._non_latin.get(ch)
        if found is None:
            if len(self._non_latin) >= _MAX_CHARS:
                self._non_latin = {}
            found = self._non_latin[ch] = ch >= "\u0300" and self._unicode_block(ch) != "Latin Extended Additional"
        return found

    def _word_rows(self, word: str, spaced: bool) -> list[int]:
        key = (word, spaced)
        rows = self._words.get(key)
        if rows is None:
            if len(self._words) >= self.MAX_WORDS:
                self._words = {}
            rows = self._words[key] = self.profile.ids(_word_ngrams(word + " " if spaced else word,
                                                                    self.profile.source))
        return rows


class _Normalized(dict):
    """`NGram.normalize` per code point, for `str.translate`, computed on first use."""

    def __init__(self, normalize: Callable[[str], str]) -> None:
        super().__init__()
        self._normalize = normalize

    def __missing__(self, code: int) -> str:
        if len(self) >= _MAX_CHARS:
            self.clear()
        found = self[code] = self._normalize(chr(code))
        return found


_MAX_CHARS = 1 << 16   # characters memoised per table, at most; then the table starts again
_SPACES = re.compile(" +")
_A_TO_Z = re.compile("[A-z]")


def _word_ngrams(chars: str, profile: dict) -> list[str]:
    """`Detector._extract_ngrams` with `NGram.add_char` inlined, from a fresh buffer, on characters
    already normalised: the n-grams of one word (and of the space after it) found in the profile."""
    grams, capital, found = " ", False, []
    for ch in chars:
        last = grams[-1]
        if last == " ":
            grams, capital = " ", False
            if ch == " ":
                continue
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            if last.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        for n in (1, 2, 3):
            if len(grams) < n:
                break
            w = grams[-n:]
            if w and w != " " and w in profile:
                found.append(w)
    return found


_texts: _Texts | None = None


def _texts_of(detector: Any) -> _Texts:
    global _texts
    texts = _texts
    profile = _profile_of(detector)
    if texts is None or texts.profile is not profile or texts.max_text_length != detector.max_text_length:
        texts = _texts = _Texts(profile, detector.max_text_length)
    return texts


def _texts_match() -> bool:
    """Whether `_Texts` finds langdetect's own n-grams, on a few texts of every kind it handles
    (checked once per process, as a guard against another langdetect version)."""
    detector = _detector_factory().create()
    texts = _texts_of(detector)
    samples = ["Fix the reader for EMPTY files, see http://example.org/x or a@b.cd", "  ABC def  GHi j ",
               "Corrige l'erreur «de lecture» du fichier", "Behebe den Fehler beim Einlesen", "ș ț Ş ß",
               "Việt Nam a\u0301 e\u0300", "исправить ОШИБКУ чтения", "修复读取文件错误 and fix", "ファイル テスト",
               "파일 읽기", "إصلاح خطأ", "ＡＢＣ", "x\u00a0y", "A", "", "12345 !!!", "word " * 3000]
    for sample in samples:
        reference = _detector_factory().create()
        reference.append(sample)
        reference.cleaning_text()
        if texts.rows(sample) != texts.profile.ids(reference._extract_ngrams()):
            return False
    return True


def _answer(detector: Any, langprob: list[float]) -> Detection:
    """The Detection for a `langprob`, sorted and thresholded by langdetect's own code."""
    found = detector._sort_probability(langprob)
    if not found:
        return _NO_FEATURES
    return Detection(found[0].lang, tuple((item.lang, item.prob) for item in found))


def _run_langdetect(text: str, fast: bool) -> Detection:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory().create()
    detector.append(text)
    try:
        if fast:
            detector.langprob = _detect_block(detector)
        found = detector.get_probabilities()
    except LangDetectException:
        return _NO_FEATURES
    if not found:
        return _NO_FEATURES
    return Detection(found[0].lang, tuple((item.lang, item.prob) for item in found))


class _Memo:
    """A bounded least-recently-used memo of `detect`'s answers, shared by `detect` and `detect_many`
    (so a batch computed ahead fills what the filter and `annotate` then ask for). lru_cache's
    interface where it is used: `__wrapped__`, `cache_clear`, `cache_info`. Thread-safe."""

    def __init__(self, compute: Callable[[str], Detection], maxsize: int) -> None:
        self.__wrapped__ = compute
        self.__doc__ = compute.__doc__
        self.maxsize = maxsize
        self._data: OrderedDict[str, Detection] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def __call__(self, text: str) -> Detection:
        found = self.get(text)
        if found is None:
            found = self.__wrapped__(text)
            self.put(text, found)
        return found

    def get(self, text: str) -> Detection | None:
        with self._lock:
            found = self._data.get(text)
            if found is None:
                self._misses += 1
            else:
                self._hits += 1
                self._data.move_to_end(text)
            return found

    def put(self, text: str, found: Detection) -> None:
        with self._lock:
            self._data[text] = found
            self._data.move_to_end(text)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def cache_clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._hits = self._misses = 0

    def cache_info(self) -> tuple[int, int, int, int]:
        """(hits, misses, maxsize, currsize), as lru_cache's."""
        with self._lock:
            return self._hits, self._misses, self.maxsize, len(self._data)


def _detect(text: str) -> Detection:
    """langdetect on already-prepared text; memoised because the filter and `annotate` both ask."""
    return _run_langdetect(text, fast=True)


detect = _Memo(_detect, maxsize=4096)

BATCH = 512  # messages sampled in lock-step at most: bounds a batch's memory (about 12 KB a message)


def detect_many(texts: Iterable[str]) -> list[Detection]:
    """`detect` for each text, the same answers, computed many at a time: the texts `detect` has not
    memoised run through langdetect's sampling loop together (`_detect_blocks`), in batches of at
    most BATCH, and their answers go to `detect`'s memo. A text's answer never depends on which
    other texts share its batch."""
    import numpy as np

    texts = list(texts)
    answers: dict[str, Detection] = {}
    todo: list[str] = []
    for text in dict.fromkeys(texts):
        found = detect.get(text)
        if found is None:
            todo.append(text)
        else:
            answers[text] = found
    if todo and not _batch_supported():
        for text in todo:
            answers[text] = detect(text)
        todo = []
    if todo:
        detector = _detector_factory().create()
        prepare = _texts_of(detector).rows
    for start in range(0, len(todo), BATCH):
        chunk = todo[start:start + BATCH]
        rows = [prepare(text) for text in chunk]
        blocks = iter(_detect_blocks([np.array(r, dtype=np.int64) for r in rows if r], detector))
        for text, text_rows in zip(chunk, rows):
            if not text_rows:
                found = _NO_FEATURES   # langdetect: "No features in text."
            else:
                langprob = next(blocks)
                if langprob is None:
                    answers[text] = detect(text)   # raises what langdetect raises
                    continue
                found = _answer(detector, langprob)
            detect.put(text, found)
            answers[text] = found
    return [answers[text] for text in texts]


def detect_reference(text: str) -> Detection:
    """The same as `detect`, through langdetect's own `_detect_block`: the tests' yardstick."""
    return _run_langdetect(text, fast=False)


@dataclass(frozen=True)
class LanguageRules:
    detect_language: bool
    allowed: frozenset[str]
    min_prob: float
    min_chars: int
    max_chars: int


def compile_language_rules(cfg: FilterConfig) -> LanguageRules:
    return LanguageRules(
        detect_language=cfg.detect_language,
        allowed=frozenset(cfg.allowed_languages),
        min_prob=cfg.language_min_prob,
        min_chars=cfg.language_min_chars,
        max_chars=cfg.language_max_chars,
    )


class Verdict(NamedTuple):
    language: str
    reason: str | None


@lru_cache(maxsize=4096)
def judged_text(message_text: str, rules: LanguageRules) -> str | None:
    """The text langdetect is asked about, None when the message is not judged (short ASCII);
    memoised because the batch hook, the filter and `annotate` all ask."""
    text = text_for_detection(message_text, rules.max_chars)
    if text.isascii() and len(_LETTER.findall(text)) < rules.min_chars:
        return None
    return text


def judge(message_text: str, rules: LanguageRules) -> Verdict:
    """The language recorded for a message and whether it passes; pure in its inputs."""
    text = judged_text(message_text, rules)
    if text is None:
        return Verdict(UNDETERMINED, None)
    found = detect(text)
    if found.error:
        return Verdict(UNDETERMINED, UNDETECTABLE)
    if any(lang in rules.allowed and prob >= rules.min_prob for lang, prob in found.probabilities):
        # Record the allowed language that passed rather than a wrong top guess such as "fr".
        best = max((p, lang) for lang, p in found.probabilities if lang in rules.allowed)[1]
        return Verdict(best, None)
    return Verdict(found.language, NOT_ALLOWED)


def message_language(record: CommitRecord, message_rules: MessageRules, rules: LanguageRules) -> Verdict:
    return judge(clean_message(record, message_rules), rules)


def check_language(record: CommitRecord, rules: tuple[MessageRules, LanguageRules]) -> str | None:
    message_rules, language_rules = rules
    return message_language(record, message_rules, language_rules).reason


def prepare_language(records: Sequence[CommitRecord], rules: tuple[MessageRules, LanguageRules]) -> None:
    """`check_language`'s batch hook: detects the language of many records' messages at once
    (`detect_many`), so that `check_language` and `annotate` then find every answer memoised. Only
    speed depends on it: the answers are `detect`'s."""
    message_rules, language_rules = rules
    texts = [judged_text(clean_message(record, message_rules), language_rules) for record in records]
    detect_many(text for text in texts if text is not None)
