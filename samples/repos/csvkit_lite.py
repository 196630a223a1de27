"""carol/csvkit-lite: a CSV and INI helper, its files and its history: branches, a merged feature
branch, a cherry-pick, tags, a pull ref, a symlink, a UTF-16 file (see samples/README.md)."""
from __future__ import annotations

from pathlib import Path

from samples.history import EXECUTABLE, History, Person, symlink, text, utf16
from samples.licenses_text import APACHE_LICENSE
from samples.repos import GITIGNORE, package_init, pyproject

CAROL = Person("Carol Nguyen", "carol@example.com", -480)
JOSE = Person("José Núñez", "jose.nunez@example.es", 120)
DAVE = Person("Dave Kim", "dave.kim@example.io", 540)

CK_README = """# csvkit-lite

A small, dependency-free helper for reading delimited text files and INI-style
configuration. Only the standard library is used.
"""

CK_PYPROJECT = pyproject("csvkit-lite", "0.1.0.dev0",
                         "Read delimited text and INI configuration with the standard library only.",
                         "Apache-2.0", ">=3.9")

CK_INIT = package_init("Read delimited text and INI configuration with the standard library only.", "0.1.0.dev0")

CK_ROWS = '''"""Parse delimited text into dicts, with light type coercion."""
from __future__ import annotations


def parse_rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of `text` as dicts keyed by the header line."""
    lines = text.splitlines()
    header = [name.strip() for name in lines[0].split(delimiter)]
    rows = []
    for line in lines[1:]:
        values = line.split(delimiter)
        rows.append(dict(zip(header, values)))
    return rows


def coerce(value: str) -> object:
    """int, float, bool or None when the text looks like one; the text itself otherwise."""
    v = value.strip()
    if v == "":
        return None
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    if v.isdigit():
        return int(v)
    try:
        return float(v)
    except ValueError:
        return v
'''

CK_TEST_ROWS = r'''from csvkit_lite.rows import coerce, parse_rows


def test_parse_rows():
    assert parse_rows("a,b\n1,2\n") == [{"a": "1", "b": "2"}]


def test_coerce():
    assert coerce("42") == 42
    assert coerce("4.5") == 4.5
    assert coerce("true") is True
    assert coerce("") is None
'''

CK_CONFIG = '''"""Settings from an INI file, overridden by CSVLITE_* environment variables."""
from __future__ import annotations

import configparser
import os
from typing import Mapping

DEFAULTS = {"delimiter": ",", "encoding": "utf-8", "skip_blank": "true"}


def load_config(path: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """DEFAULTS, then the [csvlite] section of `path`, then the environment."""
    settings = dict(DEFAULTS)
    if path:
        parser = configparser.ConfigParser()
        parser.read(path)
        settings.update(parser["csvlite"])
    env = os.environ if env is None else env
    for key in settings:
        value = env.get("CSVLITE_" + key.upper())
        if value:
            settings[key] = value
    return settings


def get_bool(settings: Mapping[str, str], key: str) -> bool:
    return settings[key].lower() in ("1", "true", "yes")
'''

CK_CLI = r'''#!/usr/bin/env python3
"""csvlite: print a delimited file as aligned columns."""
from __future__ import annotations

import argparse
import sys

from csvkit_lite.config import load_config
from csvkit_lite.rows import parse_rows


def format_table(rows: list[dict[str, str]]) -> str:
    header = list(rows[0])
    widths = [max(len(h), *(len(r.get(h, "")) for r in rows)) for h in header]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    for row in rows:
        lines.append("  ".join(row.get(h, "").ljust(w) for h, w in zip(header, widths)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csvlite", description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--config", help="INI file with a [csvlite] section")
    parser.add_argument("--delimiter")
    args = parser.parse_args(argv)
    settings = load_config(args.config)
    delimiter = args.delimiter or settings["delimiter"]
    with open(args.file, encoding=settings["encoding"]) as fh:
        rows = parse_rows(fh.read(), delimiter)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

CK_WRAPPER = """#!/bin/sh
exec python3 -m csvkit_lite.cli "$@"
"""

CK_CONVERT = '''"""Convert a semicolon-separated export (as Excel writes it in many locales) to commas."""
import sys

from csvkit_lite.rows import parse_rows

with open(sys.argv[1], encoding="utf-8-sig") as fh:
    rows = parse_rows(fh.read(), delimiter=";")

for row in rows:
    print(",".join(row.values()))
'''

CK_TEST_CONFIG = '''from csvkit_lite.config import get_bool, load_config


def test_environment_overrides_defaults():
    assert load_config(env={"CSVLITE_DELIMITER": ";"})["delimiter"] == ";"


def test_get_bool_accepts_on():
    assert get_bool({"skip_blank": " On "}, "skip_blank")
