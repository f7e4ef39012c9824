"""The web app: the page and its assets, the JSON API, and the Server-Sent Events stream."""

from __future__ import annotations

import asyncio
import functools
import importlib.resources
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hookd.publish.failures import wrong_type
from hookd.publish.replies import ReplyTooLarge
from hookd.publish.stream_replies import skipped
from hookd.ui.answers import EnvelopeAnswers, pieces
from hookd.ui.connections import BoundedH11Protocol
from hookd.ui.failures import REDIS_FAILURES, index_entry_refused, redis_failure
from hookd.ui.index_reads import IndexReads, int_field, summary_of
from hookd.ui.reader import MAX_SESSION_EVENTS, StreamReader
from hookd.ui.overview import overview_of
from hookd.ui.scan_budget import ScanBudgetSpent
from hookd.ui.session_scans import SessionScans
from hookd.ui.store import Store, id_key, join

STATIC = importlib.resources.files("hookd.ui") / "static"
PING_S = 15.0
MAX_PAGE = 2000
_encoder = msgspec.json.Encoder()


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    headers = {"cache-control": "no-store"} | (headers or {})
    return Response(_encoder.encode(value), status, media_type="application/json", headers=headers)


def _raw(body: bytes) -> Response:
    return Response(body, media_type="application/json", headers={"cache-control": "no-store"})


def _limit(request: Request, default: int) -> int:
    try:
        return max(1, min(MAX_PAGE, int(request.query_params.get("limit", default))))
    except ValueError:
        return default


Handler = Callable[[Request], Awaitable[Response]]


