"""The platform-neutral core: ``await core.handle(incoming) -> Reply`` for every adapter.

Commands are parsed here (the same on every platform), questions answered with the
engine, follow-ups resolved against thread memory, users rate limited. Every string in
a :class:`Reply` is plain text; ``bot.render`` escapes it for each platform.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from bot import replies
from bot.commands import Command, clean_text, parse, takes_text
from bot.config import Settings
from bot.engine_setup import engine_from_settings
from bot.followups import (
    content_words,
    followup_query,
    leans_on_previous,
    names_in,
    replaces_subject,
)
from bot.memory import ThreadMemory, Turn
from bot.offload import DEFAULT_BUDGET_SECONDS, Offloader
from bot.ratelimit import TokenBucket
from bot.types import Citation, Incoming, Reply, ReplyKind
from retrieval.answer import Answer
from retrieval.answer import Citation as RetrievalCitation
from retrieval.engine import Engine
from retrieval.summary import Summarizer

log = logging.getLogger("citebot.core")
T = TypeVar("T")

# Above this many passages work always runs on a worker thread; below it, work runs
# inline while it is measured to take under a millisecond (bot/offload.py).
INLINE_MAX_PASSAGES = 20_000
# Commands whose work runs through ``Core._run`` and so counts against max_in_flight.
_WORK_COMMANDS = frozenset({"ask", "summary", "sources"})
_CONTEXT_QUOTE_CHARS = 600


class Core:
    """Answers :class:`Incoming` messages; one instance serves every user and thread."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
        inline_max_passages: int = INLINE_MAX_PASSAGES,
        offload_budget_seconds: float = DEFAULT_BUDGET_SECONDS,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._clock = clock
        self.offloader = Offloader(
            budget_seconds=offload_budget_seconds,
            inline_allowed=len(engine.corpus) <= inline_max_passages,
        )
        self.memory = ThreadMemory(
            size=settings.thread_memory_size,
            ttl_seconds=settings.thread_memory_ttl_seconds,
            clock=clock,
        )
        self.limiter = TokenBucket(
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
            clock=clock,
        )
        self._sources_text: str | None = None
        # Work under way in _run: on worker threads or waiting for one (work that runs
        # inline finishes before another message is handled, so counts at most once).
        self._in_flight = 0
        # Text this long cannot shrink under the question limit by losing markup;
        # refusing it before cleaning keeps a flood cheap.
        self._raw_text_cap = 4 * settings.max_question_chars + 1024
        self.summarizer = Summarizer(
            index=engine.index, max_sentences=settings.summary_sentences
        )

    def close(self) -> None:
        """At a stop: keep the sentence vectors encoded while serving (semantic ranking
        with a cache directory only) so that the next process need not encode them."""
        self.engine.save_semantic_vectors()

    async def handle(self, incoming: Incoming) -> Reply:
        """The reply to one message; never raises for anything a user can send."""
        started = time.perf_counter()
        reply = Reply(ReplyKind.ERROR, replies.ERROR)
        command: Command | None = None
        followup = False
        try:
            if len(incoming.text) > self._raw_text_cap and takes_text(incoming.command):
                reply = self._refuse_oversized(incoming)
            else:
                command = parse(incoming.text, command=incoming.command)
                reply, followup = await self._dispatch(incoming, command)
        except Exception:
            log.exception("failed to handle a %s message", incoming.platform.value)
        self._log(incoming, command, reply, followup, time.perf_counter() - started)
        return reply

    def _saturated(self, command: Command) -> bool:
        """Shed load: past ``max_in_flight`` answers under way (the worker-thread queue of
        a large document set), new work is refused at once rather than queued behind
        them, before the user's rate limit is charged."""
        return command.name in _WORK_COMMANDS and self._in_flight >= self.settings.max_in_flight

    async def _dispatch(self, incoming: Incoming, command: Command) -> tuple[Reply, bool]:
        if self._saturated(command):
            if not incoming.addressed:
                return Reply(ReplyKind.IGNORE, ""), False
            return Reply(ReplyKind.RATE_LIMITED, replies.BUSY), False
        if not incoming.addressed:
            return await self._overheard(incoming, command), False
        if not self.limiter.allow((incoming.platform, incoming.user)):
            wait = self.limiter.retry_after((incoming.platform, incoming.user))
            return Reply(ReplyKind.RATE_LIMITED, replies.rate_limited(wait)), False
        if command.name == "help":
            return Reply(ReplyKind.HELP, replies.HELP), False
        if command.name == "sources":
            if self._sources_text is None:
                corpus = self.engine.corpus
                self._sources_text = await self._run(
                    lambda: replies.sources(corpus), kind="sources"
                )
            return Reply(ReplyKind.SOURCES, self._sources_text), False
        limit = self.settings.max_question_chars
        if len(command.argument) > limit:
            return Reply(ReplyKind.INVALID, replies.too_long(len(command.argument), limit)), False
        if command.name == "summary":
            return await self._summary(incoming, command.argument), False
        return await self._ask(incoming, command.argument)

    def _refuse_oversized(self, incoming: Incoming) -> Reply:
        if not incoming.addressed:
            return Reply(ReplyKind.IGNORE, "")
        if not self.limiter.allow((incoming.platform, incoming.user)):
            wait = self.limiter.retry_after((incoming.platform, incoming.user))
            return Reply(ReplyKind.RATE_LIMITED, replies.rate_limited(wait))
        limit = self.settings.max_question_chars
        return Reply(ReplyKind.INVALID, replies.too_long(len(incoming.text), limit))

    async def _overheard(self, incoming: Incoming, command: Command) -> Reply:
        """Channel chatter: speak only to a question the documents answer."""
        question = command.argument
        if (
            command.name != "ask"
            or not question.rstrip().endswith("?")
            or len(question) > self.settings.max_question_chars
        ):
            return Reply(ReplyKind.IGNORE, "")
        answer = await self._run(
            lambda: self.engine.answerer.answer(question, k=self.settings.citations_per_answer)
        )
        if not answer.answered or not self.limiter.allow((incoming.platform, incoming.user)):
            return Reply(ReplyKind.IGNORE, "")
        self._remember(incoming, question, answer)
        return self._answer_reply(answer, followup_of=None)

    async def _ask(self, incoming: Incoming, question: str) -> tuple[Reply, bool]:
        index = self.engine.index
        previous = self.memory.get(self._thread_key(incoming))
        followup = previous is not None and leans_on_previous(
            question, analyzer=index.analyzer, vocabulary=index.vocabulary
        )
        query, context = question, None
        frame: tuple[str, ...] | None = None
        if followup and previous is not None:
            # The earlier question's words join the query. When that question named no one,
            # a pronoun points into the cited passage: its names are weaker context.
            query, frame = followup_query(
                question, previous.question, previous.words, previous.names,
                analyzer=index.analyzer, vocabulary=index.vocabulary,
                previous_frame=previous.frame,
            )
            replaced = replaces_subject(
                question, analyzer=index.analyzer, vocabulary=index.vocabulary
            )
            if frame is not None:
                context = " ".join(frame) or None
            elif not previous.names and not replaced:
                context = previous.context or None
        k = self.settings.citations_per_answer
        answer = await self._run(lambda: self.engine.answerer.answer(query, k=k, context=context))
        self._remember(incoming, query, answer, shown=question, frame=frame)
        return self._answer_reply(answer, followup_of=previous if followup else None), followup

    async def _summary(self, incoming: Incoming, topic: str) -> Reply:
        summary = await self._run(
            lambda: self.summarizer.summarize(topic or None), kind="summary"
        )
        if not summary.citations:
            return Reply(ReplyKind.SUMMARY, summary.text)
        citations = tuple(_to_bot(c) for c in summary.citations)
        if topic:
            analyzer = self.engine.index.analyzer
            words = tuple(content_words(analyzer, topic))
            quote = " ".join(c.quote for c in summary.citations[:2])
            turn = Turn(topic, quote, words, tuple(names_in(analyzer, topic)), shown=topic,
                        context=" ".join(names_in(analyzer, quote[:_CONTEXT_QUOTE_CHARS])))
            self.memory.put(self._thread_key(incoming), turn)
        return Reply(ReplyKind.SUMMARY, summary.text, citations)

    def _answer_reply(self, answer: Answer, *, followup_of: Turn | None) -> Reply:
        notices: tuple[str, ...] = ()
        if followup_of is not None:
            notices = (replies.followup_notice(followup_of.shown),)
        if answer.answered:
            citations = tuple(_to_bot(c) for c in answer.shown_citations)
            return Reply(ReplyKind.ANSWER, "", citations, notices)
        weak = tuple(_to_bot(c, weak=True) for c in answer.citations[:1])
        text = replies.decline(answer.missing_terms, has_closest=bool(weak))
        return Reply(ReplyKind.DECLINE, text, weak, notices, tuple(answer.missing_terms))

    def _remember(
        self, incoming: Incoming, question: str, answer: Answer, *, shown: str | None = None,
        frame: tuple[str, ...] | None = None,
    ) -> None:
        analyzer = self.engine.index.analyzer
        quote = answer.citations[0].quote if answer.answered and answer.citations else ""
        words = tuple(content_words(analyzer, question))[:12]
        names = tuple(names_in(analyzer, question))
        turn = Turn(question[:500], quote, words, names, shown=(shown or question)[:200],
                    context=" ".join(names_in(analyzer, quote[:_CONTEXT_QUOTE_CHARS])),
                    frame=frame)
        self.memory.put(self._thread_key(incoming), turn)

    @staticmethod
    def _thread_key(incoming: Incoming) -> tuple[str, str, str]:
        thread = incoming.thread if incoming.thread is not None else f"user:{incoming.user}"
        return (incoming.platform.value, incoming.channel, thread)

    async def _run(self, work: Callable[[], T], *, kind: str = "answer") -> T:
        self._in_flight += 1
        try:
            return await self.offloader.run(kind, work)
        finally:
            self._in_flight -= 1

    def _log(
        self,
        incoming: Incoming,
        command: Command | None,
        reply: Reply,
        followup: bool,
        seconds: float,
    ) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        fields: dict[str, object] = {
            "platform": incoming.platform.value,
            "command": command.name if command else None,
            "kind": reply.kind.value,
            "answered": reply.answered,
            "addressed": incoming.addressed,
            "followup": followup,
            "citations": len(reply.citations),
            "latency_ms": round(seconds * 1000, 3),
        }
        if self.settings.log_message_text:
            fields["text"] = clean_text(incoming.text)[:500]
        log.info(
            "message " + " ".join(f"{k}=%s" for k in fields),
            *fields.values(),
            extra={"citebot": fields},
        )


def _to_bot(citation: RetrievalCitation, *, weak: bool | None = None) -> Citation:
    return Citation(
        quote=citation.quote,
        source=citation.source,
        section=citation.section,
        paragraph=citation.paragraph,
        score=citation.score,
        weak=citation.weak if weak is None else weak,
    )


def build_core(settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> Core:
    """Load and index the documents (blocking; call once at start-up) and build the core."""
    engine = engine_from_settings(settings)
    return Core(engine=engine, settings=settings, clock=clock)
