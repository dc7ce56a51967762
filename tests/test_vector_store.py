"""Sentence vectors kept on disk between runs (retrieval/vector_store.py)."""

from __future__ import annotations

import hashlib
import logging
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from fakes.encoder import CountingEncoder

from retrieval.encoder import DIMENSIONS, MODEL_ID, WEIGHTS_FILE, WEIGHTS_SHA256
from retrieval.semantic import EncoderLoader, SemanticScorer
from retrieval.vector_store import VectorStore, text_digest, vector_file

DIM = DIMENSIONS


def _scorer(texts: list[str], path: Path, encoder: CountingEncoder) -> SemanticScorer:
    return SemanticScorer(loader=EncoderLoader(lambda: encoder), text_of=texts.__getitem__,
                          size=len(texts), store=VectorStore(path, dimensions=DIM))


def _scorer_vectors(scorer: SemanticScorer, texts: list[str]) -> np.ndarray:
    ids = np.arange(len(texts))
    return np.vstack([scorer.cosines(q, ids) for q in ("x", "xy", "xyz")])


def test_a_new_process_reuses_the_stored_vectors(tmp_path: Path) -> None:
    texts = ["aa", "bbb", "cccc", "ddddd"]
    path = tmp_path / "v.npz"
    first_encoder = CountingEncoder()
    first = _scorer(texts, path, first_encoder)
    expected = _scorer_vectors(first, texts)
    first.save()
    assert path.is_file()

    again = CountingEncoder()
    second = _scorer(texts, path, again)
    assert np.array_equal(_scorer_vectors(second, texts), expected)
    assert again.texts == ["x", "xy", "xyz"]  # the questions only
    assert second.encoded_here == 0
    mtime = path.stat().st_mtime_ns
    second.save()  # nothing new: the file is not rewritten
    assert path.stat().st_mtime_ns == mtime


def test_only_changed_passages_are_encoded_again(tmp_path: Path) -> None:
    path = tmp_path / "v.npz"
    before = ["aa", "bbb", "cccc"]
    scorer = _scorer(before, path, CountingEncoder())
    scorer.cosines("q", np.arange(3))
    scorer.save()

    after = ["new first sentence", "aa", "bbb", "cccc edited"]  # shifted and edited
    encoder = CountingEncoder()
    _scorer(after, path, encoder).cosines("q", np.arange(4))
    assert encoder.texts == ["new first sentence", "cccc edited", "q"]


def test_the_file_keeps_unused_vectors_but_not_more_than_the_passages(tmp_path: Path) -> None:
    path = tmp_path / "v.npz"
    texts = ["aa", "bbb", "cccc", "ddddd"]
    one = _scorer(texts, path, CountingEncoder())
    one.cosines("q", np.array([0, 1]))
    one.save()
    two = _scorer(texts, path, CountingEncoder())
    two.cosines("q", np.array([2]))  # a later run asks about other passages
    two.save()
    stored = VectorStore(path, dimensions=DIM).load_all().vectors
    assert set(stored) == {text_digest(t) for t in texts[:3]}

    edited = ["zz", "yyy", "xxxx", "ddddd"]  # three passages rewritten: old vectors go
    three = _scorer(edited, path, CountingEncoder())
    three.cosines("q", np.arange(4))
    three.save()
    stored_digests = set(VectorStore(path, dimensions=DIM).load_all().vectors)
    assert stored_digests == {text_digest(t) for t in edited}


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip file", b"PK\x03\x04 truncated"],
)
def test_an_unreadable_file_is_ignored_with_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v.npz"
    path.write_bytes(content)
    encoder = CountingEncoder()
    with caplog.at_level(logging.WARNING):
        cosines = _scorer(["aa", "bbb"], path, encoder).cosines("xy", np.arange(2))
    assert cosines.tolist() == [1.0, 0.0]
    assert encoder.texts == ["aa", "bbb", "xy"]
    assert "ignoring the stored vectors" in caplog.text and str(path) in caplog.text


def test_a_file_of_the_wrong_shape_or_type_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "v.npz"
    digest = text_digest("aa")
    for digests, vectors in [
        (np.array([digest], dtype=np.uint64), np.ones((1, DIM + 1), dtype=np.float32)),
        (np.array([digest], dtype=np.int64), np.ones((1, DIM), dtype=np.float32)),
        (np.array([digest], dtype=np.uint64), np.ones((1, DIM), dtype=np.float64)),
        (np.array([digest, 5], dtype=np.uint64), np.ones((1, DIM), dtype=np.float32)),
    ]:
        np.savez(path, digests=digests, vectors=vectors)
        assert VectorStore(path, dimensions=DIM).load_all().vectors == {}
    np.savez(path, digests=np.array(["x"], dtype=object), vectors=np.ones((1, DIM)))
    assert VectorStore(path, dimensions=DIM).load_all().vectors == {}  # object arrays need pickle


