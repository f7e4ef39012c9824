"""What HTTP ingest sends back: the bytes of each answer, and the event path's replies made answers.

How Claude Code reads the answer (hooks reference, code.claude.com/docs/en/hooks,
"HTTP response handling"):

- 2xx with an empty body: success, as a command hook's exit 0 with no output;
- 2xx with a JSON object body: parsed with the same output schema as command hooks;
- 2xx with any other body (plain text): a non-blocking error, the text not added to context;
- a non-2xx status, a connection failure or a timeout: a non-blocking error,
  execution continues (an HTTP hook cannot block through its status).

So an event in the spool gets ``200`` with the JSON object ``{}``: no field
set, so no decision and nothing for the model, on every event but WorktreeCreate (which
needs a ``worktreePath``; hookd never installs it, and ``hooks status`` says one of hookd's
there); never text. A refused request
gets a 4xx/5xx status with a small JSON error for whoever debugs it with curl;
Claude Code only reports it as a non-blocking error. No CORS header is ever
sent, so no browser page may read an answer or send a preflighted request.
"""

from __future__ import annotations

import http
from typing import NamedTuple

import msgspec

from hookd.refusals import Reason

# An idle keep-alive connection is closed after this; the Keep-Alive header says so, so
# that clients which honour it (Node's) close theirs first and never send into a closing one.
KEEPALIVE_IDLE_S = 60
_STATUS_FOR_REASON = {
    Reason.TOO_LARGE: 413,
    Reason.TIMEOUT: 408,
    Reason.UNAVAILABLE: 503,
    Reason.BAD_HEADER: 400,
    Reason.DISK_FULL: 507,
}  # the other reasons (empty, not_json, invalid_utf8, not_object, too_deep) are 400
_encode = msgspec.json.Encoder().encode


class Answer(NamedTuple):
    status: int
    data: bytes
    close: bool


def response(status: int, body: bytes, close: bool, extra: bytes = b"") -> bytes:
    connection = b"Connection: close\r\n" if close else b"Keep-Alive: timeout=%d\r\n" % KEEPALIVE_IDLE_S
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s%s\r\n"
        % (status, http.HTTPStatus(status).phrase.encode(), len(body), connection, extra)
    ) + body


def error(status: int, reason: str, message: str, close: bool, extra: bytes = b"") -> bytes:
    return response(status, _encode({"error": reason, "message": message}), close, extra)


def refused(status: int, reason: str, message: str, close: bool, extra: bytes = b"") -> Answer:
    return Answer(status, error(status, reason, message, close, extra), close)


def then_close(answer: Answer) -> Answer:
    """The answer, the connection closed after it and its head saying so: one that announced
    keep-alive and closed (a refusal decided before a large body, a timeout) left a client that
    reuses connections, as Claude Code's does, sending its next hook into a closed socket."""
    if answer.close:
        return answer
    keep_alive = b"Keep-Alive: timeout=%d\r\n" % KEEPALIVE_IDLE_S
    return Answer(answer.status, answer.data.replace(keep_alive, b"Connection: close\r\n", 1), True)


ACCEPTED = response(200, b"{}", close=False)
ACCEPTED_THEN_CLOSE = response(200, b"{}", close=True)
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
INTERNAL = refused(500, "internal", "hookd failed on this request; see its log", True)
# The answer to a request whose event's flush failed: Claude Code reports an error.
UNFLUSHED = refused(503, Reason.UNAVAILABLE.value, "the spool could not be flushed to the disk", True)


def unflushed(answers: list[Answer]) -> list[Answer]:
    """The answers to give when the flush their events waited for failed."""
    return [UNFLUSHED if answer.status == 200 else answer for answer in answers]


def from_reply(line: bytes, keep_alive: bool) -> Answer:
    """The answer for one of the pipeline's reply lines (``OK <id>`` or ``ERR <reason> <text>``)."""
    if line.startswith(b"OK "):
        return Answer(200, ACCEPTED if keep_alive else ACCEPTED_THEN_CLOSE, not keep_alive)
    _, word, message = line.rstrip(b"\n").decode("utf-8", "replace").split(" ", 2)
    reason = Reason(word)
    close = reason.closes_connection or not keep_alive
    status = _STATUS_FOR_REASON.get(reason, 400)
    return refused(status, reason.value, message, close)
