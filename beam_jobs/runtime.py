"""How a run imports Beam and makes its options: the fixed cost every run pays before a record moves.

`import apache_beam` imports every IO Beam ships (`apache_beam/io/__init__.py`): the BigQuery client
(which pulls in IPython through tqdm), Pub/Sub, MongoDB, the GCS and S3 file systems with their
Google and AWS clients, and pandas for its batch type hints: about 0.8 of its 1.8 CPU-seconds. A
run on local files with the in-process runner uses none of them, so `import_beam(lean=True)` imports
Beam with those modules skipped. Each is one Beam already treats as optional (imported under `try:
... except ImportError`), so Beam imports as it would on an install without them, and anything
imported later by its own name imports normally. `apache_beam.io`'s attributes from the skipped
modules (`beam.io.ReadFromBigQuery`, ...) still resolve: the first use imports them. Two modules stay
out of a lean run for good (`ABSENT`): pandas and IPython, which Beam and pyarrow import only to
ask whether they are in use.

A lean import also reads each function's arguments for Beam once (`_memoize_function_arguments`),
and each DoFn's state specs and `process` source once (`_memoize_dofn_checks`).

`pipeline_options(args)` makes PipelineOptions whose `view_as(cls)` is made once per class. Beam
calls `view_as` for every transform it applies and for every type check (some 1,700 times for the
build's graph), and each call parses the flags again with a new argparse parser: 0.6 CPU-seconds of
building the graph. A view reads and writes the options' one shared dictionary, so a kept view is
the same as a new one.
"""
from __future__ import annotations

import importlib
import importlib.abc
import logging
import sys
from typing import Any, Callable, Iterable, Sequence

# Optional to Beam (each imported under try/except ImportError) and unused by a local run: skipped
# while Beam is imported.
SKIPPED = ("apache_beam.io.gcp.bigquery", "apache_beam.io.gcp.pubsub", "apache_beam.io.gcp.gcsio",
           "apache_beam.io.gcp.gcsfilesystem", "apache_beam.io.aws", "apache_beam.io.azure",
           "apache_beam.io.hadoopfilesystem", "apache_beam.transforms.xlang.io", "pymongo", "bson", "apitools",
           "google.cloud.dataflow", "google.cloud.dataflow_v1beta3")
# Never imported by a lean run, which uses neither, though others ask for them: Beam imports IPython
# at the first transform applied, to learn whether it runs in a notebook (a process that has not
# imported IPython is not in one); pyarrow imports pandas at the first `pa.array` of a Python list,
# to learn whether the list holds pandas objects (ours never do). 0.5 and 0.3 CPU-seconds.
ABSENT = ("pandas", "IPython")
# What apache_beam/io/__init__.py takes from the skipped modules, imported on first use.
_IO_MODULES = ("apache_beam.io.gcp.bigquery", "apache_beam.io.gcp.pubsub", "apache_beam.transforms.xlang.io")
# File systems a lean import leaves out: a path with one of these schemes needs the whole import.
REMOTE_SCHEMES = ("gs://", "s3://", "azfs://", "hdfs://")
IN_PROCESS_RUNNERS = ("fnapirunner", "fnapi", "directrunner", "direct")


class _Skip(importlib.abc.MetaPathFinder):
    """Refuses to import the modules named (and their submodules), as if they were not installed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if any(name == s or name.startswith(s + ".") for s in self.names):
            raise ModuleNotFoundError(f"{name} is left out of a lean run (beam_jobs/runtime.py)", name=name)
        return None


def _io_getattr(name: str) -> Any:
    """apache_beam.io's attributes from the modules a lean import skipped, imported on first use."""
    io = sys.modules["apache_beam.io"]
    if name.startswith("__"):
        raise AttributeError(name)
    for module_name in _IO_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            value = getattr(module, name)
            setattr(io, name, value)
            return value
    raise AttributeError(f"module 'apache_beam.io' has no attribute '{name}'")


def lean_import_fits(beam_args: Sequence[str], paths: Iterable[str] = (), *, bigquery: bool = False) -> bool:
    """Whether a run with these Beam arguments and paths (inputs, output) can use the lean import:
    an in-process runner, no remote file system, no BigQuery."""
    runner = "fnapirunner"
    for i, arg in enumerate(beam_args):
        name, sep, value = arg.partition("=")
        if name == "--runner":
            runner = (value if sep else (beam_args[i + 1] if i + 1 < len(beam_args) else "")).lower()
    remote = any(scheme in str(p) for p in (*beam_args, *paths) for scheme in REMOTE_SCHEMES)
    return runner in IN_PROCESS_RUNNERS and not remote and not bigquery


def import_beam(*, lean: bool) -> bool:
    """Import apache_beam, without the IOs a local run never uses when `lean`. Returns whether this
    call made a lean import (False when Beam was imported already, in whatever way)."""
    if "apache_beam" in sys.modules or not lean:
        importlib.import_module("apache_beam")
        return False
    if not any(name in sys.modules for name in ABSENT):
        sys.meta_path.insert(0, _Skip(ABSENT))
    finder = _Skip(SKIPPED)
    sys.meta_path.insert(0, finder)
    # mongodbio logs a warning when it cannot import pymongo's bson.
    mongo_log = logging.getLogger("apache_beam.io.mongodbio")
    level = mongo_log.level
    mongo_log.setLevel(logging.ERROR)
    try:
        importlib.import_module("apache_beam")
    finally:
        sys.meta_path.remove(finder)
        mongo_log.setLevel(level)
    sys.modules["apache_beam.io"].__getattr__ = _io_getattr
    _memoize_function_arguments()
    _memoize_dofn_checks()
    return True