def build_app(reader: StreamReader, store: Store) -> Starlette:
    def reads_redis(handler: Handler) -> Handler:
        """The handler, its failures to read Redis answered as JSON errors (ui/failures.py)."""

        @functools.wraps(handler)
        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except REDIS_FAILURES as exc:
                code, reason = redis_failure(reader.redis_settings, handler.__name__, exc)
                return _json({"error": reason}, code)

        return answer

    refused = Counter[str]()  # requests whose index entry Redis refused to read, for /api/status
    envelopes = EnvelopeAnswers()
    scans = SessionScans(reader)
    index_reads = IndexReads(reader.client, reader.stream)

    async def index_of(route: str, read: Awaitable[Any], default: Any) -> Any:
        """hookd's session index as read, or ``default`` when it cannot be (session_index off
        leaves it empty): a session's events still come from memory or the stream."""
        try:
            return await read
        except REDIS_FAILURES as exc:
            redis_failure(reader.redis_settings, route, exc)
            return default

    async def index(request: Request) -> Response:
        return FileResponse(str(STATIC / "index.html"), headers={"cache-control": "no-store"})

    async def status(request: Request) -> Response:
        return _json(
            {
                "stream": reader.stream,
                "error": reader.error,
                "read": store.read,
                "kept": len(store.records),
                "oldest": store.oldest_id,
                "newest": store.newest_id,
                "hosts": dict(store.by_host),
                "browsers": len(store.subscribers),
                "cut_off": store.cut_off,
                "not_reading": BoundedH11Protocol.not_reading,
                "index_refused": refused["session"],
                "envelopes_refused": envelopes.refused,
                "unknown_sessions_refused": scans.unknown.refused,
                "unreadable": reader.unreadable.status(),
                "passed_over": reader.passed_over.status(),
            }
        )

    async def events(request: Request) -> Response:
        """A page of history, newest first: from memory, then from Redis (XREVRANGE)."""
        before = request.query_params.get("before") or None
        if before is not None and not _is_entry_id(before):  # Redis would refuse it: a 500
            return _json({"error": "before= must be a stream entry id (ms-seq)"}, 400)
        limit = _limit(request, 500)
        found = store.before(before, limit)
        # Older than what memory keeps; none when it holds the whole stream (Redis may be away, and
        # the page's first page of history was then a 503 for nothing).
        if len(found) < limit and not store.holds_all:
            start = found[-1].entry_id if found else before
            found += [rec for rec, _ in await reader.page_before(start, limit - len(found))]
        return _raw(join(found))

    async def stream(request: Request) -> Response:
        after = request.headers.get("last-event-id") or request.query_params.get("after")
        queue = store.subscribe()

        async def body() -> AsyncIterator[bytes]:
            try:
                yield b"retry: 1000\n\n"
                # What was queued before the catch-up is in it too: such batches are not sent again.
                caught = (0, -1)
                if after:
                    caught_up, gap = store.catch_up(after)
                    if gap:  # the page asks for what lies between (api/after)
                        gap.update(after=after, until=caught_up[0].entry_id if caught_up else None)
                        yield b"event: gap\ndata: " + _encoder.encode(gap) + b"\n\n"
                    if caught_up:
                        caught = id_key(caught_up[-1].entry_id)
                        for piece in pieces(caught_up[-1].entry_id, [rec.json for rec in caught_up]):
                            yield piece
                while True:
                    try:
                        async with asyncio.timeout(PING_S):
                            item = await queue.get()
                    except asyncio.TimeoutError:
                        yield b": ping\n\n"
                        continue
                    if item is None:
                        return
                    if id_key(item[0]) <= caught:
                        continue
                    last_id, batches = item[0], [item[1]]
                    while not queue.empty():  # what piled up goes as one message
                        more = queue.get_nowait()
                        if more is None:
                            return
                        last_id = more[0]
                        batches.append(more[1])
                    for piece in pieces(last_id, [memoryview(b)[1:-1] for b in batches]):
                        yield piece
            finally:
                store.unsubscribe(queue)

        return StreamingResponse(
            body(), media_type="text/event-stream", headers={"cache-control": "no-store", "x-accel-buffering": "no"}
        )

    async def entries_after(request: Request) -> Response:
        """A page of the events after=<id> (before=<id>, exclusive): what a page that fell behind
        was not sent, asked for in pages (ui/static/gapfill.js)."""
        after, before = request.query_params.get("after", ""), request.query_params.get("before") or None
        if not _is_entry_id(after) or (before is not None and not _is_entry_id(before)):
            return _json({"error": "after= (and before=, if given) must be stream entry ids (ms-seq)"}, 400)
        found, following, trimmed = await reader.entries_after(after, before, _limit(request, 1000))
        head = b'{"next":' + _encoder.encode(following) + b',"trimmed":' + _encoder.encode(trimmed)
        return _raw(head + b',"events":' + join(found) + b"}")

    async def sessions(request: Request) -> Response:
        """The most recently active sessions, memory's and the index's merged. The header
        ``x-more-sessions`` says there are more than were answered (the page says so)."""
        limit = _limit(request, 500)
        indexed: dict[str, dict[str, str]] = {}
        if not reader.error:
            read = index_reads.indexed_sessions(limit + 1)
            indexed = {row["s"]: row for row in await index_of("sessions", read, [])}
        rows = {sid: summary_of(sid, summary, indexed.get(sid, {})) for sid, summary in store.sessions.items()}
        for sid, row in indexed.items():
            rows.setdefault(sid, summary_of(sid, None, row))
        ordered = sorted(rows.values(), key=lambda r: r.get("last", 0), reverse=True)
        answered = ordered[:limit]
        # A session memory holds that is not among the index's newest (the UI keeps 5,000, a page
        # may ask for 2,000) had only what memory saw since the UI started: its counts from then,
        # and the state of an idle reminder after its Stop. Its own hash says them all.
        more = len(ordered) > limit or len(indexed) > limit
        unread = [row["s"] for row in answered if row["s"] not in indexed] if indexed and not reader.error else []
        if unread:
            for row in await index_of("sessions", index_reads.indexed_rows(unread), []):
                indexed[row["s"]] = row
            answered = [summary_of(r["s"], store.sessions.get(r["s"]), indexed.get(r["s"], {})) for r in answered]
            answered.sort(key=lambda r: r.get("last", 0), reverse=True)
        return _json(answered, headers={"x-more-sessions": "1"} if more else None)

    async def session(request: Request) -> Response:
        # The page names the session in the query: a path segment `.` or `..` is resolved away by
        # the browser before it is sent (`api/session/..` is a request for `api/`).
        sid = request.path_params["sid"] if "sid" in request.path_params else request.query_params.get("s")
        if sid is None:
            return _json({"error": "name the session: api/session?s=<session id>"}, 400)
        summary = store.sessions.get(sid)
        row, why = {}, None
        try:
            row = await index_reads.indexed_session(sid)
        except REDIS_FAILURES as exc:  # the events still come from memory or the stream
            if wrong_type(exc):
                refused["session"] += 1
                why = index_entry_refused(reader.stream, sid, exc, refused["session"])
            else:
                redis_failure(reader.redis_settings, "session", exc)
        first = int_field(row.get("first_seen_ms")) or None
        if store.covers(first):
            found = store.of_session(sid)
            earlier = max(0, len(found) - MAX_SESSION_EVENTS)
            found, unread, behind = found[earlier:], None, None
        elif not row and summary is None and store.whole_stream:
            return _json({"error": "no such session in the index or in the stream"}, 404)
        else:
            try:
                found, earlier, unread = await scans.events(
                    sid, first or 0, int_field(row.get("last_seen_ms")), unknown=not row and summary is None
                )
            except ScanBudgetSpent as exc:
                return _json({"error": str(exc)}, 429, {"retry-after": str(round(exc.retry_after))})
            behind = scans.behind(sid)
        head = _encoder.encode(summary_of(sid, summary, row))
        note = b',"index_error":' + _encoder.encode(why) if why else b""
        note += b',"earlier":' + str(earlier).encode()
        note += b',"unread_before":' + _encoder.encode(unread) if unread else b""
        note += b',"reading_on":true' if (unread or behind) and scans.reading_on(sid) else b""
        # The entries since the session's last read are not all read: its newest events may be among them.
        note += b',"behind":' + _encoder.encode({"read_to": behind[0], "head": behind[1]}) if behind else b""
        return _raw(b'{"summary":' + head + note + b',"events":' + join(found) + b"}")

    async def envelope(request: Request) -> Response:
        entry_id = request.path_params["entry_id"]
        if not _is_entry_id(entry_id):
            return _json({"error": "not a stream entry id"}, 400)
        try:
            envelope = await reader.envelope(entry_id)
        except ReplyTooLarge as exc:
            skipped(exc, streams=False)  # raised again unless the reply is an entry's
            return _json({"error": f"the entry is too large to show ({exc})"}, 413)
        if envelope is None:
            return _json({"error": "no such entry (trimmed from the stream?)"}, 404)
        written = envelopes.answer(envelope)
        if written is None:
            why = "other envelopes being written (to clients reading slowly or not at all) hold the most they may"
            return _json({"error": f"{why}: open it again in a while"}, 503)
        return written

    async def overview(request: Request) -> Response:
        return _json(overview_of(store))

    routes = [
        Route("/", index),
        Route("/api/status", status),
        Route("/api/events", reads_redis(events)),
        Route("/api/stream", stream),
        Route("/api/after", reads_redis(entries_after)),
        Route("/api/sessions", sessions),
        Route("/api/session", reads_redis(session)),
        Route("/api/session/{sid:path}", reads_redis(session)),
        Route("/api/envelope/{entry_id}", reads_redis(envelope)),
        Route("/api/overview", overview),
        Mount("/static", RevalidatedFiles(directory=str(STATIC)), name="static"),
    ]
    return Starlette(routes=routes)


class RevalidatedFiles(StaticFiles):
    """The page's script is modules importing each other: a browser that kept some from before an
    upgrade (heuristic caching of a Last-Modified file) would run old and new together. ``no-cache``
    asks again each load; an unchanged file costs a 304 by its ETag."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        return response


def _is_entry_id(text: str) -> bool:
    """Whether Redis takes ``text`` as a stream entry id: two numbers of 64 bits (past them, it refuses)."""
    ms, _, seq = text.partition("-")
    return text.isascii() and ms.isdigit() and seq.isdigit() and len(text) < 48 and max(int(ms), int(seq)) < 1 << 64
