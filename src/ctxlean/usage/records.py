"""The fields of one transcript usage record, shared by the full reader (transcripts.py) and the status
line's incremental one (statusline.py, which must import nothing it does not need)."""

from __future__ import annotations

from datetime import datetime


def parse_ts(value: object) -> float:
    """Epoch seconds of an ISO timestamp ('...Z'); 0.0 when missing or malformed."""
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return 0.0


def as_int(value: object) -> int:
    return value if isinstance(value, int) else 0


def usage_split(usage: dict) -> tuple[int, int, int, int, int]:
    """(input, output, cache_read, cache_write_5m, cache_write_1h) of one usage object.

    The 1-hour part comes from cache_creation.ephemeral_1h_input_tokens (capped at the total); the rest of
    cache_creation_input_tokens is 5-minute writes (older transcripts have no split at all)."""
    created = as_int(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    one_hour = min(as_int(split.get("ephemeral_1h_input_tokens")), created) if isinstance(split, dict) else 0
    return (
        as_int(usage.get("input_tokens")),
        as_int(usage.get("output_tokens")),
        as_int(usage.get("cache_read_input_tokens")),
        created - one_hour,
        one_hour,
    )
