"""The offloader runs work inline while its inline cost is measured under budget.

A worker thread on another core starts with cold caches, so the same work can measure
twice as slow there as inline; these tests fake that with a clock the work advances by a
different amount on and off the event loop's thread.
"""

from __future__ import annotations

import threading

from bot.offload import PROBE_CEILING, PROBE_EVERY, Offloader

BUDGET = 0.001


class FakeWork:
    """Work whose measured duration depends on the thread it runs on."""

    def __init__(self, *, inline_seconds: float, threaded_seconds: float,
                 cold_inline_seconds: float | None = None) -> None:
        self.inline_seconds = inline_seconds
        self.threaded_seconds = threaded_seconds
        # An inline run right after a threaded one (the loop's core has cold caches).
        self.cold_inline_seconds = cold_inline_seconds
        self.now = 0.0
        self.loop_thread = threading.get_ident()
        self.places: list[str] = []

    def clock(self) -> float:
        return self.now

    def __call__(self) -> str:
        inline = threading.get_ident() == self.loop_thread
        cold = inline and self.places[-1:] == ["thread"]
        self.places.append("inline" if inline else "thread")
        if not inline:
            self.now += self.threaded_seconds
        elif cold and self.cold_inline_seconds is not None:
            self.now += self.cold_inline_seconds
        else:
            self.now += self.inline_seconds
        return "done"


async def run_times(offloader: Offloader, work: FakeWork, times: int) -> None:
    for _ in range(times):
        assert await offloader.run("answer", work) == "done"


async def test_unmeasured_work_runs_on_a_worker_thread() -> None:
    work = FakeWork(inline_seconds=0.0002, threaded_seconds=0.0002)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 1)
    assert work.places == ["thread"]


async def test_cheap_work_runs_inline_once_measured() -> None:
    work = FakeWork(inline_seconds=0.0002, threaded_seconds=0.0002)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 20)
    assert work.places[0] == "thread"
    assert set(work.places[1:]) == {"inline"}


async def test_work_slower_on_a_thread_than_inline_comes_back_inline() -> None:
    # 1.6 ms on a cold worker thread, 0.7 ms inline: over budget only when threaded.
    work = FakeWork(inline_seconds=0.0007, threaded_seconds=0.0016)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 40)
    assert work.places[0] == "thread"
    assert set(work.places[10:]) == {"inline"}


async def test_work_over_budget_inline_stays_mostly_on_threads() -> None:
    work = FakeWork(inline_seconds=0.0015, threaded_seconds=0.002)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 200)
    inline_runs = work.places.count("inline")
    # Probes only: a few inline runs after every PROBE_EVERY on threads.
    assert 0 < inline_runs <= 200 * 3 // (PROBE_EVERY + 3)


async def test_a_cold_first_probe_does_not_keep_cheap_work_on_threads() -> None:
    # After runs on the other core the loop's caches are cold: the first inline run
    # measures as slow as a threaded one, the next ones at their warm cost.
    work = FakeWork(inline_seconds=0.0007, threaded_seconds=0.0016,
                    cold_inline_seconds=0.0016)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 40)
    assert set(work.places[10:]) == {"inline"}


async def test_expensive_work_is_never_tried_inline() -> None:
    slow = BUDGET * PROBE_CEILING * 2
    work = FakeWork(inline_seconds=slow, threaded_seconds=slow)
    await run_times(Offloader(budget_seconds=BUDGET, clock=work.clock), work, 50)
    assert set(work.places) == {"thread"}


async def test_work_that_grows_expensive_moves_to_threads() -> None:
    work = FakeWork(inline_seconds=0.0002, threaded_seconds=0.0002)
    offloader = Offloader(budget_seconds=BUDGET, clock=work.clock)
    await run_times(offloader, work, 10)
    work.inline_seconds = work.threaded_seconds = BUDGET * PROBE_CEILING * 2
    work.places.clear()
    await run_times(offloader, work, 20)
    assert work.places[-10:] == ["thread"] * 10


async def test_an_unlimited_budget_runs_everything_inline_once_measured() -> None:
    work = FakeWork(inline_seconds=0.05, threaded_seconds=0.1)
    await run_times(Offloader(budget_seconds=float("inf"), clock=work.clock), work, 20)
    assert work.places[0] == "thread"
    assert set(work.places[1:]) == {"inline"}


async def test_inline_can_be_forbidden() -> None:
    work = FakeWork(inline_seconds=0.0001, threaded_seconds=0.0001)
    offloader = Offloader(budget_seconds=BUDGET, inline_allowed=False, clock=work.clock)
    await run_times(offloader, work, 30)
    assert set(work.places) == {"thread"}


async def test_kinds_are_measured_apart() -> None:
    cheap = FakeWork(inline_seconds=0.0001, threaded_seconds=0.0001)
    offloader = Offloader(budget_seconds=BUDGET, clock=cheap.clock)
    await run_times(offloader, cheap, 5)
    assert not offloader.runs_inline("summary")
    assert offloader.runs_inline("answer")


async def test_a_failing_run_is_still_measured_and_raises() -> None:
    work = FakeWork(inline_seconds=0.0002, threaded_seconds=0.0002)
    offloader = Offloader(budget_seconds=BUDGET, clock=work.clock)

    def failing() -> str:
        work()
        raise ValueError("bad question")

    for _ in range(3):
        try:
            await offloader.run("answer", failing)
        except ValueError as error:
            assert str(error) == "bad question"
        else:
            raise AssertionError("the work's error was swallowed")
    assert work.places == ["thread", "inline", "inline"]
