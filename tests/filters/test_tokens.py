"""Token budgets with the bundled BPE tokenizer: the counts are the tokenizer's own, the paper's
50..768 bound decides in tokens, and without the tokenizer the character budget stands in."""
from __future__ import annotations

import dataclasses
import importlib.resources
import json
import os
import subprocess
import sys

import pytest

from config.filters import FilterConfig, filter_config_from_preset
from filters import content, tokens
from filters.chunks import ChunkMemo, cut_points
from tests.filters.helpers import record_maker
from tests.paths import ROOT

pytestmark = pytest.mark.skipif(not tokens.available(), reason="the tokens extra is not installed")

CODE = ("import json\n\n\ndef load(path):\n    \"\"\"Read a JSON file.\"\"\"\n    with open(path) as handle:\n"
        "        return json.load(handle)\n")
make_record = record_maker(subject="Read JSON files with a docstring", path="app/storage.py", commit="7" * 40,
                           old_contents=CODE, new_contents=CODE.replace("handle", "fh"), repos=["octo/app"])


def test_counts_are_the_reference_tokenizers() -> None:
    """Our tiktoken build of the vocabulary counts what mistral-common's own tokenizer counts."""
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    path = importlib.resources.files("mistral_common").joinpath("data", f"{tokens.TOKENIZER}.json")
    reference = Tekkenizer.from_file(str(path))
    texts = [CODE, "", "x", "def f(a,b):\n\treturn a<<b  # é ü 漢字\n", " " * 5000 + "y = 1\n",
             "\r\n".join(f"value_{i} = {i} ** 2" for i in range(300))]
    for text in texts:
        assert tokens.count_tokens(text) == len(reference.encode(text, bos=False, eos=False)), text[:40]
    assert tokens.pair_tokens(CODE, CODE) == 2 * tokens.count_tokens(CODE)


def test_commitpackft_bound_is_in_tokens() -> None:
    rules = content.compile_content_rules(filter_config_from_preset("commitpackft"))
    assert rules.use_tokens and (rules.pair_min_tokens, rules.pair_max_tokens) == (50, 768)
    assert content.check_content(make_record(), rules) is None
    assert content.check_content(make_record(old_contents="x = 1\n", new_contents="x = 2\n"), rules) == "pair_too_small"
    # 119 lines of about 10 tokens each: over 768 tokens.
    body = "".join(f"total_{i} = total_{i - 1} + {i}\n" for i in range(1, 120))
    assert tokens.pair_tokens(body, body + "done()\n") > 768
    assert content.check_content(make_record(old_contents=body, new_contents=body + "done()\n"), rules) == "pair_too_large"


