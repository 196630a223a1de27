"""Prompt rendering: each sample as a ready-to-train row, from templates in the config.

Three formats, each written as its own Hub config (its own folder) beside the raw columns:
- `commitpackft`: `prompt` (old code, then the instruction) and `completion` (the new code), OctoPack's
  `<commit_before>...<commit_msg>...<commit_after>` layout by default;
- `chat`: `messages`, a list of {role, content} (system when its template is not empty, user,
  assistant), what chat-template tokenizers take;
- `alpaca`: `instruction`, `input`, `output`.
Templates are config strings (`assembly.output.*`), filled with str.format_map: only the template is
parsed, so braces inside code are safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of
from config.assembly import AssemblyOutputConfig

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


def template_values(sample: Any) -> dict[str, str]:
    """The fields a template may use (config.assembly.TEMPLATE_FIELDS)."""
    return {
        "instruction": sample.instruction,
        "old_contents": sample.old_contents,
        "new_contents": sample.new_contents,
        "diff": sample.diff,
        "lang": sample.lang,
        "lang_lower": (sample.lang or "").lower(),
        "old_file": sample.old_file,
        "new_file": sample.new_file,
        "source": sample.source,
        "id": sample.id,
    }


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format_map(values)


def render_commitpackft(sample: Any, cfg: AssemblyOutputConfig) -> CommitPackFTRow:
    v = template_values(sample)
    return CommitPackFTRow(sample.id, sample.source, _fill(cfg.commitpackft_prompt, v),
                           _fill(cfg.commitpackft_completion, v))


def render_chat(sample: Any, cfg: AssemblyOutputConfig) -> ChatRow:
    v = template_values(sample)
    messages = []
    if cfg.chat_system:
        messages.append({"role": "system", "content": _fill(cfg.chat_system, v)})
    messages.append({"role": "user", "content": _fill(cfg.chat_user, v)})
    messages.append({"role": "assistant", "content": _fill(cfg.chat_assistant, v)})
    return ChatRow(sample.id, sample.source, messages)


def render_alpaca(sample: Any, cfg: AssemblyOutputConfig) -> AlpacaRow:
    v = template_values(sample)
    return AlpacaRow(sample.id, sample.source, _fill(cfg.alpaca_instruction, v), _fill(cfg.alpaca_input, v),
                     _fill(cfg.alpaca_output, v))


RENDERERS: dict[str, Callable[[Any, AssemblyOutputConfig], Any]] = {
    "commitpackft": render_commitpackft,
    "chat": render_chat,
    "alpaca": render_alpaca,
}


def render(sample: Any, fmt: str, cfg: AssemblyOutputConfig) -> Any:
    return RENDERERS[fmt](sample, cfg)


# ------------------------------------------------------------------------ CommitPackFT's exact layout

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


def to_commitpackft(sample: Any) -> CommitPackFTExport:
    """Judge samples fill the commit columns as their record did: the fixing submission id as the
    commit, the problem as the repository; the subject falls back to the instruction."""
    if sample.source == "commit":
        commit, repos = sample.commit or "", ",".join(sample.repos or [])
    else:
        commit, repos = sample.submission_after or sample.record_id, sample.group
    subject = sample.subject or sample.instruction
    return CommitPackFTExport(commit=commit, old_file=sample.old_file, new_file=sample.new_file,
                              old_contents=sample.old_contents, new_contents=sample.new_contents,
                              subject=subject, message=sample.message or subject, lang=sample.lang,
                              license=sample.license, repos=repos)
