"""The section every file written obeys: compression, row groups, sort memory, and where a run stops."""
from __future__ import annotations

from dataclasses import dataclass

from config.checks import too_small

STOP_AFTER = ("corpus", "sources")
COMPRESSIONS = ("zstd", "snappy", "gzip", "none")


@dataclass
class OutputConfig:
    # Shard counts and sizes of the corpus are in assembly.output; these apply to every file written.
    compression: str = "zstd"
    # Rows per Parquet row group; keeps readers' memory small.
    row_group_rows: int = 1000
    # Memory each shard writer and each grouping (fork merge, dedup, judge sequences) may fill per
    # bundle before it sorts the rows and spills them to a run file (under the output's staging
    # folder). Larger: fewer runs to merge; smaller: less memory.
    sort_buffer_mb: int = 16
    # "corpus": the whole build. "sources": stop after each source's own stages (mining, reading,
    # filters) and write their records (data/commits-*.parquet, data/judge-*.parquet), to be
    # assembled later, as often as wanted, with --from-shards.
    stop_after: str = "corpus"
    # Besides the pairs, one row per (user, problem) fix history, every attempt up to the first
    # Accepted with its code, verdicts and diff: the config `trajectories` (trajectories/<split>-*.parquet,
    # or data/trajectories-*.parquet when the run stops after the sources).
    trajectories: bool = False

    @property
    def sort_buffer_bytes(self) -> int:
        return self.sort_buffer_mb << 20


def problems(cfg: OutputConfig) -> list[str]:
    """Every mistake in the section, each as one sentence; empty when the section is usable."""
    found = too_small("output", cfg, {"row_group_rows": 1, "sort_buffer_mb": 1})
    if cfg.stop_after not in STOP_AFTER:
        found.append(f"config key 'output.stop_after' must be one of {', '.join(STOP_AFTER)}")
    if cfg.compression not in COMPRESSIONS:
        found.append(f"config key 'output.compression' must be one of {', '.join(COMPRESSIONS[:-1])} "
                     f"or {COMPRESSIONS[-1]}")
    return found
