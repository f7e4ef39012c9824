"""The head of an HTTP request is judged in one order: the token, Host, Origin, then path and method.

Unit level (hookd/ingest/http_checks.py), with a listener stand-in that records the refusals it
is asked to count; tests/test_http_security.py checks the same against a running daemon.
"""

from __future__ import annotations

import pytest

from hookd.ingest.http_checks import Head, check_head


class Gate:
    def __init__(self, token_ok: bool = True, host_ok: bool = True) -> None:
        self.token_ok, self.host_ok = token_ok, host_ok
        self.logged: list[tuple[int, str]] = []

    def authorization_problem(self, value: bytes | None) -> str | None:
        return None if self.token_ok else "the bearer token is not the one in http_token_file"

    def host_problem(self, value: bytes | None) -> str | None:
        return None if self.host_ok else "the Host header must name this machine"

    def log_refusal(self, status: int, reason: str, message: str) -> None:
        self.logged.append((status, reason))


def head(method: bytes = b"POST", url: bytes = b"/hook", origin: bool = False) -> Head:
    return Head(method, url, b"Bearer t", b"localhost", origin)


@pytest.mark.parametrize(
    "gate, request_head, status",
    [
        # without the token nothing else is looked at: not the path, the method or the Origin
        (Gate(token_ok=False, host_ok=False), head(b"GET", b"/nowhere", origin=True), 401),
        (Gate(host_ok=False), head(b"GET", b"/nowhere", origin=True), 421),
        (Gate(), head(b"GET", b"/nowhere", origin=True), 403),
    ],
)
def test_who_sends_is_judged_before_what_is_sent(gate, request_head, status):
    verdict = check_head(gate, request_head)
    assert verdict.refusal is not None and verdict.refusal.status == status
    assert not verdict.authorized and verdict.hook is None
    assert gate.logged == [(status, gate.logged[0][1])]
    assert not verdict.refusal.close  # the connection may go on (its body is skipped)


def test_a_401_asks_for_a_bearer_token():
    verdict = check_head(Gate(token_ok=False), head())
    assert verdict.refusal is not None and b"WWW-Authenticate: Bearer\r\n" in verdict.refusal.data


@pytest.mark.parametrize(
    "url, method, status, hook",
    [
        (b"/other", b"POST", 404, None),
        (b"/hook/bad%20name", b"POST", 404, None),
        (b"/hook", b"GET", 405, None),
        (b"/hook/Stop", b"PUT", 405, "Stop"),
    ],
)
def test_a_tokened_request_to_the_wrong_place_is_refused_as_authorized(url, method, status, hook):
    gate = Gate()
    verdict = check_head(gate, head(method, url))
    assert verdict.refusal is not None and verdict.refusal.status == status
    assert verdict.authorized and verdict.hook == hook
    assert gate.logged[0][0] == status


@pytest.mark.parametrize(
    "url, hook",
    [(b"/hook", None), (b"/hook/", None), (b"/hook/PreToolUse?x=1", "PreToolUse"), (b"/hook/my_event-1", "my_event-1")],
)
def test_a_good_request_is_taken_with_the_event_name_its_path_gives(url, hook):
    gate = Gate()
    verdict = check_head(gate, head(url=url))
    assert verdict == (True, hook, None)
    assert gate.logged == []


@pytest.mark.parametrize(
    "name",
    [
        b"%2e%2e",
        b"..",
        b".",
        b"%2E",
        b"a%2Fb",
        b"a/b",
        b"..%2f..%2fetc",
        b"%5c",
        b"%00",
        b"Stop%0a",
        b"Stop%0d%0aX",
        b"Stop%1b[2J",
        b"%C3%9Cber",
        b"my.event-1",
        b"1Stop",
        b"-Stop",
        b"_Stop",
        b"x" * 65,
        b"Stop%20",
    ],
)
def test_an_event_name_in_the_path_not_of_a_hook_names_shape_is_refused_with_its_reason(name):
    """/hook/%2e%2e was taken under the name '..' when the body named no event; the name in the
    path must be a hook event name's shape, and the refusal says so, counted under its reason."""
    for method in (b"POST", b"PUT"):
        gate = Gate()
        verdict = check_head(gate, head(method, b"/hook/" + name))
        assert verdict.refusal is not None and verdict.refusal.status == 404, name
        assert verdict.authorized and verdict.hook is None
        assert gate.logged == [(404, "bad_hook_name")]
        assert b"bad_hook_name" in verdict.refusal.data and b"hook event name" in verdict.refusal.data


@pytest.mark.parametrize("name", [b"FooBar", b"pre_tool_use", b"post-tool-use", b"Stop", b"X", b"x" * 64])
def test_a_future_or_differently_spelled_event_name_in_the_path_is_taken_as_sent(name):
    verdict = check_head(Gate(), head(url=b"/hook/" + name))
    assert verdict == (True, name.decode(), None)
