"""Tokens, cost and model per session, from the transcripts Claude Code names in its events.

At Stop, SubagentStop, PreCompact and SessionEnd the envelope gets ``usage``: per
model, the tokens since the session's last such event and in total, with their
cost. The transcript is read in a worker thread; the event waits for that reading
at most ``budget_s`` and goes on without what the reading had not finished (the
next usage event of the session gets it: nothing is counted twice or lost).
Other events of a session start a reading in the background now and then, so
that the session's model is known early and a Stop has little left to read.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import OrderedDict

import msgspec
import structlog

from hookd.enrich.enricher import MAX_ID_CHARS
from hookd.enrich.prices import PriceTable
from hookd.enrich.transcript import Counts, Reading, TranscriptCursor, TranscriptRefused

log = structlog.get_logger("hookd.usage")

USAGE_HOOKS = frozenset({"Stop", "SubagentStop", "PreCompact", "SessionEnd"})
MAX_PATH_CHARS = 4096
# Between usage events, a session's transcript is read in the background at most this often.
BACKGROUND_EVERY_S = 2.0
MAX_SESSIONS = 2000
MAX_FILES_PER_SESSION = 64
# Readings one job may chain to catch up with a long transcript (each at most max_bytes).
CATCH_UP_READINGS = 16


class ModelUsage(msgspec.Struct, gc=False):
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float | None  # None: no price for this model (usage_prices)


class Usage(msgspec.Struct):
    since_last: dict[str, ModelUsage]
    total: dict[str, ModelUsage]
    since_last_cost_usd: float
    total_cost_usd: float
    caught_up: bool  # false: part of the transcript was not read in time; the next event has it


class _Session:
    def __init__(self) -> None:
        self.files: dict[str, TranscriptCursor] = {}
        self.total: dict[str, Counts] = {}
        self.reported: dict[str, Counts] = {}
        self.model: str | None = None
        self.job: concurrent.futures.Future[None] | None = None
        self.last_started = 0.0
        self.caught_up = True


class UsageTracker:
    def __init__(self, prices: PriceTable, budget_s: float = 0.05, max_bytes: int = 2 << 20, workers: int = 2) -> None:
        self.prices = prices
        self.budget_s = budget_s
        self.max_bytes = max_bytes
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="hookd-usage")
        self.lock = threading.Lock()
        self.sessions: OrderedDict[str, _Session] = OrderedDict()
        self.refused = 0
        self.bad_lines = 0
        self.late = 0  # usage events that went on before their reading finished

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def observe(self, session: str | None, hook: str, paths: tuple[object, ...]) -> Usage | None:
        """The event's ``usage`` (usage events only); starts the reading the event calls for."""
        if not session or len(session) > MAX_ID_CHARS:  # remembered per session: only ids of a sane size
            return None
        wanted = [
            p for p in paths if isinstance(p, str) and p.startswith("/") and len(p) <= MAX_PATH_CHARS and "\0" not in p
        ]
        state = self.sessions.get(session)
        if state is None:
            if not wanted:
                return None
            state = self.sessions[session] = _Session()
            if len(self.sessions) > MAX_SESSIONS:
                self.sessions.popitem(last=False)
        self.sessions.move_to_end(session)
        is_usage = hook in USAGE_HOOKS
        now = time.monotonic()
        if wanted and (is_usage or now - state.last_started >= BACKGROUND_EVERY_S):
            job = self._start(state, wanted, now)
            if is_usage and job is not None:
                done, _ = concurrent.futures.wait([job], timeout=self.budget_s)
                if not done:
                    self.late += 1
        return self._report(state) if is_usage else None

    def model_of(self, session: str | None) -> str | None:
        """The model of the session's latest main-thread assistant message, once a reading saw one."""
        state = self.sessions.get(session) if session else None
        return state.model if state is not None else None

    def _start(self, state: _Session, paths: list[str], now: float) -> concurrent.futures.Future[None] | None:
        if state.job is not None and not state.job.done():
            return state.job  # one reading per session at a time; it continues where it is
        for path in paths:
            if path not in state.files and len(state.files) < MAX_FILES_PER_SESSION:
                state.files[path] = TranscriptCursor(path)
        state.last_started = now
        try:
            state.job = self.pool.submit(self._read, state, [state.files[p] for p in paths if p in state.files])
        except RuntimeError:  # the pool is shut down: the daemon is stopping
            return None
        return state.job

    def _read(self, state: _Session, cursors: list[TranscriptCursor]) -> None:
        """In a worker thread: read each transcript's new lines and add them to the session.

        Each reading takes at most max_bytes; a transcript further behind (hookd started
        late in a long session) is read on in the same job, up to CATCH_UP_READINGS, with
        what each reading found added to the session at once.
        """
        for _ in range(CATCH_UP_READINGS):
            reading = Reading()
            for cursor in cursors:
                try:
                    cursor.read(self.max_bytes, reading)
                except TranscriptRefused as exc:
                    self._refused(cursor.path, str(exc))
                except Exception:
                    log.exception("transcript_read_failed", path=cursor.path)
            self._add(state, reading)
            if reading.caught_up:
                return

    def _add(self, state: _Session, reading: Reading) -> None:
        with self.lock:
            for model, counts in reading.counts.items():
                state.total.setdefault(model, Counts()).add(counts)
            if reading.model is not None:
                state.model = reading.model
            state.caught_up = reading.caught_up
            self.bad_lines += reading.bad_lines

    def _refused(self, path: str, why: str) -> None:
        self.refused += 1
        if self.refused & (self.refused - 1) == 0:  # 1st, 2nd, 4th, 8th, ...
            log.warning(
                "transcript_refused",
                path=path,
                reason=why,
                refused_so_far=self.refused,
                hint="tokens and cost are read only from the user's own regular files",
            )

    def _report(self, state: _Session) -> Usage:
        with self.lock:
            total = {m: Counts(**vars(c)) for m, c in state.total.items()}
            since = {m: c.minus(state.reported.get(m, Counts())) for m, c in total.items()}
            state.reported = total
            caught_up = state.caught_up and (state.job is None or state.job.done())
        since_usage = {m: self._priced(m, c) for m, c in since.items() if c}
        total_usage = {m: self._priced(m, c) for m, c in total.items()}
        return Usage(since_usage, total_usage, _sum_cost(since_usage), _sum_cost(total_usage), caught_up)

    def _priced(self, model: str, c: Counts) -> ModelUsage:
        return ModelUsage(
            c.input,
            c.output,
            c.cache_read,
            c.cache_write,
            self.prices.cost(model, c.input, c.output, c.cache_read, c.cache_write, c.cache_write_1h),
        )


def _sum_cost(usage: dict[str, ModelUsage]) -> float:
    return round(sum(u.cost_usd for u in usage.values() if u.cost_usd is not None), 6)


def transcript_paths(transcript_path: object, agent_transcript_path: object) -> tuple[object, ...]:
    """The transcripts an event names: the session's, and a subagent's own (SubagentStop)."""
    if agent_transcript_path and agent_transcript_path != transcript_path:
        return (transcript_path, agent_transcript_path)
    return (transcript_path,)
