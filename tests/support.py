"""Shared test helpers (a module, not conftest: tests/ and tests/e2e/ each have a conftest.py)."""

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def load_sample(name: str) -> dict:
    return json.loads((FIXTURES / "samples" / name).read_text())
