"""Configuration: defaults < user config < project `.claude/ctxlean.toml` < environment CTXLEAN_*.

User config: $XDG_CONFIG_HOME/ctxlean/config.toml. Top-level keys are the Config fields; per-tool
overrides live in tables keyed by tool name or glob, e.g.

    offload_threshold_tokens = 1500
    [tools."mcp__github__*"]
    offload_threshold_tokens = 4000

Every field can be set from the environment as CTXLEAN_<FIELD>, e.g. CTXLEAN_OFFLOAD_THRESHOLD_TOKENS=800.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from pathlib import Path


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message names where and why."""


@dataclasses.dataclass
class Config:
    # Outputs above this many estimated tokens are stored out of band and replaced by a summary.
    offload_threshold_tokens: int = 1500
    # Upper bound for the summary that replaces an offloaded output.
    summary_budget_tokens: int = 400
    # Upper bound for one fetch_detail answer.
    fetch_budget_tokens: int = 2000
    # Tools whose outputs may be offloaded (globs on the tool name).
    offload_tools: tuple[str, ...] = ("Bash", "Read", "Grep", "Glob", "WebFetch", "mcp__*")
    # Per-tool overrides: {glob: {field: value}}.
    tools: dict = dataclasses.field(default_factory=dict)
    # Price overrides for reports: {model id: {input, output, cache_write_5m, ...}}, plus {"aliases": {...}}
    # (see ctxlean.usage.pricing). Layers merge per model.
    pricing: dict = dataclasses.field(default_factory=dict)

    def for_tool(self, tool: str) -> Config:
        """This config with the per-tool overrides that match `tool` applied (in file order)."""
        merged = {}
        for pattern, overrides in self.tools.items():
            if fnmatch.fnmatchcase(tool, pattern):
                merged.update(overrides)
        return dataclasses.replace(self, **merged) if merged else self

    def offloads(self, tool: str) -> bool:
        return any(fnmatch.fnmatchcase(tool, p) for p in self.offload_tools)


FIELDS = {f.name: f for f in dataclasses.fields(Config)}


def _coerce(name: str, value, where: str):
    kind = type(getattr(Config(), name))
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind is tuple:
            return tuple(value.split(",")) if isinstance(value, str) else tuple(value)
        if kind is dict:
            if not isinstance(value, dict):
                raise TypeError("expected a table")
            return value
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {name} = {value!r}: {exc}") from exc


def _apply(values: dict, source: dict, where: str) -> None:
    for key, value in source.items():
        if key not in FIELDS:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(FIELDS)})")
        if key == "tools":
            for pattern, overrides in _coerce(key, value, where).items():
                if not isinstance(overrides, dict):
                    raise ConfigError(f"{where}: [tools.{pattern!r}] must be a table")
                _apply({}, overrides, f"{where} [tools.{pattern}]")  # validates the keys
                values.setdefault("tools", {}).setdefault(pattern, {}).update(
                    {k: _coerce(k, v, where) for k, v in overrides.items()})
        elif key == "pricing":
            for model, overrides in _coerce(key, value, where).items():
                if not isinstance(overrides, dict):
                    raise ConfigError(f"{where}: [pricing.{model!r}] must be a table")
                values.setdefault("pricing", {}).setdefault(model, {}).update(overrides)
        else:
            values[key] = _coerce(key, value, where)


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        return {}
    import tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ctxlean" / "config.toml"


def project_config_path(project_dir: str) -> Path:
    return Path(project_dir) / ".claude" / "ctxlean.toml"


def load(project_dir: str | None = None, environ: dict | None = None) -> Config:
    env = os.environ if environ is None else environ
    values: dict = {}
    _apply(values, _read_toml(user_config_path()), str(user_config_path()))
    if project_dir:
        path = project_config_path(project_dir)
        _apply(values, _read_toml(path), str(path))
    _apply(values, {name: env[f"CTXLEAN_{name.upper()}"] for name in FIELDS
                    if f"CTXLEAN_{name.upper()}" in env and name not in ("tools", "pricing")}, "environment")
    return Config(**values)
