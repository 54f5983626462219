# Commands, needle patterns and asked texts are kept whole on one line each, as the tools print them.
# ruff: noqa: E501
"""Programs that crash: Python tracebacks (chained, from a JSON parse, a pydantic validation error, a deep
recursion), Node.js errors (a TypeError, an unhandled promise rejection), each after a screenful of
ordinary output, as a real run prints it."""

from __future__ import annotations

from pathlib import Path

from .base import ERROR, LOCATION, PY, Case, N, first_match, need, sh, write_files

SCRIPTS = {
    "app.py": """
        import json

        def load_config(path):
            with open(path) as fh:
                return json.load(fh)

        def start(path):
            try:
                return load_config(path)
            except FileNotFoundError as exc:
                raise RuntimeError(f"cannot start billing-worker: {exc}") from exc

        for i in range(400):
            print(f"warming cache shard {i:03d} ... ok")
        start("/etc/billing/worker.json")
        """,
    "parse.py": """
        import json
        def parse_all(lines):
            return [json.loads(line) for line in lines]
        print("\\n".join(f"row {i}: fine" for i in range(300)))
        parse_all(['{"id": 1}', '{"id": 2,}'])
        """,
    "models.py": """
        from pydantic import BaseModel, Field

        class Item(BaseModel):
            sku: str = Field(pattern=r"^[A-Z]-\\d+$")
            qty: int = Field(gt=0)

        class Order(BaseModel):
            id: str
            items: list[Item]

        rows = [{"id": f"ord_{i}", "items": [{"sku": f"A-{i}", "qty": 1 + i % 3}]} for i in range(200)]
        rows[137]["items"].append({"sku": "b7", "qty": 0})
        for row in rows:
            order = Order.model_validate(row)
            print(f"validated {order.id} with {len(order.items)} items")
        """,
    "tree.py": """
        def depth(node):
            return 1 + max((depth(child) for child in node["children"]), default=0)

        node = {"children": []}
        root = node
        for i in range(5000):
            child = {"children": []}
            node["children"].append(child)
            node = child
        node["children"].append(root)  # a cycle slipped into the tree
        print(depth(root))
        """,
    "server.js": """
        function handle(req) { return req.user.id; }
        for (let i = 0; i < 300; i++) console.log(`request ${i} ok`);
        handle({});
        """,
    "fetch.js": """
        const fs = require('node:fs/promises');
        async function loadSettings(path) {
          const text = await fs.readFile(path, 'utf8');
          return JSON.parse(text);
        }
        for (let i = 0; i < 200; i++) console.log(`job ${i} queued`);
        loadSettings('/etc/webapp/settings.json').then((s) => console.log(s.port));
        """,
}


def crashes(tmp: Path) -> list[Case]:
    write_files(tmp, SCRIPTS)
    cases = []
    common = dict(kind="traceback", family="runtime", failing=True)
    for name, script, asked, needles in (
            ("python_chained_traceback", "app.py", "The billing worker dies at start; why?",
             lambda t: [N("RuntimeError: cannot start billing-worker", ERROR), N("FileNotFoundError", ERROR),
                        N("/etc/billing/worker.json", ERROR), N(first_match(r'File "[^"]+app\.py", line \d+, in start', t), LOCATION)]),
            ("python_json_traceback", "parse.py", "The import script fails on some row; which, and why?",
             lambda t: [N(first_match(r"^json\.decoder\.JSONDecodeError: .+$", t), ERROR),
                        N(first_match(r'File "[^"]+parse\.py", line \d+', t), LOCATION)]),
            ("python_pydantic_validation", "models.py", "Validation stops somewhere in the orders; which order and which field?",
             lambda t: [N(first_match(r"\d+ validation errors? for Order$", t), ERROR),
                        N(first_match(r"^items\.1\.sku$", t), LOCATION),
                        N(first_match(r"^  String should match pattern .+$", t).strip()[:60], ERROR)]),
            ("python_recursion", "tree.py", "depth() blows up on the big tree; where?",
             lambda t: [N("RecursionError: maximum recursion depth exceeded", ERROR),
                        N(first_match(r'File "[^"]+tree\.py", line \d+, in depth', t), LOCATION)])):
        out = sh(f"{PY} {script}", tmp)
        cases.append(Case(name, out.text, f"python {script}", program="python", exit_code=out.rc, asked=asked,
                          needles=needles(out.text), **common))
    if need("node"):
        for name, script, asked, needles in (
                ("node_traceback", "server.js", "The server crashes on a request without a user; where?",
                 lambda t: [N("TypeError: Cannot read properties of undefined (reading 'id')", ERROR), N("server.js:1", LOCATION)]),
                ("node_unhandled_rejection", "fetch.js", "The job runner exits after queueing; why?",
                 lambda t: [N(first_match(r"^\[Error: ENOENT: no such file or directory, open '/etc/webapp/settings\.json'\].*$|"
                                          r"Error: ENOENT: no such file or directory, open '/etc/webapp/settings\.json'", t), ERROR)])):
            out = sh(f"node {script}", tmp)
            cases.append(Case(name, out.text, f"node {script}", program="node", exit_code=out.rc, asked=asked,
                              needles=needles(out.text), **common))
    if need("strace"):
        out = sh(f"strace -f -e trace=openat,read,write,close {PY} app.py 2>&1 | head -c 280000", tmp)
        cases.append(Case("strace_python_crash", out.text, "strace -f -e trace=openat,read,write,close python app.py 2>&1 | head -c 280000",
                          program="strace", exit_code=out.rc, asked="Under strace: which config file does the billing worker try to open, and what fails?",
                          needles=[N(first_match(r'openat\(AT_FDCWD, "/etc/billing/worker\.json", O_RDONLY\|O_CLOEXEC\) = -1 ENOENT \(No such file or directory\)', out.text), ERROR),
                                   N(first_match(r"cannot start billing-worker: \[Errno 2\] No such file or directory", out.text), ERROR)],
                          **{**common, "kind": "text", "family": "system"}))
    return cases


BUILDERS = {"crashes": crashes}
