"""Answering creates no reference cycles, so what survives an answer may be frozen."""

from __future__ import annotations

import gc
import weakref

import pytest

from bot.cli import answer_to_json
from bot.engine_setup import Survivors
from retrieval.engine import Engine


def test_answering_creates_no_cyclic_garbage(engine: Engine) -> None:
    questions = ["Who posted the recording?", "How far can Taurus missiles reach?",
                 "What is the weather on Mars?", "", "and when?"]
    engine.answerer.answer(questions[0])  # sections mapped, model loaded
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for question in questions:
            answer = engine.answerer.answer(question)
            answer_to_json(answer)  # what the ask loop prints, too
            engine.answerer.answer(question, context=questions[0])
        found = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert found == 0


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle


def test_settle_freezes_survivors_and_collects_fully_every_n_answers() -> None:
    was_enabled = gc.isenabled()
    try:
        with Survivors(full_every=2) as survivors:
            assert not gc.isenabled()  # no automatic collection while answering
            node = _Node()
            alive = weakref.ref(node)
            del node  # unreachable, but a cycle: only a collection frees it
            survivors.settle()  # first answer: frozen, not collected
            assert alive() is not None
            assert gc.get_count()[0] == 0
            assert gc.get_freeze_count() > 0
            survivors.settle()  # second answer: one full collection first
            assert alive() is None
        assert gc.isenabled() == was_enabled
    finally:
        gc.unfreeze()


def test_settle_needs_a_positive_period() -> None:
    with pytest.raises(ValueError):
        Survivors(full_every=0)
