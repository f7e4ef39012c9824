"""Reading HTTP requests off one connection, within the limits: httptools' callbacks.

Parsing is httptools (llhttp, the parser uvicorn and Node use): a parser in pure
Python alone would spend much of the 1 ms p99 goal (bench/README.md). The head is
judged as soon as it has arrived (http_checks.py); a refused request's body is
never kept or parsed: it is skipped when small, and the connection closed at once
when it is large. Each complete request, or the answer it gets without reaching
the pipeline, is put in ``parsed`` for the connection (http.py) to answer.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import httptools
import structlog

from hookd.ingest.http_answers import INTERNAL, Answer, refused, then_close
from hookd.ingest.http_checks import Gate, Head, check_head
from hookd.refusals import Header, Reason
from hookd.pipeline import Pipeline

log = structlog.get_logger("hookd.http")

MAX_HEAD_BYTES = 64 * 1024
# What a request may send besides its head and its body's bytes: a chunked body's size lines
# and its trailers. httptools grows an unfinished trailer field like a header one (by
# concatenation, unbounded); counted here as it arrives (tests/test_redteam4_http.py).
MAX_TRAILER_BYTES = 2 * MAX_HEAD_BYTES
FRAMING_PER_CHUNK = 64
# Claude Code sends about ten header fields; each costs a callback and a lowercasing, so a head
# of 64 KiB of tiny fields (ten thousand) is refused by their number, before their bytes.
MAX_HEADERS = 100
_CODED = (b"content-encoding", b"transfer-encoding")
_HEAD, _FRAMING = "the request line and headers", "the chunked body's framing and trailers"


class Request(NamedTuple):
    header: Header
    body: bytes
    keep_alive: bool


class _Stop(Exception):
    """Raised in a parser callback: the answer is queued and the connection ends after it."""


class RequestReader:
    """A connection's requests as they arrive. ``begun`` is called as a request starts (its
    time limit starts then); ``may_continue`` answers ``Expect: 100-continue`` if it can."""

    def __init__(
        self, gate: Gate, pipeline: Pipeline, max_body: int, begun: Callable[[], None], may_continue: Callable[[], None]
    ) -> None:
        self.gate = gate
        self.pipeline = pipeline
        self.max_body = max_body
        self.begun = begun
        self.may_continue = may_continue
        self.parser = httptools.HttpRequestParser(self)
        self.in_request = False
        self.shown_token = False  # a head on this connection carried the token: the owner's
        self.body_total = 0  # body bytes of every request, to tell them from framing and trailers
        self.parsed: list[Request | Answer] = []
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.head_bytes = 0
        self.fields = 0  # header fields so far
        self.in_head = False  # a request has begun and its head has not all arrived
        self.head_arrived = 0  # bytes fed while in the head, counted by the piece
        self.authorization: bytes | None = None
        self.authorized = False  # the token checked out: refusals from here are event rejections
        self.host: bytes | None = None
        self.origin = False
        self.repeated: set[bytes] = set()  # Authorization or Host given more than once
        self.content_length: int | None = None
        self.codings: dict[bytes, list[bytes]] = {}  # Content-Encoding and Transfer-Encoding, as named
        self.expect_continue = False
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.chunks = 0
        self.framing = 0  # bytes after the head that are not the body's (chunk sizes, trailers)
        self.refusal: Answer | None = None  # decided from the head; the body is then skipped
        self.hook: str | None = None

    def feed(self, data: bytes) -> tuple[list[Request | Answer], bool]:
        """The requests (or their answers) that ``data`` completes, and whether the
        connection ends after them (no byte after a malformed request is read)."""
        stop = False
        try:
            # In pieces: httptools keeps a header line (a value, a name) to itself until it
            # ends, and on_header counts it only then, so a head still arriving is counted
            # here, by the piece (at most one piece too many: what preceded the head).
            for at in range(0, len(data), MAX_HEAD_BYTES):
                piece = data[at : at + MAX_HEAD_BYTES] if len(data) > MAX_HEAD_BYTES else data
                after_head, body_before = self.in_request and not self.in_head, self.body_total
                self.parser.feed_data(piece)
                if self.in_head:
                    self.head_arrived += len(piece)
                    if self.head_arrived > 2 * MAX_HEAD_BYTES:
                        self.parsed.append(self._header_too_large(_HEAD, MAX_HEAD_BYTES))
                        stop = True
                        break
                elif after_head and self.in_request:  # the same request: its body or trailers
                    self.framing += len(piece) - (self.body_total - body_before)
                    if self.framing > MAX_TRAILER_BYTES + FRAMING_PER_CHUNK * self.chunks:
                        self.parsed.append(self._header_too_large(_FRAMING, MAX_TRAILER_BYTES))
                        stop = True
                        break
        except httptools.HttpParserCallbackError as exc:
            if not isinstance(exc.__context__, _Stop):
                log.error("http_request_failed_internally", exc_info=exc.__context__ or exc)
                self.parsed.append(INTERNAL)
            stop = True
        except httptools.HttpParserUpgrade:
            self.parsed.append(self.refuse(Reason.BAD_HEADER, 400, "protocol upgrades are not served"))
            stop = True
        except httptools.HttpParserError as exc:
            self.parsed.append(self.refuse(Reason.BAD_HEADER, 400, f"malformed HTTP request: {exc}"))
            stop = True
        parsed, self.parsed = self.parsed, []
        return parsed, stop

    def forget(self) -> None:
        """The connection is gone: let go of a body in the making."""
        self.body = []

    def refuse(self, reason: Reason, status: int, message: str, close: bool = True) -> Answer:
        """Count and log a refusal: a tokened request's as an event rejection (the socket's
        reasons); anyone else's in the listener's counts, its log lines rate-limited."""
        if not self.authorized:
            self.gate.log_refusal(status, reason.value, message)
            return refused(status, reason.value, message, close)
        rejected = self.pipeline.refuse(reason, message, Header(hook=self.hook), self.body_bytes)
        return refused(status, reason.value, rejected.message, close)

    # -- httptools callbacks (during feed_data) ------------------------------

    def on_message_begin(self) -> None:
        self.in_request = True
        self.in_head = True
        self.begun()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        if not self.in_head:  # a chunked body's trailer: judged after the head, so never taken
            if self.refusal is None:
                self.refusal = self.refuse(
                    Reason.BAD_HEADER,
                    400,
                    "trailer fields after a chunked body are not taken: send the JSON without them",
                )
            return
        self.fields += 1
        if self.fields > MAX_HEADERS:
            self._stop(self._header_too_large(f"more than {MAX_HEADERS} header fields", None))
        name = name.lower()
        if name == b"authorization":
            if self.authorization is not None:
                self.repeated.add(name)
            self.authorization = value
        elif name == b"host":
            if self.host is not None:
                self.repeated.add(name)
            self.host = value
        elif name == b"origin":
            self.origin = True
        elif name == b"expect":
            self.expect_continue = value.lower() == b"100-continue"
        elif name in _CODED:
            self.codings.setdefault(name, []).extend(c.strip().lower() for c in value.split(b",") if c.strip())
        elif name == b"content-length" and value.isdigit():
            self.content_length = int(value)  # judged once the token is known, never before

    def on_headers_complete(self) -> None:
        self.in_head = False
        self.authorized, self.hook, self.refusal = check_head(
            self.gate,
            Head(
                self.parser.get_method(),
                self.url,
                self.authorization,
                self.host,
                self.origin,
                frozenset(self.repeated),
            ),
        )
        self.shown_token = self.shown_token or self.authorized
        large = self.content_length is not None and self.content_length > self.max_body
        # llhttp ends a request that asks to upgrade (CONNECT, Connection: Upgrade) at its head and
        # hands what follows over as the new protocol's: answered as it completed, and then the
        # upgrade, it got two answers, a tokened POST's first one an "empty" event rejected.
        upgrade = self.parser.should_upgrade()
        if self.refusal is not None:
            # A big body is not waited for: the answer goes now and the connection closes.
            if self.expect_continue or large or upgrade:
                self._stop(then_close(self.refusal))
            return
        if upgrade:
            self._stop(self.refuse(Reason.BAD_HEADER, 400, "protocol upgrades are not served"))
        coded = self._coding_refused()
        if coded is not None:  # skipped unread like any refused body: nothing is ever decompressed
            self.refusal = coded
            if self.expect_continue or large:
                self._stop(then_close(coded))
            return
        if large and self.content_length is not None:  # large: it is known
            self._stop(self._too_large(self.content_length))
        if self.expect_continue:
            self.may_continue()

    def on_chunk_header(self) -> None:
        self.chunks += 1

    def on_body(self, chunk: bytes) -> None:
        self.body_bytes += len(chunk)
        self.body_total += len(chunk)
        if self.refusal is not None:  # skipped unread, up to the size a request may have
            if self.body_bytes > self.max_body:
                self._stop(then_close(self.refusal))
            return
        if self.body_bytes > self.max_body:
            self._stop(self._too_large(self.body_bytes))
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        keep_alive = self.parser.should_keep_alive()
        if self.refusal is not None:
            self.parsed.append(self.refusal if keep_alive else then_close(self.refusal))
        else:
            body = b"".join(self.body)
            self.parsed.append(Request(Header(length=len(body), hook=self.hook), body, keep_alive))
        self.in_request = False
        self._reset()
        if not keep_alive:
            raise _Stop  # nothing sent after a request that asked to close is taken

    # -- limits ------------------------------------------------------------------

    def _too_large(self, size: int) -> Answer:
        return self.refuse(
            Reason.TOO_LARGE,
            413,
            f"the body is {size} bytes or more, over the limit of {self.max_body} (max_event_bytes)",
        )

    def _coding_refused(self) -> Answer | None:
        """A body sent compressed (Content-Encoding, or a transfer coding besides chunked): refused,
        naming the coding, never decoded. Claude Code sends plain JSON; a decoder would let a few
        kilobytes expand past max_event_bytes before any limit saw them (a decompression bomb)."""
        if b"transfer-encoding" in self.codings and self.parser.get_http_version() == "1.0":
            # RFC 9112 6.1: an HTTP/1.0 message's framing is faulty when it names a transfer coding
            message = "an HTTP/1.0 request has no Transfer-Encoding: send HTTP/1.1, or a Content-Length"
            return then_close(self.refuse(Reason.BAD_HEADER, 400, message))
        transfer = [c for c in self.codings.get(b"transfer-encoding", []) if c != b"chunked"]
        content = [c for c in self.codings.get(b"content-encoding", []) if c != b"identity"]
        if transfer:  # RFC 9112 6.1: a transfer coding the server does not understand is 501
            named = _shown(transfer)
            message = (
                f"the body is sent with Transfer-Encoding {named}; hookd takes it plain or chunked only: "
                "send the JSON uncompressed"
            )
            return self.refuse(Reason.BAD_HEADER, 501, message)
        if content:  # RFC 9110 15.5.16: a content coding not accepted is 415
            named = _shown(content)
            message = (
                f"the body is sent with Content-Encoding {named}; hookd takes only uncompressed JSON: "
                "send it without one"
            )
            return self.refuse(Reason.BAD_HEADER, 415, message)
        return None

    def _count_head(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            self._stop(self._header_too_large(_HEAD, MAX_HEAD_BYTES))

    def _header_too_large(self, what: str, limit: int | None) -> Answer:
        """431, and the connection closes: nothing after an oversized head or framing is read."""
        said = what if limit is None else f"{what} exceed {limit} bytes"
        return then_close(self.refuse(Reason.BAD_HEADER, 431, said))

    def _stop(self, answer: Answer) -> None:
        self.parsed.append(then_close(answer))
        raise _Stop


def _shown(codings: list[bytes]) -> str:
    """The codings a sender named, as said back: printable, and short (a head may hold 64 KiB of them)."""
    text = b", ".join(codings).decode("latin-1")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 80 else text[:77] + "..."
