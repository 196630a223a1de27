"""Derive a pyarrow schema from a dataclass, so each record shape is declared once."""
from __future__ import annotations

import dataclasses
from typing import Any

import pyarrow as pa


def arrow_field(arrow_type: pa.DataType, *, nullable: bool = False, **kwargs: Any) -> Any:
    """A dataclass field that remembers its Arrow type (and whether Parquet may hold nulls)."""
    metadata = {"arrow_type": arrow_type, "nullable": nullable}
    return dataclasses.field(metadata=metadata, **kwargs)


def schema_of(cls: type) -> pa.Schema:
    fields = []
    for f in dataclasses.fields(cls):
        if "arrow_type" not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name} has no Arrow type")
        fields.append(pa.field(f.name, f.metadata["arrow_type"], nullable=f.metadata["nullable"]))
    return pa.schema(fields)


def to_row(record: Any) -> dict[str, Any]:
    """A flat dict in schema order; shallow on purpose (dataclasses.asdict deep-copies every string)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
