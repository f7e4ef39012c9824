"""HTTP ingest for Claude Code's ``type: "http"`` hooks: ``POST /hook``, the socket's pipeline.

How Claude Code reads the answer (hooks reference, code.claude.com/docs/en/hooks,
"HTTP response handling"):

- 2xx with an empty body: success, as a command hook's exit 0 with no output;
- 2xx with a plain-text body: success, and the text is added as context;
- 2xx with a JSON body: parsed with the same output schema as command hooks;
- a non-2xx status, a connection failure or a timeout: a non-blocking error,
  execution continues (an HTTP hook cannot block through its status).

So an event in the spool gets ``200`` with the JSON object ``{}``: no field
set, so no decision and nothing for the model; never text. A refused request
gets a 4xx/5xx status with a small JSON error for whoever debugs it with curl;
Claude Code only reports it as a non-blocking error.

Who may send (docs/security.md): the bearer token is checked first, in constant
time, as soon as the head has arrived and before anything else about the request
(its size, its body, its JSON); then ``Host`` must name this machine (a loopback
name or address, or the public name configured), which a DNS-rebinding page in a
browser cannot fake, and a request with an ``Origin`` (which only browsers send)
is refused. A refused request's body is never kept or parsed: it is
skipped when small, and the connection closed at once when it is large. No CORS
header is ever sent, so no browser page may read an answer or send a preflighted
request. Refusals before the token is known are counted per reason and logged
at most once per interval (anyone on the machine can send them); those of a
tokened request are the pipeline's event rejections, as on the socket.

Each request is answered only once its event is in the spool (and, under
spool_fsync=batch, flushed), exactly as the socket's ``OK``. Requests that one
read brings go through ``Pipeline.take_all`` together, and their answers go out
in order. Parsing is httptools (llhttp, the parser uvicorn and Node use): a parser
in pure Python alone would spend much of the 1 ms p99 goal (bench/README.md).
"""

from __future__ import annotations

import asyncio
import http
import re
import time
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

import httptools
import msgspec
import structlog

from hookd.ingest.budget import PausesReading
from hookd.ingest.protocol import Header, Reason
from hookd.ingest.replies import ReplyQueue

if TYPE_CHECKING:
    from hookd.ingest.http_listener import HttpListener

log = structlog.get_logger("hookd.http")

MAX_HEAD_BYTES = 64 * 1024
# An idle keep-alive connection is closed after this; the Keep-Alive header says so, so
# that clients which honour it (Node's) close theirs first and never send into a closing one.
KEEPALIVE_IDLE_S = 60
# Anyone on this machine can connect before the token is known: past this many connections at
# once a new one is answered 503 and closed, so that no one can take every file descriptor hookd
# has (the event socket's connections, the inbox, the spool would then fail with EMFILE).
MAX_CONNECTIONS = 256
_EVENT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
_STATUS_FOR_REASON = {
    Reason.TOO_LARGE: 413, Reason.TIMEOUT: 408, Reason.UNAVAILABLE: 503, Reason.BAD_HEADER: 400,
    Reason.DISK_FULL: 507,
}  # the other reasons (empty, not_json, invalid_utf8, not_object, too_deep) are 400
_encode = msgspec.json.Encoder().encode


def _response(status: int, body: bytes, close: bool, extra: bytes = b"") -> bytes:
    connection = b"Connection: close\r\n" if close else b"Keep-Alive: timeout=%d\r\n" % KEEPALIVE_IDLE_S
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s%s\r\n"
            % (status, http.HTTPStatus(status).phrase.encode(), len(body), connection, extra)) + body


def _error(status: int, reason: str, message: str, close: bool, extra: bytes = b"") -> bytes:
    return _response(status, _encode({"error": reason, "message": message}), close, extra)


ACCEPTED = _response(200, b"{}", close=False)
ACCEPTED_THEN_CLOSE = _response(200, b"{}", close=True)
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Answer(NamedTuple):
    status: int
    data: bytes
    close: bool


# The answer to a request whose event's flush failed: Claude Code reports an error.
UNFLUSHED = Answer(503, _error(503, Reason.UNAVAILABLE.value, "the spool could not be flushed to "
                               "the disk", True), True)


def _unflushed(answers: list[Answer]) -> list[Answer]:
    return [UNFLUSHED if answer.status == 200 else answer for answer in answers]


class Request(NamedTuple):
    header: Header
    body: bytes
    keep_alive: bool


class _Stop(Exception):
    """Raised in a parser callback: the answer is queued and the connection ends after it."""


