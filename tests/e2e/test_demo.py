"""`make demo`: the same scripted task without and with ctxlean, and the table it prints."""

from __future__ import annotations

import re

import pytest

from ctxlean import demo

pytestmark = pytest.mark.e2e


def test_demo_reaches_the_same_answer_with_fewer_tokens(capsys):
    assert demo.main(["demo"]) == 0
    out = capsys.readouterr().out
    rows = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line.strip()) for line in out.splitlines())}
    without, with_ = (int(value.replace(",", "")) for value in rows["input tokens sent"])
    assert with_ < without
    largest_without, largest_with = (int(value.replace(",", "")) for value in rows["largest tool result (tokens)"])
    assert largest_with <= 500 < largest_without
    assert rows["needles reached the model"] == ["2 of 2", "2 of 2"]
