"""langdetect made deterministic and fast, one message at a time: `detect`, and `detect_reference`.

langdetect samples n-grams at random; with a fixed seed the same text always gives the same answer.
This module owns its detector factory, seeded with 0, instead of langdetect's module-level one, so
another library calling `DetectorFactory.set_seed` or `langdetect.detect` cannot change our results.
The profiles load once per process (on first use, i.e. on the worker).

langdetect's answer is reproduced to the last bit by faster code, never approximated, because the
language filter's decisions must be the ones langdetect would make. `detect` runs its sampling loop
for one message on numpy arrays (about 1 ms a commit message); `detect_many`
(filters/langdetect_batch.py) runs the loops of many messages in lock-step and fills the same bounded
memo, so the filter and `annotate` ask once. `detect_reference` is langdetect's own loop, the tests'
yardstick.

The engine is three modules, one job each, sharing their private helpers with one another and with
their tests only: this one (the factory, the profile matrix, one message's loop, the memo),
filters/langdetect_ngrams.py (langdetect's text preparation, faster) and filters/langdetect_batch.py
(many messages in lock-step). filters/language.py is the filter built on them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, NamedTuple

SEED = 0
UNDETERMINED = "und"

_factory: Any = None


# Made under this lock, once per process: a runner's worker threads (Prism's, Flink's) ask for the
# factory and the profile at once, and two of either left row numbers made against one profile to
# be read from another's empty matrix.
_FIRST_USE = threading.Lock()


def _detector_factory() -> Any:
    """Our own factory, seeded: langdetect's module-level one is shared with any other caller."""
    global _factory
    if _factory is None:
        with _FIRST_USE:
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
        with _FIRST_USE:
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


def _inline_choice() -> bool:
    """`_inline_choice_matches`, asked once per process: `_picker` and the batch path both rest on it."""
    global _INLINE_CHOICE
    if _INLINE_CHOICE is None:
        _INLINE_CHOICE = _inline_choice_matches()
    return _INLINE_CHOICE


def _picker(rng: Any, seq: list[str]) -> Any:
    """`lambda: rng.choice(seq)`, without `choice`'s two Python calls per draw when this Python draws
    the same way (a third of langdetect's loop went there); the same numbers from the same stream."""
    if not _inline_choice() or not seq:
        return lambda: rng.choice(seq)
    getrandbits, n = rng.getrandbits, len(seq)
    k = n.bit_length()

    def pick() -> str:
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]
    return pick


def _detection(found: list[Any]) -> Detection:
    """langdetect's sorted, thresholded list as a Detection (an empty list: nothing usable); one
    place, so the one-at-a-time and lock-step paths cannot answer in different shapes."""
    if not found:
        return _NO_FEATURES
    return Detection(found[0].lang, tuple((item.lang, item.prob) for item in found))


def _answer(detector: Any, langprob: list[float]) -> Detection:
    """The Detection for a `langprob`, sorted and thresholded by langdetect's own code."""
    return _detection(detector._sort_probability(langprob))


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
    return _detection(found)


def log_likelihoods(text: str) -> dict[str, float] | None:
    """Each language's log-likelihood of the text under langdetect's own profiles, with every n-gram
    of the text counted once and langdetect's smoothing (`alpha / BASE_FREQ` added to each n-gram's
    probability); None when the text has no n-gram the profiles know.

    Not langdetect's answer: langdetect draws n-grams at random until one language passes 0.99999,
    so on a five-word subject it samples the same twenty n-grams hundreds of times and a small lead
    becomes certainty. Counted once, the same lead stays small, which is what a margin can read
    (filters/language.py). Deterministic: no random draw, and each sum is `math.fsum` (exactly
    rounded, so independent of summation order)."""
    import math

    import numpy as np

    detector = _detector_factory().create()
    detector.append(text)
    detector.cleaning_text()
    ngrams = detector._extract_ngrams()
    if not ngrams:
        return None
    rows = _profile_of(detector)
    ids = rows.ids(ngrams)
    logs = np.log(rows.matrix[ids] + detector.alpha / detector.BASE_FREQ)
    return {lang: math.fsum(column) for lang, column in zip(detector.langlist, logs.T.tolist())}


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


def detect_reference(text: str) -> Detection:
    """The same as `detect`, through langdetect's own `_detect_block`: the tests' yardstick."""
    return _run_langdetect(text, fast=False)
