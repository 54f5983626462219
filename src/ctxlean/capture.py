"""Keeping the whole output of failing Bash commands, which Claude Code itself cuts and then loses.

When a Bash command exits non-zero, Claude Code fires PostToolUseFailure instead of PostToolUse and keeps
only part of the output: at most the first 30,000 characters, shown as the first and last 5,000 of those
with `... [N characters truncated] ...` between (docs/failing-commands.md). Test runners and compilers
print their failures at the end, the part that goes.

Claude Code 2.1.330 runs a command as `eval '<command>' < /dev/null && pwd -P >| <cwd file>` in a fresh
bash whose stdout and stderr are both one regular file (the task's output file), and deletes that file
when the command is done. So PreToolUse puts a prefix before the command (`wrap`) that sets an EXIT trap:
when the shell ends with a non-zero status, the trap copies that file (`/proc/$$/fd/1`) to a private
capture file named after the tool_use_id. The command runs exactly as before: same shell (`cd` persists),
same file descriptors (stdout and stderr untouched, no pipe or tee in between), same exit status, same
text. PostToolUseFailure then stores the capture with the offload core and gives the model a summary and
a handle (ctxlean.hooks.post_tool_use_failure).

The prefix is POSIX sh; it needs Linux's /proc (elsewhere commands are left alone).
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
import time

# The wrapper starts with this function's definition, which also marks a command as already wrapped.
KEEP_FUNCTION = "__ctxlean_keep"
TRAP = f"trap '{KEEP_FUNCTION} \"$?\"' EXIT; "
TOOL_USE_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_CAPTURE_AGE_S = 6 * 3600  # leftovers (commands interrupted, moved to the background, ...) go after this

# Words that run the command after them, after options of their own (timeout also takes a duration).
RUNNERS = {"sudo", "env", "time", "nice", "nohup", "command", "exec", "stdbuf", "timeout", "xvfb-run"}
RUN_PREFIXES = {"uv", "poetry", "pipenv", "pdm", "hatch", "rye"}  # `<tool> run <command>`
KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{"}
OPERATORS = {"&&", "||", ";", "|", "(", ")", ";;", "|&", "&"}
# Flags that make a runner wait for input or run forever: such commands are left alone.
INTERACTIVE_FLAGS = ("--watch*", "--pdb", "--trace", "--interactive")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_PYTHON = re.compile(r"python[0-9.]*")


# What Claude Code 2.1.330 shows of a failing command: `Exit code N`, then the output, cut at
# OUTPUT_CAP_CHARS characters and shown as head and tail around a TRUNCATED line.
TRUNCATED = re.compile(r"\n\n\.\.\. \[(\d+) characters truncated\] \.\.\.\n\n")
EXIT_LINE = re.compile(r"Exit code -?\d+\n?")
OUTPUT_CAP_CHARS = 30_000


def shown_output(error: object) -> str:
    """The output part of a failing command's `error` text (`Exit code N` and a newline come first)."""
    text = error if isinstance(error, str) else ""
    found = EXIT_LINE.match(text)
    return text[found.end():] if found else text


def reached_cap(shown: str) -> bool:
    """True when the command printed at least the characters Claude Code keeps: its "end" is not the end."""
    found = TRUNCATED.search(shown)
    return bool(found) and len(shown) - len(found.group(0)) + int(found.group(1)) >= OUTPUT_CAP_CHARS


def capture_path(tool_use_id: object) -> str | None:
    """Where the output of this call is kept if it fails; None for an id unfit for a file name."""
    if not isinstance(tool_use_id, str) or not TOOL_USE_ID.fullmatch(tool_use_id):
        return None
    from ctxlean.paths import capture_dir

    return os.path.join(capture_dir(), tool_use_id + ".out")


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def wrap(command: str, path: str) -> str:
    """`command` behind a prefix that keeps its output in `path` if the shell exits non-zero.

    The prefix only defines a function and sets an EXIT trap, on the command's own first line: the command
    text itself is unchanged (here-documents, trailing comments and line continuations stay what they
    were), and so are bash's line numbers in its messages (`line 1: foo: command not found`). The trap
    runs when the shell ends, after Claude Code's own `&& pwd -P ...`: its status is the command's when the
    command failed, and 0 when it succeeded (then nothing is copied).
    """
    keep = (f'{KEEP_FUNCTION}() {{ [ "$1" = 0 ] || ! [ -f /proc/$$/fd/1 ] || '
            f'(umask 077 && exec cat /proc/$$/fd/1 >| {_shell_quote(path)}) 2>/dev/null; }}; ')
    return f"{keep}{TRAP}{command}"


