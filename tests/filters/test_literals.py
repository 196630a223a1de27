"""The fast literal scanner gives exactly what Python's tokenize gives, or defers to it.

Redaction replaces addresses only inside string literals and comments (tests/assembly/test_secrets.py),
so a region the scanner gets wrong would either leave an address in place or replace code. Each case
here compares `literal_regions` with `tokenized_regions` (tokenize itself) and says whether the scanner
answered alone: a case the scanner passes to tokenize proves nothing about the scanner.
"""
from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import pytest

from filters import literals
from filters.literals import comment_texts, literal_regions, tokenized_comments, tokenized_regions


def _scanner_sure(code: str) -> bool:
    try:
        literals._scanned(code)
    except literals._Unsure:
        return False
    return True


def _texts(code: str) -> list[str]:
    regions = literal_regions(code)
    return None if regions is None else [code[a:b] for a, b in regions]


# (code, the regions' texts, whether the scanner answers alone)
CASES = [
    ("s = 'a#b'  # c'd\n", ["a#b", " c'd"], True),
    ('x = rb"\\x00" + Rb\'y\' + u"z" + B"w"\n', ["\\x00", "y", "z", "w"], True),
    ('x = bar"y"\n', ["y"], True),  # a name, then a string: not a prefix
    ("x = f'a{b!r}c{d:>{w}}e' + F\"{{lit}}\" + fr'{x}\\d'\n", ["a", "c", "e", "{{lit}}", "\\d"], True),
    ("x = '''a 'b' ''c'' d'''\n", ["a 'b' ''c'' d"], True),
    ("x = '''a''''b'\n", ["a", "b"], True),  # the fourth quote opens the next string
    ('x = """doc\n  spans "lines" \\"""\n"""\n', ['doc\n  spans "lines" \\"""\n'], True),
    ("x = 'a\\\nb'  # continued\n", ["a\\\nb", " continued"], True),
    ("x = 'it\\'s'\n", ["it\\'s"], True),
    ("x = ''\ny = ''''''\n", [], True),
    ("if x:\n    a = '1'\n  # a comment at any column\n\n    b = '2'\nc = '3'\n", ["1", " a comment at any column", "2", "3"], True),
    ("def f():\n    '''doc\n  under-indented text\n    '''\n    return 1\n", ["doc\n  under-indented text\n    "], True),
    ("if x:\n\ta = '1'\n        b = '2'\n", ["1", "2"], True),  # a tab is eight columns to tokenize
    ("x = (1,\n  'a',  # in brackets\n    'b')\n", ["a", " in brackets", "b"], True),
    ("x = 1 + \\\n  'a'\n", ["a"], True),
    ("x = 'a'\n   ", ["a"], True),  # a last line of blanks, no line end
    ("é = 'ü'  # ö\n", ["ü", " ö"], True),
    ("x = 1 if y else'z'\n", ["z"], True),
    ("x = 1\\ y = 'a'\n", ["a"], True),  # a backslash that continues nothing
    # What tokenize refuses: no regions.
    ("x = (1,\n", None, True),  # a bracket open at the end
    ("x = 1)\ny = 'a'\n", None, True),  # a closing bracket too many
    ("x = 1 + \\\n", None, True),  # a continuation at the end
    ("if x:\n    a = 1\n  b = 'c'\n", None, True),  # a dedent to no outer column
    ("x = '''never closed\n", None, False),
    # Where the scanner is not sure, tokenize answers.
    ("x = 1.e5f'a{b}c'\n", ["a", "c"], False),  # tokenize: the number 1.e5, then an f-string
    ("x = 0x1f'a{b}'\n", ["a{b}"], False),  # the hex number 0x1f, then a plain string
    ("x = 'never closed\ny = 'a'\n", ["a"], False),  # tokenize reads the rest of the line as code
    ("x = 'a'\r\ny = 'b'\r\n", ["a", "b"], False),
    ("x = 'a'\f\ny = 'b'\n", ["a", "b"], False),
]


