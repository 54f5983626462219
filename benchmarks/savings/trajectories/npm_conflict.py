"""A package-manager conflict: a web project (express, webpack, html-webpack-plugin) whose ESLint 9 upgrade
collides with eslint-config-airbnb-base 15's peer range. Every npm command runs for real, offline, against
npm's own cache of the registry's packuments and tarballs (filled once by `prefetch`, before the benchmark
leaves the network): `npm install` stops with ERESOLVE, `--legacy-peer-deps` installs an invalid tree
(the 70 KB verbose log is full of package names such as http-errors and es-errors), and the model reads
the peer range, moves ESLint back to 8 and reinstalls."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from agent import Needle, Step, Trajectory
from downloads import npm_cache, npm_env

ESLINT_9, ESLINT_8 = '"eslint": "^9.17.0"', '"eslint": "^8.57.0"'
PACKAGE = {
    "name": "storefront-web", "version": "2.3.0", "private": True,
    "scripts": {"build": "webpack --mode production", "lint": "eslint src", "start": "node src/server.js"},
    "dependencies": {"express": "^4.21.2", "compression": "^1.7.5", "helmet": "^8.0.0"},
    "devDependencies": {"eslint": "^9.17.0", "eslint-config-airbnb-base": "^15.0.0",
                        "eslint-plugin-import": "^2.31.0", "html-webpack-plugin": "^5.6.3",
                        "webpack": "^5.97.1", "webpack-cli": "^6.0.1"},
}
SERVER = """const express = require('express');
const compression = require('compression');
const helmet = require('helmet');

const app = express();
app.use(helmet());
app.use(compression());
app.get('/health', (req, res) => res.json({ ok: true }));

app.listen(process.env.PORT || 3000);
"""


def _manifest(eslint: str) -> str:
    return json.dumps(PACKAGE, indent=2).replace(ESLINT_9, eslint) + "\n"


def _npm(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["npm", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)


def prefetch() -> None:
    """Fill npm's cache with what every step needs: packuments and tarballs of the ESLint 9 tree (installed
    with --legacy-peer-deps) and of the ESLint 8 tree."""
    import os
    import tempfile

    cache = npm_cache()
    if (cache / "ready").exists():
        return
    env = {**os.environ, **npm_env(cache), "npm_config_offline": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        for eslint, extra in ((ESLINT_9, ["--legacy-peer-deps"]), (ESLINT_8, [])):
            work = Path(tmp) / eslint.split("^")[1].split(".")[0]
            work.mkdir()
            (work / "package.json").write_text(_manifest(eslint))
            _npm(["install", *extra], work, env).check_returncode()
    (cache / "ready").write_text("filled by benchmarks/savings/trajectories/npm_conflict.py\n")


@contextlib.contextmanager
def _logs_in_home(workdir: Path, home: Path) -> Iterator[dict[str, str]]:
    """npm writes its run logs under the session's HOME (~/.npm/_logs), not into the shared cache."""
    yield {"npm_config_logs_dir": str(home / ".npm" / "_logs")}


def _facts(root: Path, env: dict[str, str]) -> dict[str, str]:
    """Run the trajectory's npm commands once on a scratch copy: what they print on this machine."""
    import os

    scratch = root.parent / f"{root.name}-npm-check"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    run_env = {**os.environ, **env, "npm_config_logs_dir": str(scratch / "logs")}
    try:
        (scratch / "package.json").write_text(_manifest(ESLINT_9))
        conflict = _npm(["install"], scratch, run_env).stdout
        legacy = _npm(["install", "--legacy-peer-deps"], scratch, run_env).stdout
        tree = _npm(["ls", "--all"], scratch, run_env).stdout
        shutil.rmtree(scratch / "node_modules")
        (scratch / "package-lock.json").unlink()
        (scratch / "package.json").write_text(_manifest(ESLINT_8))
        fixed = _npm(["install"], scratch, run_env).stdout
        eslint = _npm(["ls", "eslint"], scratch, run_env).stdout
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def find(pattern: str, text: str) -> str:
        found = re.search(pattern, text)
        if not found:
            raise RuntimeError(f"npm printed no {pattern!r} on this machine:\n{text[-2000:]}")
        return found.group(1)

    return {"peer": find(r'peer eslint@"([^"]+)" from eslint-config-airbnb-base', conflict),
            "found": find(r"Found: eslint@(\S+)", conflict), "legacy_added": find(r"added (\d+) packages", legacy),
            "pretty_error": find(r"pretty-error@(\S+)", tree), "fixed_added": find(r"added (\d+) packages", fixed),
            "fixed_eslint": find(r"eslint@(8\.\S+)", eslint)}