def _memoize_function_arguments() -> None:
    """Beam reads a DoFn's method signatures with `inspect.signature` each time it looks at the DoFn:
    for every method of every DoFn (`userstate.get_dofn_specs`), several times per transform applied,
    again to translate it and again in each runner stage that runs it, some 50,000 times for the
    build's graph (0.5 CPU-seconds). A function's arguments and defaults do not change, so each
    function's are read once here (a bound method's by its function; other callables as before).
    Lean runs only: they run in this process, and nothing of theirs rewrites a function's signature."""
    from apache_beam.transforms import core

    if getattr(core.get_function_args_defaults, "memoized", False):
        return
    _install(core, "get_function_args_defaults", _per_function(
        core.get_function_args_defaults, keep=lambda found: (tuple(found[0]), tuple(found[1])),
        give=lambda kept: (list(kept[0]), list(kept[1]))))


def _memoize_dofn_checks() -> None:
    """Two checks Beam makes for every ParDo applied read the same functions again for each one: the
    state and timer specs of every method of the DoFn (`userstate.get_dofn_specs`, twice per ParDo)
    and whether `process` both yields and returns, which reads its source file and tokenizes it
    (`core._check_fn_use_yield_and_return`). About 0.1 CPU-seconds of building the build's graph,
    mostly for DoFn classes seen before. Both answers depend only on the functions looked at, so
    each is kept per function: the specs per tuple of (method name, function) of the DoFn's bound
    methods, which is what `get_dofn_specs` reads, and the yield check per `process` function. The
    checks still raise and warn as before, once per distinct DoFn."""
    import types

    from apache_beam.transforms import core, userstate

    if getattr(userstate.get_dofn_specs, "memoized", False):
        return
    original_specs = userstate.get_dofn_specs
    specs: dict[tuple[tuple[str, Any], ...], tuple[frozenset, frozenset]] = {}

    def get_dofn_specs(dofn: Any) -> tuple[set, set]:
        methods = []
        for name in dir(dofn):
            value = getattr(dofn, name, None)
            if isinstance(value, types.MethodType):
                methods.append((name, value.__func__))
        key = tuple(methods)
        try:
            found = specs.get(key)
        except TypeError:  # an unhashable function object: ask Beam every time
            return original_specs(dofn)
        if found is None:
            state, timers = original_specs(dofn)
            found = specs[key] = (frozenset(state), frozenset(timers))
        return set(found[0]), set(found[1])

    _install(userstate, "get_dofn_specs", get_dofn_specs)
    _install(core, "_check_fn_use_yield_and_return", _per_function(core._check_fn_use_yield_and_return))


def _per_function(original: Callable[[Any], Any], keep: Callable[[Any], Any] = lambda found: found,
                  give: Callable[[Any], Any] = lambda kept: kept) -> Callable[[Any], Any]:
    """`original(f)`, asked once per plain function behind `f` and kind of callable (a function and a
    method bound to it can differ); other callables are asked every time. `keep` freezes an answer,
    `give` hands out a copy of it, so that no caller can change what the next one gets."""
    import types
    import weakref

    known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def memoized(f: Any) -> Any:
        kind = type(f)
        function = f.__func__ if kind is types.MethodType else f
        if type(function) is not types.FunctionType:
            return original(f)
        per_kind = known.get(function)
        if per_kind is None:
            per_kind = known[function] = {}
        if kind not in per_kind:
            per_kind[kind] = keep(original(f))
        return give(per_kind[kind])

    return memoized


def _install(module: Any, name: str, replacement: Callable[..., Any]) -> None:
    """`module.name` replaced, the replacement marked `memoized` and holding the `original`."""
    original = getattr(module, name)
    replacement.memoized = True  # type: ignore[attr-defined]
    replacement.original = original  # type: ignore[attr-defined]
    replacement.__doc__ = original.__doc__
    setattr(module, name, replacement)


def pipeline_options(beam_args: Sequence[str]) -> Any:
    """PipelineOptions of `beam_args` whose views are made once per options class."""
    return _cached_view_options()(list(beam_args))


def _cached_view_options() -> type:
    """The PipelineOptions subclass, defined on first use (Beam is imported by then, not before) and
    kept as this module's `CachedViewOptions`, so that pickles of it name a class that exists."""
    cls = globals().get("CachedViewOptions")
    if cls is not None:
        return cls
    from apache_beam.options.pipeline_options import PipelineOptions

    class CachedViewOptions(PipelineOptions):
        """PipelineOptions whose view of each options class is made once and kept."""

        def view_as(self, view_cls: type) -> Any:
            views = self.__dict__.setdefault("_views", {})
            view = views.get(view_cls)
            if view is None or view._all_options is not self._all_options:
                view = views[view_cls] = super().view_as(view_cls)
            return view

        def __getstate__(self) -> dict[str, Any]:
            state = dict(super().__getstate__())
            state.pop("_views", None)
            return state

    CachedViewOptions.__qualname__ = "CachedViewOptions"
    globals()["CachedViewOptions"] = CachedViewOptions
    return CachedViewOptions
