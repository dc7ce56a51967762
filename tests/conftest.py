"""Shared fixtures: the bundled article, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.engine import Engine, build_engine

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "seeds" / "taurus-leak.txt"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return build_engine([ARTICLE])
