"""The index cache: reused when the documents match, rebuilt when not, never trusted blindly."""

from __future__ import annotations

import argparse
import io
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.index_command import run_index
from retrieval.engine import Engine, build_engine


def _write_docs(folder: Path) -> Path:
    folder.mkdir()
    paragraphs = [
        f"Station {i} recorded {i * 7 % 31} millimetres of rain on day {i % 28 + 1}. "
        f"The gauge near river {i % 13} was checked by team {i % 5}."
        for i in range(400)
    ]
    (folder / "rain.txt").write_text("Rainfall log\n\n" + "\n\n".join(paragraphs) + "\n")
    (folder / "notes.md").write_text("# Notes\n\nThe river gauges were calibrated in May.\n")
    return folder


def _same(a: Engine, b: Engine) -> None:
    assert len(a.corpus) == len(b.corpus)
    assert [a.corpus.text(i) for i in range(len(a.corpus))] == [
        b.corpus.text(i) for i in range(len(b.corpus))]
    for i in (0, 5, len(a.corpus) - 1):
        pa, pb = a.corpus.passage(i), b.corpus.passage(i)
        assert (pa.source, pa.section, pa.paragraph_number) == (
            pb.source, pb.section, pb.paragraph_number)
    assert a.index.vocabulary == b.index.vocabulary
    for q in ("rain river gauge", "team calibrated may", "millimetres day 12"):
        terms = a.index.analyzer.question_terms(q)
        ids_a, s_a = a.index.top(terms, 5)
        ids_b, s_b = b.index.top(terms, 5)
        assert ids_a.tolist() == ids_b.tolist() and len(ids_a) > 0
        np.testing.assert_array_equal(s_a, s_b)
        np.testing.assert_array_equal(a.index.scores(terms), b.index.scores(terms))


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    return _write_docs(tmp_path / "docs")


def _build(docs: Path, cache: Path) -> Engine:
    return build_engine([docs], cache_dir=cache, min_cache_bytes=0)


def test_second_start_loads_the_cache_with_identical_results(docs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _build(docs, cache)
    assert not first.from_cache and first.cache_path is not None
    assert (first.cache_path / "manifest.json").is_file()
    assert not list(first.cache_path.glob("*.pkl"))
    second = _build(docs, cache)
    assert second.from_cache
    _same(first, second)
    answer = second.answerer.answer("Which river gauge was calibrated?")
    assert answer.citations


def test_changed_document_rebuilds(docs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _build(docs, cache)
    with (docs / "notes.md").open("a") as handle:
        handle.write("\nA new paragraph about the drought in June.\n")
    again = _build(docs, cache)
    assert not again.from_cache
    terms = again.index.analyzer.question_terms("drought")
    assert again.index.top(terms, 1)[0].shape == (1,)
    assert _build(docs, cache).from_cache


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "strings", "missing"])
def test_damaged_cache_is_detected_and_rebuilt(
    docs: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    first = _build(docs, cache)
    where = first.cache_path
    assert where is not None
    target = where / "impact_post_weights.npy"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:-40])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[-3] ^= 0x55
        target.write_bytes(bytes(data))
    elif damage == "manifest":
        (where / "manifest.json").write_text("{not json")
    elif damage == "strings":
        (where / "strings.json").write_text(json.dumps({"documents": []}))
    else:
        target.unlink()
    with caplog.at_level(logging.WARNING, logger="retrieval.engine"):
        rebuilt = _build(docs, cache)
    assert not rebuilt.from_cache
    assert "unusable" in caplog.text
    _same(first, rebuilt)
    assert _build(docs, cache).from_cache  # the rebuild rewrote a good cache


def test_inconsistent_arrays_with_valid_checksums_are_rejected(docs: Path, tmp_path: Path) -> None:
    """Shape/range checks catch a cache whose checksums were recomputed for bad data."""
    import hashlib

    cache = tmp_path / "cache"
    where = _build(docs, cache).cache_path
    assert where is not None
    path = where / "impact_post_ids.npy"
    ids = np.load(path, allow_pickle=False)
    np.save(path, ids + 10_000_000, allow_pickle=False)
    manifest = json.loads((where / "manifest.json").read_text())
    manifest["arrays"]["impact_post_ids"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (where / "manifest.json").write_text(json.dumps(manifest))
    assert not _build(docs, cache).from_cache


def test_small_documents_skip_the_cache(docs: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    engine = build_engine([docs / "notes.md"], cache_dir=cache)
    assert engine.cache_path is None and not cache.exists()


def test_cache_dir_setting_follows_the_environment(tmp_path: Path) -> None:
    def cache_dir(environ: dict[str, str]) -> Path | None:
        return Settings.from_env(environ).cache_dir

    assert cache_dir({"CITEBOT_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_dir({"CITEBOT_CACHE_DIR": "off"}) is None
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "citebot"
    assert cache_dir({}) == Path.home() / ".cache" / "citebot"


def test_index_command_builds_then_reports_up_to_date(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(tmp_path / "cache"))
    out = io.StringIO()
    assert run_index(argparse.Namespace(docs=[str(docs)], force=False), stdout=out) == 0
    assert "Index built" in out.getvalue() and "passages" in out.getvalue()
    out = io.StringIO()
    assert run_index(argparse.Namespace(docs=[str(docs)], force=False), stdout=out) == 0
    assert "up to date" in out.getvalue()
    assert list((tmp_path / "cache").iterdir())
