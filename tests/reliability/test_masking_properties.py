"""Property: for random payloads with secrets at random offsets (inside long lines, across piece cuts, in key
blocks), no 12-character substring of any secret's body appears in anything the model can be shown: the
summary and description, list_details, search_details, and fetch_detail's pages, line ranges and grep.

CTXLEAN_PROPERTY_EXAMPLES sets the number of cases (default 40); pytest --hypothesis-show-statistics
prints how many ran."""

import os
import random
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctxlean import config
from ctxlean.mcp_server.fetch import fetch_detail, list_details, search_details
from ctxlean.offload import offload
from ctxlean.store import open_store
from ctxlean.tool_output import ToolOutput

EXAMPLES = int(os.environ.get("CTXLEAN_PROPERTY_EXAMPLES", "40"))
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
WORDS = ("build", "test", "error", "warning", "module", "compiled", "cache", "token", "key", "value", "id", "url",
         "path", "ok", "FAILED", "passed", "http", "json", "{", "}", '":"', ",", "=", ":", "-", "/", "user")


# Each kind gives (text as it appears in the payload, the secret body that must never be shown) for a random
# source; bodies come from it rather than from hypothesis strategies, which keeps each case cheap to draw.
def _chars(rnd, alphabet: str, low: int, high: int) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(low, high)))


def _jwt(rnd) -> tuple[str, str]:
    secret = ".".join(_chars(rnd, ALNUM, 20, 40) for _ in range(3))
    return f"eyJ{secret}", secret


def _pem(rnd) -> tuple[str, str]:
    lines = "\n".join(_chars(rnd, B64, 64, 64) for _ in range(rnd.randint(3, 30)))
    return f"\n-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----\n", lines


def _plain(prefix: str, alphabet: str, low: int, high: int, suffix: str = ""):
    def make(rnd) -> tuple[str, str]:
        secret = _chars(rnd, alphabet, low, high)
        return f"{prefix}{secret}{suffix}", secret
    return make


KINDS = {"anthropic": _plain("sk-ant-api03-", ALNUM, 40, 100), "openai": _plain("sk-proj-", ALNUM, 24, 60),
         "aws": _plain("AKIA", string.ascii_uppercase + string.digits, 16, 16), "github": _plain("ghp_", ALNUM, 36, 40),
         "slack": _plain("xoxb-", ALNUM, 20, 40), "jwt": _jwt,
         "url": _plain("postgres://admin:", ALNUM, 12, 30, "@db.internal:5432/app"),
         "authorization": _plain("Authorization: Bearer ", ALNUM, 20, 60), "api_key": _plain("API_KEY=", ALNUM, 20, 40),
         "private_key": _pem}


@st.composite
def payloads(draw):
    """Log-like lines and minified-JSON-like long lines, with secrets put in at random offsets."""
    rnd = random.Random(draw(st.integers(0, 2**32)))  # one seed: drawing every character would overrun
    lines = []
    for _ in range(draw(st.integers(20, 300))):
        words = rnd.randint(1, 4000) if rnd.random() < 0.08 else rnd.randint(1, 20)
        lines.append(" ".join(rnd.choice(WORDS) for _ in range(words)))
    base = "\n".join(lines) + "\n"
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=8))
    secrets = [KINDS[kind](rnd) for kind in kinds]
    offsets = sorted(rnd.randint(0, len(base)) for _ in secrets)
    text, done = [], 0
    for (shown, _), at in zip(secrets, offsets, strict=True):
        text += [base[done:at], " ", shown, " "]
        done = at
    text.append(base[done:])
    return "".join(text), [secret for _, secret in secrets]


def leaks(answer: str, secrets: list[str]) -> list[str]:
    return [part for secret in secrets for piece in secret.split("\n")
            for part in (piece[i:i + 12] for i in range(len(piece) - 11)) if part in answer]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=payloads(), budget=st.sampled_from([200, 400, 2000]), data=st.data())
def test_no_secret_body_reaches_any_answer(case, budget, data):
    text, secrets = case
    project = "/p"
    cfg = config.load(None, environ={"CTXLEAN_OFFLOAD_THRESHOLD_TOKENS": "10"})
    with open_store() as store:
        done = offload(ToolOutput(text, lambda summary: summary), tool="Bash", tool_input={"command": "make"},
                       project=project, cfg=cfg, store=store)
        answers = [done.text, done.description, list_details(store, project)]
        word = data.draw(st.sampled_from([s[:12] for s in secrets] + ["build", "REDACTED", "token", "sk", "eyJ"]))
        answers.append(search_details(store, project, word).replace(repr(word), "QUERY"))  # its own words aside
        total = text.count("\n") + 1
        for page in range(1, 4):
            answers.append(fetch_detail(store, project, done.handle, page=page, budget_tokens=budget))
        first = data.draw(st.integers(1, total))
        answers.append(fetch_detail(store, project, done.handle, lines=f"{first}-{first + 40}",
                                    page=data.draw(st.integers(1, 3)), budget_tokens=budget))
        pattern = data.draw(st.sampled_from([".", "[A-Za-z0-9]{12}", "REDACTED", "BEGIN|END", "^[A-Za-z0-9+/]{64}$",
                                             "sk-|ghp_|xox|eyJ|AKIA|Bearer|API_KEY|://", "token|key"]))
        answers.append(fetch_detail(store, project, done.handle, grep=pattern, budget_tokens=budget,
                                    lines=f"{first}-" if data.draw(st.booleans()) else None))
    for answer in answers:
        assert not leaks(answer, secrets), (leaks(answer, secrets), answer[:2000])
