# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Logs written by real programs here: a uvicorn/Starlette app and Python's http.server driven with requests
on 127.0.0.1 (one route raises), and the package logs this machine keeps under /var/log."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .base import ASKED, COUNT, ENV, ERROR, LOCATION, PY, REPO, VERSION, Case, N, first_match, write_files

APP = """
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    ORDERS = {f"ord_{i:04d}": {"id": f"ord_{i:04d}", "total": i * 7} for i in range(500)}


    async def order(request):
        order_id = request.path_params["order_id"]
        if order_id not in ORDERS:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(ORDERS[order_id])


    async def refund(request):
        order = ORDERS[request.path_params["order_id"]]
        share = order["total"] // (order["total"] % 5)  # refunds of totals divisible by 5 crash
        return JSONResponse({"refund": share})


    app = Starlette(routes=[Route("/orders/{order_id}", order), Route("/orders/{order_id}/refund", refund, methods=["POST"])])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(port: int, paths: list[tuple[str, str]]) -> None:
    for method, path in paths:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError:
            pass


def _serve(command: list[str], cwd: Path, port: int, paths: list[tuple[str, str]], log: Path) -> str:
    with log.open("w") as fh:
        proc = subprocess.Popen(command, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=ENV)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            _drive(port, paths)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return log.read_text(errors="replace")


def app_logs(tmp: Path) -> list[Case]:
    cases = []
    write_files(tmp / "api", {"app.py": APP})
    port = _free_port()
    paths = [("GET", f"/orders/ord_{i % 530:04d}") for i in range(1500)]
    paths[700:700] = [("POST", "/orders/ord_0003/refund"), ("POST", "/orders/ord_0010/refund")]
    text = _serve([PY, "-m", "uvicorn", "app:app", "--port", str(port), "--no-use-colors"], tmp / "api", port, paths,
                  tmp / "uvicorn.log")
    cases.append(Case("uvicorn_app_log", text, f"python -m uvicorn app:app --port {port}", kind="log", program="uvicorn",
                      family="log", failing=True, source="a Starlette app written here, driven with 1,502 requests on 127.0.0.1",
                      asked="The refund endpoint returned 500 once; find the error in the server log.",
                      needles=[N("ERROR:    Exception in ASGI application", ERROR),
                               N("ZeroDivisionError: integer division or modulo by zero", ERROR),
                               N(first_match(r'File "[^"]+app\.py", line \d+, in refund', text), LOCATION),
                               N(first_match(r'.*"POST /orders/ord_0003/refund HTTP/1\.1" 200 OK$', text).split(" - ")[-1], ASKED)]))
    port = _free_port()
    paths = [("GET", p) for p in ("/README.md", "/src/ctxlean/offload.py", "/missing.txt", "/docs/") * 400]
    paths[801] = ("GET", "/.env")
    text = _serve([PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(REPO)], tmp, port, paths,
                  tmp / "http.log")
    cases.append(Case("http_server_access_log", text, f"python -m http.server {port} --bind 127.0.0.1 --directory .", kind="log",
                      program="http.server", family="log", failing=True,
                      source="Python's http.server over this project, driven with 1,600 requests on 127.0.0.1",
                      asked="Did anybody request /.env from the dev server?",
                      needles=[N(first_match(r'.*"GET /\.env HTTP/1\.1" 404 -$', text).split(" - - ")[1], ASKED),
                               N('code 404, message File not found', ERROR)]))
    return cases


def system_logs(tmp: Path) -> list[Case]:
    cases = []
    for path, asked, needles in (
            (Path("/var/log/apt/term.log"), "Did the clang install print any errors or warnings?",
             lambda t: [N(first_match(r"^Setting up clang-14 \S+ \.\.\.$", t), VERSION),
                        N(first_match(r"^Log ended: .+$", t), COUNT)]),
            (Path("/var/log/apt/history.log"), "When was golang-go installed, and which version?",
             lambda t: [N(first_match(r"golang-go:amd64 \([^)]+\)", t), VERSION)]),
            (Path("/var/log/alternatives.log"), "Which alternative does cc point to?",
             lambda t: [N(first_match(r"^update-alternatives .*link group cc .*$|^update-alternatives .*cc.*$", t)[:90], ASKED)])):
        if not path.exists() or path.stat().st_size > 290_000:
            continue
        text = path.read_text(errors="replace")
        cases.append(Case(f"log_{path.parent.name}_{path.stem}".replace("log_log_", "log_"), text, tool="Read",
                          tool_input={"file_path": str(path)}, kind="log", program="Read", family="log", asked=asked,
                          needles=needles(text), source=f"{path} on this machine"))
    dpkg = Path("/var/log/dpkg.log")
    if dpkg.exists():
        lines = dpkg.read_text(errors="replace").split("\n")
        text = "\n".join(lines[-2500:])
        cases.append(Case("log_dpkg_tail", text, "tail -n 2500 /var/log/dpkg.log", kind="log", program="tail",
                          family="log", asked="Which version of clang-tidy-14 was installed, and when?",
                          needles=[N(first_match(r"^\S+ \S+ status installed clang-tidy-14:amd64 \S+$", text), VERSION)],
                          source="/var/log/dpkg.log on this machine"))
    return cases


BUILDERS = {"app-logs": app_logs, "system-logs": system_logs}

