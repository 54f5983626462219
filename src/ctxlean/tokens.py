"""Token estimation: one documented estimator used everywhere (thresholds, budgets, reports, the fake API).

tokens(text) = ceil(utf8_bytes / 4). It is deliberately simple and deterministic: the same text always gets
the same count, so budgets and comparisons between runs are consistent. Real tokenizers give about 3.5-4.5
bytes per token for English and code; exact counts, where the API is reachable, come from count_tokens.
"""

from __future__ import annotations

BYTES_PER_TOKEN = 4


def estimate_tokens(text: str | bytes) -> int:
    n = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    return -(-n // BYTES_PER_TOKEN)


def tokens_for_bytes(n_bytes: int) -> int:
    return -(-n_bytes // BYTES_PER_TOKEN)


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """The longest prefix of text within max_tokens (cut on a character boundary)."""
    limit = max_tokens * BYTES_PER_TOKEN
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")
