"""One lock for the launcher and the workers: constraints.txt pins the runtime closure of
repairpack[licenses,tokens,gcp], and every route that installs repairpack uses it.

A Beam job breaks in ways no test on one machine shows when the launcher pickles with one version
of a library and the workers unpickle with another. Regenerate the lock from an environment that
passes the tests: `python -m tests.test_constraints > constraints.txt`.
"""
from __future__ import annotations

import re
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement

from tests.paths import ROOT

EXTRAS = frozenset({"licenses", "tokens", "gcp"})
HEADER = ("# The versions the launcher and the workers run: the runtime closure of repairpack[licenses,tokens,gcp].\n"
          "# Used by .ci/run (PIP_CONSTRAINT), the Dockerfile (pip -c) and the --setup_file route\n"
          "# (--requirements_file constraints.txt). Regenerate: python -m tests.test_constraints > constraints.txt\n")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure() -> dict[str, str]:
    """{package: installed version} for everything repairpack[licenses,tokens,gcp] needs here."""
    env = default_environment()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [("repairpack", EXTRAS)]
    names: set[str] = set()
    while todo:
        name, extras = todo.pop()
        if (_norm(name), extras) in seen:
            continue
        seen.add((_norm(name), extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        names.add(_norm(dist.metadata["Name"]))
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate(dict(env, extra=e)) for e in (extras or {""})):
                todo.append((req.name, frozenset(req.extras)))
    names.discard("repairpack")
    return {n: metadata.version(n) for n in sorted(names)}


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_norm(name)] = version
    return pins


def test_the_lock_pins_exactly_what_this_environment_runs():
    """The launcher's environment (CI installs it through the lock) is the lock: same packages,
    same versions. A difference means the lock is stale or this environment was not built from it."""
    assert pinned() == runtime_closure()


def test_every_route_installs_through_the_lock():
    pins = pinned()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY .*\bconstraints\.txt \./$", dockerfile, re.M)
    assert re.search(r'pip install --no-cache-dir -c constraints.txt "\.\[licenses,tokens\]"', dockerfile)
    assert re.search(r"^ARG BEAM_VERSION=(\S+)$", dockerfile, re.M).group(1) == pins["apache-beam"]
    assert 'export PIP_CONSTRAINT="$PWD/constraints.txt"' in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "--setup_file ./setup.py --requirements_file constraints.txt" in readme


if __name__ == "__main__":
    print(HEADER, end="")
    for name, version in runtime_closure().items():
        print(f"{name}=={version}")
