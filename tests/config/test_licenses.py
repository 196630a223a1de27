"""config.licenses: the section's defaults, presets and types, and the problems it reports."""
from __future__ import annotations

import types
import typing

import pytest

from config.licenses import LICENSE_PRESETS, LicenseConfig, problems


def test_license_config_defaults_presets_and_types() -> None:
    config = LicenseConfig()
    assert (config.allow_list, config.detector, config.check_file_headers) == ("permissive", "scancode", True)
    assert set(LICENSE_PRESETS) == {"strict", "commitpackft", "none"}
    assert LICENSE_PRESETS["strict"] == {}
    assert LICENSE_PRESETS["commitpackft"]["allow_list"] == "commitpack"
    assert LICENSE_PRESETS["none"]["allow_list"] == "any"
    allowed_types = {str, int, float, bool, list[str]}
    for name, tp in typing.get_type_hints(LicenseConfig).items():
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        assert tp in allowed_types, name
    for preset in LICENSE_PRESETS.values():
        assert problems(LicenseConfig(**preset)) == []


@pytest.mark.parametrize("change, message", [
    ({"allow_list": "gpl"}, "'licenses.allow_list' must be one of"),
    ({"detector": "licensee"}, "'licenses.detector' must be one of"),
    ({"header_lines": 0}, "'licenses.header_lines' must be at least 1"),
    ({"license_map": " "}, "'licenses.license_map' must be a file path"),
])
def test_license_config_problems(change: dict[str, object], message: str) -> None:
    assert any(message in p for p in problems(LicenseConfig(**change)))


def test_every_license_problem_is_reported_at_once() -> None:
    found = problems(LicenseConfig(allow_list="gpl", detector="licensee", header_lines=0, license_map=" "))
    assert len(found) == 4 and all(p.startswith("config key 'licenses.") for p in found)
