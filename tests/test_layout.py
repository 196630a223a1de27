"""The house rules of the layout (docs/architecture.md), checked on every module's imports.

A rule that is only written down erodes one convenient import at a time; these fail the build
instead. Imports are read from the source with `ast`, so an import inside a function counts too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

PRODUCT = ("beam_jobs", "cli", "config", "filters", "licenses", "schemas")
OURS = (*PRODUCT, "tests", "bench", "samples", "run_pipeline")
# Stage packages: none may import another. Modules at the top of beam_jobs/ (accounting, sorted_runs,
# parquet_sink) and of beam_jobs/sources/ (commits, repositories) are shared plumbing, not stages.
STAGES = ("beam_jobs.sources.git", "beam_jobs.sources.dump", "beam_jobs.sources.judge", "beam_jobs.assembly",
          "beam_jobs.output", "beam_jobs.report")
# The sections of the config a pure package may be given, and the config's error type.
SECTIONS = {"filters": ("config.filters", "config.judge"), "licenses": ("config.licenses",)}
LONG_FILE_LINES = 600
LONG_FILE_REASON = "Why this file is long:"


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module of ours this file imports, at any depth of the file, as dotted names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in OURS:
                found.add(node.module)
                # `from beam_jobs.assembly import dedup` imports the module beam_jobs.assembly.dedup
                found.update(f"{node.module}.{alias.name}" for alias in node.names
                             if (ROOT / node.module.replace(".", "/") / f"{alias.name}.py").exists()
                             or (ROOT / node.module.replace(".", "/") / alias.name).is_dir())
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in OURS)
    return found


def _stage_of(module: str) -> str | None:
    return next((s for s in STAGES if module == s or module.startswith(s + ".")), None)


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


ALL = [p for package in PRODUCT for p in _modules(package)] + [ROOT / "run_pipeline.py"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_import_rules(path: Path) -> None:
    module = _name(path)
    imports = _imports(path)
    assert not {m for m in imports if _under(m, "tests", "bench", "samples")}, "the product never needs tests, bench or samples"
    if _under(module, "schemas"):
        assert {m for m in imports if not _under(m, "schemas")} == set(), "schemas/ imports nothing else of ours"
    if _under(module, "config"):
        assert {m for m in imports if not _under(m, "config")} == set(), "config/ imports nothing else of ours"
    if _under(module, "filters", "licenses"):
        package = module.split(".")[0]
        assert not {m for m in imports if _under(m, "beam_jobs")}, f"{package}/ never imports beam_jobs"
        beyond = {m for m in imports if _under(m, "config") and m not in (*SECTIONS[package], "config", "config.errors")}
        assert beyond == set(), f"{package}/ reads only the config sections it is given"
    stage = _stage_of(module)
    if stage:
        siblings = {m for m in imports if _stage_of(m) not in (None, stage)}
        assert siblings == set(), f"the stage {stage} imports a sibling stage"
    if module not in ("beam_jobs.pipeline", "run_pipeline"):
        assert len({_stage_of(m) for m in imports} - {None, stage}) == 0


def test_a_long_file_says_why() -> None:
    """Every module over the limit, outside tests, names its reason in its docstring."""
    silent = []
    for path in ALL + [*ROOT.glob("bench/*.py"), *ROOT.glob("samples/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > LONG_FILE_LINES and LONG_FILE_REASON not in (ast.get_docstring(ast.parse(text)) or ""):
            silent.append(str(path.relative_to(ROOT)))
    assert silent == [], f"over {LONG_FILE_LINES} lines with no reason in the docstring"


def test_the_rules_see_a_violation(tmp_path: Path) -> None:
    """The checker itself: a sibling import and a schema importing config are found."""
    sample = tmp_path / "m.py"
    sample.write_text("from beam_jobs.assembly import dedup\nimport config.filters\n\ndef f():\n"
                      "    from beam_jobs.report.job import run_report\n", encoding="utf-8")
    assert _imports(sample) >= {"beam_jobs.assembly", "beam_jobs.assembly.dedup", "config.filters", "beam_jobs.report.job"}
    assert _stage_of("beam_jobs.report.job") == "beam_jobs.report" and _stage_of("beam_jobs.sorted_runs") is None