@pytest.mark.parametrize("code, texts, sure", CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_regions_as_tokenize_gives_them(code: str, texts: list[str] | None, sure: bool) -> None:
    assert _texts(code) == texts
    assert literal_regions(code) == tokenized_regions(code)
    assert comment_texts(code) == tokenized_comments(code)
    assert _scanner_sure(code) is sure


def _stdlib_modules(count: int) -> list[Path]:
    """Real modules no one here wrote, spread over the standard library (the same ones every run)."""
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    step = max(1, len(files) // count)
    return files[::step][:count]


def test_real_modules_scanned_alone_as_tokenize_reads_them() -> None:
    modules = _stdlib_modules(40)
    assert len(modules) == 40
    for path in modules:
        code = path.read_text(encoding="utf-8")
        if "\r" in code or "\f" in code:
            continue
        assert _scanner_sure(code), path.name
        regions = literal_regions(code)
        assert regions == tokenized_regions(code), path.name
        assert regions or len(code) < 1000, path.name
        assert comment_texts(code) == tokenized_comments(code), path.name


_EDITS = ["'", '"', "'''", '"""', "(", ")", "[", "]", "{", "}", "\\", "\\\n", "\n", "\t", "    ", "#", "f", "rb",
          "1.e5", ".", "\r\n", "\f", "\u2028", "\x0b", "é", "\u0663"]


def test_random_edits_of_real_modules() -> None:
    """Quotes, brackets, backslashes, line ends and indentation put in or cut out at random places:
    broken code of every kind, and the scanner must agree with tokenize on each or defer to it."""
    rng = random.Random(7)
    alone = deferred = none = 0
    for path in _stdlib_modules(25):
        code = path.read_text(encoding="utf-8")
        for _ in range(16):
            text = code
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(text) + 1)
                roll = rng.random()
                if roll < 0.45:
                    text = text[:at] + rng.choice(_EDITS) + text[at:]
                elif roll < 0.9:
                    text = text[:at] + text[at + rng.randint(1, 3):]
                else:
                    text = text[:at]
            regions = literal_regions(text)
            assert regions == tokenized_regions(text), (path.name, text)
            assert comment_texts(text) == tokenized_comments(text), (path.name, text)
            if _scanner_sure(text):
                alone += 1
            else:
                deferred += 1
            none += regions is None
    # Both paths ran, and the scanner answered most texts itself, refusals included.
    assert alone > 250 and deferred > 20 and none > 20, (alone, deferred, none)


def test_a_text_scanned_before_is_answered_from_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's version comes back as the next commit's other side, read as another string: its
    regions are kept by value, with the same answers as tokenize whether scanned, deferred or None."""
    from filters.chunks import ChunkMemo

    monkeypatch.setattr(literals, "_REGIONS", ChunkMemo(10_000))
    calls: list[str] = []
    scanned = literals._scanned
    monkeypatch.setattr(literals, "_scanned", lambda code: calls.append(code) or scanned(code))
    texts = ["x = 'a'  # b\n", "x = 1.e5f'a{b}c'\n", "if x:\n  y = 1\n z = 2\n", "x = ('a'\n"]
    for text in texts:
        first = literal_regions(text)
        again = literal_regions("".join(list(text)))  # equal text, another string
        assert first == again == tokenized_regions(text)
    assert calls == texts  # each scanned once
    monkeypatch.setattr(literals, "_REGIONS", ChunkMemo(10))  # holds nothing longer than 10 characters
    literal_regions(texts[0])
    literal_regions(texts[0])
    assert calls[-2:] == [texts[0], texts[0]]


def _whole(code: str):
    """The scanner over the whole text at once, no chunks: what the chunked scan must equal."""
    if literals._UNUSUAL.search(code):
        return "unsure"
    try:
        found = literals._scan(code, (0,), 0, chunk=False)
    except literals._Unsure:
        return "unsure"
    return None if found is None or found[3] else found[:2]


def _chunked(code: str):
    try:
        return literals._scanned(code)
    except literals._Unsure:
        return "unsure"


_FILLER = "".join(f"    x{i} = 'v{i}'  # n{i}\n" for i in range(40))  # over 512 characters: chunks


# Texts whose chunk boundaries (before a line starting `def`, `class` or `@`) fall where the
# scanner's state matters: inside a string, inside brackets, after a continuation, before a dedent.
BOUNDARY_CASES = [
    "def a():\n" + _FILLER + "def b():\n    return '''x\n" + _FILLER + "def c(): ...\n'''\n",  # a string across
    "x = [\n" + _FILLER + "@ 1,\n" + _FILLER + "def q\n]\ny = 'z'\n",  # brackets open across
    "def a():\n" + _FILLER + "    y = 1 + \\\n@ 2\ndef b():\n    return 'b'\n",  # a continuation at the cut
    "def a():\n" + _FILLER + "def b():\n" + _FILLER + "  bad = 'indent'\n",  # an IndentationError late
    "class K:\n" + _FILLER + "    def m(self):\n" + _FILLER + "    @property\n    def p(self): return 'p'\n",
    "def a():\n" + _FILLER + "def b():\n    x = 1.e5f'a'\n",  # the scanner unsure in a later chunk
    "def a():\n" + _FILLER + "def b():\n    x = 'never closed\n",
    "def a():\n" + _FILLER + "def b():\n    return (1,\n",  # a bracket open at the end
]


@pytest.mark.parametrize("code", BOUNDARY_CASES)
def test_chunked_scan_across_cuts_equals_the_whole_scan_and_tokenize(code: str) -> None:
    assert len(list(literals.chunks(code, literals._SCAN_CHUNK_MIN))) >= 2  # the case has a cut
    literals._CHUNK_SCANS.clear()
    assert _chunked(code) == _whole(code)
    assert _chunked(code) == _whole(code)  # again, from the memo
    assert literals._regions(code) == tokenized_regions(code)
    assert comment_texts(code) == tokenized_comments(code)


def test_chunked_scan_equals_the_whole_scan_on_real_modules_and_edits() -> None:
    rng = random.Random(11)
    literals._CHUNK_SCANS.clear()
    compared = 0
    for path in _stdlib_modules(20):
        code = path.read_text(encoding="utf-8")
        for _ in range(8):
            at = rng.randrange(len(code) + 1)
            text = code[:at] + rng.choice(_EDITS) + code[at:]
            for version in (code, text):
                assert _chunked(version) == _whole(version), path.name
                compared += 1
    assert compared == 320


def test_a_files_next_version_scans_only_its_changed_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The regions of a version one line apart from the last one: only the chunk holding that line is
    scanned, and the answer is tokenize's."""
    from filters.chunks import ChunkMemo

    monkeypatch.setattr(literals, "_CHUNK_SCANS", ChunkMemo(1_000_000))
    scanned: list[str] = []
    scan = literals._scan
    monkeypatch.setattr(literals, "_scan", lambda code, *a, **k: scanned.append(code) or scan(code, *a, **k))
    parts = [f"def f{i}():\n" + _FILLER for i in range(6)]
    first = "".join(parts)
    literals._scanned(first)
    assert len(scanned) == 6
    parts[3] = parts[3].replace("'v7'", "'changed: someone@example.com'")
    second = "".join(parts)
    scanned.clear()
    found = literals._scanned(second)
    assert scanned == [parts[3]]
    assert found is not None and found[0] == tokenized_regions(second)