def test_tokens_and_characters_disagree_where_the_rule_of_thumb_fails() -> None:
    """Long identifiers are few tokens per character: the character stand-in drops a pair the token
    bound keeps."""
    names = "".join(f"configuration_value_for_the_{w}_section = load_section('{w}')\n"
                    for w in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta") * 3)
    record = make_record(old_contents=names, new_contents=names.replace("'alpha'", "'ALPHA'"))
    in_tokens = content.compile_content_rules(filter_config_from_preset("commitpackft"))
    in_chars = content.compile_content_rules(dataclasses.replace(filter_config_from_preset("commitpackft"),
                                                                 pair_min_tokens=None, pair_max_tokens=None))
    assert len(names) * 2 > 2_688 and tokens.pair_tokens(record.old_contents, record.new_contents) <= 768
    assert content.check_content(record, in_chars) == "pair_too_large"
    assert content.check_content(record, in_tokens) is None


def test_without_the_tokenizer_the_character_budget_stands_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_vocabulary", lambda: None)
    tokens.available.cache_clear()
    try:
        rules = content.compile_content_rules(FilterConfig())
    finally:
        tokens.available.cache_clear()
    assert not rules.use_tokens
    assert content.check_content(make_record(old_contents="x = 1\n", new_contents="x = 2\n"), rules) == "pair_too_small"


def test_the_budget_verdict_is_the_counts_without_always_counting():
    """pair_tokens_within says what comparing the exact count says, for every bound around it, and
    does not run the tokenizer when the lengths alone decide."""
    import random

    if not tokens.available():
        pytest.skip("the tokens extra is not installed")
    rng = random.Random(7)
    texts = ["", "x", "é" * 40, " " * 500, CODE, CODE * 40, "\n".join(f"value_{i} = {i}" for i in range(3000))]
    for old in texts:
        for new in texts:
            count = tokens.pair_tokens(old, new)
            tokens._PAIR_COUNTS.clear()
            for low, high in [(None, None), (count, count), (count + 1, None), (None, count - 1),
                              (rng.randint(0, 3000), rng.randint(0, 3000)), (50, 2048), (0, 10 ** 9)]:
                expected = -1 if low is not None and count < low else 1 if high is not None and count > high else 0
                assert tokens.pair_tokens_within(old, new, low, high) == expected, (len(old), len(new), low, high)
    huge = "name = 'value'\n" * 20_000  # 300 KB: over 2,048 tokens by its length alone
    tokens._PAIR_COUNTS.clear()
    calls: list[int] = []
    real = tokens.count_tokens
    try:
        tokens.count_tokens = lambda text: calls.append(len(text)) or real(text)  # type: ignore[assignment]
        assert tokens.pair_tokens_within(huge, huge, 50, 2048) == 1 and calls == []
        assert tokens.pair_tokens_within(huge, huge, 50, None) == 0 and calls == []
    finally:
        tokens.count_tokens = real  # type: ignore[assignment]


def test_the_vocabulary_is_built_only_when_a_count_needs_it() -> None:
    """The launcher asks whether tokens are available and compiles the rules, and a pair shorter in
    bytes than the lower bound is decided by its length: none of that builds the encoding (0.35 CPU-s
    of every run's fixed cost). A count does. A fresh interpreter: the encoding is cached per process."""
    script = (
        "from filters import content, tokens\n"
        "from config.filters import FilterConfig\n"
        "rules = content.compile_content_rules(FilterConfig(pair_min_tokens=50, pair_max_tokens=768))\n"
        "verdict = tokens.pair_tokens_within('x = 1\\n', 'x = 2\\n', 50, 768)\n"
        "built = tokens._encoding.cache_info().currsize\n"
        "count = tokens.count_tokens('def f(x):\\n    return x\\n')\n"
        "print(rules.use_tokens, verdict, built, count > 0, tokens._encoding.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "-1", "0", "True", "1"]


REAL_TEXTS = [CODE, (ROOT / "filters" / "tokens.py").read_text(encoding="utf-8"), "naïve café 東京 🚀\n\t  x  "]


def _build_in_a_fresh_process(cache_home) -> list[str]:
    """[cache state before, cache state after, the counts of REAL_TEXTS, the longest token] of one
    fresh interpreter (the encoding is built once per process) whose cache lives in `cache_home`."""
    script = (
        "import json, sys\n"
        "from filters import tokens\n"
        "cache = tokens._cache_file(tokens._vocabulary())\n"
        "before = cache.exists() and cache.stat().st_size\n"
        "texts = json.loads(sys.stdin.read())\n"
        "counts = [tokens.count_tokens(t) for t in texts]\n"
        "print(before, cache.exists() and cache.stat().st_size, counts, tokens._longest_token_bytes(), sep='|')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          input=json.dumps(REAL_TEXTS), env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})
    return proc.stdout.strip().split("|")


def test_the_ranks_cache_gives_the_json_vocabularys_encoding(tmp_path) -> None:
    """The first process parses the JSON and writes the cache; the next reads the cache and counts
    the same; a damaged cache is read as missing and written again; an unwritable one is skipped."""
    reference = [tokens.count_tokens(t) for t in REAL_TEXTS]
    first = _build_in_a_fresh_process(tmp_path)
    assert first[0] == "False" and int(first[1]) > 900_000 and first[2] == str(reference)
    second = _build_in_a_fresh_process(tmp_path)
    assert second == [first[1], first[1], str(reference), first[3]]
    (cache,) = (tmp_path / "repairpack").iterdir()
    cache.write_bytes(cache.read_bytes()[:-7])  # truncated: the token bytes no longer add up
    third = _build_in_a_fresh_process(tmp_path)
    assert third[0] == str(int(first[1]) - 7) and third[1:] == first[1:]
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert _build_in_a_fresh_process(blocked)[1:] == ["False", str(reference), first[3]]


def test_the_ranks_cache_holds_what_the_json_holds(tmp_path) -> None:
    """Every rank and the split pattern round-trip through the cache file."""
    import binascii

    vocabulary = tokens._vocabulary()
    spec = json.loads(vocabulary.read_bytes())
    config = spec["config"]
    inner = config["default_vocab_size"] - config["default_num_special_tokens"]
    ranks = {binascii.a2b_base64(e["token_bytes"]): e["rank"] for e in spec["vocab"][:inner]}
    path = tmp_path / "ranks"
    tokens._write_cache(path, config["pattern"], ranks)
    assert tokens._read_cache(path) == (config["pattern"], ranks)
    path.write_bytes(b"something else")
    assert tokens._read_cache(path) is None


PAIR_EDGES = [
    ("", ""),
    ("", CODE),
    (CODE, CODE),
    ("x = 1", "x = 2"),                                            # no line break
    ("a = f(x)\n/ 2\nb = 1\n", "a = f(y)\n/ 2\nb = 1\n"),          # a line starting with "/"
    ("a = (1)\n/ 2\nb = 1\nc = 2\n", "a = (1)\n/ 2\nb = 10\nc = 2\n"),
    ("a = 1\n  \n\n    b = 2\nc = 3\n", "a = 1\n  \n\n    b = 20\nc = 3\n"),  # blank and indented lines at cuts
    ("x = 1\r\ny = 2\r\nz = 3\r\n", "x = 1\r\ny = 20\r\nz = 3\r\n"),
    ("s = 'é'\nt = 'ü'\nu = 1\n", "s = 'é'\nt = 'ö'\nu = 1\n"),
    ("a\u2028b\nc\nd\n", "a\u2028b\nC\nd\n"),
    ("def f():\n    a = 1\n   \n\n    b = 2\n    c = 3\n", "def f():\n    a = 1\n   \n\n    b = 20\n    c = 3\n"),
    ("a = 1\n\n\nb = 2\nc = 3\n", "a = 1\n\n\nb = 2\nc = 30\n"),
]


@pytest.mark.parametrize("old, new", PAIR_EDGES)
def test_a_pairs_shared_lines_counted_once_give_the_same_count(old: str, new: str) -> None:
    assert tokens._count_pair(old, new) == tokens.count_tokens(old) + tokens.count_tokens(new)


def _whole(text: str) -> int:
    """The tokenizer's count of the whole text, in one call (count_tokens cuts texts over
    `_PIECE_CHARS`; the real modules below hold some)."""
    return len(tokens._encoding().encode_ordinary(text))


def test_pair_counts_on_real_modules_edited_at_random() -> None:
    """The shared start and end counted once: the count of each version alone, on 300 real pairs."""
    from tests.realcode import edited, real_sources

    pairs = 0
    for i, text in enumerate(real_sources(150)):
        other = edited(text, i)
        for old, new in ((text, other), (other, text)):
            assert tokens._count_pair(old, new) == _whole(old) + _whole(new)
            pairs += 1
    assert pairs == 300


def test_no_cut_inside_a_piece() -> None:
    """The punctuation rule of the split pattern takes line breaks and slashes after punctuation, and
    a newline run takes the blank lines' whitespace: a cut there would split one piece in two."""
    text = "a = (1)\n/ 2\n"
    assert not tokens._cuts_there(text, text.index("/"))
    blank = "a = 1\n   \n    b = 2\n"
    assert not tokens._cuts_there(blank, 6) and tokens._cuts_there(blank, blank.index("    b"))
    runs = "a = 1\n\n\nb = 2\n"  # "\n\n\n" is one token; cut after the first break it is two
    assert not tokens._cuts_there(runs, 6)
    assert tokens.count_tokens(runs) != tokens.count_tokens(runs[:6]) + tokens.count_tokens(runs[6:])
    assert tokens._cuts_there("a = (1)\nb = 2\n", 8) and tokens._cuts_there("a = 1\n    b = 2\n", 6)


def test_chunks_are_cut_only_where_every_piece_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk cut of real modules is one `_cuts_there` allows, and counting chunk by chunk gives
    the whole text's count, with chunks as small as the cuts allow and with the memo filled."""
    from tests.realcode import edited, real_sources

    monkeypatch.setattr(tokens, "_CHUNK_MIN", 1)
    monkeypatch.setattr(tokens, "_CHUNK_COUNTS", ChunkMemo(10_000_000))
    cuts = 0
    for i, text in enumerate(real_sources(120)):
        for version in (text, edited(text, i), text.replace("    ", "\t")):
            for at in cut_points(version):
                assert tokens._cuts_there(version, at), version[at - 40:at + 40]
                cuts += 1
            assert tokens._counted(version) == _whole(version)
            assert tokens._counted(version) == _whole(version)  # from the memo
    assert cuts > 2_000


CHUNK_EDGES = [
    "x = (1,\n@decorator\ndef f(): pass\n",              # a cut inside brackets is still between pieces
    "s = '''\ndef not_code():\n'''\n",                    # or inside a string
    "a = 1\n\n\n\ndef f():\n    return 1\n",              # after a newline run
    "a = 1\n   \n    def g(): pass\n",                     # after blank lines holding spaces
    "class A:\n    @property\n    def x(self): return 1\n    async def y(self): pass\n",
    "x = 1\r\ndef f():\r\n    pass\r\n",
    "é = 'ü'\ndef ö(): pass\n" * 40,
    "a = b /\n/ c\ndef f(): pass\n",
]


@pytest.mark.parametrize("text", CHUNK_EDGES)
def test_chunked_counts_on_edge_cases(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(tokens, "_CHUNK_MIN", 1)
    monkeypatch.setattr(tokens, "_CHUNK_COUNTS", ChunkMemo(10_000_000))
    assert tokens._counted(text) == tokens.count_tokens(text)


def test_the_chunk_memo_is_bounded_by_the_characters_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    memo: ChunkMemo[int] = ChunkMemo(2_000)
    monkeypatch.setattr(tokens, "_CHUNK_MIN", 1)
    monkeypatch.setattr(tokens, "_CHUNK_COUNTS", memo)
    text = "".join(f"def f{i}():\n    return {i} * {i}\n" for i in range(400))
    assert tokens._counted(text) == tokens.count_tokens(text)
    assert memo.held_chars == sum(map(len, memo._items)) <= 2_000 and len(memo) > 20
    last = list(memo._items)[-1]
    assert last == text[text.rindex("def f"):]  # the newest chunks are the ones held


def test_a_text_over_the_piece_limit_is_counted_as_the_tokenizer_counts_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut at line breaks first, a long module is counted as one text (count_tokens would cut it every
    `_PIECE_CHARS` characters, mid-token), its chunks kept; a chunk of a megabyte of whitespace is
    still counted in pieces, so the tokenizer never sees it whole."""
    from tests.realcode import real_sources

    monkeypatch.setattr(tokens, "_CHUNK_COUNTS", ChunkMemo(10_000_000))
    text = "".join(real_sources(200))
    assert len(text) > 3 * tokens._PIECE_CHARS
    whole = _whole(text)
    assert tokens._counted(text) == whole
    assert tokens.count_tokens(text) != whole  # the fixed pieces split tokens
    assert len(tokens._CHUNK_COUNTS) > 100
    spaces = "x = 1\n" + " " * 1_100_000 + "\n"
    assert tokens._counted(spaces) == tokens.count_tokens(spaces) > 0