def unwrap(command: str) -> str:
    """The model's own command inside a wrapped one (any other command is returned as it is)."""
    if not command.startswith(KEEP_FUNCTION + "()") or TRAP not in command:
        return command
    return command[command.index(TRAP) + len(TRAP):]


def original_input(tool_input: object) -> dict | None:
    """A Bash tool_input as the model wrote it (PostToolUse and PostToolUseFailure see the wrapped one)."""
    if not isinstance(tool_input, dict):
        return None
    command = tool_input.get("command")
    return {**tool_input, "command": unwrap(command)} if isinstance(command, str) else tool_input


def _tokens(command: str) -> list[str] | None:
    """Shell words and operators of the command (newlines as `;`); None when it does not parse."""
    import shlex

    lexer = shlex.shlex(command.replace("\n", " ; "), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: leave the command to Claude Code as it is
        return None


def _program(word: str) -> str:
    name = word.rsplit("/", 1)[-1]
    return "python" if _PYTHON.fullmatch(name) else name


def _simple_commands(tokens: list[str]):
    """Each simple command's words, from its program on (assignments and runner words skipped)."""
    start = 0
    for end in [*(i for i, t in enumerate(tokens) if t in OPERATORS), len(tokens)]:
        words, start = tokens[start:end], end + 1
        i = 0
        while i < len(words):
            word = words[i]
            if word in KEYWORDS or _ASSIGNMENT.match(word):
                i += 1
            elif word in RUNNERS:
                i += 1
                while i < len(words) and words[i].startswith("-"):
                    i += 1
                i += word == "timeout"
            elif word in RUN_PREFIXES and i + 1 < len(words) and words[i + 1] == "run":
                i += 2
            else:
                break
        if i < len(words):
            yield [_program(words[i]), *words[i + 1:]]


def _matches(pattern: list[str], words: list[str]) -> bool:
    """The pattern's words appear in order at the start of the command; options may sit between them."""
    if not fnmatch.fnmatchcase(words[0], pattern[0]):
        return False
    rest = iter(words[1:])
    for want in pattern[1:]:
        for word in rest:
            if fnmatch.fnmatchcase(word, want):
                break
            if not word.startswith(("-", "+")):  # options, and cargo's +toolchain
                return False
        else:
            return False
    return True


def wants_capture(command: str, patterns: tuple) -> bool:
    """True when a simple command of `command` runs one of `patterns` (config capture_commands) and the
    command runs in the foreground, without a flag that makes it interactive or endless."""
    programs = [p.split() for p in patterns if p.strip()]
    if not programs or KEEP_FUNCTION in command:
        return False
    firsts = {p[0] for p in programs}
    if "*" not in firsts and not any(first.strip("*") in command for first in firsts):
        return False  # the common case, decided without parsing
    tokens = _tokens(command)
    if tokens is None or "&" in tokens:
        return False
    if any(fnmatch.fnmatchcase(t, flag) for t in tokens for flag in INTERACTIVE_FLAGS):
        return False
    return any(_matches(p, words) for words in _simple_commands(tokens) for p in programs)


def rewrite(tool_input: dict, tool_use_id: object, permission_mode: object, patterns: tuple) -> dict | None:
    """The Bash input that keeps the output if the command fails, or None to leave the call alone.

    Only in bypassPermissions mode: in every other mode Claude Code checks the rewritten command against
    the user's permission rules and its own command-safety checks, which the prefix does not pass (a
    command the user allowed would be refused, observed on 2.1.330). The capture dir is created (0700)
    here, and leftovers of earlier calls older than MAX_CAPTURE_AGE_S are removed.
    """
    command = tool_input.get("command")
    if (permission_mode != "bypassPermissions" or not sys.platform.startswith("linux")
            or not isinstance(command, str) or tool_input.get("run_in_background")
            or not wants_capture(command, patterns)):
        return None
    path = capture_path(tool_use_id)
    if path is None:
        return None
    directory = os.path.dirname(path)
    for private in (os.path.dirname(directory), directory):  # the data dir too, as the store makes it
        os.makedirs(private, mode=0o700, exist_ok=True)
    if os.stat(directory).st_mode & 0o077:
        os.chmod(directory, 0o700)
    sweep(directory)
    return {**tool_input, "command": wrap(command, path)}


def sweep(directory: str, max_age: float = MAX_CAPTURE_AGE_S) -> int:
    """Remove capture files older than max_age seconds; returns how many went."""
    removed = 0
    cutoff = time.time() - max_age
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.name.endswith(".out") and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def discard(tool_use_id: object) -> None:
    """Remove this call's capture file if there is one (the command succeeded, or it has been stored)."""
    path = capture_path(tool_use_id)
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass
