"""Large events are prepared in a worker process, with a time budget, off the event loop.

Preparing an event (validating its JSON, redacting, cutting strings, running
the risk rules over its command) costs time that grows with its payload, and
some of that time is spent in single calls into C (a regular expression over
megabytes) that never let another thread run. An event whose body is over
INLINE_BYTES is therefore sent to a child process, forked from the daemon
(so it has the rules and the scanner loaded, and starts in milliseconds),
which prepares it with the same code (envelope.Preparer) and sends back the
``Prepared`` result; the daemon then only numbers, times and encodes it
(EnvelopeBuilder.finish) and spools it, in arrival order. Small events, nearly
all of them, are prepared inline as before.

The budget (work_budget_ms) runs from when the worker is handed the event.
Past it the worker is killed (a new one is started for the next large event)
and the event is kept with its payload replaced by a marker,
``{"hookd_withheld": {"reason": "over_budget", ...}}``: the event, its hook, its
sender and its place in the sequence still reach Redis, its payload never
does, since it could not be redacted. The same happens if the worker dies on
the event (``worker_failed``). Both are counted (status ``work``) and logged.

The fork happens on the event loop's thread, between events, so no redaction
is half done in the copy; the child closes every descriptor but its two pipes
and stderr (it must not hold the sockets or the state directory's lock), and
dies with the daemon (PR_SET_PDEATHSIG), or when its input pipe closes.

Messages on the pipes (worker_pipe.py): an 8-byte big-endian length, then msgpack.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import time
from typing import Any

import msgspec
import structlog

from hookd.envelope import Prepared, Preparer
from hookd.refusals import Reason, Rejected
from hookd.worker_pipe import receive, send, send_by

log = structlog.get_logger("hookd.worker")

# Bodies up to this size are prepared on the event loop: at the linear rates the rules
# are held to, well under a millisecond; and most events are a few KiB.
INLINE_BYTES = 64 * 1024
_PR_SET_PDEATHSIG = 1


class Reply(msgspec.Struct, array_like=True):
    prepared: Prepared | None = None
    reason: str | None = None  # a refusal: Reason's value
    message: str = ""


class Worker:
    def __init__(self, preparer: Preparer, budget_s: float) -> None:
        self.preparer = preparer
        self.budget_s = budget_s
        self._pid: int | None = None
        self._to_child = self._from_child = -1
        self._lock = asyncio.Lock()
        self.prepared = 0
        self.over_budget = 0
        self.failed = 0
        self.restarts = 0
        self.busy_since: float | None = None

    async def prepare(self, body: bytes) -> Prepared:
        """The prepared event, a withheld-payload marker past the budget; raises Rejected."""
        async with self._lock:  # one event at a time: the worker is one process
            self.busy_since = time.monotonic()
            try:
                outcome, reply = "worker_failed", None
                for _attempt in (1, 2):
                    if self._pid is None:
                        try:
                            self._start()
                        except OSError as exc:
                            raise Rejected(
                                Reason.UNAVAILABLE,
                                f"the worker process for large "
                                f"events cannot start ({exc.strerror}); keep the event "
                                "and resend it",
                                internal=True,
                            ) from None
                    outcome, reply = await asyncio.to_thread(self._call, body)
                    if outcome != "not_sent":
                        break
                    # It died since the last event (killed from outside): start another, once.
                    outcome = "worker_failed"
            finally:
                self.busy_since = None
        if outcome == "ok":
            assert reply is not None  # _call pairs "ok" with the decoded Reply
            if reply.reason is not None:
                raise Rejected(Reason(reply.reason), reply.message)
            assert reply.prepared is not None  # the worker sends prepared whenever it does not refuse
            self.prepared += 1
            return reply.prepared
        if outcome == "over_budget":
            self.over_budget += 1
        else:
            self.failed += 1
        log.error(
            "event_payload_withheld",
            reason=outcome,
            bytes=len(body),
            budget_ms=round(self.budget_s * 1000),
            over_budget=self.over_budget,
            worker_failed=self.failed,
            hint="the payload could not be prepared (redacted) within work_budget_ms; "
            "the event is kept with a marker in place of its payload",
        )
        return withheld(outcome, len(body), self.budget_s)

    def _start(self) -> None:
        """Fork the worker, on the loop's thread (see the module's doc)."""
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                _child(self.preparer, down_r, up_w)
                code = 0
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        os.set_blocking(down_w, False)  # written by send_by, which waits for room until a deadline
        self._pid, self._to_child, self._from_child = pid, down_w, up_r
        self.restarts += 1
        log.info("worker_started", pid=pid, starts=self.restarts)

    # -- in a thread ---------------------------------------------------------

    def _call(self, body: bytes) -> tuple[str, Reply | None]:
        # The budget covers the hand-over too: a worker that stops reading (SIGSTOP, a frozen
        # cgroup) would otherwise hold this write, and every large event and inbox sweep behind it.
        deadline = time.monotonic() + self.budget_s
        try:
            send_by(self._to_child, body, deadline)
        except TimeoutError:
            self._kill()
            return "over_budget", None
        except OSError:
            self._kill()
            return "not_sent", None
        try:
            data = receive(self._from_child, deadline)
        except TimeoutError:
            self._kill()
            return "over_budget", None
        except (OSError, EOFError):
            self._kill()
            return "worker_failed", None
        try:
            return "ok", msgspec.msgpack.decode(data, type=Reply)
        except msgspec.DecodeError:
            self._kill()
            return "worker_failed", None

    def _kill(self) -> None:
        pid, self._pid = self._pid, None
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(self._to_child)
        os.close(self._from_child)

    def close(self) -> None:
        """Stop the worker (at shutdown): it exits when its input closes; killed if it does not."""
        pid = self._pid
        if pid is None:
            return
        os.close(self._to_child)
        self._to_child = os.open(os.devnull, os.O_WRONLY)  # closed again by _kill
        for _ in range(50):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                self._pid = None
                os.close(self._to_child)
                os.close(self._from_child)
                return
            time.sleep(0.01)
        self._kill()

    def snapshot(self) -> dict[str, Any]:
        return {
            "inline_bytes": INLINE_BYTES,
            "budget_ms": round(self.budget_s * 1000),
            "prepared": self.prepared,
            "over_budget": self.over_budget,
            "worker_failed": self.failed,
            "worker_starts": self.restarts,
            "busy_for_s": None if self.busy_since is None else round(time.monotonic() - self.busy_since, 3),
        }


def withheld(reason: str, size: int, budget_s: float) -> Prepared:
    """A payload in place of one that could not be prepared: never the unredacted original."""
    marker = msgspec.json.encode(
        {
            "hookd_withheld": {
                "reason": reason,
                "bytes": size,
                "budget_ms": round(budget_s * 1000),
                "why": "the payload could not be redacted within work_budget_ms, so it is not kept",
            }
        }
    )
    return Prepared(marker, {}, 0, None, None, None, None)


# -- the child ------------------------------------------------------------------


def _child(preparer: Preparer, down: int, up: int) -> None:
    """Prepare each body read from ``down``, answer on ``up``; return when ``down`` closes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the closed pipe still ends it once the event in hand is done
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL if sig == signal.SIGTERM else signal.SIG_IGN)
    keep = sorted({2, down, up})
    start = 0
    for fd in keep + [os.sysconf("SC_OPEN_MAX")]:
        os.closerange(start, fd)
        start = fd + 1
    encode = msgspec.msgpack.Encoder().encode
    while True:
        try:
            body = receive(down, float("inf"))
        except EOFError:
            return
        try:
            reply = Reply(prepared=preparer.prepare(body))
        except Rejected as exc:
            reply = Reply(reason=exc.reason.value, message=exc.message)
        send(up, encode(reply))
