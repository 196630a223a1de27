"""Trees derived from a similar text's tree (filters/derived_trees.py) against full parses.

A derived tree must equal the full parse's (`ast.dump`, which leaves positions out) and have the
full parse's positions wherever anything reads them: module-level statements, a module-level
class's members and their decorators (filters/units.py, filters/edits.py `statement_keys`). Where
the changed lines do not parse alone, the derivation must give up (None), never guess.
"""
from __future__ import annotations

import ast
import random
import warnings

import pytest

from filters import parsing
from filters.derived_trees import derived_in_steps, derived_tree
from filters.edits import compare, parse_versions
from filters.parsing import parse_pair, shared_ends
from filters.shared_text import MIN_SPLIT_CHARS, cuts
from filters.units import first_line, units_of
from tests.realcode import real_sources

warnings.filterwarnings("ignore", category=SyntaxWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)


def _full(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _positions(tree: ast.Module) -> list[tuple]:
    out = []
    for stmt in tree.body:
        members = stmt.body if isinstance(stmt, ast.ClassDef) else []
        for node in [stmt, *members]:
            decorators = [(d.lineno, d.end_lineno, d.col_offset) for d in getattr(node, "decorator_list", [])]
            out.append((type(node).__name__, node.lineno, node.end_lineno, node.col_offset, node.end_col_offset,
                        first_line(node), decorators))
    return out


def _derive(base: str, target: str) -> ast.Module | None:
    base_tree = _full(base)
    assert base_tree is not None
    head, tail = shared_ends(base, target)
    return derived_tree(base_tree, base, target, head, tail, ast.parse)


def _assert_same(derived: ast.Module, target: str) -> None:
    full = _full(target)
    assert full is not None, "derived a tree for a text that does not parse"
    assert ast.dump(derived) == ast.dump(full)
    assert _positions(derived) == _positions(full)


MODULE = '''"""A module."""
import os


@cached
def helper(x):
    return x + 1


class Shape:
    """A shape."""

    sides = 0

    def area(self):
        return 0

    @property
    def name(self):
        return "shape"

    def grow(self, by):
        self.size += by
        return self


def main():
    if os.environ:
        return helper(1)
    return 0
'''


def _replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# (name, target, derived?) for targets that parse: the tree must be the full parse's.
PARSING_EDITS = [
    ("a method's body", _replace(MODULE, "return 0\n\n    @property", "return 1\n\n    @property"), True),
    ("a line added in a method", _replace(MODULE, "        self.size += by\n", "        self.size += by\n        log(by)\n"), True),
    ("a method removed", _replace(MODULE, "    def area(self):\n        return 0\n\n", ""), True),
    ("a decorator added to a method", _replace(MODULE, "    def grow", "    @traced\n    def grow"), True),
    ("a module-level function changed", _replace(MODULE, "return x + 1", "return x + 2"), True),
    ("lines added before the class", _replace(MODULE, "class Shape:", "X = 1\nY = 2\n\n\nclass Shape:"), True),
    ("the last function's end", MODULE + "\n\nif __name__ == '__main__':\n    main()\n", True),
    ("a comment between methods", _replace(MODULE, "    @property", "    # the name\n    @property"), True),
    ("the class header", _replace(MODULE, "class Shape:", "class Shape(Base):"), True),
    ("no final newline", MODULE.rstrip("\n").replace("return 0", "return -1"), True),
    ("everything", "print('hello')\n", True),
    ("emptied", "", True),
    # A line indented under the method before it continues that method: not a class member.
    ("a line continuing the previous method", _replace(MODULE, "    @property\n", "        extra = 1\n\n    @property\n"), True),
    ("a module-level if appended", MODULE + "if X:\n    pass\n", True),
    ("a statement joined by a semicolon", _replace(MODULE, "import os\n", "import os; import sys\n"), True),
    ("a new module-level function after the class's last method",
     _replace(MODULE, "        return self\n", "        return self\n\n\ndef added():\n    return 2\n"), True),
]


@pytest.mark.parametrize("name, target, derived", PARSING_EDITS, ids=[e[0] for e in PARSING_EDITS])
def test_a_derived_tree_is_the_full_parse(name: str, target: str, derived: bool) -> None:
    for base, other in ((MODULE, target), (target, MODULE)):
        if _full(base) is None:
            continue
        tree = _derive(base, other)
        if tree is not None:
            _assert_same(tree, other)
    assert (_derive(MODULE, target) is not None) == derived


def test_a_method_edit_parses_only_the_changed_statement() -> None:
    target = _replace(MODULE, "        return self\n", "        return None\n")
    base_tree = _full(MODULE)
    parsed: list[str] = []
    head, tail = shared_ends(MODULE, target)
    tree = derived_tree(base_tree, MODULE, target, head, tail, lambda text: parsed.append(text) or ast.parse(text))
    _assert_same(tree, target)
    # Down the class and the method: the one statement, under a stand-in function header, at its line.
    assert [text.strip() for text in parsed] == ["def _():\n        return None"]
    assert parsed[0].index("def _():") == MODULE.count("\n", 0, MODULE.index("        return self")) - 1
    # The kept statements are the base's own objects; the changed blocks are copies.
    assert tree.body[0] is base_tree.body[0]
    shape, grow = tree.body[3], tree.body[3].body[-1]
    assert shape is not base_tree.body[3] and grow is not base_tree.body[3].body[-1]
    assert grow.body[0] is base_tree.body[3].body[-1].body[0]  # `self.size += by`, kept


def test_a_module_level_function_edit_parses_only_the_changed_statement() -> None:
    target = _replace(MODULE, "        return helper(1)\n", "        return helper(2)\n")
    parsed: list[str] = []
    head, tail = shared_ends(MODULE, target)
    tree = derived_tree(_full(MODULE), MODULE, target, head, tail, lambda text: parsed.append(text) or ast.parse(text))
    _assert_same(tree, target)
    # `main`'s body is an `if` and a return: the changed statement is the whole `if`.
    assert [text.strip() for text in parsed] == ["def _():\n    if os.environ:\n        return helper(2)"]


FUNCTION_BODIES = '''
async def fetch(session, url):
    """Fetch."""
    async with session.get(url) as response:
        data = await response.read()
    return data


def outer():
    total = 0

    def inner(x):
        nonlocal total
        total += x
        yield total

    return inner


class Shape:
    @staticmethod
    def make(*args, **kwargs):
        return Shape()

    async def close(self):
        async for item in self.items():
            await item.close()
        return None
'''


# (name, old, new): edits inside function bodies, of the kinds whose parse might depend on the
# function around them (async, generators, nonlocal), or whose lines leave the block.
FUNCTION_EDITS = [
    ("await in an async def", "data = await response.read()", "data = await response.json()"),
    ("a statement added in an async def", "    return data\n", "    print(data)\n    return data\n"),
    ("nonlocal in a nested def", "        total += x\n", "        total += 2 * x\n"),
    ("a yield changed", "        yield total\n", "        yield from [total]\n"),
    ("async for in a method", "            await item.close()\n", "            await item.aclose()\n"),
    ("a static method's decorator", "    @staticmethod\n", "    @classmethod\n"),
    ("a signature", "def make(*args, **kwargs):", "def make(*args):"),
    ("a line leaving the method for the class", "        return None\n", "        return None\n    closed = True\n"),
    ("a line leaving the class for the module", "        return None\n", "        return None\nclosed = True\n"),
    ("a line under-indented", "        return None\n", "        return None\n      x = 1\n"),
    ("a body joined to its header", "    def inner(x):\n        nonlocal total\n        total += x\n        yield total\n",
     "    def inner(x): yield x\n"),
    ("the docstring", '"""Fetch."""', '"""Fetch a page."""'),
    ("a comment only", "        return Shape()\n", "        # made\n        return Shape()\n"),
]


def test_a_block_moved_by_an_earlier_derivation_is_parsed_whole_not_cut_by_old_line_numbers() -> None:
    """v2 drops two lines of `first`, so v2's derived tree holds a moved copy of `second` whose body
    keeps v1's line numbers. v3 changes one line inside `second`: derived from v2's tree, cuts placed
    by the old numbers would fall two statements off; `second` is parsed whole."""
    v1 = "def first():\n    x = 1\n    y = 2\n    return 0\n\n\ndef second():\n" + "".join(
        f"    a{k} = {k}\n" for k in range(20))
    v2 = _replace(v1, "    x = 1\n    y = 2\n", "")
    v3 = _replace(v2, "    a10 = 10\n", "    a10 = 100\n")
    head, tail = shared_ends(v1, v2)
    tree2 = derived_tree(_full(v1), v1, v2, head, tail, ast.parse)
    _assert_same(tree2, v2)
    assert tree2.body[1].body[10].lineno == _full(v2).body[1].body[10].lineno + 2  # v1's numbers
    parsed: list[str] = []
    head, tail = shared_ends(v2, v3)
    tree3 = derived_tree(tree2, v2, v3, head, tail, lambda text: parsed.append(text) or ast.parse(text))
    _assert_same(tree3, v3)
    assert [text.strip().split("\n")[0] for text in parsed] == ["def second():"]
    # From a parsed v2, the same change parses only the changed statement.
    parsed.clear()
    derived_tree(_full(v2), v2, v3, head, tail, lambda text: parsed.append(text) or ast.parse(text))
    assert [text.strip() for text in parsed] == ["def _():\n    a10 = 100"]


@pytest.mark.parametrize("name, old, new", FUNCTION_EDITS, ids=[e[0] for e in FUNCTION_EDITS])
def test_function_bodies_derived_are_the_full_parse(name: str, old: str, new: str) -> None:
    """Both ways; a target that does not parse is never derived."""
    target = _replace(FUNCTION_BODIES, old, new)
    derived = 0
    for base, other in ((FUNCTION_BODIES, target), (target, FUNCTION_BODIES)):
        if _full(base) is None:
            continue
        tree = _derive(base, other)
        if _full(other) is None:
            assert tree is None
        elif tree is not None:
            _assert_same(tree, other)
            derived += 1
    assert derived or name == "a line under-indented"


# Targets whose changed lines only make sense with what surrounds them: derivation gives up.
GIVING_UP = [
    ("an else continuing the if before the cut",
     "if x:\n    a = 1\ny = 2\n", "if x:\n    a = 1\nelse:\n    a = 2\n"),
    ("a string opened in the middle and closed in the shared end",
     'a = 1\nb = 2\nc = """\nd = 3\n"""\n', 'a = 1\nb = """\nc = """\nd = 3\n"""\n'),
    ("a bracket left open", "a = 1\nb = 2\nc = 3\n", "a = 1\nb = (2,\nc = 3\n"),
    ("a backslash continuation into the shared end", "a = 1\nb = 2\nc = 3\n", "a = 1\nb = 2 + \\\nc = 3\n"),
    ("a line indented under the function before the cut",
     "def f():\n    return 1\nx = 1\n\ny = 2\n", "def f():\n    return 1\n    x = 1\n\ny = 2\n"),
    # The blank line after the backslash belongs to `x = 1`; the edit continues that statement.
    ("a backslash continuation out of the shared start", "x = 1 \\\n\ny = 2\n", "x = 1 \\\n+ 2\ny = 2\n"),
    ("carriage returns", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
    ("the grammar-changing future import", "from __future__ import barry_as_FLUFL\na = 1\n",
     "from __future__ import barry_as_FLUFL\na = 1 <> 2\n"),
]


@pytest.mark.parametrize("name, base, target", GIVING_UP, ids=[g[0] for g in GIVING_UP])
def test_derivation_gives_up_where_context_decides(name: str, base: str, target: str) -> None:
    assert _derive(base, target) is None


def test_a_cut_never_falls_inside_a_line() -> None:
    """`b` starts on `a`'s line and runs past the shared start: the cut goes before `a`, not after."""
    base, target = "a = 1; b = \\\nc\n", "a = 1; b = \\\nd\n"
    tree = _derive(base, target)
    _assert_same(tree, target)
    assert [type(s).__name__ for s in tree.body] == ["Assign", "Assign"]


def _edited_once(text: str, rng: random.Random) -> str:
    """One small edit at one place, of the kinds that make a middle parse alone or fail to."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return "x = 1\n"
    at = rng.randrange(len(lines))
    indent = lines[at][:len(lines[at]) - len(lines[at].lstrip(" \t"))]
    snippets = ["else:\n", "except Exception:\n", '"""\n', "(\n", "x = 1 \\\n", "@decorator\n", "\n",
                "# comment\n", "x = 1; y = 2\n", "def added():\n    return 1\n", "class Added:\n    x = 1\n",
                "pass\n", "    pass\n", "finally:\n", "return x\n"]
    op = rng.randrange(7)
    if op == 0:
        del lines[at:at + rng.randint(1, 3)]
    elif op == 1:
        lines.insert(at, indent + rng.choice(snippets))
    elif op == 2:
        lines.insert(at, rng.choice(snippets))
    elif op == 3:
        lines[at] = "    " + lines[at]
    elif op == 4:
        lines[at] = lines[at][len(indent):] if indent else lines[at]
    elif op == 5:
        lines.insert(at, lines[rng.randrange(len(lines))])
    else:
        lines[at] = lines[at].replace("self", "this").replace("return", "yield")
    return "".join(lines)


def test_derived_trees_of_real_modules_edited_at_random() -> None:
    """Real modules (the standard library's and Beam's), one edit each, both ways: whenever a tree is
    derived it is the full parse's; most edits are derived, the rest give up (and are parsed whole)."""
    rng = random.Random(19)
    derived = gave_up = 0
    for text in real_sources(160):
        if _full(text) is None:
            continue
        for _ in range(2):
            other = _edited_once(text, rng)
            for base, target in ((text, other), (other, text)):
                if _full(base) is None:
                    continue
                tree = _derive(base, target)
                if tree is None:
                    gave_up += 1
                else:
                    derived += 1
                    _assert_same(tree, target)
    assert derived > 300 and gave_up > 80, (derived, gave_up)


def test_chains_of_derived_trees_of_real_modules_stay_the_full_parse() -> None:
    """A file's versions as the families see them: each derived from the last one's tree, itself
    derived (blocks moved by earlier changes carry old line numbers below them). Every tree of the
    chain is the full parse's, and some are derived inside a function body."""
    rng = random.Random(29)
    derived = inside_functions = 0
    for text in real_sources(120):
        tree = _full(text)
        if tree is None:
            continue
        for _ in range(6):
            other = _edited_once(text, rng)
            if _full(other) is None:
                continue
            head, tail = shared_ends(text, other)
            parsed: list[str] = []
            new_tree = derived_tree(tree, text, other, head, tail, lambda t: parsed.append(t) or ast.parse(t))
            if new_tree is None:
                new_tree = _full(other)
            else:
                derived += 1
                inside_functions += any(p.lstrip("\n").startswith("def _():") for p in parsed)
                _assert_same(new_tree, other)
            text, tree = other, new_tree
    assert derived > 300 and inside_functions > 50, (derived, inside_functions)


def test_real_modules_edited_in_many_places_are_derived_in_steps() -> None:
    """Two to six edits spread over a real module, both ways: a tree derived through the cuts'
    texts is the full parse's, a target that does not parse is never derived, and far less than
    the stretch from the first change to the last is parsed."""
    rng = random.Random(23)
    derived = gave_up = 0
    parsed_share = []
    for text in real_sources(220):
        if len(text) < 3 * MIN_SPLIT_CHARS or _full(text) is None:
            continue
        other = text
        for _ in range(rng.randint(2, 6)):
            other = _edited_once(other, rng)
        for base, target in ((text, other), (other, text)):
            base_tree = _full(base)
            if base_tree is None or base == target:
                continue
            head, tail = shared_ends(base, target)
            at, _ = cuts(base, target, head, tail)
            if _full(target) is None:
                assert derived_in_steps(base_tree, base, target, at, ast.parse) is None
                gave_up += 1
                continue
            parsed: list[str] = []
            tree = derived_in_steps(base_tree, base, target, at,
                                    lambda t: parsed.append(t.lstrip("\n")) or ast.parse(t))
            if tree is None:
                continue
            derived += 1
            _assert_same(tree, target)
            if at:
                parsed_share.append(sum(map(len, parsed)) / max(1, len(target) - head - tail))
    assert derived > 20 and gave_up > 3, (derived, gave_up)
    assert sorted(parsed_share)[len(parsed_share) // 2] < 0.5, parsed_share


def test_a_step_that_cannot_be_derived_gives_up_the_whole_derivation() -> None:
    """The first edit opens a string the second one closes: neither step's middle parses alone, so
    the derivation in steps gives up, and parsing.py parses the target whole."""
    base = "".join(f"def f{n}(x):\n    return x + {n}\n\n\n" for n in range(400))
    target = base.replace("return x + 3\n", 'return """\n', 1).replace("return x + 396\n", 'return """\n', 1)
    head, tail = shared_ends(base, target)
    at, _ = cuts(base, target, head, tail)
    assert at
    assert derived_in_steps(_full(base), base, target, at, ast.parse) is None
    parsing.clear_parse_memos()
    old_tree, new_tree = parse_pair(base, target)
    _assert_same(new_tree, target)


def test_the_comparison_and_units_on_derived_trees_are_the_full_parses() -> None:
    """What reads the trees (edit kinds, tags' comparisons, definition units) answers alike."""
    rng = random.Random(20)
    checked = shared = 0
    for text in real_sources(140):
        if _full(text) is None:
            continue
        other = _edited_once(text, rng)
        full_old, full_new = _full(text), _full(other)
        if full_new is None:
            continue
        parsing.clear_parse_memos()
        versions = parse_versions(text, other)
        parsing.clear_parse_memos()
        full = type(versions)(text, other, full_old, full_new, versions.major)
        assert compare(versions, reuse_statements=False) == compare(full, reuse_statements=False)
        assert compare(versions) == compare(full)
        lines = other.count("\n") + (not other.endswith("\n"))
        assert units_of(versions.new_tree, lines) == units_of(full_new, lines)
        checked += 1
        shared += any(stmt in versions.old_tree.body for stmt in versions.new_tree.body)  # derived, not parsed
    assert checked > 60 and shared > 40, (checked, shared)


def test_a_files_versions_are_derived_from_its_family(monkeypatch) -> None:
    """A file's commits, newest first as a walk gives them, other files between: after the first
    pair, no version of the file is parsed whole, and every tree is the full parse's."""
    whole: list[str] = []
    real = parsing._full_parse
    monkeypatch.setattr(parsing, "_full_parse", lambda text: whole.append(text) or real(text))
    parsing.clear_parse_memos()
    versions = [_replace(MODULE, "return 0\n\n    @property", f"return {n}\n\n    @property") for n in range(6, -1, -1)]
    # newest first
    others = [real_sources(3)[k] for k in range(3)]
    for k, (new, old) in enumerate(zip(versions, versions[1:])):
        other = others[k % 3]
        parse_pair(other, other + "\nz = 1\n", "other-file")
        old_tree, new_tree = parse_pair(old, new, "repo\x00shape.py")
        _assert_same(old_tree, old)
        _assert_same(new_tree, new)
    assert [t for t in whole if "class Shape" in t] == [versions[1]]


def test_families_are_bounded_by_characters_and_count() -> None:
    families = parsing._Families(max_chars=100, max_families=2)
    tree = ast.parse("")
    families.remember("a", (("x" * 40, tree),))
    families.remember("b", (("y" * 40, tree),))
    families.remember("c", (("z" * 40, tree),))
    assert families.bases("a") == () and families.bases("c")
    families.remember("d", (("w" * 90, tree),))
    assert families.bases("b") == () and families.bases("c") == () and families.bases("d")
    families.remember("e", (("v" * 101, tree),))
    assert families.bases("e") == () and families.bases("d")


def test_a_python2_files_rewrites_are_derived_from_its_family(monkeypatch) -> None:
    """A Python 2 file's commits, newest first: its versions do not parse, their rewrites do, and
    after the first commit no rewrite is parsed whole; the answers are those of a run with no memo."""
    from filters.python import PYTHON2, python2_rewrite

    py2 = MODULE.replace("    return x + 1\n", "    print x\n    return x + 1\n")
    versions = [_replace(py2, "return 0\n\n    @property", f"return {n}\n\n    @property") for n in range(5, -1, -1)]
    expected = []
    for new, old in zip(versions, versions[1:]):
        parsing.clear_parse_memos()
        got = parse_versions(old, new)
        expected.append((got.major, ast.dump(got.old_tree), ast.dump(got.new_tree), got.old_rewrite, got.new_rewrite))
    whole: list[str] = []
    real = parsing._full_parse
    monkeypatch.setattr(parsing, "_full_parse", lambda text: whole.append(text) or real(text))
    parsing.clear_parse_memos()
    others = real_sources(3)
    for k, (new, old) in enumerate(zip(versions, versions[1:])):
        parse_pair(others[k % 3], others[k % 3] + "\nz = 1\n", "other-file")  # other files between
        got = parse_versions(old, new, "repo\x00shape.py")
        assert (got.major, ast.dump(got.old_tree), ast.dump(got.new_tree), got.old_rewrite, got.new_rewrite) == expected[k]
        assert got.major == PYTHON2
        _assert_same(got.new_tree, got.new_rewrite)
    rewritten = [t for t in whole if "class Shape" in t and "print(" in t]
    assert rewritten == [python2_rewrite(versions[0])]


def test_a_steps_line_starts_are_joined_from_its_two_texts() -> None:
    """`target[:x] + base[y:]`'s line starts, from the two texts' own (no pass over the step)."""
    from filters.derived_trees import _JoinedStarts, _LineStarts
    rng = random.Random(3)
    for _ in range(300):
        base = "\n".join("b" * rng.randint(0, 5) for _ in range(rng.randint(1, 12)))
        target = "\n".join("t" * rng.randint(0, 5) for _ in range(rng.randint(1, 12)))
        base_starts, target_starts = _LineStarts(base), _LineStarts(target)
        y = base_starts[rng.randint(0, base.count("\n"))]
        x = target_starts[rng.randint(0, target.count("\n"))]
        step = target[:x] + base[y:]
        joined = _JoinedStarts(target_starts, target.count("\n", 0, x), x, base_starts, base.count("\n", 0, y), y)
        whole = _LineStarts(step)
        assert [joined[k] for k in range(step.count("\n") + 2)] == [whole[k] for k in range(step.count("\n") + 2)]
        assert whole[step.count("\n") + 1] == len(step) + 1


@pytest.mark.parametrize("alphabet", ["ab ", "aé€\U0001F600 "])
def test_line_starts_are_where_each_line_begins_in_ascii_and_other_texts(alphabet: str) -> None:
    """ASCII texts find their line breaks in their bytes, others sum their lines' lengths: the same
    character offsets either way, up to one past the last line, and nothing past that."""
    from filters.derived_trees import _LineStarts
    rng = random.Random(5)
    for _ in range(200):
        text = "".join(rng.choice(alphabet + "\n") for _ in range(rng.randint(0, 40)))
        starts = _LineStarts(text)
        lines = text.split("\n")
        expected = [sum(len(line) + 1 for line in lines[:k]) for k in range(len(lines) + 1)]
        assert [starts[k] for k in range(len(lines) + 1)] == expected
        assert all(text[starts[k]:].startswith(lines[k]) for k in range(len(lines)))
        with pytest.raises(IndexError):
            starts[len(lines) + 1]
