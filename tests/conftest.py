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


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's caches (index, sentence vectors), and those of the commands it
    runs, out of the user's home: ``CITEBOT_CACHE_DIR`` defaults to $XDG_CACHE_HOME."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
