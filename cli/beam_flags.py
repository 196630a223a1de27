"""Which flags Beam's PipelineOptions knows, without importing Beam.

An unknown flag must be refused before the run starts, but asking Beam means importing it (about
two seconds). So the flags of the pinned Beam version ship in `beam_flags.json`; a test checks the
file against the installed Beam, and `python -m cli.beam_flags` rewrites it. When the installed
Beam is another version, a flag missing from the file is looked up in Beam itself: slower, never
wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterator

FLAGS_FILE = Path(__file__).with_name("beam_flags.json")
# How a flag takes its value: "value" (the next token unless written --flag=value), "optional" (the next
# token only when it is not a flag) or "none" (a switch).
VALUE, OPTIONAL, SWITCH = "value", "optional", "none"


def installed_beam_version() -> str | None:
    try:
        return metadata.version("apache-beam")
    except metadata.PackageNotFoundError:
        return None


def _option_classes(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _option_classes(sub)


def collect_from_beam() -> dict[str, str]:
    """Every flag of every PipelineOptions view Beam defines, as Beam's own parser registers them."""
    from apache_beam.options.pipeline_options import PipelineOptions

    parser = argparse.ArgumentParser(add_help=False, conflict_handler="resolve")
    for cls in sorted(set(_option_classes(PipelineOptions)), key=lambda c: (c.__module__, c.__qualname__)):
        cls._add_argparse_args(parser)  # type: ignore[attr-defined]
    flags: dict[str, str] = {}
    for action in parser._actions:
        kind = SWITCH if action.nargs == 0 else OPTIONAL if action.nargs == "?" else VALUE
        for option in action.option_strings:
            if option.startswith("--"):
                flags[option] = kind
    return dict(sorted(flags.items()))


@lru_cache(maxsize=1)
def shipped() -> tuple[str, dict[str, str]]:
    """(Beam version, flags) as shipped with repairpack."""
    data = json.loads(FLAGS_FILE.read_text(encoding="utf-8"))
    return data["beam_version"], data["flags"]


@lru_cache(maxsize=1)
def _live() -> dict[str, str]:
    return collect_from_beam()


def beam_flag(name: str) -> str | None:
    """How the Beam flag `name` (e.g. '--runner') takes a value, or None when Beam has no such flag."""
    version, flags = shipped()
    if name in flags:
        return flags[name]
    if installed_beam_version() not in (None, version):
        return _live().get(name)
    return None


def known_flags() -> list[str]:
    """Beam's flags, for suggestions when a flag is unknown."""
    return list(shipped()[1])


def write_flags_file() -> None:
    data = {"beam_version": installed_beam_version(), "flags": collect_from_beam()}
    FLAGS_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_flags_file()
    print(f"wrote {len(shipped.__wrapped__()[1])} flags of apache-beam {installed_beam_version()} to {FLAGS_FILE.name}",
          file=sys.stderr)
