"""Many messages' langdetect loops in lock-step: `detect_many`, several times faster per message.

The language filter's batch hook hands it whole batches of records (filters/base.py), and it stores
its answers in `detect`'s memo, where the filter and `annotate` then find them. The answers are
`detect`'s to the last bit (filters/langdetect_loop.py, which also describes the whole engine).

Every detector is seeded with SEED before its trials, so every message draws from the same
Mersenne-Twister stream: the same 32-bit words, in the same order. What differs per message is how
the words are used: `choice` over n n-grams takes `getrandbits(k)` (k = n.bit_length(), the word
shifted right by 32 - k) and rejects draws >= n; each trial starts with `gauss`, which takes two
`random()` (two words each) every other trial and returns its cached second value in between; and
a trial stops where its arithmetic converges. So the words are generated once per process
(`_Stream`), and the sampling loops of a whole batch of messages run in lock-step (`_Batch`): one
row of language probabilities and one stream position per message, each row going through exactly
langdetect's operations in langdetect's order, each position moving as that message's own draws
would move it. A message's answer depends on its text alone, never on the rest of its batch.
`_inline_choice_matches`, `_stream_matches`, `_sum_kind` and `_texts_match` check the assumptions
about this Python (and langdetect) once per process; when one fails, every message takes the
one-at-a-time path.
"""
from __future__ import annotations

import math
import threading
from typing import Any, Iterable, NamedTuple

from filters.langdetect_loop import (SEED, _NO_FEATURES, Detection, _answer, _detector_factory,
                                     _inline_choice, _profile_of, detect)
from filters.langdetect_ngrams import _texts_match, _texts_of

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
    global _BATCH_OK, _SUM_KIND
    if _BATCH_OK is None:
        inline = _inline_choice()
        _SUM_KIND = _sum_kind()
        _BATCH_OK = bool(inline and _SUM_KIND and _stream_matches() and _texts_match())
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

BATCH = 512  # messages sampled in lock-step at most: bounds a batch's memory (about 12 KB a message)
# The batch path's self-check (`_batch_supported`) costs about 0.4 CPU-s once per process, what some
# 500 messages cost detected alone: a process detects its first messages alone, and checks (then
# batches) only once more than this many have come. A small run never pays for the check.
SELF_CHECK_AFTER = 256
_alone_before_check = 0


def _count_alone(n: int) -> None:
    global _alone_before_check
    _alone_before_check += n


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
    if todo and _BATCH_OK is None and _alone_before_check + len(todo) <= SELF_CHECK_AFTER:
        _count_alone(len(todo))
        alone = True
    else:
        alone = bool(todo) and not _batch_supported()
    if alone:
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
