"""HTTP ingest for Claude Code's ``type: "http"`` hooks: ``POST /hook``, the socket's pipeline.

One ``HookConnection`` per client connection glues the parts together: requests
are read within the limits by http_request.py, which judges each head by the
checks of http_checks.py (the token first, then Host and Origin); the answers are
made by http_answers.py and sent by the reply queue the socket uses too
(replies.py). The listener (http_listener.py) holds the sockets, the token and
the counts.

Each request is answered only once its event is in the spool (and, under
spool_fsync=batch, flushed), exactly as the socket's ``OK``. Requests that one
read brings go through ``Pipeline.take_all`` together, and their answers go out
in order.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import TYPE_CHECKING, Protocol

from hookd.ingest.budget import PausesReading
from hookd.ingest.http_answers import CONTINUE, KEEPALIVE_IDLE_S, Answer, error, from_reply, then_close, unflushed
from hookd.ingest.http_request import Request, RequestReader
from hookd.ingest.replies import ReplyQueue
from hookd.refusals import Reason

if TYPE_CHECKING:
    from hookd.ingest.budget import FrameBudget
    from hookd.pipeline import Pipeline

# Anyone on this machine can connect before the token is known: past this many connections at
# once one is closed, so that no one can take every file descriptor hookd has (the event
# socket's connections, the inbox, the spool would then fail with EMFILE). The one closed is the
# oldest that has not shown the token (tests/test_redteam4_http.py): refusing the new one let
# another user who held the places have every event of the owner's refused, and HTTP hooks have
# no inbox. Only when every place holds a tokened connection is the new one answered 503.
# Under a descriptor limit too low for it, half of what hookd does not keep for itself
# (hookd/descriptors.py): the listener's ``max_connections``.
MAX_CONNECTIONS = 256


class Listener(Protocol):
    """What a connection uses of the listener that accepted it (http_listener.HttpListener,
    which imports this module: named here as a protocol, so the import goes one way)."""

    pipeline: Pipeline | None
    max_body: int
    timeout_s: float
    max_connections: int
    budget: FrameBudget | None
    connections: set[HookConnection]
    by_status: Counter[int]

    def authorization_problem(self, value: bytes | None) -> str | None: ...

    def host_problem(self, value: bytes | None) -> str | None: ...

    def log_refusal(self, status: int, reason: str, message: str) -> None: ...

    def close_a_stranger(self, why: str) -> bool: ...


class HookConnection(PausesReading, asyncio.Protocol):
    """One client connection: HTTP/1.1 requests in, one answer each, in order, keep-alive."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        pipeline = listener.pipeline
        assert pipeline is not None  # connections come only once start() has given it
        self.pipeline = pipeline
        self.timeout_s = listener.timeout_s
        self.reader = RequestReader(listener, pipeline, listener.max_body, self._begun, self._may_continue)
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.closing = False
        self.eof = False
        self.fresh = True  # connected, nothing received yet: at a stop it gets a moment to send
        self.replies: ReplyQueue[Answer] = ReplyQueue(
            self._write_answers, self._close, unflushed, self._on_answers_sent
        )
        self.deadline = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self.opened_at = self.loop.time()

    @property
    def in_request(self) -> bool:
        """A request has begun and is not complete yet."""
        return self.reader.in_request

    # -- asyncio callbacks ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if len(self.listener.connections) >= self.listener.max_connections and not self._make_room():
            self.closing = True
            message = f"over {self.listener.max_connections} connections at once; try again"
            self.listener.log_refusal(503, "too_many_connections", message)
            transport.write(error(503, "too_many_connections", message, True))  # type: ignore[attr-defined]
            transport.close()
            return
        self.listener.connections.add(self)
        self._set_deadline(self.loop.time() + self.timeout_s)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.fresh = False
        started = time.perf_counter()
        parsed, stop = self.reader.feed(data)
        if parsed:
            self._answer(parsed, stop)
            self.pipeline.state.accept_latency.add(time.perf_counter() - started)
        elif stop:
            self._close()
        if self.listener.budget is not None:
            self.listener.budget.update(self, self.reader.body_bytes if self.in_request else 0)

    def eof_received(self) -> bool:
        if self.in_request and not self.closing:
            self._answer(
                [
                    self.reader.refusal
                    or self.reader.refuse(Reason.NOT_JSON, 400, "the connection ended in the middle of a request")
                ],
                stop=True,
            )
        self.eof = True
        if not self.replies:
            self._close()
        return True  # answers still waiting for a flush go out before the close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.listener.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.reader.forget()
        if self.listener.budget is not None:
            self.listener.budget.release(self)

    def _make_room(self) -> bool:
        return self.listener.close_a_stranger(
            ": one that has not shown the token (closing, else the oldest) was closed to make room "
            "(another local user holding connections?)"
        )

    # -- asked by the reader (during feed) -----------------------------------

    def _begun(self) -> None:
        self._set_deadline(self.loop.time() + self.timeout_s)

    def _may_continue(self) -> None:
        """``Expect: 100-continue``, and the head is accepted: ask for the body, unless answers
        to earlier requests are still to be sent (then the client sends it anyway)."""
        if not self.replies and self.transport is not None:
            self.transport.write(CONTINUE)

    # -- answering -------------------------------------------------------------

    def _answer(self, parsed: list[Request | Answer], stop: bool) -> None:
        """Queue the answers to one read's requests, in order, behind the flush they wait for."""
        frames = [(item.header, item.body) for item in parsed if isinstance(item, Request)]
        durable = None
        replies: list[bytes] | None = []
        if frames:
            replies, _, durable = self.pipeline.take_all(frames, self.replies.after)
        if replies is None:  # prepared off the loop: answered when its replies come
            assert durable is not None  # an Outcome without replies has the future that brings them
            if not stop and not self.in_request:
                self._set_deadline(self.loop.time() + KEEPALIVE_IDLE_S)
            self.replies.add_later(durable, lambda result: self._answers(parsed, result[0], stop))
            return
        answers, close = self._answers(parsed, replies, stop)
        self.replies.add(answers, close, durable)

    def _answers(self, parsed: list[Request | Answer], replies: list[bytes], stop: bool) -> tuple[list[Answer], bool]:
        answers: list[Answer] = []
        pending = iter(replies)
        for item in parsed:
            answer = from_reply(next(pending), item.keep_alive) if isinstance(item, Request) else item
            answers.append(answer)
            if answer.close:
                break
        close = stop or answers[-1].close
        if not close and not self.in_request:
            self._set_deadline(self.loop.time() + KEEPALIVE_IDLE_S)
        return answers, close

    def _write_answers(self, answers: list[Answer]) -> None:
        by_status = self.listener.by_status
        for answer in answers:  # Counter.update cost 3% of a request, in its ABC checks
            by_status[answer.status] += 1
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(a.data for a in answers))

    def _on_answers_sent(self) -> None:
        if self.eof:
            self._close()

    # -- time limits and closing -------------------------------------------------

    def _set_deadline(self, when: float) -> None:
        self.deadline = when
        if self.timer is None or when < self.timer_at:
            if self.timer is not None:
                self.timer.cancel()
            self.timer_at = when
            self.timer = self.loop.call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        """Fires at the deadline armed; a later one set since only moves the timer on."""
        self.timer = None
        if self.closing:
            return
        now = self.loop.time()
        if now < self.deadline or self.replies:  # waiting on our own flush is not the client's fault
            self._set_deadline(max(self.deadline, now + self.timeout_s) if self.replies else self.deadline)
            return
        if self.in_request:
            refusal = self.reader.refusal
            answer = (
                then_close(refusal)
                if refusal is not None
                else self.reader.refuse(
                    Reason.TIMEOUT, 408, f"the request did not arrive within {self.timeout_s:g}s (client_timeout_s)"
                )
            )
            self.listener.by_status[answer.status] += 1
            if self.transport is not None:
                self.transport.write(answer.data)
        self._close()  # an idle keep-alive connection closes quietly

    def _close(self) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.close_transport(self.timeout_s)

    def shut(self) -> None:
        """Close at shutdown: a request in the middle of arriving is told hookd is stopping."""
        if self.closing:
            return
        if self.in_request and not self.replies and self.transport is not None:
            self.listener.by_status[503] += 1
            self.transport.write(error(503, Reason.UNAVAILABLE.value, "hookd is shutting down", True))
        self._close()
