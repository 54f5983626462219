"""Real inputs some trajectories build from, fetched once with the ordinary package clients into
benchmarks/savings/.cache/ (gitignored) before the benchmark cuts itself off the network, then used
offline. Each helper returns the local path; offline and not cached, it says what to run."""

from __future__ import annotations

import subprocess
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


class MissingDownload(RuntimeError):
    pass


def _fetch(target: Path, command: list[str], offline: bool) -> Path:
    if target.exists():
        return target
    if offline:
        raise MissingDownload(f"{target} is not cached; run the benchmark once with network access "
                              f"(it runs: {' '.join(command)})")
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(command, check=True, capture_output=True, timeout=900, cwd=target.parent)
    if not target.exists():
        raise MissingDownload(f"{' '.join(command)} did not produce {target}")
    return target


def pip_sdist(name: str, version: str, offline: bool = True) -> Path:
    """The source distribution NAME-VERSION.tar.gz from PyPI (pip download)."""
    target = CACHE / "pip" / f"{name}-{version}.tar.gz"
    return _fetch(target, ["pip", "download", "--no-deps", "--no-binary", ":all:", f"{name}=={version}",
                           "-d", str(target.parent)], offline)


def npm_tarball(name: str, version: str, offline: bool = True) -> Path:
    """The package tarball NAME-VERSION.tgz from the npm registry (npm pack)."""
    target = CACHE / "npm" / f"{name}-{version}.tgz"
    return _fetch(target, ["npm", "pack", f"{name}@{version}", "--pack-destination", str(target.parent)],
                  offline)


def npm_cache() -> Path:
    """npm's own cache (packuments and tarballs) for trajectories that run npm offline."""
    return CACHE / "npm-cache"


def npm_env(cache: Path) -> dict[str, str]:
    """npm against this cache only: no registry request, no update notice, no funding lines."""
    return {"npm_config_cache": str(cache), "npm_config_offline": "true", "npm_config_update_notifier": "false",
            "npm_config_fund": "false", "npm_config_audit": "false"}

