"""Real Python code nobody here wrote, for tests that must hold on real inputs: the standard library's
and Beam's own modules as installed (so CI has them too), and seeded edits of them."""
from __future__ import annotations

from pathlib import Path


def real_sources(limit: int) -> list[str]:
    """Python files of installed packages (code nobody here wrote), in a fixed order."""
    import difflib
    import email
    import json as json_module

    roots = [Path(m.__file__).parent for m in (difflib, email, json_module)]
    import apache_beam
    roots.append(Path(apache_beam.__file__).parent / "transforms")
    files = sorted(p for root in roots for p in root.rglob("*.py"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in files[:limit]]


def edited(text: str, seed: int) -> str:
    """Real lines moved, dropped, doubled and rewritten: the ambiguous alignments a matcher must
    break ties on exactly as difflib does."""
    import random

    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 6)):
        if not lines:
            break
        at = rng.randrange(len(lines))
        op = rng.randrange(4)
        if op == 0:
            del lines[at:at + rng.randint(1, 5)]
        elif op == 1:
            lines[at:at] = lines[max(0, at - 8):at]
        elif op == 2:
            lines[at] = lines[at].replace("self", "this").replace("    ", "\t", 1)
        else:
            block = lines[at:at + rng.randint(1, 10)]
            del lines[at:at + len(block)]
            to = rng.randrange(len(lines) + 1)
            lines[to:to] = block
    return "".join(lines)
