"""The shapes of the prompt formats and of the CommitPackFT export: what a trainer reads from each
format's folder, and bigcode/commitpackft's own columns."""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of

MESSAGE = pa.struct([pa.field("role", pa.string(), nullable=False), pa.field("content", pa.large_string(), nullable=False)])


@dataclass
class CommitPackFTRow:
    id: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    prompt: str = arrow_field(pa.large_string())
    completion: str = arrow_field(pa.large_string())


@dataclass
class ChatRow:
    id: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    messages: list[dict[str, str]] = arrow_field(pa.list_(MESSAGE))


@dataclass
class AlpacaRow:
    id: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    instruction: str = arrow_field(pa.large_string())
    input: str = arrow_field(pa.large_string())
    output: str = arrow_field(pa.large_string())


ROW_TYPES: dict[str, type] = {"commitpackft": CommitPackFTRow, "chat": ChatRow, "alpaca": AlpacaRow}
FORMAT_SCHEMAS: dict[str, pa.Schema] = {name: schema_of(cls) for name, cls in ROW_TYPES.items()}


@dataclass
class CommitPackFTExport:
    """bigcode/commitpackft's columns, in its order and types (repos is one comma-joined string)."""
    commit: str = arrow_field(pa.string())
    old_file: str = arrow_field(pa.string())
    new_file: str = arrow_field(pa.string())
    old_contents: str = arrow_field(pa.large_string())
    new_contents: str = arrow_field(pa.large_string())
    subject: str = arrow_field(pa.string())
    message: str = arrow_field(pa.large_string())
    lang: str = arrow_field(pa.string())
    license: str = arrow_field(pa.string())
    repos: str = arrow_field(pa.string())


COMMITPACKFT_EXPORT_SCHEMA: pa.Schema = schema_of(CommitPackFTExport)
COMMITPACKFT_COLUMNS = ("commit", "old_file", "new_file", "old_contents", "new_contents", "subject", "message",
                        "lang", "license", "repos")