def build(root: Path, urls: dict[str, str]) -> Trajectory:
    cache = npm_cache()
    if not (cache / "ready").exists():
        raise RuntimeError(f"npm's cache for this trajectory is not filled ({cache}): run the benchmark once "
                           "with network access (prefetch)")
    env = npm_env(cache)
    (root / "package.json").write_text(_manifest(ESLINT_9))
    (root / "src").mkdir()
    (root / "src" / "server.js").write_text(SERVER)
    (root / ".eslintrc.json").write_text('{\n  "extends": "airbnb-base",\n  "env": {"node": true}\n}\n')
    (root / ".gitignore").write_text("node_modules/\n")
    (root / "README.md").write_text("# storefront-web\n\n`npm install`, then `npm run lint` and `npm run build`.\n"
                                    "ESLint was just bumped to 9 (see package.json).\n")
    facts = _facts(root, env)
    install = "npm install 2>&1; echo \"exit status $?\""
    steps = [
        Step("Read", {"file_path": "{cwd}/package.json"}, "Looking at the manifest.", edit=True, seconds=2),
        Step("Bash", {"command": install}, "Installing.",
             Needle("peer_range", r'peer eslint@"([^"]+)" from eslint-config-airbnb-base', facts["peer"],
                    grep="peer eslint", query="peer eslint from eslint-config-airbnb-base"), seconds=4),
        Step("Bash", {"command": "cat ~/.npm/_logs/*-eresolve-report.txt"}, "The full conflict report.", seconds=1),
        Step("Bash", {"command": "cat ~/.npm/_logs/*-debug-0.log"}, seconds=1),
        Step("Bash", {"command": "npm view eslint-config-airbnb-base"}, "Is there a newer airbnb-base?", seconds=2),
        Step("Bash", {"command": "npm view eslint versions --json"}, seconds=2),
        Step("Bash", {"command": "npm install --legacy-peer-deps --loglevel verbose 2>&1; echo \"exit status $?\""},
             "Trying the legacy peer resolution to see what breaks.",
             Needle("legacy_added", r"added (\d+) packages", facts["legacy_added"], grep="added [0-9]+ packages",
                    query="added packages"), seconds=10),
        Step("Bash", {"command": "npm ls eslint eslint-config-airbnb-base 2>&1; echo \"exit status $?\""},
             needle=Needle("found_eslint", r"eslint@(\S+) invalid", facts["found"], grep="invalid",
                           query="eslint invalid"), seconds=2),
        Step("Bash", {"command": "npm ls --all 2>&1"}, "Where does pretty-error come from?",
             Needle("pretty_error", r"pretty-error@(\S+)", facts["pretty_error"], grep="pretty-error",
                    query="pretty-error"), seconds=2),
        Step("Bash", {"command": "grep -n -A 12 '\"node_modules/eslint\"' package-lock.json"}, seconds=1),
        Step("Bash", {"command": "cat package-lock.json"}, "The lockfile npm wrote.", seconds=2),
        Step("Bash", {"command": "npx eslint --version"}, seconds=2),
        Step("Edit", {"file_path": "{cwd}/package.json", "old_string": ESLINT_9, "new_string": ESLINT_8},
             "airbnb-base 15 wants eslint {peer_range}: back to ESLint 8.", seconds=2),
        Step("Bash", {"command": "rm -rf node_modules package-lock.json && npm install --loglevel verbose 2>&1; "
                                 "echo \"exit status $?\""}, "Clean reinstall.",
             Needle("fixed_added", r"added (\d+) packages", facts["fixed_added"], grep="added [0-9]+ packages",
                    query="added packages"), seconds=12),
        Step("Bash", {"command": "npm ls eslint 2>&1; echo \"exit status $?\""},
             needle=Needle("fixed_eslint", r"eslint@(8\.\S+)", facts["fixed_eslint"], grep="eslint@8",
                           query="eslint version"), seconds=2),
        Step("Bash", {"command": "npx eslint src 2>&1; echo \"exit status $?\""}, "Does lint run now?", seconds=4),
        Step("Bash", {"command": "npm ls --all 2>&1 | grep -c deduped"}, seconds=2),
        Step("Bash", {"command": "git diff && git status --short"}, seconds=1),
        Step("Bash", {"command": "git add -A && git commit -qm 'Pin ESLint 8: airbnb-base 15 does not support 9' "
                                 "&& git log --oneline | head -3"}, seconds=2),
    ]
    return Trajectory("npm_conflict", "Package-manager conflict (npm)",
                      "npm install fails after the ESLint 9 upgrade. Find the conflict, fix package.json and get "
                      "a clean install.", steps, heavy=True, env=env, service=_logs_in_home)
