"""A fake Anthropic API on 127.0.0.1 that answers from a Script and logs every request it receives.

    with FakeAnthropic(script, log_path="requests.jsonl") as api:
        run_claude(..., base_url=api.url)
        bodies = [r["body"] for r in api.model_requests()]

Tests assert on `.requests` (what the client really sent). Every request, routed or not, is logged
(seq, ts, method, path, query, headers lower-cased, body parsed JSON, rule) in memory and, when
log_path is given, as one JSON line in that file. Unrouted requests get a 404 in the API's error shape.
"""

from __future__ import annotations

import gzip
import json
import ssl
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

# Importing an endpoint module registers its routes.
from ctxlean.fakeapi import batches, messages, static  # noqa: F401 (batches, static: register routes)
from ctxlean.fakeapi.routing import Reply, Request, error_reply, find_route
from ctxlean.fakeapi.script import Script

Usage = Callable[[dict, list[dict]], dict]


class FakeAnthropic:
    """The server, running in a daemon thread from construction (or __enter__) until stop()."""

    def __init__(self, script: Script, log_path: str | Path | None = None, pages: dict | None = None,
                 usage: Usage = messages.usage_for, port: int = 0, tls: tuple[Path, Path] | None = None):
        """tls=(cert, key) also serves every route over HTTPS at `https_url` (WebFetch upgrades http
        URLs to https, so pages for it must come from there; see tls.self_signed_cert)."""
        self.script = script
        self.pages: dict[str, str | bytes] = dict(pages or {})
        self.usage = usage
        self.log_path = Path(log_path) if log_path else None
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._servers = [self._listen(port)]
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._servers.append(self._listen(0, context))

    def _listen(self, port: int, context: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        httpd.daemon_threads = True
        if context:
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, name="fake-anthropic", daemon=True).start()
        return httpd

    @property
    def port(self) -> int:
        return self._servers[0].server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_url(self) -> str:
        if len(self._servers) < 2:
            raise RuntimeError("this FakeAnthropic was started without tls=(cert, key)")
        return f"https://127.0.0.1:{self._servers[1].server_address[1]}"

    def model_requests(self) -> list[dict]:
        """The logged POST /v1/messages requests (the model turns), oldest first."""
        with self._lock:
            return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v1/messages"]

    def stop(self) -> None:
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()

    def __enter__(self) -> FakeAnthropic:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _record(self, req: Request, error: str | None = None) -> None:
        record = {"seq": req.seq, "ts": time.time(), "method": req.method, "path": req.path,
                  "query": req.query, "headers": req.headers, "body": req.body, "rule": req.rule}
        if error:
            record["error"] = error
        with self._lock:
            self.requests.append(record)
            if self.log_path:
                with self.log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def handle(self, req: Request) -> Reply:
        """Dispatch to the route, log the request (before answering, so a client that saw the answer
        finds it logged), and turn a handler crash into a 400 (which clients do not retry)."""
        found = find_route(req.method, req.path)
        if found is None:
            req.rule = "unrouted"
            self._record(req)
            return error_reply(404, "not_found_error", f"fake: no route for {req.method} {req.path}")
        handler, req.params = found
        try:
            reply = handler(req)
        except Exception:
            req.rule = req.rule or "crashed"
            trace = traceback.format_exc()
            self._record(req, error=trace)
            return error_reply(400, "invalid_request_error", f"fake: handler crashed:\n{trace}")
        self._record(req)
        return reply


def _decode_body(raw: bytes, encoding: str):
    if encoding == "gzip":
        raw = gzip.decompress(raw)
    elif encoding == "deflate":
        try:
            raw = zlib.decompress(raw)
        except zlib.error:  # raw deflate stream without the zlib header
            raw = zlib.decompress(raw, -zlib.MAX_WBITS)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"_unparsed": raw[:2000].decode("utf-8", "replace")}


def _handler_for(api: FakeAnthropic) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked responses, as the real API
        disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
        server_version = "FakeAnthropic/1"

        def log_message(self, fmt, *args) -> None:  # the request log replaces the access log
            pass

        def _read_raw(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                data = b""
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()  # the blank line after the last chunk
                return data
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            body = _decode_body(self._read_raw(), (self.headers.get("Content-Encoding") or "").lower())
            req = Request(seq=api._next_seq(), method=self.command, path=parts.path,
                          query=dict(parse_qsl(parts.query)),
                          headers={k.lower(): v for k, v in self.headers.items()}, body=body, server=api)
            reply = api.handle(req)
            try:
                self._send(req, reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away; the request is logged already

        def _send(self, req: Request, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("request-id", f"req_fake_{req.seq:08d}")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is None:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    return Handler
