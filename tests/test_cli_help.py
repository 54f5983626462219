"""Every command says what it reads, what it writes and how to call it; one exit-status convention for all:
0 done, 1 a runtime failure, 2 bad arguments or a config it cannot use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ctxlean.cli import COMMANDS, main

SUBCOMMANDS = [pytest.param([name], id=name) for name in COMMANDS] + [
    pytest.param(["batch", action], id=f"batch {action}") for action in ("submit", "status", "results", "cancel")]


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", SUBCOMMANDS)
def test_help_says_what_it_reads_writes_with_an_example(capsys, argv):
    code, out, err = run(capsys, [*argv, "--help"])
    assert code == 0, err
    assert "reads:" in out and "writes:" in out and "example" in out and "exit status" in out, out
    assert not out.startswith("ctx ")  # `statusline --help` used to print a status line


def test_the_top_level_help_lists_every_command(capsys):
    code, out, _ = run(capsys, ["--help"])
    assert code == 0 and all(f"  {name} " in out for name in COMMANDS)


@pytest.mark.parametrize("argv", [["report"], ["doctor"], ["budget"], ["gc"], ["install", "--project"]],
                         ids=" ".join)
def test_the_same_config_error_exits_2_everywhere(capsys, monkeypatch, tmp_path, argv):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    monkeypatch.chdir(project)
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "ctxlean" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("context_budget_tokens = 'big'\n")
    code, _, err = run(capsys, argv)
    assert code == 2, err
    assert f"{user}: context_budget_tokens = 'big': expected an integer, got 'big'" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["report"], ["doctor"], ["gc"]], ids=" ".join)
def test_an_unusable_store_setting_exits_2(capsys, monkeypatch, argv):
    monkeypatch.setenv("CTXLEAN_STORE", "relative/store")
    code, _, err = run(capsys, argv)
    assert code in (2, 1) if argv == ["doctor"] else code == 2, err
    if argv != ["doctor"]:
        assert "CTXLEAN_STORE = 'relative/store' is a relative path" in err


def test_batch_prompt_is_a_file_and_says_so(capsys, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "text": "x"}\n')
    code, _, err = run(capsys, ["batch", "submit", str(items), "--prompt", "Summarize {{text}}"])
    assert code == 2 and "--prompt takes a file, and there is no file 'Summarize {{text}}'" in err
    code, out, err = run(capsys, ["batch", "submit", "--help"])
    assert "--prompt FILE" in out and "a file holding the prompt template" in out


def test_batch_status_without_jobs_says_so(capsys):
    code, out, err = run(capsys, ["batch", "status"])
    assert code == 0 and "no batch jobs yet" in err


def test_an_unknown_command_is_a_usage_error(capsys):
    code, _, err = run(capsys, ["frobnicate"])
    assert code == 2 and "unknown command 'frobnicate'" in err
