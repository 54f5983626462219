"""Configuration: defaults < user config < project `.claude/ctxlean.toml` < environment CTXLEAN_*.

User config: $XDG_CONFIG_HOME/ctxlean/config.toml. Top-level keys are the Config fields; per-tool
overrides live in tables keyed by tool name or glob, e.g.

    offload_threshold_tokens = 1500
    [tools."mcp__github__*"]
    offload_threshold_tokens = 4000

Every field can be set from the environment as CTXLEAN_<FIELD>, e.g. CTXLEAN_OFFLOAD_THRESHOLD_TOKENS=800.

The routing policy (which model runs each kind of step, see ctxlean.routing) is overridden per step:

    [routing]
    classify = "sonnet"

or CTXLEAN_ROUTING="classify=sonnet,format=haiku".

The settings in USER_ONLY guard data across projects (who may read which handles, what is masked) or act
on the whole store (where it is, TTL, size cap): a repository's own `.claude/ctxlean.toml` must not loosen
them, so there they are ignored with a warning (a cloned repository cannot change them, nor stop ctxlean
from starting by trying).

`problems(project_dir)` gives the one-line messages (errors and warnings, each naming the file and the fix)
that the SessionStart hook and the status line show the user: the hooks fail open on a broken config, so
without them offloading would just stop.
"""

from __future__ import annotations

import fnmatch
import os

TYPE_CHECKING = False  # typing itself is a costly import on the hook path
if TYPE_CHECKING:
    from collections.abc import Callable

    Warn = Callable[[str], None]


class ConfigError(ValueError):
    """A config file or variable that cannot be used; the message names where and why."""


class Config:
    """Settings and their defaults (a plain class: `dataclasses` would cost every hook call ~7 ms of imports).

    Add a setting as a typed class attribute with its default; its type drives parsing from TOML and env.
    """

    # Outputs above this many estimated tokens are stored out of band and replaced by a summary.
    offload_threshold_tokens: int = 1500
    # Upper bound for the summary that replaces an offloaded output.
    summary_budget_tokens: int = 400
    # Upper bound for one fetch_detail answer.
    fetch_budget_tokens: int = 2000
    # The context budget (tokens): Claude Code compacts here (`ctxlean install --project` sets it up), and
    # offloading tightens as the context fills towards it. 160k is 80% of a 200k window and well inside a 1M one.
    context_budget_tokens: int = 160_000
    # Fractions of the budget: past the soft mark thresholds start tightening and PostToolUse tells the
    # model the budget state; at the hard mark they reach their tightest (see ctxlean.budget.limits_at).
    budget_soft_mark: float = 0.6
    budget_hard_mark: float = 0.85
    # A Read without a limit of a file bigger than this (tokens, tightening with the fill) is rewritten to
    # a bounded read, with a note on how to read the rest.
    read_max_tokens: int = 25_000
    # Views of a file that reach the model whole, not offloaded (within read_max_tokens): "partial" (a Read
    # with offset or limit, `sed -n 'A,Bp' FILE`), "edited" (a file this session already changed). The replay
    # benchmark decided the default (docs/summaries.md: "edited" costs more and keeps no more facts).
    keep_whole_views: tuple = ("partial",)
    # Tools whose outputs may be offloaded (globs on the tool name).
    offload_tools: tuple = ("Bash", "Read", "Grep", "Glob", "WebFetch", "mcp__*")
    # Keep the whole output of a failing Bash command that runs one of capture_commands (the model gets a
    # summary of it and a handle: docs/failing-commands.md). Each entry is a command's first words, each a
    # glob ("npm run test*"); the program word matches by its base name, python3.x as python. "*" (the
    # default) wraps every foreground command, so every failing output Claude Code cuts gets a handle.
    capture_failures: bool = True
    capture_commands: tuple = ("*",)
    # Answer WebFetch calls by fetching the page here, storing it and giving the model the lines that match
    # its question, instead of WebFetch's uncached page-reading model call (docs/web-fetch.md). Only where
    # Claude Code would fetch without asking; never against a deny or ask rule.
    fetch_pages_locally: bool = True
    # Per-tool overrides: {glob: {setting: value}}.
    tools: dict = {}
    # Price overrides for reports: {model id: {input, output, cache_write_5m, ...}}, plus {"aliases": {...}}
    # (see ctxlean.usage.pricing). Layers merge per model.
    pricing: dict = {}
    # Routing overrides: {step kind: model alias}; defaults in data/routing.toml (ctxlean.routing).
    routing: dict = {}
    # fetch_detail gives up (with what it found so far and how to go on) after this many seconds.
    fetch_timeout_s: float = 10.0
    # Projects (path globs, "*" for all) whose handles fetch_detail may read from this one. User config only.
    allow_cross_project: tuple = ()
    # Mask obvious secrets in summaries, descriptions and the search index. User config only.
    redact_secrets: bool = True
    # Mask them in fetch_detail answers too; false returns stored lines exactly as stored. User config only.
    redact_fetch: bool = True
    # `ctxlean gc` removes payloads neither stored nor read for this many days (0 keeps them). User config only.
    ttl_days: int = 30
    # `ctxlean gc` then evicts least recently used payloads while the store is bigger (0: no cap). User config only.
    max_store_mb: int = 2048
    # Where payloads and the ledger live: an absolute directory for the local SQLite store, or a PostgreSQL
    # URL (postgresql://user@host/db) for one store shared by many machines (docs/fleet.md); empty: Claude
    # Code's plugin data dir. CTXLEAN_STORE sets it too. Resolved by ctxlean.paths.store_location() alone.
    # User config only.
    store: str = ""
    # How long a hook waits to connect to a PostgreSQL store before it gives up and passes the output
    # through unchanged (PostgreSQL counts whole seconds, at least 2). User config only.
    store_connect_timeout_s: float = 2.0
    # The project's name on a shared store, the same on every machine and checkout (commit it in
    # .claude/ctxlean.toml); empty: the git remote, else the project's path (ctxlean.identity).
    project_id: str = ""

    def __init__(self, **values):
        for name, default in FIELDS.items():
            setattr(self, name, values.pop(name) if name in values else _fresh(default))
        if values:
            raise ConfigError(f"unknown setting(s): {', '.join(values)}")

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and all(getattr(self, n) == getattr(other, n) for n in FIELDS)

    def replace(self, **changes) -> Config:
        return Config(**{**{name: getattr(self, name) for name in FIELDS}, **changes})

    def for_tool(self, tool: str) -> Config:
        """This config with the per-tool overrides that match `tool` applied (in file order)."""
        merged = {}
        for pattern, overrides in self.tools.items():
            if fnmatch.fnmatchcase(tool, pattern):
                merged.update(overrides)
        return self.replace(**merged) if merged else self

    def offloads(self, tool: str) -> bool:
        return any(fnmatch.fnmatchcase(tool, p) for p in self.offload_tools)


def _fresh(default):
    """A default that instances must not share (the dict of per-tool overrides) is copied."""
    return dict(default) if isinstance(default, dict) else default


FIELDS = {name: value for name, value in vars(Config).items()
          if not name.startswith("_") and not callable(value)}
USER_ONLY = frozenset({"allow_cross_project", "redact_secrets", "redact_fetch", "ttl_days", "max_store_mb",
                       "store", "store_connect_timeout_s"})
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_EXPECTED = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
             tuple: "a list of strings", dict: "a table"}


def _coerce(name: str, value, where: str):
    """value as the setting's type (env values arrive as strings); ConfigError in plain words otherwise."""
    kind = type(FIELDS[name])
    parsed = _parse(kind, value)
    if parsed is None:
        raise ConfigError(f"{where}: {name} = {value!r}: expected {_EXPECTED[kind]}, got {_shown(value)}")
    return parsed


def _parse(kind: type, value):
    """value as kind, or None when it is not one (no silent truncation: 1.5 is not an integer)."""
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        if kind is bool:
            return True if text.lower() in _TRUE else False if text.lower() in _FALSE else None
        if kind is tuple:
            return tuple(part.strip() for part in text.split(",") if part.strip())
        try:
            return kind(text) if kind in (int, float) else None
        except ValueError:
            return None
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return value if kind is float or isinstance(value, int) else None
    if kind is tuple:
        if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            return tuple(value)
        return None
    return value if isinstance(value, kind) else None


def _shown(value) -> str:
    """How a wrong value is named in a message: a text as itself, anything else by its TOML kind."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list with an item that is not a string"
    kinds = {bool: "a boolean", int: "an integer", float: "a number", dict: "a table"}
    return kinds.get(type(value), type(value).__name__)


def _routing(value, where: str) -> dict:
    """A [routing] table or a "kind=model,..." string, checked against the policy's step kinds."""
    from ctxlean.routing import step_kinds

    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ConfigError(f'{where}: routing = {value!r}: expected "kind=model,kind=model"')
        value = {kind.strip(): model.strip() for kind, model in pairs}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [routing] must be a table of step kind = model")
    for kind, model in value.items():
        if kind not in step_kinds():
            raise ConfigError(f"{where}: routing: unknown step kind {kind!r} (known: {', '.join(step_kinds())})")
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"{where}: routing.{kind} = {model!r}: expected a model alias, 'inherit' or an id")
    return {kind: model.strip() for kind, model in value.items()}


def _apply(values: dict, source: dict, where: str, user_level: bool = True, warn: Warn | None = None) -> None:
    for key, value in source.items():
        if key not in FIELDS:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(FIELDS)})")
        if key in USER_ONLY and not user_level:
            (warn or _stderr_warn)(f"{where}: {key} ignored: it can only be set in your user config "
                                   f"({user_config_path()}) or as CTXLEAN_{key.upper()}, not by a project")
            continue
        if key == "routing":
            values.setdefault("routing", {}).update(_routing(value, where))
        elif key == "tools":
            for pattern, overrides in _coerce(key, value, where).items():
                if not isinstance(overrides, dict):
                    raise ConfigError(f"{where}: [tools.{pattern!r}] must be a table")
                checked: dict = {}
                _apply(checked, overrides, f"{where} [tools.{pattern}]", user_level, warn)
                values.setdefault("tools", {}).setdefault(pattern, {}).update(checked)
        elif key == "pricing":
            for model, overrides in _coerce(key, value, where).items():
                if not isinstance(overrides, dict):
                    raise ConfigError(f"{where}: [pricing.{model!r}] must be a table")
                values.setdefault("pricing", {}).setdefault(model, {}).update(overrides)
        else:
            values[key] = _coerce(key, value, where)


def _stderr_warn(message: str) -> None:
    import sys

    print(f"ctxlean: warning: {message}", file=sys.stderr)


_parsed: dict = {}  # path -> ((mtime, size), table): store_setting() and load() read the same file


def _read_toml(path: str) -> dict:
    try:
        st = os.stat(path)
    except OSError:
        return {}
    if not os.path.isfile(path):
        raise ConfigError(f"{path} is not a file; remove it or make it a TOML file")
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _parsed.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    import tomllib

    from ctxlean.safe_open import open_regular

    try:
        with open_regular(path) as fh:  # a FIFO in a cloned repository must not hang every hook
            table = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix that line or remove the file") from exc
    _parsed[path] = (stamp, table)
    return table


def read_user_setting(name: str):
    """One setting's raw value in the user config file (None when unset), without loading the rest."""
    return _read_toml(user_config_path()).get(name)


def user_config_path() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "ctxlean", "config.toml")


def project_config_path(project_dir: str) -> str:
    return os.path.join(project_dir, ".claude", "ctxlean.toml")


def load(project_dir: str | None = None, environ: dict | None = None, warn: Warn | None = None) -> Config:
    """The settings for project_dir (None: user config and environment only). ConfigError names the file,
    the setting and what it expected; `warn` (default: stderr) gets the project settings that were ignored."""
    env = os.environ if environ is None else environ
    values: dict = {}
    _apply(values, _read_toml(user_config_path()), user_config_path())
    if project_dir:
        path = project_config_path(project_dir)
        _apply(values, _read_toml(path), path, user_level=False, warn=warn)
    _apply(values, {name: env[f"CTXLEAN_{name.upper()}"] for name in FIELDS
                    if f"CTXLEAN_{name.upper()}" in env and name not in ("tools", "pricing")}, "environment")
    cfg = Config(**values)
    if not 0 < cfg.budget_soft_mark < cfg.budget_hard_mark <= 1:
        raise ConfigError(f"budget marks must satisfy 0 < budget_soft_mark < budget_hard_mark <= 1, got "
                          f"{cfg.budget_soft_mark} and {cfg.budget_hard_mark}")
    if cfg.context_budget_tokens <= 0:
        raise ConfigError(f"context_budget_tokens must be positive, got {cfg.context_budget_tokens}")
    return cfg


def problems(project_dir: str | None = None) -> list[str]:
    """What is wrong with the settings for project_dir, one line each (the file, the setting and the fix):
    [] when they load cleanly. A ConfigError comes first and says ctxlean is off until it is fixed."""
    warnings: list[str] = []
    try:
        load(project_dir, warn=warnings.append)
    except ConfigError as exc:
        return [f"ctxlean is off: {exc}"] + warnings
    return warnings
