"""Calls to the Message Batches API with backoff, and its failures in words a user can act on.

The SDK's own retries are switched off (max_retries=0) so that every wait is announced on stderr:
rate limits (429), overload (529), server errors and dropped connections are retried after the server's
`retry-after-ms` / `retry-after` when it sends one, else with capped exponential backoff. Anything else
(bad key, rejected request, unknown batch) becomes a BatchApiError with a one-line message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

from ctxlean.batch.progress import notice

T = TypeVar("T")

MAX_CALL_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 900.0


class BatchApiError(RuntimeError):
    """The API refused or failed for a reason waiting will not fix; the message says what to do."""


def require_api_key(environ: dict | None = None) -> None:
    env = os.environ if environ is None else environ
    if not (env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN")):
        raise BatchApiError("ANTHROPIC_API_KEY is not set: export your API key (Message Batches need the API, "
                            "not a Claude subscription login)")


def make_client():
    """An anthropic.Anthropic client (base URL from ANTHROPIC_BASE_URL) that leaves retries to `call`."""
    require_api_key()
    import anthropic

    return anthropic.Anthropic(max_retries=0)


def retry_after(exc: Exception) -> float | None:
    """Seconds the server asked us to wait, from the error response's headers."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return min(float(headers[name]) / scale, MAX_RETRY_AFTER_SECONDS)
        except (KeyError, TypeError, ValueError):
            continue
    return None


def _why(exc: Exception) -> str:
    return getattr(exc, "api_message", None) or str(exc)


def _transient(exc: Exception) -> str | None:
    """Why the call may succeed if repeated (for the stderr notice), or None if it will not."""
    import anthropic

    if isinstance(exc, anthropic.RateLimitError):
        return "rate limited (429)"
    if isinstance(exc, anthropic.InternalServerError):
        return f"server error {exc.status_code}"
    if isinstance(exc, anthropic.APIConnectionError):
        return f"connection failed ({type(exc).__name__})"
    return None


def _fatal(exc: Exception, what: str) -> BatchApiError:
    import anthropic

    if isinstance(exc, anthropic.AuthenticationError):
        return BatchApiError(f"{what}: the API rejected the API key (401): {_why(exc)}; check ANTHROPIC_API_KEY")
    if isinstance(exc, anthropic.PermissionDeniedError):
        return BatchApiError(f"{what}: permission denied (403): {_why(exc)}")
    if isinstance(exc, anthropic.NotFoundError):
        return BatchApiError(f"{what}: not found (404): {_why(exc)}")
    if isinstance(exc, anthropic.APIStatusError):
        return BatchApiError(f"{what}: the API rejected the request ({exc.status_code}): {_why(exc)}")
    return BatchApiError(f"{what}: {exc}")


def call(fn: Callable[[], T], what: str, attempts: int = MAX_CALL_ATTEMPTS,
         sleep: Callable[[float], None] = time.sleep) -> T:
    """fn() with announced waits on transient failures; BatchApiError when it cannot succeed.

    `what` names the operation in messages ("creating batch 2 of 5").
    """
    import anthropic

    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except anthropic.APIError as exc:
            reason = _transient(exc)
            if reason is None:
                raise _fatal(exc, what) from None
            if attempt == attempts:
                raise BatchApiError(f"{what}: still failing after {attempts} attempts: {reason}: {_why(exc)}") from None
            asked = retry_after(exc)
            delay = asked if asked is not None else min(MAX_BACKOFF_SECONDS, 2.0 ** (attempt - 1))
            source = "as the server asked" if asked is not None else "backing off"
            notice(f"{what}: {reason}; retrying in {delay:.1f}s, {source} (attempt {attempt + 1} of {attempts})")
            sleep(delay)
    raise AssertionError("unreachable")
