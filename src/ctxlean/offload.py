"""The core of lever 1: store a big tool output out of band and give the model a bounded summary.

Shared by the PostToolUse command hook and the Agent SDK's in-process hook callbacks.
"""

from __future__ import annotations

from ctxlean import redact
from ctxlean.config import Config
from ctxlean.safe_open import open_regular
from ctxlean.summarize import Payload, Summary, summarize
from ctxlean.tokens import estimate_tokens, tokens_for_bytes
from ctxlean.tool_output import ToolOutput

SAMPLE_BYTES = 16 << 20  # summarizers read at most this much of a huge payload; the store keeps it all
_BINARY_PROBE = 8192


class Offloaded:
    """What one offload did (a plain class: `dataclasses` imports `inspect`, ~4 ms on every offload)."""

    __slots__ = ("handle", "text", "original_tokens", "summary_tokens", "description")

    def __init__(self, handle: str, text: str, original_tokens: int, summary_tokens: int, description: str):
        self.handle = handle
        self.text = text  # the replacement the model sees
        self.original_tokens = original_tokens
        self.summary_tokens = summary_tokens
        self.description = description


def header(tool: str, handle: str, size: int, lines: int, kind: str, sampled: bool, kept_out: bool = True) -> str:
    note = f" Summary of the first {SAMPLE_BYTES >> 20} MB" if sampled else " Summary"
    what = (f"{tool} output stored out of band as {handle}" if kept_out else
            f"Claude Code showed only part of this {tool} output; all of it is stored as {handle}")
    return f"[ctxlean] {what}: {size:,} bytes, {lines:,} lines, ~{tokens_for_bytes(size):,} tokens.{note} ({kind}):"


def footer(handle: str, hint: str) -> str:
    return (f'[ctxlean] More: fetch_detail("{handle}", {hint}); also lines="A-B", grep="REGEX", page=N, '
            f"or search_details(\"words\").")


def render(tool: str, handle: str, size: int, lines: int, summary: Summary, sampled: bool,
           kept_out: bool = True) -> str:
    return "\n".join([header(tool, handle, size, lines, summary.kind, sampled, kept_out), summary.body,
                      footer(handle, summary.hint)])


def _overhead_tokens(tool: str, kept_out: bool) -> int:
    """Tokens the header and footer take at their largest, so the body gets the rest of the budget."""
    fake = "ctx_" + "0" * 16
    big = 10**12
    return estimate_tokens(header(tool, fake, big, big, "x" * 24, True, kept_out) + footer(fake, "x" * 48)) + 2


def _sample(output: ToolOutput) -> tuple[str, bool]:
    if output.full_path:
        with open_regular(output.full_path, follow=False) as fh:
            data = fh.read(SAMPLE_BYTES + 1)
        return data[:SAMPLE_BYTES].decode("utf-8", "replace"), len(data) > SAMPLE_BYTES
    if len(output.text) > SAMPLE_BYTES:
        return output.text[:SAMPLE_BYTES], True
    return output.text, False


def _index_head(masked: str) -> str:
    """The start of the masked sample that search_details indexes (as many bytes as the store keeps)."""
    from ctxlean.store.chunks import FTS_MAX_BYTES

    head = masked[:FTS_MAX_BYTES]
    return head if head.isascii() else head.encode("utf-8", "replace")[:FTS_MAX_BYTES].decode("utf-8", "ignore")


def offload(output: ToolOutput, *, tool: str, tool_input: dict | None, project: str, cfg: Config,
            session_id: str | None = None, agent_id: str | None = None, store=None,
            kept_out: bool = True, words: str = "") -> Offloaded | None:
    """Offload `output` if it is over the tool's threshold: store it, summarize it, record the saving.

    Returns None for outputs small enough to pass through unchanged. Raises on store errors: the
    caller fails open.

    words: the model's last words before the call (ctxlean.last_words); with the call's arguments they
    tell the summary which lines the model is looking for.

    kept_out=False is for an output the model gets anyway (a failing command's, which Claude Code shows
    in part and ctxlean can only add to): it is stored and summarized whatever its size, and the ledger
    row says what happened, original_tokens 0 and summary_tokens added: no saving, a cost.
    """
    cfg = cfg.for_tool(tool)
    size = output.full_size()
    original_tokens = tokens_for_bytes(size)
    if kept_out and original_tokens <= cfg.offload_threshold_tokens:
        return None
    text, sampled = _sample(output)
    if cfg.redact_secrets:
        # Before any cut: summarizers cut long lines and descriptions, and a cut secret no longer looks like
        # one. The masked sample also serves as the search index's text (its head is the payload's head).
        text = redact.mask(text)
    from ctxlean.summarize.asked import asked_text

    payload = Payload(text=text, tool=tool, tool_input=tool_input, size=size,
                      binary="\x00" in text[:_BINARY_PROBE], asked=asked_text(words, tool_input))
    summary = summarize(payload, max(cfg.summary_budget_tokens - _overhead_tokens(tool, kept_out), 40))
    # The description is stored and shown by list_details: it must be valid text (a lone surrogate from a
    # hostile input cannot be bound by sqlite3); it comes from the masked sample.
    description = summary.description.encode("utf-8", "replace").decode("utf-8")
    summary = Summary(summary.kind, summary.body, description, summary.hint)
    index_text = _index_head(text) if cfg.redact_secrets else None

    own_store = store is None
    if own_store:
        from ctxlean.store import open_store

        store = open_store()
    try:
        project = store.scope(project)  # the directory's key in this store (ctxlean.identity)
        if output.full_path:
            with open_regular(output.full_path, follow=False) as fh:
                info = store.put(fh, project=project, tool=tool, kind=summary.kind,
                                 description=summary.description, session_id=session_id, index_text=index_text)
        else:
            info = store.put(output.text.encode("utf-8", "surrogatepass"), project=project, tool=tool,
                             kind=summary.kind, description=summary.description, session_id=session_id,
                             index_text=index_text)
        replacement = render(tool, info.handle, info.size, info.lines, summary, sampled, kept_out)
        if cfg.redact_secrets:  # the final text, whatever the summarizer kept (the stored payload stays exact)
            replacement = redact.mask(replacement)
        summary_tokens = estimate_tokens(replacement)
        store.record_offload(project=project, session_id=session_id, agent_id=agent_id, tool=tool,
                             handle=info.handle, original_tokens=original_tokens if kept_out else 0,
                             summary_tokens=summary_tokens)
    finally:
        if own_store:
            store.close()
    return Offloaded(info.handle, replacement, original_tokens, summary_tokens, summary.description)
