"""Who may send to HTTP ingest, and to which path: decided from a request's head alone.

Who may send (docs/security.md): the bearer token is checked first, in constant
time (``HttpListener.authorization_problem``), as soon as the head has arrived
and before anything else about the request (its size, its body, its JSON); then
``Host`` must name this machine (a loopback name or address, or the public name
configured), which a DNS-rebinding page in a browser cannot fake, and a request
with an ``Origin`` (which only browsers send) is refused. Only then are the path
and the method looked at. A refused request's body is never kept or parsed
(http_request.py). Refusals before the token is known are counted per reason and
logged at most once per interval (anyone on the machine can send them); those of
a tokened request are the pipeline's event rejections, as on the socket.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol
from urllib.parse import unquote

from hookd.hook_names import HOOK_NAME_SHAPE, is_hook_name
from hookd.ingest.http_answers import Answer, refused


class Gate(Protocol):
    """What the checks ask of the listener (http_listener.py): its token, its names, its counts."""

    def authorization_problem(self, value: bytes | None) -> str | None: ...
    def host_problem(self, value: bytes | None) -> str | None: ...
    def log_refusal(self, status: int, reason: str, message: str) -> None: ...


class Head(NamedTuple):
    """What the request's head says that the checks look at."""

    method: bytes
    url: bytes
    authorization: bytes | None
    host: bytes | None
    origin: bool
    # Authorization or Host given more than once: which of them counts is the reader's choice (llhttp
    # keeps each; the last one was taken), so a request that names two hosts or two tokens is refused.
    repeated: frozenset[bytes] = frozenset()


class Verdict(NamedTuple):
    authorized: bool  # the token checked out: refusals from here are event rejections
    hook: str | None  # the event name the path gives, if any
    refusal: Answer | None  # the answer whatever the body is; None: take the body


def check_head(gate: Gate, head: Head) -> Verdict:
    """The token first: nothing else about the request is looked at for a sender
    without it (not even whether its path exists)."""
    if b"authorization" in head.repeated:
        problem: str | None = "more than one Authorization header; send one: Bearer <the token in http_token_file>"
    else:
        problem = gate.authorization_problem(head.authorization)
    if problem is not None:
        return Verdict(False, None, _refused(gate, 401, "unauthorized", problem, b"WWW-Authenticate: Bearer\r\n"))
    problem = "more than one Host header (a request names one host)" if b"host" in head.repeated else None
    problem = problem or gate.host_problem(head.host)
    if problem is not None:
        return Verdict(False, None, _refused(gate, 421, "misdirected", problem))
    if head.origin:  # only browsers send it; Claude Code's hooks do not
        return Verdict(
            False,
            None,
            _refused(gate, 403, "forbidden_origin", "requests from web pages (with an Origin header) are not served"),
        )
    path = head.url.partition(b"?")[0]
    hook = None
    if path == b"/hook" or path == b"/hook/":
        pass
    elif path.startswith(b"/hook/"):
        hook = unquote(path[6:].decode("latin-1"))
        if not is_hook_name(hook):
            # Refused whether or not the body names the event: a hook configured with such a URL
            # is found at its first event, not at the one whose payload lacks the name.
            message = f"the event name after /hook/ must be a hook event name ({HOOK_NAME_SHAPE}); fix the hook's url"
            return Verdict(True, None, _refused(gate, 404, "bad_hook_name", message))
    else:
        return Verdict(True, None, _refused(gate, 404, "not_found", "hook events go to POST /hook"))
    if head.method != b"POST":
        return Verdict(
            True, hook, _refused(gate, 405, "method_not_allowed", "send hook events with POST", b"Allow: POST\r\n")
        )
    return Verdict(True, hook, None)


def _refused(gate: Gate, status: int, reason: str, message: str, extra: bytes = b"") -> Answer:
    gate.log_refusal(status, reason, message)
    return refused(status, reason, message, False, extra)
