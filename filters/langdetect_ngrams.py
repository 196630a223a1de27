"""langdetect's text preparation (text to n-grams, as rows of the profile matrix), faster.

The lock-step path (filters/langdetect_batch.py) needs every message's n-grams as profile rows, and
getting them through a langdetect `Detector` per message costs about four times what `_Texts` does.
The n-grams must be langdetect's exactly, so `_texts_match` compares the two once per process and
the batch path is used only when they agree. Part of the engine described in
filters/langdetect_loop.py.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from filters.langdetect_loop import _detector_factory, _Profile, _profile_of


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

