"""Web research with WebFetch: six documentation pages (served on 127.0.0.1 over HTTPS) about an HTTP
client's retry, timeout and pooling settings; WebFetch hands each page to its small model with the
question, and the main model reads those digests, then writes a config."""

# ruff: noqa: E501 (generated payloads are long literals)

from __future__ import annotations

from pathlib import Path

from agent import Needle, Step, Trajectory

TOPICS = {
    "retries": ("Retries", "The default maximum number of retries is 4, with exponential backoff starting at 0.5 s."),
    "timeouts": ("Timeouts", "The default read timeout is 37 seconds; the connect timeout is 5 seconds."),
    "pooling": ("Connection pooling", "Each client keeps at most 64 keep-alive connections per host."),
    "proxies": ("Proxies", "Proxy settings are read from HTTPS_PROXY unless trust_env is false."),
    "tls": ("TLS", "Certificates are verified against the system store; pass verify=path to pin a bundle."),
    "streaming": ("Streaming", "Responses larger than 8 MiB are streamed when stream=True is set."),
}


def _page(title: str, fact: str) -> str:
    filler = "".join(f"<h2>{title} detail {i}</h2><p>{title} behaviour {i} depends on the transport, the "
                     f"event loop and the options described in section {i}. Examples follow.</p>"
                     f"<pre>client = Client(option_{i}=True)\nclient.get('/resource/{i}')</pre>" for i in range(60))
    return (f"<html><head><title>{title} - httpclient docs</title></head><body><nav>Home Guide API</nav>"
            f"<h1>{title}</h1>{filler}<h2>Defaults</h2><p>{fact}</p>{filler}</body></html>")


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    pages = {f"docs/{name}.html": _page(title, fact) for name, (title, fact) in TOPICS.items()}
    (root / "client.toml").write_text("[http]\nretries = 2\nread_timeout = 10\n")
    base = urls["pages"] + "/pages/docs"
    steps = [
        Step("Read", {"file_path": "{cwd}/client.toml"}, "Current settings.", edit=True, seconds=2),
        Step("ToolSearch", {"query": "select:WebFetch", "max_results": 1}, "I need WebFetch.", seconds=1),
        Step("WebFetch", {"url": f"{base}/retries.html", "prompt": "What is the default maximum number of retries?"},
             needle=Needle("retries", r"maximum number of retries is (\d+)", "4", grep="retries is",
                           query="default maximum number of retries"), seconds=6),
        Step("WebFetch", {"url": f"{base}/timeouts.html", "prompt": "What is the default read timeout in seconds?"},
             needle=Needle("read_timeout", r"read timeout is (\d+) seconds", "37", grep="read timeout",
                           query="default read timeout seconds"), seconds=6),
        Step("WebFetch", {"url": f"{base}/pooling.html", "prompt": "How many keep-alive connections per host?"},
             needle=Needle("pool", r"at most (\d+) keep-alive", "64", grep="keep-alive",
                           query="keep-alive connections per host"), seconds=6),
        Step("WebFetch", {"url": f"{base}/proxies.html", "prompt": "Which environment variable sets the proxy?"},
             seconds=6),
        Step("WebFetch", {"url": f"{base}/tls.html", "prompt": "How are certificates verified?"}, seconds=6),
        Step("WebFetch", {"url": f"{base}/streaming.html", "prompt": "When are responses streamed?"}, seconds=6),
        Step("Bash", {"command": "cat client.toml && git log --oneline"}, seconds=1),
        Step("Edit", {"file_path": "{cwd}/client.toml", "old_string": "retries = 2", "new_string": "retries = {retries}"},
             "Using the documented defaults.", seconds=2),
        Step("Edit", {"file_path": "{cwd}/client.toml", "old_string": "read_timeout = 10",
                      "new_string": "read_timeout = {read_timeout}\npool_per_host = {pool}"}, seconds=2),
        Step("Bash", {"command": "git diff"}, seconds=1),
        Step("WebFetch", {"url": f"{base}/retries.html", "prompt": "How does the backoff start?"}, seconds=6),
        Step("Write", {"file_path": "{cwd}/RESEARCH.md", "content":
                       "# HTTP client defaults\n\n- retries: {retries}\n- read timeout: {read_timeout} s\n"
                       "- keep-alive per host: {pool}\n"}, seconds=3),
        Step("Bash", {"command": "git add -A && git commit -qm 'Client settings from the docs' && git log --oneline"},
             seconds=2),
    ]
    return Trajectory("web_research", "Web research with WebFetch",
                      "Look up the HTTP client's documented defaults for retries, read timeout and pooling and "
                      "set them in client.toml.", steps, heavy=False, pages=pages)