'''



def build_csvkit_lite(path: Path) -> History:
    """carol/csvkit-lite: Apache-2.0, main + release/0.1, a merged feature branch, tags, a pull ref."""
    b = History(path, start=1_633_510_800)  # 2021-10-06
    rows, cfg, cli = "csvkit_lite/rows.py", "csvkit_lite/config.py", "csvkit_lite/cli.py"
    feature, release = "refs/heads/feature/sniff-delimiter", "refs/heads/release/0.1"

    b.commit("Initial commit", CAROL, put={
        "README.md": text(CK_README), "LICENSE": text(APACHE_LICENSE), ".gitignore": text(GITIGNORE),
        "pyproject.toml": text(CK_PYPROJECT)})
    b.commit("Add parse_rows and coerce", CAROL, put={
        "csvkit_lite/__init__.py": text(CK_INIT), rows: text(CK_ROWS), "tests/test_rows.py": text(CK_TEST_ROWS)})
    b.commit("Handle empty input in parse_rows\n\n"
             "parse_rows(\"\") raised IndexError on lines[0]; an empty file simply has\n"
             "no rows.", CAROL, edits=[
                 (rows, "    lines = text.splitlines()\n    header",
                  "    lines = text.splitlines()\n    if not lines:\n        return []\n    header")])
    b.commit("Add config loader", CAROL, put={cfg: text(CK_CONFIG)})
    b.commit("Add csvlite command", CAROL, put={
        cli: text(CK_CLI, EXECUTABLE), "bin/csvlite": text(CK_WRAPPER, EXECUTABLE)})
    b.commit("Do not fail when the config file has no [csvlite] section\n\n"
             "A config file shared with other tools and holding only their sections\n"
             "raised KeyError.", CAROL, edits=[
                 (cfg, '        settings.update(parser["csvlite"])\n',
                  '        if parser.has_section("csvlite"):\n'
                  '            settings.update(parser["csvlite"])\n')])
    b.commit("tweak", CAROL, edits=[
        (rows, "        values = line.split(delimiter)\n",
         "        values = [v.strip() for v in line.split(delimiter)]\n")])
    released = b.commit("Release 0.1.0", CAROL, edits=[
        ("csvkit_lite/__init__.py", '"0.1.0.dev0"', '"0.1.0"'), ("pyproject.toml", '"0.1.0.dev0"', '"0.1.0"')])
    b.tag("v0.1.0", released, "csvkit-lite 0.1.0\n", CAROL)
    b.branch(release, released)

    negative_message = ("Parse negative integers in coerce as int, not float\n\n"
                        "str.isdigit() is false for \"-3\", so negative numbers fell through to\n"
                        "float() and came back as -3.0.\n")
    negative_edits = [
        (rows, "from __future__ import annotations\n",
         'from __future__ import annotations\n\nimport re\n\n_INT_RE = re.compile(r"[+-]?\\d+")\n'),
        (rows, "    if v.isdigit():\n", "    if _INT_RE.fullmatch(v):\n")]
    negative = b.commit(negative_message, CAROL, edits=negative_edits)
    b.commit(negative_message + f"\n(cherry picked from commit {negative})\n", CAROL, ref=release,
             edits=negative_edits, author_time=b.repo[negative].author.time)
    b.commit("Replace bin/csvlite wrapper script with a symlink to the cli", CAROL,
             put={"bin/csvlite": symlink("csvkit_lite/cli.py")})
    fixed_link = b.commit("Fix bin/csvlite symlink target\n\n"
                          "Symlink targets are relative to the link's own directory.", CAROL,
                          put={"bin/csvlite": symlink("../csvkit_lite/cli.py")})

    b.branch(feature, fixed_link)
    b.commit("Add sniff_delimiter to guess the delimiter from a sample", JOSE, ref=feature, edits=[
        (rows, "    except ValueError:\n        return v\n",
         "    except ValueError:\n        return v\n\n\n"
         'def sniff_delimiter(sample: str, candidates: str = ",;\\t|") -> str:\n'
         '    """The candidate that occurs most often in the first line of `sample`."""\n'
         "    first = sample.splitlines()[0]\n"
         "    return max(candidates, key=first.count)\n")])
    b.commit("Read the config file as UTF-8\n\n"
             "ConfigParser.read() uses the locale's encoding, which broke non-ASCII\n"
             "delimiters such as '¦' on Windows.", CAROL, edits=[
                 (cfg, "        parser.read(path)\n", '        parser.read(path, encoding="utf-8")\n')])
    b.commit("Guess the delimiter in csvlite when --delimiter is not given", JOSE, ref=feature, edits=[
        (cli, "from csvkit_lite.rows import parse_rows\n", "from csvkit_lite.rows import parse_rows, sniff_delimiter\n"),
        (cli, '    delimiter = args.delimiter or settings["delimiter"]\n'
              '    with open(args.file, encoding=settings["encoding"]) as fh:\n'
              '        rows = parse_rows(fh.read(), delimiter)\n',
         '    with open(args.file, encoding=settings["encoding"]) as fh:\n'
         '        text = fh.read()\n'
         '    delimiter = args.delimiter or sniff_delimiter(text[:4096])\n'
         '    rows = parse_rows(text, delimiter)\n')])
    b.commit("Add example that converts semicolon exports", CAROL, put={"examples/convert.py": utf16(CK_CONVERT)})
    b.commit("Handle an empty sample in sniff_delimiter", JOSE, ref=feature, edits=[
        (rows, "    first = sample.splitlines()[0]\n    return max(candidates, key=first.count)\n",
         "    lines = sample.splitlines()\n    if not lines:\n        return candidates[0]\n"
         "    return max(candidates, key=lines[0].count)\n")])
    b.commit("Write the header row in the convert example", CAROL, edits=[
        ("examples/convert.py", "\nfor row in rows:\n", "\nif rows:\n    print(\",\".join(rows[0]))\nfor row in rows:\n")])
    b.merge("refs/heads/main", feature, "Merge branch 'feature/sniff-delimiter'", CAROL)
    b.delete_ref(feature)

    b.commit("Use the csv module so quoted fields can contain the delimiter\n\n"
             "'\"Smith, Jane\",42' was split into three fields. csv.reader handles\n"
             "quoting and quoted newlines.", CAROL, edits=[
                 (rows, "import re\n", "import csv\nimport io\nimport re\n"),
                 (rows, "    lines = text.splitlines()\n"
                        "    if not lines:\n"
                        "        return []\n"
                        "    header = [name.strip() for name in lines[0].split(delimiter)]\n"
                        "    rows = []\n"
                        "    for line in lines[1:]:\n"
                        "        values = [v.strip() for v in line.split(delimiter)]\n"
                        "        rows.append(dict(zip(header, values)))\n"
                        "    return rows\n",
                  "    reader = csv.reader(io.StringIO(text), delimiter=delimiter)\n"
                  "    header = next(reader, None)\n"
                  "    if header is None:\n"
                  "        return []\n"
                  "    header = [name.strip() for name in header]\n"
                  "    return [dict(zip(header, (v.strip() for v in values))) for values in reader if values]\n")])
    b.commit("wip", CAROL, edits=[
        (cfg, '    return settings[key].lower() in ("1", "true", "yes")\n',
         '    return settings[key].lower() in ("1", "true", "yes")\n\n\n'
         "def get_int(settings: Mapping[str, str], key: str, default: int = 0) -> int:\n"
         "    value = settings.get(key)\n"
         "    return int(value) if value else default\n")])
    b.commit("Accept 'on' and surrounding whitespace in boolean settings", JOSE, edits=[
        (cfg, '    return settings[key].lower() in ("1", "true", "yes")\n',
         '    return settings[key].strip().lower() in ("1", "true", "yes", "on")\n')])
    b.commit("Handle a file with only a header row in format_table\n\n"
             "format_table indexed rows[0] and raised IndexError.", CAROL, edits=[
                 (cli, "    header = list(rows[0])\n", '    if not rows:\n        return ""\n    header = list(rows[0])\n')])
    patch = b.commit("Release 0.1.1", CAROL, ref=release, edits=[
        ("csvkit_lite/__init__.py", '"0.1.0"', '"0.1.1"'), ("pyproject.toml", '"0.1.0"', '"0.1.1"')])
    b.tag("v0.1.1", patch, "csvkit-lite 0.1.1\n", CAROL)
    b.commit("Add usage to README", CAROL, edits=[
        ("README.md", "configuration. Only the standard library is used.\n",
         "configuration. Only the standard library is used.\n\n## Usage\n\n"
         "    csvlite data.csv\n    csvlite --delimiter ';' export.csv\n"
         "    CSVLITE_ENCODING=latin-1 csvlite old.csv\n")])
    b.commit("Add tests for sniff_delimiter and config loading", JOSE, put={
        "tests/test_config.py": text(CK_TEST_CONFIG)}, edits=[
            ("tests/test_rows.py", "from csvkit_lite.rows import coerce, parse_rows\n",
             "from csvkit_lite.rows import coerce, parse_rows, sniff_delimiter\n"),
            ("tests/test_rows.py", '    assert coerce("") is None\n',
             '    assert coerce("") is None\n\n\n'
             "def test_sniff_delimiter():\n"
             '    assert sniff_delimiter("a;b;c\\n1;2;3\\n") == ";"\n'
             '    assert sniff_delimiter("") == ","\n')])
    tip = b.commit("Remove the convert example; csvlite --delimiter covers it", CAROL,
                   remove=["examples/convert.py"])
    b.commit("Keep 'nan' and 'inf' as text in coerce", DAVE, ref="refs/pull/12/head", on=tip, edits=[
        (rows, "import io\nimport re\n", "import io\nimport math\nimport re\n"),
        (rows, "    try:\n        return float(v)\n    except ValueError:\n        return v\n",
         "    try:\n        number = float(v)\n    except ValueError:\n        return v\n"
         "    return number if math.isfinite(number) else v\n")])
    return b

