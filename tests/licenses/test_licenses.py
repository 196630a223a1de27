"""License detection, maps, allow lists and file headers, on real license texts in real git repositories.

Detection runs with both detectors: the built-in text matcher always, scancode when it is installed
(the `licenses` extra). Scancode's index takes seconds to load, so it is loaded once for the module.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pygit2
import pytest

from licenses import allow, detect, headers, keys, mapfile
from licenses.scancode_detector import scancode_problem
from licenses.textmatch import text_license
from schemas.commit import CommitRecord
from config.errors import ConfigError
from config.licenses import LICENSE_PRESETS, LicenseConfig
from tests.gitbuild import RepoBuilder
from tests import paths

FIXTURES = paths.FIXTURES / "licenses"
SCANCODE_MISSING = scancode_problem()
needs_scancode = pytest.mark.skipif(SCANCODE_MISSING is not None, reason=f"scancode unusable: {SCANCODE_MISSING}")
DETECTORS = ["text", pytest.param("scancode", marks=needs_scancode)]

# fixture file -> (the file name it gets in the repository, the GitHub key it must be detected as)
CASES = {
    "mit.txt": ("LICENSE", "mit"),
    "apache-2.0.txt": ("LICENSE-APACHE", "apache-2.0"),
    "bsd-2-clause.txt": ("LICENSE.md", "bsd-2-clause"),
    "bsd-3-clause.txt": ("LICENSE.txt", "bsd-3-clause"),
    "isc.txt": ("LICENCE", "isc"),
    "gpl-3.0.txt": ("COPYING", "gpl-3.0"),
    "agpl-3.0.txt": ("LICENSE", "agpl-3.0"),
    "lgpl-2.1.txt": ("COPYING.LIB", "lgpl-2.1"),
    "mpl-2.0.txt": ("LICENSE", "mpl-2.0"),
    "unlicense.txt": ("UNLICENSE", "unlicense"),
    "garbled.txt": ("LICENSE", "other"),
}
CODE = {"pkg/__init__.py": "", "pkg/util.py": "def add(a, b):\n    return a + b\n"}


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def loaded_detectors():
    """Load each available detector once; the index then serves every test, as on a worker."""
    for name in ("text", "scancode"):
        if name == "text" or SCANCODE_MISSING is None:
            detect.get_detector(name).load()


def repo_with(tmp_path: Path, files: dict) -> RepoBuilder:
    builder = RepoBuilder(tmp_path / "alice" / "proj")
    builder.commit({**CODE, **files}, "Initial commit")
    return builder


# ----------------------------------------------------------------------------------------- detection

@pytest.mark.parametrize("detector", DETECTORS)
@pytest.mark.parametrize("fixture", sorted(CASES))
def test_detects_each_fixture_license_in_a_real_repository(tmp_path, loaded_detectors, detector, fixture):
    filename, expected = CASES[fixture]
    builder = repo_with(tmp_path, {filename: fixture_text(fixture)})
    assert detect.detect_repository_license(builder.repo, "refs/heads/main", detector) == expected


@pytest.mark.parametrize("detector", DETECTORS)
def test_repository_without_license_file_is_none(tmp_path, loaded_detectors, detector):
    builder = repo_with(tmp_path, {"README.md": "# proj\nMIT licensed, see the docs.\n",
                                   "docs/LICENSE": fixture_text("mit.txt")})
    assert detect.detect_repository_license(builder.repo, "refs/heads/main", detector) == "none"


@pytest.mark.parametrize("detector", DETECTORS)
def test_gpl_text_beside_lgpl_text_is_lgpl(tmp_path, loaded_detectors, detector):
    builder = repo_with(tmp_path, {"COPYING": fixture_text("gpl-3.0.txt"),
                                   "COPYING.LESSER": fixture_text("lgpl-2.1.txt")})
    assert detect.detect_repository_license(builder.repo, "refs/heads/main", detector) == "lgpl-2.1"


@pytest.mark.parametrize("detector", DETECTORS)
def test_two_different_licenses_are_other(tmp_path, loaded_detectors, detector):
    builder = repo_with(tmp_path, {"LICENSE-MIT": fixture_text("mit.txt"),
                                   "LICENSE-APACHE": fixture_text("apache-2.0.txt")})
    assert detect.detect_repository_license(builder.repo, "refs/heads/main", detector) == "other"


def test_detection_reads_the_given_ref_or_commit(tmp_path):
    builder = RepoBuilder(tmp_path / "alice" / "proj")
    first = builder.commit({**CODE, "LICENSE": fixture_text("mit.txt")}, "Initial commit")
    second = builder.commit({**CODE, "LICENSE": fixture_text("gpl-3.0.txt")}, "Relicense under the GPL")
    builder.commit({**CODE}, "Drop the license file", parents=[first], ref="refs/heads/unlicensed")
    repo = builder.repo
    assert detect.detect_repository_license(repo, "refs/heads/main", "text") == "gpl-3.0"
    assert detect.detect_repository_license(repo, first, "text") == "mit"
    assert detect.detect_repository_license(repo, repo[first], "text") == "mit"
    assert detect.detect_repository_license(repo, repo[second].tree, "text") == "gpl-3.0"
    assert detect.detect_repository_license(repo, pygit2.Oid(hex=second), "text") == "gpl-3.0"
    assert detect.detect_repository_license(repo, "refs/heads/unlicensed", "text") == "none"
    assert detect.detect_repository_license(repo, None, "text") == "gpl-3.0"  # HEAD is main
    with pytest.raises(ValueError, match="does not name a commit"):
        detect.detect_repository_license(repo, "refs/heads/missing", "text")


def test_license_files_are_found_at_the_root_only_and_symlinks_followed(tmp_path):
    builder = repo_with(tmp_path, {
        "LICENSE": (pygit2.enums.FileMode.LINK, "LICENSE.txt"),
        "LICENSE.txt": fixture_text("isc.txt"),
        "license.py": "LICENSE = 'GPL'\n",
        "vendor/COPYING": fixture_text("gpl-3.0.txt"),
        "LICENSES/GPL-3.0-only.txt": fixture_text("gpl-3.0.txt"),
    })
    texts = detect.license_file_texts(builder.repo, "refs/heads/main")
    assert sorted(texts) == ["LICENSE", "LICENSE.txt"]
    assert texts["LICENSE"] == texts["LICENSE.txt"]
    assert detect.detect_repository_license(builder.repo, "refs/heads/main", "text") == "isc"


@pytest.mark.parametrize("name, is_license", [
    ("LICENSE", True), ("license.md", True), ("LICENCE.txt", True), ("COPYING", True),
    ("COPYING.LESSER", True), ("UNLICENSE", True), ("LICENSE-MIT", True), ("LICENSES.txt", True),
    ("license.py", False), ("licenses.json", False), ("README.md", False), ("COPYRIGHT", False),
    ("licensed_code.txt", False),
])
def test_license_file_names(name, is_license):
    assert detect.is_license_file_name(name) is is_license


def test_license_ref_prefers_the_default_branch(tmp_path):
    builder = repo_with(tmp_path, {"LICENSE": fixture_text("mit.txt")})
    builder.commit({**CODE}, "Side work", ref="refs/heads/aaa-side")
    assert detect.license_ref(builder.repo, ["refs/heads/aaa-side", "refs/heads/main"]) == "refs/heads/main"
    assert detect.license_ref(builder.repo, ["refs/heads/aaa-side"]) == "refs/heads/aaa-side"
    assert detect.license_ref(builder.repo, ["HEAD"]) == "HEAD"
    assert detect.license_ref(builder.repo, []) is None


def test_license_from_texts_is_pure_and_combines_files():
    assert detect.license_from_texts({}, "text") == "none"
    assert detect.license_from_texts({"LICENSE": fixture_text("mit.txt")}, "text") == "mit"
    assert detect.license_from_texts({"LICENSE": "", "COPYING": "see the website"}, "text") == "other"
    assert detect.combine_file_licenses({}) == "none"
    assert detect.combine_file_licenses({"LICENSE": "mit", "LICENSE.md": "mit"}) == "mit"
    assert detect.combine_file_licenses({"COPYING": "gpl-3.0", "COPYING.LESSER": "lgpl-3.0"}) == "lgpl-3.0"
    assert detect.combine_file_licenses({"LICENSE": "mit", "LICENSE-3RD": "other"}) == "other"


def test_detectors_are_created_once_per_process():
    assert detect.get_detector("text") is detect.get_detector("text")
    with pytest.raises(ValueError, match="unknown license detector"):
        detect.get_detector("licensee")
    assert detect.detector_problem("text") is None
    assert "unknown license detector" in detect.detector_problem("licensee")
    assert detect.detector_problem("scancode") == SCANCODE_MISSING


@needs_scancode
@pytest.mark.parametrize("scancode_key", [
    "mit", "apache-2.0", "bsd-new", "bsd-simplified", "isc", "gpl-2.0", "gpl-3.0", "agpl-3.0",
    "lgpl-2.1", "lgpl-3.0", "mpl-2.0", "unlicense", "cc0-1.0", "epl-1.0", "artistic-2.0", "zlib",
    "boost-1.0", "bsd-zero", "mit-0",
])
def test_both_detectors_agree_on_scancodes_full_reference_texts(loaded_detectors, scancode_key):
    """The fixtures abbreviate the long licenses; scancode ships every full text, so check those too."""
    from licensedcode.cache import get_licenses_db
    lic = get_licenses_db()[scancode_key]
    expected = keys.github_key_from_scancode(scancode_key, lic.spdx_license_key)
    assert expected in keys.GITHUB_KEYS
    assert detect.get_detector("scancode").file_license(lic.text) == expected
    assert detect.get_detector("text").file_license(lic.text) == expected


# ------------------------------------------------------------------------------------ text detector

@pytest.mark.parametrize("text, expected", [
    ("Licensed under the MIT License.", "mit"),
    # a notes file that names its BSD variant without the text (IPython's COPYING.rst does)
    ("The Licensing Terms\n\nThis project is licensed under the terms of the Modified BSD License (also "
     "known as New or Revised BSD). See the LICENSE file.\n\nAbout the team\n--------------\n"
     "Each contributor keeps the copyright of their own changes.", "bsd-3-clause"),
    ("Distributed under the BSD 3-Clause License.", "bsd-3-clause"),
    ("Released under the Simplified BSD License.", "bsd-2-clause"),
    ("Licensed under the BSD license.", "other"),  # which BSD is not said
    ("This program is free software; you can redistribute it and/or modify it under the terms of the "
     "GNU General Public License as published by the Free Software Foundation; either version 2 of the "
     "License, or (at your option) any later version.", "gpl-2.0"),
    ("GNU LESSER GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007", "lgpl-3.0"),
    ("GNU GENERAL PUBLIC LICENSE\nVersion 1, February 1989", "other"),
    ("Apache License\nVersion 1.0", "other"),
    (fixture_text("mit.txt").replace("The above copyright notice and this permission notice shall be "
                                     "included in all\ncopies or substantial portions of the Software.\n",
                                     ""), "mit-0"),
    (fixture_text("bsd-3-clause.txt") + "\n4. This software may not be used for any military purpose.\n",
     "other"),
    (fixture_text("mit.txt") + "\nTHIRD PARTY NOTICES\n" + fixture_text("apache-2.0.txt"), "other"),
    ("All rights reserved. Do not copy.", "other"),
])
def test_text_detector_cases(text, expected):
    assert text_license(text) == expected


# --------------------------------------------------------------------------------------------- keys

def test_key_translation():
    assert keys.github_key_from_spdx("MIT") == "mit"
    assert keys.github_key_from_spdx("GPL-3.0-or-later") == "gpl-3.0"
    assert keys.github_key_from_spdx("GPL-2.0+") == "gpl-2.0"
    assert keys.github_key_from_spdx("LGPL-2.1-only") == "lgpl-2.1"
    assert keys.github_key_from_spdx("LGPL-2.0-only") == "other"
    assert keys.github_key_from_spdx("LicenseRef-scancode-proprietary") == "other"
    assert keys.github_key_from_spdx("none") == "none"
    assert keys.github_key_from_scancode("bsd-new") == "bsd-3-clause"
    assert keys.github_key_from_scancode("bsd-simplified") == "bsd-2-clause"
    assert keys.github_key_from_scancode("gpl-3.0-plus") == "gpl-3.0"
    assert keys.github_key_from_scancode("mpl-2.0-no-copyleft-exception") == "mpl-2.0"
    assert keys.github_key_from_scancode("bsl-1.0", "LicenseRef-scancode-bsl-1.0") == "other"
    assert keys.github_key_from_scancode("repoze", "BSD-3-Clause") == "bsd-3-clause"


def test_expressions_resolve_to_the_keys_that_bind():
    spdx = keys.github_key_from_spdx
    assert keys.resolve_expression(keys.parse_expression("MIT OR GPL-3.0-only"), spdx) == ["mit"]
    assert keys.resolve_expression(keys.parse_expression("MIT AND Apache-2.0"), spdx) == ["mit", "apache-2.0"]
    assert keys.resolve_expression(keys.parse_expression("(GPL-2.0-only WITH Classpath-exception-2.0)"),
                                   spdx) == ["gpl-2.0"]
    assert keys.resolve_expression(keys.parse_expression("gpl-3.0 or (mit and agpl-3.0)"), spdx) == ["gpl-3.0"]
    assert keys.parse_expression("GPL-2.0+") == keys.Leaf("GPL-2.0+", or_later=True)
    for bad in ("", "MIT OR", "(MIT", "MIT Apache-2.0", "AND MIT"):
        with pytest.raises(keys.ExpressionError):
            keys.parse_expression(bad)


def test_allow_lists_are_what_the_docs_say():
    assert keys.COMMITPACK == {"mit", "artistic-2.0", "isc", "cc0-1.0", "epl-1.0", "mpl-2.0", "unlicense",
                               "apache-2.0", "bsd-3-clause", "agpl-3.0", "lgpl-2.1", "bsd-2-clause"}
    assert keys.COMMITPACK - keys.PERMISSIVE == {"agpl-3.0", "lgpl-2.1", "mpl-2.0", "epl-1.0"}
    assert not keys.PERMISSIVE & keys.COPYLEFT
    assert keys.PERMISSIVE <= keys.GITHUB_KEYS and keys.COMMITPACK <= keys.GITHUB_KEYS


# ---------------------------------------------------------------------------------------------- map

def test_csv_map_overrides_detection(tmp_path):
    builder = repo_with(tmp_path, {"LICENSE": fixture_text("mit.txt")})
    path = tmp_path / "licenses.csv"
    path.write_text("repo,license,note\nAlice/Proj,GPL-3.0-or-later,relicensed\nbob/lib,mit,\n", encoding="utf-8")
    license_map = mapfile.load_license_map(str(path))
    assert license_map == {"alice/proj": "gpl-3.0", "bob/lib": "mit"}
    names = ["alice/proj", str(builder.path)]  # the git source hands in the name and the location
    assert detect.repository_license(builder.repo, names, "refs/heads/main", "text", license_map) == "gpl-3.0"
    assert detect.repository_license(builder.repo, names, "refs/heads/main", "text", {}) == "mit"
    by_path = {mapfile.repo_key(str(builder.path)): "bsd-3-clause"}
    assert detect.repository_license(builder.repo, ["proj", str(builder.path)], "refs/heads/main", "text",
                                     by_path) == "bsd-3-clause"
    assert detect.repository_license(builder.repo, ["carol/other"], "refs/heads/main", "text",
                                     license_map) == "mit"


def test_json_maps_in_both_shapes(tmp_path):
    as_object = tmp_path / "map.json"
    as_object.write_text(json.dumps({"https://github.com/Alice/Proj.git": "Apache-2.0", "bob/lib": "none"}))
    assert mapfile.load_license_map(str(as_object)) == {"alice/proj": "apache-2.0", "bob/lib": "none"}
    as_list = tmp_path / "map"
    as_list.write_text(json.dumps([{"repo": "alice/proj", "license": "other"}]))
    assert mapfile.load_license_map(str(as_list)) == {"alice/proj": "other"}
    # A path is matched as a path (its real location), a name or URL by owner/name.
    assert mapfile.mapped_license({"alice/proj": "mit"}, ["/data/mirrors/alice/proj.git"]) is None
    assert mapfile.mapped_license({"path:/data/mirrors/alice/proj.git": "mit"}, ["/data/mirrors/alice/proj.git"]) == "mit"
    assert mapfile.mapped_license({"alice/proj": "mit"}, ["git@github.com:Alice/proj.git"]) == "mit"
    assert mapfile.mapped_license({"alice/proj": "mit"}, ["bob/lib"]) is None


@pytest.mark.parametrize("name, content, message", [
    ("map.csv", "repository,spdx\nalice/proj,mit\n", "must name the columns 'repo' and 'license'"),
    ("map.csv", "repo,license\nalice/proj,mit\nbob/lib,beerware\n", "line 3: 'beerware' is not a GitHub"),
    ("map.csv", "repo,license\nalice/proj,mit\nalice/proj,gpl-3.0\n", "mapped to both 'mit' and 'gpl-3.0'"),
    ("map.csv", "repo,license\n,mit\n", "the repository must be a non-empty string"),
    ("map.json", "{\"alice/proj\": \"mit\",}", "is not valid JSON"),
    ("map.json", "[\"alice/proj\"]", "item 0: each item must be an object"),
    ("map.json", "\"mit\"", "must hold a JSON object or a list"),
    ("map.json", "{\"alice/proj\": 3}", "the license must be a non-empty string"),
])
def test_bad_maps_are_one_clear_config_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as raised:
        mapfile.load_license_map(str(path))
    assert str(path) in str(raised.value)


def test_missing_or_binary_map_file(tmp_path):
    with pytest.raises(mapfile.LicenseMapError, match="does not exist"):
        mapfile.load_license_map(str(tmp_path / "nope.csv"))
    binary = tmp_path / "map.csv"
    binary.write_bytes(b"repo,license\n\xff\xfe\n")
    with pytest.raises(mapfile.LicenseMapError, match="is not UTF-8"):
        mapfile.load_license_map(str(binary))


# ------------------------------------------------------------------------------------- allow lists

@pytest.mark.parametrize("license_key, commitpack, permissive", [
    ("mit", None, None),
    ("apache-2.0", None, None),
    ("agpl-3.0", None, "license_not_allowed"),
    ("lgpl-2.1", None, "license_not_allowed"),
    ("mpl-2.0", None, "license_not_allowed"),
    ("gpl-3.0", "license_not_allowed", "license_not_allowed"),
    ("0bsd", "license_not_allowed", None),
    ("none", "license_none", "license_none"),
    ("other", "license_other", "license_other"),
])
def test_commitpack_and_permissive_lists(license_key, commitpack, permissive):
    assert allow.license_reason(license_key, allow.allowed_keys("commitpack")) == commitpack
    assert allow.license_reason(license_key, allow.allowed_keys("permissive")) == permissive
    assert allow.license_reason(license_key, allow.allowed_keys("any")) is None


def test_extra_allowed_keys_and_their_validation():
    allowed = allow.allowed_keys("permissive", ["MPL-2.0"])
    assert allow.license_reason("mpl-2.0", allowed) is None
    with pytest.raises(ConfigError, match="'proprietary', which is not a GitHub license key"):
        allow.allowed_keys("permissive", ["proprietary"])
    with pytest.raises(ConfigError, match="unknown license allow list"):
        allow.allowed_keys("copyleft")


GPL_HEADER = ("# Copyright (C) 2020 Example\n#\n"
              "# This program is free software: you can redistribute it and/or modify\n"
              "# it under the terms of the GNU General Public License as published by\n"
              "# the Free Software Foundation, either version 3 of the License, or\n"
              "# (at your option) any later version.\n\nimport os\n")


def policy_for(preset: str) -> allow.LicensePolicy:
    return allow.LicensePolicy.from_config(LicenseConfig(**LICENSE_PRESETS[preset]))


def test_presets_compile_to_policies():
    strict, commitpackft, raw = policy_for("strict"), policy_for("commitpackft"), policy_for("none")
    plain = "import os\n"
    assert strict.reason("agpl-3.0", plain, plain) == "license_not_allowed"
    assert commitpackft.reason("agpl-3.0", plain, plain) is None
    assert strict.reason("mit", plain, GPL_HEADER) == "file_header_license"
    assert strict.reason("mit", GPL_HEADER, plain) == "file_header_license"
    assert commitpackft.reason("mit", plain, GPL_HEADER) is None
    for key in ("none", "other", "gpl-3.0", "agpl-3.0"):
        assert raw.reason(key, GPL_HEADER, GPL_HEADER) is None


def test_policy_reads_commit_records():
    record = CommitRecord(id="x", source="git", commit="c", parent="p", old_file="a.py", new_file="a.py",
                          old_contents="x = 1\n", new_contents=GPL_HEADER, subject="s", message="s",
                          lang="Python", license="mit", repos=["alice/proj"], author_time=None,
                          committer_time=None, author_name="Ada")
    assert policy_for("strict").record_reason(record) == "file_header_license"
    headers_only = allow.LicensePolicy(allowed=None, check_file_headers=True)
    assert headers_only.record_reason(dataclasses.replace(record, license="gpl-3.0")) is None
    assert headers_only.record_reason(record) == "file_header_license"
    assert policy_for("strict").record_reason(dataclasses.replace(record, license="none")) == "license_none"


# ----------------------------------------------------------------------------------------- headers

@pytest.mark.parametrize("contents, repo_license, expected", [
    ("# SPDX-License-Identifier: GPL-3.0-only\nimport os\n", "mit", "file_header_license"),
    ("# SPDX-License-Identifier: MIT\nimport os\n", "mit", None),
    ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: Apache-2.0\n", "mit",
     "file_header_license"),
    ("# SPDX-License-Identifier: MIT OR Apache-2.0\n", "apache-2.0", None),
    ("# SPDX-License-Identifier: MIT AND Apache-2.0\n", "apache-2.0", "file_header_license"),
    ("# SPDX-License-Identifier: GPL-2.0-or-later\n", "gpl-3.0", None),
    ("# SPDX-License-Identifier: GPL-2.0-only\n", "gpl-3.0", "file_header_license"),
    ("# SPDX-License-Identifier: LicenseRef-Proprietary\n", "mit", "file_header_license"),
    ("# SPDX-License-Identifier: MIT License\n", "mit", None),
    ('"""Tools.\n\nSPDX-License-Identifier: BSD-3-Clause\n"""\nimport os\n', "mit", "file_header_license"),
    (GPL_HEADER, "mit", "file_header_license"),
    (GPL_HEADER, "gpl-3.0", None),
    (GPL_HEADER.replace("version 3", "version 2"), "gpl-3.0", None),
    (GPL_HEADER.replace("version 3", "version 2").replace("# (at your option) any later version.\n", ""),
     "gpl-3.0", "file_header_license"),
    (GPL_HEADER.replace("GNU General", "GNU Affero General"), "mit", "file_header_license"),
    (GPL_HEADER.replace("GNU General", "GNU Affero General"), "agpl-3.0", None),
    ("# This library is free software; you can redistribute it and/or modify it under the terms of the\n"
     "# GNU Lesser General Public License as published by the Free Software Foundation; either\n"
     "# version 2.1 of the License, or (at your option) any later version.\n", "mit", "file_header_license"),
    ("# Licensed under GPLv3.\n", "mit", "file_header_license"),
    ("# Licensed under the Apache License, Version 2.0 (the \"License\");\n", "apache-2.0", None),
    ("# Licensed under the Apache License, Version 2.0 (the \"License\");\n", "mit", "file_header_license"),
    ("# Permission is hereby granted, free of charge, to any person obtaining a copy\n", "mit", None),
    ("# License: MIT (GPL compatible)\n", "mit", None),
    ("import os\n# SPDX-License-Identifier: GPL-3.0-only\n", "mit", None),
    ("from setuptools import setup\nsetup(classifiers=['License :: OSI Approved :: GNU General Public "
     "License v3 (GPLv3)'])\n", "mit", None),
    ("# Copyright (c) 2020 Example. All rights reserved.\nimport os\n", "mit", None),
    ("", "mit", None),
])
def test_header_conflicts(contents, repo_license, expected):
    assert headers.header_license_conflict(contents, repo_license) == expected


def _declaration_read_whole(contents: str):
    """header_declaration without its first look (`might_declare`): the header read and normalized."""
    header = headers.header_text(contents)
    if not header:
        return None
    spdx = headers._SPDX_LINE.search(header)
    if spdx:
        return headers.header_declaration(contents)
    return headers._prose_declaration(header)


@pytest.mark.parametrize("contents", [
    GPL_HEADER, GPL_HEADER.upper(), GPL_HEADER.replace("License", "Licence"), GPL_HEADER.replace("License", "LICENCE"),
    "# PERMISSION IS HEREBY GRANTED, FREE OF CHARGE, TO ANY PERSON OBTAINING A COPY\n",
    "# Licensed under GPLv3.\n", "# lICENSED under the gpl v2\n", "# L\u0130cense: GPL-3.0\n",
    "# Li-cense: GPL\n", "# GNU General Public Lic\nense v3\n", "# spdx-license-identifier: MIT\n",
    "# SPDX-License-Identifier: GPL-3.0-only\n", "# Copyright 2020. All rights reserved.\n", "",
])
def test_the_first_look_turns_away_only_headers_that_declare_nothing(contents):
    assert headers.header_declaration(contents) == _declaration_read_whole(contents)


def test_the_first_look_on_every_module_and_license_text_here():
    from samples import licenses_text
    from tests.paths import ROOT

    texts = [p.read_text() for p in sorted(ROOT.glob("*/*.py"))]
    texts += ["# " + line + "\n" for name in dir(licenses_text) if name.isupper()
              for line in [getattr(licenses_text, name)] if isinstance(line, str)]
    texts += ["\n".join("# " + line for line in text.splitlines()[:25]) for text in texts[-8:]]
    declared = 0
    for text in texts:
        found = headers.header_declaration(text)
        assert found == _declaration_read_whole(text)
        declared += found is not None
    assert declared >= 3


def test_header_is_only_the_first_lines():
    late = "#\n" * 40 + "# SPDX-License-Identifier: GPL-3.0-only\n"
    assert headers.header_license_conflict(late, "mit") is None
    assert headers.header_license_conflict(late, "mit", max_lines=50) == "file_header_license"


def test_scancode_is_usable_when_the_run_requires_it():
    """CI that installs the licenses extra sets REPAIRPACK_REQUIRE_SCANCODE=1, so a broken install
    (pluggy 1.7, a missing index) fails the run instead of silently skipping the scancode tests."""
    import os
    if os.environ.get("REPAIRPACK_REQUIRE_SCANCODE", "") not in ("", "0"):
        assert SCANCODE_MISSING is None, SCANCODE_MISSING


# ------------------------------------------------------------------------------- verbatim shortcut

def _verbatim_cases() -> list[tuple[str, str, str, str]]:
    """(scancode key, GitHub key, license name, reference text) for every text the shortcut knows."""
    from licenses import verbatim

    folder = verbatim._licenses_folder()
    cases = []
    for key in verbatim.SCANCODE_KEYS if folder else ():
        found = verbatim._read_reference(folder, key)
        if found is not None:
            fields, text = found
            github = keys.github_key_from_scancode(key, fields.get("spdx_license_key"))
            if github != keys.OTHER:
                cases.append((key, github, fields.get("name", ""), text))
    return cases


@needs_scancode
def test_verbatim_shortcut_gives_what_the_scan_gives(loaded_detectors):
    """The shortcut may only skip the index when the scan would say the same: checked for every text
    it knows, bare and as a repository ships it (a title and a copyright line on top)."""
    from licenses.verbatim import verbatim_license

    scancode = detect.get_detector("scancode")
    cases = _verbatim_cases()
    assert len(cases) >= 14
    for key, github, name, text in cases:
        shipped = f"The {name}\n\nCopyright (c) 2021 Jane Doe <jane@example.org>\nAll rights reserved.\n\n{text}"
        for variant in (text, shipped, text.replace("\n", "\r\n")):
            assert verbatim_license(variant) == github, key
            assert scancode._scan(variant) == github, key


@needs_scancode
def test_verbatim_file_needs_no_index_and_anything_else_still_scans():
    from licenses.scancode_detector import ScancodeDetector

    fresh = ScancodeDetector()
    assert fresh.file_license(fixture_text("mit.txt")) == "mit"
    assert fresh._index is None  # answered without loading scancode's index
    scans_always = ScancodeDetector(verbatim=False)
    assert scans_always._verbatim is False


def test_verbatim_shortcut_declines_near_copies():
    from licenses.verbatim import is_notice, reduce_body, verbatim_license

    mit = fixture_text("mit.txt")
    assert reduce_body("Copyright (c) 2020 A\n(c) 2021 B\nAll rights reserved.\nHello there\n\n(c) 2022 C\n") == \
        "hello there"
    # Inside the body nothing is skipped, whatever a line starts with.
    assert reduce_body("Hello\nCopyright (c) 2020 A\nthere\n") == "hello copyright c 2020 a there"
    assert is_notice("Copyright (c) 2015-2021 Jane Doe <jane@example.org>") and is_notice("All rights reserved.")
    for term in ("Copyright 2020 Foo. The following applies to lib/: GNU General Public License v3",
                 "(c) The Software shall be used for Good, not Evil.", "(c) You need not retain the notices",
                 "Copyright (c) 2020 Foo; licensed under the Apache License 2.0"):
        assert not is_notice(term), term
    one_line_gpl = "Copyright (c) 2020 Foo. The following applies to lib/: " + " ".join(
        "This program is free software: you can redistribute it and/or modify it under the terms of the GNU "
        "General Public License as published by the Free Software Foundation, version 3.".split())
    for text in ("", "MIT", mit + "\nThe Software shall be used for Good, not Evil.\n",
                 mit.replace("without restriction", "with restriction"), "My Own License\n\n" + mit,
                 one_line_gpl + "\n\n" + mit, mit + "\n(c) The Software shall be used for Good, not Evil.\n",
                 mit.replace("\n\n", "\n\nCopyright 2020 Foo. You may not sell copies.\n\n", 1)):
        if SCANCODE_MISSING is None or text in ("", "MIT"):
            assert verbatim_license(text) is None, text[:40]