class HookConnection(PausesReading, asyncio.Protocol):
    """One client connection: HTTP/1.1 requests in, one answer each, in order, keep-alive."""

    def __init__(self, listener: HttpListener) -> None:
        self.listener = listener
        pipeline = listener.pipeline
        assert pipeline is not None  # connections come only once start() has given it
        self.pipeline = pipeline
        self.max_body = listener.max_body
        self.timeout_s = listener.timeout_s
        self.parser = httptools.HttpRequestParser(self)
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.closing = False
        self.eof = False
        self.in_request = False
        self.fresh = True  # connected, nothing received yet: at a stop it gets a moment to send
        self.parsed: list[Request | Answer] = []
        self.replies: ReplyQueue[Answer] = ReplyQueue(
            self._write_answers, self._close, _unflushed, self._on_answers_sent)
        self.deadline = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.head_bytes = 0
        self.authorization: bytes | None = None
        self.authorized = False  # the token checked out: refusals from here are event rejections
        self.host: bytes | None = None
        self.origin = False
        self.content_length: int | None = None
        self.expect_continue = False
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.refusal: Answer | None = None  # decided from the head; the body is then skipped
        self.hook: str | None = None

    # -- asyncio callbacks ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if len(self.listener.connections) >= MAX_CONNECTIONS:
            self.closing = True
            message = f"over {MAX_CONNECTIONS} connections at once; try again"
            self.listener.log_refusal(503, "too_many_connections", message)
            transport.write(_error(503, "too_many_connections", message, True))  # type: ignore[attr-defined]
            transport.close()
            return
        self.listener.connections.add(self)
        self._set_deadline(self.loop.time() + self.timeout_s)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.fresh = False
        started = time.perf_counter()
        stop = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if not isinstance(exc.__context__, _Stop):
                log.error("http_request_failed_internally", exc_info=exc.__context__ or exc)
                self.parsed.append(Answer(500, _error(500, "internal", "hookd failed on this "
                                                      "request; see its log", True), True))
            stop = True
        except httptools.HttpParserUpgrade:
            self.parsed.append(self._bad_request("protocol upgrades are not served"))
            stop = True
        except httptools.HttpParserError as exc:
            self.parsed.append(self._bad_request(f"malformed HTTP request: {exc}"))
            stop = True
        parsed, self.parsed = self.parsed, []
        if parsed:
            self._answer(parsed, stop)
            self.pipeline.state.accept_latency.add(time.perf_counter() - started)
        elif stop:
            self._close()
        if self.listener.budget is not None:
            self.listener.budget.update(self, self.body_bytes if self.in_request else 0)

    def eof_received(self) -> bool:
        if self.in_request and not self.closing:
            self._answer([self.refusal or self._refuse(Reason.NOT_JSON, 400, "the connection ended "
                                                       "in the middle of a request")], stop=True)
        self.eof = True
        if not self.replies:
            self._close()
        return True  # answers still waiting for a flush go out before the close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.listener.connections.discard(self)
        if self.timer is not None:
            self.timer.cancel()
        self.body = []
        if self.listener.budget is not None:
            self.listener.budget.release(self)

    # -- httptools callbacks (during feed_data) ------------------------------

    def on_message_begin(self) -> None:
        self.in_request = True
        self._set_deadline(self.loop.time() + self.timeout_s)

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value))
        name = name.lower()
        if name == b"authorization":
            self.authorization = value
        elif name == b"host":
            self.host = value
        elif name == b"origin":
            self.origin = True
        elif name == b"expect":
            self.expect_continue = value.lower() == b"100-continue"
        elif name == b"content-length" and value.isdigit():
            self.content_length = int(value)  # judged once the token is known, never before

    def on_headers_complete(self) -> None:
        self.refusal = self._check_head()
        large = self.content_length is not None and self.content_length > self.max_body
        if self.refusal is not None:
            # A big body is not waited for: the answer goes now and the connection closes.
            if self.expect_continue or large:
                self._stop(self.refusal._replace(close=True))
            return
        if large and self.content_length is not None:  # large: it is known
            self._stop(self._too_large(self.content_length))
        if self.expect_continue and not self.replies and self.transport is not None:
            self.transport.write(CONTINUE)

    def on_body(self, chunk: bytes) -> None:
        self.body_bytes += len(chunk)
        if self.refusal is not None:  # skipped unread, up to the size a request may have
            if self.body_bytes > self.max_body:
                self._stop(self.refusal._replace(close=True))
            return
        if self.body_bytes > self.max_body:
            self._stop(self._too_large(self.body_bytes))
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        keep_alive = self.parser.should_keep_alive()
        if self.refusal is not None:
            self.parsed.append(self.refusal if keep_alive else self.refusal._replace(close=True))
        else:
            body = b"".join(self.body)
            self.parsed.append(Request(Header(length=len(body), hook=self.hook), body, keep_alive))
        self.in_request = False
        self._reset()
        if not keep_alive:
            raise _Stop  # nothing sent after a request that asked to close is taken

    # -- deciding ------------------------------------------------------------

    def _check_head(self) -> Answer | None:
        """The answer a request gets whatever its body is, or None to take the body.

        The token first: nothing else about the request is looked at for a sender
        without it (not even whether its path exists)."""
        problem = self.listener.authorization_problem(self.authorization)
        if problem is not None:
            return self._refused_request(401, "unauthorized", problem,
                                         b"WWW-Authenticate: Bearer\r\n")
        problem = self.listener.host_problem(self.host)
        if problem is not None:
            return self._refused_request(421, "misdirected", problem)
        if self.origin:  # only browsers send it; Claude Code's hooks do not
            return self._refused_request(403, "forbidden_origin", "requests from web pages "
                                         "(with an Origin header) are not served")
        self.authorized = True
        path = self.url.partition(b"?")[0]
        if path == b"/hook" or path == b"/hook/":
            self.hook = None
        elif path.startswith(b"/hook/"):
            self.hook = unquote(path[6:].decode("latin-1"))
            if not _EVENT_NAME.match(self.hook):
                return self._refused_request(404, "not_found", "the event name in the path must be "
                                             "1-64 of A-Z a-z 0-9 _ . -")
        else:
            return self._refused_request(404, "not_found", "hook events go to POST /hook")
        if self.parser.get_method() != b"POST":
            return self._refused_request(405, "method_not_allowed", "send hook events with POST",
                                         b"Allow: POST\r\n")
        return None

    def _refused_request(self, status: int, reason: str, message: str, extra: bytes = b"") -> Answer:
        self.listener.log_refusal(status, reason, message)
        return Answer(status, _error(status, reason, message, False, extra), False)

    def _refuse(self, reason: Reason, status: int, message: str, close: bool = True) -> Answer:
        """Count and log a refusal: a tokened request's as an event rejection (the socket's
        reasons); anyone else's in the listener's counts, its log lines rate-limited."""
        if not self.authorized:
            self.listener.log_refusal(status, reason.value, message)
            return Answer(status, _error(status, reason.value, message, close), close)
        rejected = self.pipeline.refuse(reason, message, Header(hook=self.hook), self.body_bytes)
        return Answer(status, _error(status, reason.value, rejected.message, close), close)

    def _bad_request(self, message: str) -> Answer:
        return self._refuse(Reason.BAD_HEADER, 400, message)

    def _too_large(self, size: int) -> Answer:
        return self._refuse(Reason.TOO_LARGE, 413, f"the body is {size} bytes or more, over the "
                            f"limit of {self.max_body} (max_event_bytes)")

    def _count_head(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            self._stop(self._refuse(Reason.BAD_HEADER, 431, f"the request line and headers "
                                    f"exceed {MAX_HEAD_BYTES} bytes"))

    def _stop(self, answer: Answer) -> None:
        self.parsed.append(answer._replace(close=True))
        raise _Stop

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

    def _answers(self, parsed: list, replies: list[bytes], stop: bool) -> tuple[list[Answer], bool]:
        answers: list[Answer] = []
        pending = iter(replies)
        for item in parsed:
            answer = self._from_reply(next(pending), item.keep_alive) \
                if isinstance(item, Request) else item
            answers.append(answer)
            if answer.close:
                break
        close = stop or answers[-1].close
        if not close and not self.in_request:
            self._set_deadline(self.loop.time() + KEEPALIVE_IDLE_S)
        return answers, close

    @staticmethod
    def _from_reply(line: bytes, keep_alive: bool) -> Answer:
        if line.startswith(b"OK "):
            return Answer(200, ACCEPTED if keep_alive else ACCEPTED_THEN_CLOSE, not keep_alive)
        _, word, message = line.rstrip(b"\n").decode("utf-8", "replace").split(" ", 2)
        reason = Reason(word)
        close = reason.closes_connection or not keep_alive
        status = _STATUS_FOR_REASON.get(reason, 400)
        return Answer(status, _error(status, reason.value, message, close), close)

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
            self._set_deadline(max(self.deadline, now + self.timeout_s) if self.replies
                               else self.deadline)
            return
        if self.in_request:
            answer = self.refusal._replace(close=True) if self.refusal is not None else \
                self._refuse(Reason.TIMEOUT, 408, f"the request did not arrive within "
                             f"{self.timeout_s:g}s (client_timeout_s)")
            self.listener.by_status[answer.status] += 1
            if self.transport is not None:
                self.transport.write(answer.data)
        self._close()  # an idle keep-alive connection closes quietly

    def _close(self) -> None:
        self.closing = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None:
            self.transport.close()

    def shut(self) -> None:
        """Close at shutdown: a request in the middle of arriving is told hookd is stopping."""
        if self.closing:
            return
        if self.in_request and not self.replies and self.transport is not None:
            self.listener.by_status[503] += 1
            self.transport.write(_error(503, Reason.UNAVAILABLE.value, "hookd is shutting down",
                                        True))
        self._close()
