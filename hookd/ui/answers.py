"""Large answers of `hookd ui`, written a piece at a time and bounded in what they hold together.

A peer that reads nothing of an answer holds it until the connection's write timeout
(ui/connections.py). An answer handed to the transport whole was a copy per connection, in the
transport's buffer, on top of the body: twelve cookie holders asking for a 20 MB envelope and
reading nothing took the UI from 123 to 215 MB. Here an answer is written a piece at a time as
the transport takes it (uvicorn waits for it to drain), so a connection holds one piece beyond the
body it shares; and the envelopes being written hold at most ENVELOPE_BYTES together: past that,
an envelope is answered 503 (counted in api/status as ``envelopes_refused``), and the page asks
again when the user opens it again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

import structlog
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from hookd.peers import Throttle

log = structlog.get_logger("hookd.ui")

PIECE_BYTES = 64 << 10  # asyncio's high-water mark for a transport's buffer
# What envelopes being written may hold together; a larger one (up to READER_REPLY_BYTES) is
# answered when no other is being written.
ENVELOPE_BYTES = 16 << 20
REFUSED_LOG_EVERY_S = 10.0


class EnvelopeAnswers:
    """The envelopes being written, and how many were refused for what those held."""

    def __init__(self) -> None:
        self.held = 0  # bytes of the envelopes being written
        self.refused = 0
        self._lines = Throttle(REFUSED_LOG_EVERY_S)

    def answer(self, body: bytes) -> Response | None:
        """``body`` written in pieces, or None (counted, logged) when the envelopes being written
        already hold so much that it would take them past ENVELOPE_BYTES."""
        if self.held and self.held + len(body) > ENVELOPE_BYTES:
            self.refused += 1
            lines = self._lines.ready("refused")
            if lines is not None:
                log.warning(
                    "ui_envelope_refused",
                    held_bytes=self.held,
                    size=len(body),
                    limit=ENVELOPE_BYTES,
                    answers=lines,
                    total=self.refused,
                    hint="envelopes being written to other connections (clients reading slowly or not at all) "
                    "hold the most they may; this one is answered 503 and can be asked for again",
                )
            return None
        self.held += len(body)
        return _Held(self, body)


class _Held(StreamingResponse):
    """An envelope written a piece at a time, let go of when its answer ends however it does
    (written, the connection closed, the request cancelled)."""

    def __init__(self, answers: EnvelopeAnswers, body: bytes) -> None:
        headers = {"cache-control": "no-store", "content-length": str(len(body))}
        super().__init__(_in_pieces(body), media_type="application/json", headers=headers)
        self.answers, self.size = answers, len(body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.answers.held -= self.size
            self.size = 0


async def _in_pieces(body: bytes) -> AsyncIterator[bytes]:
    view = memoryview(body)
    for start in range(0, len(body), PIECE_BYTES):
        yield bytes(view[start : start + PIECE_BYTES])  # a piece's copy, not the body's


def pieces(last_id: str, items: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """One event-stream message whose data is the JSON array of ``items``, in pieces of
    ``PIECE_BYTES``. Each piece is written once the transport has taken the last (uvicorn waits
    for it to drain): a message built whole and written at once was a copy per connection, held
    by the transport of a browser that reads nothing until it was closed (a catch-up of 5,000
    records with long fields is tens of MB). The records and batches are shared; a connection
    holds one piece."""
    piece = bytearray(b"id: " + last_id.encode() + b"\ndata: [")
    for n, item in enumerate(items):
        if n:
            piece += b","
        view = memoryview(item)
        while len(piece) + len(view) >= PIECE_BYTES:
            take = PIECE_BYTES - len(piece)
            piece += view[:take]
            view = view[take:]
            yield bytes(piece)
            piece.clear()
        piece += view
    piece += b"]\n\n"
    yield bytes(piece)
