"""WebFetch without its page-reading model call: ctxlean fetches the page, stores it, and answers with the
lines of the page that match the question.

WebFetch hands every page it fetches (converted to text) to a model call of its own together with the
agent's question, and gives the agent that call's digest: each page costs a full, uncached model request.
In PreToolUse ctxlean can do the fetch itself instead: it stores the page's text out of band (a handle, as
for any offloaded output) and answers the call with the page's matching lines and line numbers; the
model reads more with fetch_detail. Claude Code gives that answer to the model as the reason the call
was denied ("PreToolUse:WebFetch hook error: ..."), so it starts by saying what happened.

It steps in only where Claude Code would fetch without asking (ctxlean.claude_permissions): never
against a deny or ask rule. Anything it cannot do the way WebFetch would (a non-text response, a
redirect to another host, an error, a timeout) leaves the call to WebFetch. Like WebFetch, it upgrades
http to https, reads at most 10 MB, and trusts the extra certificates Claude Code trusts
(NODE_EXTRA_CA_CERTS).
"""

from __future__ import annotations

import os

from ctxlean import claude_permissions, config
from ctxlean.paths import project_of

MAX_BYTES = 10 << 20  # WebFetch's own limit
TIMEOUT_S = 20.0  # the hook's own timeout is 60 s; WebFetch gets the call back well before
TEXT_TYPES = ("text/", "json", "xml")  # HTML, Markdown, plain text, JSON and XML; not PDFs or images
USER_AGENT = "Mozilla/5.0 (compatible; ctxlean; +https://github.com/ctxlean/ctxlean)"


class NotFetched(Exception):
    """A page ctxlean leaves to WebFetch; the message says why (written to the error log)."""


def _target(url: object) -> tuple[str, str] | None:
    """(https url, host) for an http(s) URL, else None."""
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(scheme="https").geturl(), parts.hostname


def _tls_context():
    import ssl

    context = ssl.create_default_context()  # honours SSL_CERT_FILE / SSL_CERT_DIR
    extra = os.environ.get("NODE_EXTRA_CA_CERTS")
    if extra and os.path.isfile(extra):
        context.load_verify_locations(cafile=extra)
    return context


def fetch(url: str, host: str) -> tuple[str, str, str, bytes]:
    """(final url, content type, charset, body) of a text page. Raises NotFetched for anything else."""
    import urllib.error
    import urllib.request
    from urllib.parse import urljoin

    class SameHost(urllib.request.HTTPRedirectHandler):
        # WebFetch reports a redirect to another host to the model instead of following it; so does ctxlean,
        # by leaving such a page to WebFetch.
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            target = _target(urljoin(req.full_url, newurl))
            if target is None or target[1].lower() != host.lower():
                raise NotFetched(f"redirect from {host} to {newurl}")
            return super().redirect_request(req, fp, code, msg, headers, target[0])

    opener = urllib.request.build_opener(SameHost, urllib.request.HTTPSHandler(context=_tls_context()))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html, text/markdown, text/plain, */*;q=0.5"})
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            content_type = response.headers.get("Content-Type", "")
            if not any(kind in content_type.lower() for kind in TEXT_TYPES):
                raise NotFetched(f"{url}: content type {content_type or 'unknown'} is not text")
            body = response.read(MAX_BYTES + 1)
            final = response.geturl()
            charset = response.headers.get_content_charset("utf-8")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NotFetched(f"{url}: {exc}") from exc
    if len(body) > MAX_BYTES:
        raise NotFetched(f"{url}: more than {MAX_BYTES:,} bytes")
    return final, content_type, charset, body


def answer(url: str, host: str, question: str, *, project: str, cfg: config.Config,
           session_id: str | None) -> str:
    """Fetch the page, store its text, and return what the model gets instead of WebFetch's digest."""
    from ctxlean.offload import footer
    from ctxlean.store import open_store
    from ctxlean.tokens import BYTES_PER_TOKEN, estimate_tokens
    from ctxlean.web_page import matching_lines, page_text

    final, content_type, charset, body = fetch(url, host)
    try:
        decoded = body.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        decoded = body.decode("utf-8", "replace")
    title, text = page_text(decoded, content_type, final)
    data = text.encode("utf-8", "surrogatepass")
    store = open_store()
    try:
        info = store.put(data, project=store.scope(project), tool="WebFetch", kind="web-page",
                         description=f"{title or final} ({final})"[:300], session_id=session_id)
    finally:
        store.close()
    head = (f"[ctxlean] This WebFetch was answered by ctxlean, not refused: ctxlean fetched {final} itself "
            f"(no page-reading model call) and stored its text as {info.handle}: {len(body):,} bytes of "
            f"{content_type.split(';')[0] or 'text'}, {info.lines:,} lines, ~{estimate_tokens(text):,} tokens"
            f"{'; title: ' + title if title else ''}.")
    budget_chars = int(cfg.for_tool("WebFetch").summary_budget_tokens * BYTES_PER_TOKEN)
    shown, matched = matching_lines(text, question, budget_chars)
    intro = (f"Lines of the page that match the question {question!r}:" if matched else
             f"No line of the page shares a word with the question {question!r}; the page starts:")
    body_lines = [f"L{number}: {line}" for number, line in shown] or ["(the page has no text)"]
    first = shown[0][0] if shown else 1
    hint = f'lines="{max(1, first - 10)}-{first + 30}"'
    return "\n".join([head, intro, *body_lines, footer(info.handle, hint)])


def handle(event: dict, tool_input: dict, cwd: str | None) -> dict | None:
    """PreToolUse for WebFetch: the denied call whose reason carries the page's answer, or None to let
    WebFetch run."""
    from ctxlean.hooks import IN_PROCESS

    if event.get(IN_PROCESS):  # the SDK options (its deny rules) are out of sight: WebFetch stays as it is
        return None
    project = project_of(cwd)
    cfg = config.load(project)
    target = _target(tool_input.get("url"))
    if not cfg.fetch_pages_locally or target is None:
        return None
    url, host = target
    if not claude_permissions.runs_unasked("WebFetch", host, event.get("permission_mode"), cwd):
        return None
    question = tool_input.get("prompt") if isinstance(tool_input.get("prompt"), str) else ""
    session_id = event.get("session_id") if isinstance(event.get("session_id"), str) else None
    try:
        text = answer(url, host, question, project=project, cfg=cfg, session_id=session_id)
    except NotFetched as why:
        from ctxlean.errorlog import log_error

        log_error(f"WebFetch left to Claude Code: {why}")
        return None
    if cfg.redact_secrets:
        from ctxlean import redact

        text = redact.mask(text)
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                   "permissionDecisionReason": text}}
