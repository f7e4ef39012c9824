"""Who may see the UI: a secret path, a token printed once, a cookie for the browser that used
it, a Host and an Origin check, and headers that keep payload text inert (every response).

Everything the UI serves is under a random path made at start (``/<root>/``); any other path
is 404. The token in the printed URL is good for one exchange: the browser that opens it gets
a random HttpOnly, SameSite=Strict cookie scoped to that path (``Path=/<root>/``) and is
redirected to the bare path (the token leaves the address bar and history; Referrer-Policy
keeps it from leaking meanwhile). A browser sends a cookie to every port of a host, so a
cookie for all of 127.0.0.1 would also reach any other server there (another local user's,
on another port); scoped to a path that server cannot guess, it reaches none. SIGUSR1 prints
a new URL for another browser. Host names other than loopback ones are refused, so that a web
page cannot reach the UI by pointing its own name at 127.0.0.1 (DNS rebinding), and so is a
request a page of another origin sent (its Origin header, or without one its Sec-Fetch-Site).
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "hookd_ui"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; "
    # The page puts event text on it as text only: markup from a string (innerHTML and the like)
    # is refused by the browser, so a later change that did so with an event's text fails at once.
    "require-trusted-types-for 'script'; trusted-types 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class Tokens:
    def __init__(self) -> None:
        self.unused: set[str] = set()
        self.cookies: set[str] = set()
        # The path everything is served under; secret like the cookie that is scoped to it.
        self.root = "/" + secrets.token_urlsafe(18)

    def new_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.unused.add(token)
        return token

    def exchange(self, token: str) -> str | None:
        """A new cookie value for an unused token (which is then used up), else None."""
        for known in list(self.unused):
            if hmac.compare_digest(known.encode(), token.encode()):
                self.unused.discard(known)
                cookie = secrets.token_urlsafe(32)
                self.cookies.add(cookie)
                return cookie
        return None

    def valid_cookie(self, value: str) -> bool:
        return any(hmac.compare_digest(c.encode(), value.encode()) for c in self.cookies)

    def under_root(self, path: str) -> bool:
        """Is path the root or below it (compared in constant time)?"""
        head = path[: len(self.root)].encode("utf-8", "replace")
        return hmac.compare_digest(head, self.root.encode()) and (
            len(path) == len(self.root) or path[len(self.root)] == "/"
        )


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port (IPv6 literals keep their brackets); "" when
    what follows the name is not ``:PORT`` (``[::1]evil.example``, ``localhost:80@evil``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name += "]"
    else:
        name, _, port = host.partition(":")
        rest = ":" + port if _ else ""
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and rest[1:].isascii()):
        return ""
    return name


class Guard:
    """ASGI middleware: Host check, token exchange, cookie check, security headers."""

    def __init__(self, app: ASGIApp, tokens: Tokens, allowed_hosts: set[str]) -> None:
        self.app = app
        self.tokens = tokens
        self.allowed = LOOPBACK_NAMES | {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        hosts = [value for name, value in scope["headers"] if name == b"host"]

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        # One Host header only (RFC 9112): with two, this check and whatever reads the other disagree.
        host = host_name(hosts[0].decode("latin-1")) if len(hosts) == 1 else ""
        if host not in self.allowed:
            return await _plain(
                secured_send,
                421,
                "hookd ui: this Host name is not allowed; "
                "open the URL hookd ui printed, or add the name to ui_allow_hosts\n",
            )
        # A page of another origin (another port of this host included) gets nothing: browsers
        # name it in Origin on the requests they let a page send elsewhere.
        origin = headers.get(b"origin")
        if origin is not None and origin.lower() != b"http://" + hosts[0].strip().lower():
            return await _plain(secured_send, 403, "hookd ui: requests from other sites' pages are refused\n")
        root = self.tokens.root
        path = scope["path"]
        # What a page of another origin asks for without an Origin (an <img>, a <script>, a frame,
        # a link to the API: no-cors GETs and navigations): the browser keeps the answer from it
        # (CORP, frame-ancestors), but the work (a session's scan) was done. Only the page itself
        # may be opened from elsewhere (the URL from a chat or a page), as a top-level document.
        if headers.get(b"sec-fetch-site") in (b"cross-site", b"same-site") and not (
            path == root + "/" and headers.get(b"sec-fetch-dest") == b"document"
        ):
            return await _plain(secured_send, 403, "hookd ui: requests from other sites' pages are refused\n")
        if not self.tokens.under_root(path):
            return await _plain(
                secured_send, 404, "hookd ui: nothing here; open the URL hookd ui printed (its path is part of it)\n"
            )
        if path == root:
            return await _redirect(secured_send, root + "/")
        scope = dict(scope, root_path=root)  # the app routes on what follows the root
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if path == root + "/" and "token" in query:
            cookie = self.tokens.exchange(query["token"][0])
            if cookie is None:
                return await _plain(
                    secured_send,
                    403,
                    "hookd ui: this link was already used or is "
                    "not current; send hookd ui SIGUSR1 for a new one, or restart it\n",
                )
            return await _redirect(
                secured_send, root + "/", f"{COOKIE}={cookie}; Path={root}/; HttpOnly; SameSite=Strict"
            )
        if not any(self.tokens.valid_cookie(value) for value in cookie_values(headers.get(b"cookie"))):
            return await _plain(
                secured_send, 401, "hookd ui: open the URL that hookd ui printed (it carries a one-time token)\n"
            )
        await self.app(scope, receive, secured_send)


def cookie_values(header: bytes | None) -> list[str]:
    """Every value the Cookie header gives the UI's cookie. Another server on this host can set
    a cookie of the same name for every path (cookies ignore ports); the UI's own is the one
    that is valid, wherever it stands."""
    values = []
    for item in (header or b"").decode("latin-1").split(";"):
        name, sep, value = item.strip().partition("=")
        if sep and name == COOKIE:
            values.append(value.strip().strip('"'))
    return values


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str, cookie: str | None = None) -> None:
    headers = [(b"location", location.encode()), (b"cache-control", b"no-store"), (b"content-length", b"0")]
    if cookie is not None:
        headers.append((b"set-cookie", cookie.encode()))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
