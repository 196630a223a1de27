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

from typing import Any, Callable

from config.assembly import AssemblyOutputConfig
from schemas.exports import AlpacaRow, ChatRow, CommitPackFTExport, CommitPackFTRow

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

def to_commitpackft(sample: Any) -> CommitPackFTExport:
    """A commit's `subject` is its cleaned subject, the instruction (no trailing "(#125)", "[skip ci]",
    leading "[tag]" or "scope:"), as CommitPackFT's is: its script wrote the subject it had cleaned;
    the raw first line stays in `message`. Judge samples fill the commit columns as their record did:
    the fixing submission id as the commit, the problem as the repository, their one-line subject."""
    if sample.source == "commit":
        commit, repos = sample.commit or "", ",".join(sample.repos or [])
        subject = sample.instruction or sample.subject
    else:
        commit, repos = sample.submission_after or sample.record_id, sample.group
        subject = sample.subject or sample.instruction
    return CommitPackFTExport(commit=commit, old_file=sample.old_file, new_file=sample.new_file,
                              old_contents=sample.old_contents, new_contents=sample.new_contents,
                              subject=subject, message=sample.message or subject, lang=sample.lang,
                              license=sample.license, repos=repos)
