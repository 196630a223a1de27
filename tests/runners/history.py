"""A generated repository of a few thousand commits for the runner matrix (tests/runners/).

One main line over a few dozen small Python modules. Most commits change one statement of one module
and say so in an imperative subject ("Fix the limit check in parse_entry"), so many of them become
samples; the rest are what the mining stages sort out (several files at once, a README edit, an
added module, a poor message), so rejects of many reasons come out too. Written with the project's
one git builder (`tests/gitbuild.Tree`, which rewrites only the changed directories), so 3,000
commits take a few seconds. The same seed gives the same commits, byte for byte.
"""
from __future__ import annotations

import random
from pathlib import Path

from samples.licenses_text import MIT_LICENSE
from tests.gitbuild import EPOCH, Person, RepoBuilder, Tree

NOUNS = ("limit", "offset", "buffer", "record", "entry", "token", "header", "window", "batch", "queue",
         "cache", "index", "score", "weight", "path", "name", "count", "total", "value", "result")
VERBS = ("parse", "load", "save", "merge", "split", "scan", "read", "write", "check", "build")
SUBJECTS = (
    "Fix the {noun} check in {func}",
    "Handle an empty {noun} in {func}",
    "Use the {noun} size when {verb}ing in {func}",
    "Return early when the {noun} is missing in {func}",
    "Guard against a negative {noun} in {func}",
    "Correct the off by one error in {func}",
    "Avoid reading the {noun} twice in {func}",
    "Raise a clear error for a bad {noun} in {func}",
    "Clamp the {noun} to the allowed range in {func}",
    "Skip blank lines when {verb}ing the {noun}",
)
POOR = ("wip", "update", "fix", "Update {file}", "misc")
AUTHORS = (Person("Grace Hopper", "grace@example.org"), Person("Alan Turing", "alan@example.org", 60),
           Person("Edsger Dijkstra", "edsger@example.org", -300))


def _function(rng: random.Random, name: str) -> list[str]:
    a, b = rng.sample(NOUNS, 2)
    lines = [f"def {name}({a}, {b}):",
             f'    """{rng.choice(VERBS).capitalize()} the {a} against the {b}."""']
    for _ in range(rng.randint(3, 5)):
        lines += _statement(rng, a, b)
    return lines + [f"    return {a}", ""]


def _statement(rng: random.Random, a: str, b: str) -> list[str]:
    n = rng.randint(1, 99)
    kind = rng.randrange(5)
    if kind == 0:
        return [f"    if {a} > {n}:", f"        {a} = {a} - {b}"]
    if kind == 1:
        return [f"    {a} = {a} + {b} * {n}"]
    if kind == 2:
        return [f"    for item in range({n}):", f"        {b} = {b} + item"]
    if kind == 3:
        return [f"    if not {b}:", f"        return {n}"]
    return [f"    {a} = min({a}, {n})"]


def _module(rng: random.Random, index: int) -> tuple[list[str], list[str]]:
    """A module of three or four functions, and the functions' names."""
    names = [f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{index}_{k}" for k in range(rng.randint(3, 4))]
    lines = [f'"""The {rng.choice(NOUNS)} helpers of part {index}."""', ""]
    for name in names:
        lines += _function(rng, name) + [""]
    return lines, names


def _edit(rng: random.Random, lines: list[str]) -> list[str]:
    """One small change: a constant, a comparison, or a statement added or dropped."""
    out = list(lines)
    body = [i for i, line in enumerate(out) if line.startswith("    ") and not line.lstrip().startswith('"""')]
    i = rng.choice(body)
    kind = rng.randrange(4)
    if kind == 0 and any(c.isdigit() for c in out[i]):
        digits = "".join(c for c in out[i] if c.isdigit())
        out[i] = out[i].replace(digits, str(int(digits) + rng.randint(1, 9)), 1)
    elif kind == 1 and " > " in out[i]:
        out[i] = out[i].replace(" > ", " >= ", 1)
    elif kind == 2 and out[i].startswith("    ") and not out[i].startswith("        ") \
            and not out[i].rstrip().endswith(":") and not out[i].lstrip().startswith("return"):
        del out[i]
    else:
        indent = out[i][: len(out[i]) - len(out[i].lstrip())]
        if out[i].rstrip().endswith(":"):
            indent += "    "
        out.insert(i + 1, f"{indent}{rng.choice(NOUNS)}_seen = {rng.randint(0, 999)}")
    return out


def _text(lines: list[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"


def make_history(path: Path, commits: int = 3000, seed: int = 17, modules: int = 40) -> RepoBuilder:
    """A repository at `path` (non-bare, branch main) of `commits` commits; see the module docstring."""
    rng = random.Random(seed)
    builder = RepoBuilder(path, start=EPOCH, steps=(3600, 600, 7200))
    tree = Tree(builder.repo)
    files: dict[str, list[str]] = {}
    functions: dict[str, list[str]] = {}
    tree.put("LICENSE", MIT_LICENSE)
    tree.put("README.md", "# parts\n\nHelpers for parts.\n")
    for index in range(modules // 2):
        module = f"parts/part_{index:03d}.py"
        files[module], functions[module] = _module(rng, index)
        tree.put(module, _text(files[module]))
    parent = builder.write_commit(tree.write(), "Start the parts package\n", AUTHORS[0], ref="refs/heads/main")
    for n in range(1, commits):
        author = AUTHORS[n % len(AUTHORS)]
        roll = rng.random()
        if roll < 0.80:  # the commits CommitPack keeps: one Python file, an instruction-like message
            module = rng.choice(sorted(files))
            files[module] = _edit(rng, files[module])
            tree.put(module, _text(files[module]))
            message = rng.choice(SUBJECTS).format(noun=rng.choice(NOUNS), verb=rng.choice(VERBS),
                                                  func=rng.choice(functions[module]))
            if rng.random() < 0.2:
                message += f"\n\nThe {rng.choice(NOUNS)} was wrong when the {rng.choice(NOUNS)} was empty.\n"
        elif roll < 0.88:  # two files at once
            for module in rng.sample(sorted(files), 2):
                files[module] = _edit(rng, files[module])
                tree.put(module, _text(files[module]))
            message = f"Refactor the {rng.choice(NOUNS)} helpers together"
        elif roll < 0.92 and len(files) < modules:  # a new module
            index = len(files)
            module = f"parts/part_{index:03d}.py"
            files[module], functions[module] = _module(rng, index)
            tree.put(module, _text(files[module]))
            message = f"Add the helpers of part {index}"
        elif roll < 0.95:  # not Python
            tree.put("README.md", f"# parts\n\nHelpers for parts, revision {n}.\n")
            message = "Describe the new revision in the readme"
        else:  # a poor message on a single-file edit
            module = rng.choice(sorted(files))
            files[module] = _edit(rng, files[module])
            tree.put(module, _text(files[module]))
            message = rng.choice(POOR).format(file=module.rsplit("/", 1)[-1])
        parent = builder.write_commit(tree.write(), message, author, [parent], ref="refs/heads/main")
    return builder