def test_a_failed_write_is_logged_and_answers_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    scorer = _scorer(["aa"], blocker / "v.npz", CountingEncoder())
    scorer.cosines("q", np.array([0]))
    with caplog.at_level(logging.WARNING):
        scorer.save()
    assert "could not save sentence vectors" in caplog.text
    assert list(tmp_path.iterdir()) == [blocker]


def test_the_file_is_named_by_documents_and_model(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    first = vector_file(tmp_path / "cache", [a], MODEL_ID)
    assert first.parent == tmp_path / "cache" / "vectors" and MODEL_ID in first.name
    assert vector_file(tmp_path / "cache", [a, b], MODEL_ID) != first
    assert vector_file(tmp_path / "cache", [a], "other-model") != first


def test_the_model_id_names_the_shipped_weights() -> None:
    # Vectors on disk are trusted by MODEL_ID: new weights need a new id (and this pin).
    data = resources.files("retrieval").joinpath(WEIGHTS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == WEIGHTS_SHA256


def test_digest_is_never_zero_and_tells_texts_apart() -> None:
    digests = {text_digest(t) for t in ("", "a", "b", "\ud800 lone surrogate", "é")}
    assert len(digests) == 5 and 0 not in digests


def test_files_of_other_document_sets_are_pruned_oldest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from retrieval import vector_store

    monkeypatch.setattr(vector_store, "MAX_FILES", 3)
    folder = tmp_path / "vectors"
    folder.mkdir()
    for age, name in enumerate(("newest", "middle", "older", "oldest")):
        path = folder / f"{name}.npz"
        path.write_bytes(b"x")
        os.utime(path, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))
    unrelated = folder / "notes.txt"
    unrelated.write_text("kept")
    scorer = _scorer(["aa"], folder / "current.npz", CountingEncoder())
    scorer.cosines("q", np.array([0]))
    scorer.save()
    assert sorted(p.name for p in folder.iterdir()) == [
        "current.npz", "middle.npz", "newest.npz", "notes.txt"]


def test_word_pieces_are_stored_and_reused_with_the_vectors(tmp_path: Path) -> None:
    texts = ["aa", "bbb", "cccc"]
    path = tmp_path / "v.npz"
    first = _scorer(texts, path, CountingEncoder())
    expected = first.piece_match("xy", np.arange(3))
    first.save()
    stored = VectorStore(path, dimensions=DIM).load_all()
    assert set(stored.pieces) == set(stored.vectors) == {text_digest(t) for t in texts}
    assert all(p.dtype == np.float16 and p.shape == (1, DIM) for p in stored.pieces.values())

    again = CountingEncoder()
    second = _scorer(texts, path, again)
    assert np.array_equal(second.piece_match("xy", np.arange(3)), expected)
    assert again.texts == ["xy"]  # the question only


def test_a_file_without_word_pieces_gives_vectors_and_pieces_are_encoded(
    tmp_path: Path,
) -> None:
    # A file written before pieces were stored: its vectors are read, and a passage is
    # encoded again only for its pieces, which the next save adds.
    texts = ["aa", "bbb"]
    path = tmp_path / "v.npz"
    digests = np.array([text_digest(t) for t in texts], dtype=np.uint64)
    vectors = np.eye(2, DIM, dtype=np.float32)
    np.savez(path, digests=digests, vectors=vectors)
    assert VectorStore(path, dimensions=DIM).load_all().pieces == {}
    encoder = CountingEncoder()
    scorer = _scorer(texts, path, encoder)
    scorer.piece_match("q", np.arange(2))
    assert encoder.texts == ["aa", "bbb", "q"]
    scorer.save()
    assert len(VectorStore(path, dimensions=DIM).load_all().pieces) == 2


def test_word_pieces_of_the_wrong_shape_are_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "v.npz"
    digests = np.array([text_digest("aa")], dtype=np.uint64)
    np.savez(path, digests=digests, vectors=np.ones((1, DIM), dtype=np.float32),
             piece_counts=np.array([3], dtype=np.uint32),
             pieces=np.ones((2, DIM), dtype=np.float16))  # 3 counted, 2 stored
    with caplog.at_level(logging.WARNING):
        stored = VectorStore(path, dimensions=DIM).load_all()
    assert list(stored.vectors) == [text_digest("aa")] and stored.pieces == {}
    assert "word pieces" in caplog.text
