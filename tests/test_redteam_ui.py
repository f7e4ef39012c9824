"""Red team: `hookd ui` against requests a hostile page or a second local user can make.
Plain sockets, no browser: the requests are ones a browser would not let a page shape."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from ui_stack import Ui


def raw(base: str, request: bytes, timeout: float = 5, status_line_only: bool = False) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        s.sendall(request)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
                if status_line_only and b"\r\n" in out:
                    break
        except socket.timeout:
            pass
    return out


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


@pytest.fixture
def ui_cookie(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory()
    ui = Ui(daemon.env, tmp_path / "ui.log")
    try:
        answer = raw(
            ui.base, f"GET {ui.url[len(ui.origin) :]} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        assert status(answer) == 303
        cookie = next(
            line.split(b": ", 1)[1].split(b";")[0]
            for line in answer.split(b"\r\n")
            if line.lower().startswith(b"set-cookie:")
        )
        yield ui, cookie.decode()
    finally:
        ui.stop()


def _get(ui: Ui, cookie: str, *hosts: str) -> int:
    head = "".join(f"Host: {h}\r\n" for h in hosts)
    return status(
        raw(
            ui.base,
            f"GET {urlsplit(ui.base).path}/api/status HTTP/1.1\r\n{head}Cookie: {cookie}\r\n"
            "Connection: close\r\n\r\n".encode(),
        )
    )


def test_the_host_check_reads_the_whole_header_and_only_one_of_them(ui_cookie):
    ui, cookie = ui_cookie
    port = urlsplit(ui.base).port
    for good in ("127.0.0.1", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
        assert _get(ui, cookie, good) == 200, good
    # What follows a loopback name must be a port, nothing else.
    for bad in (
        "[::1]evil.example",
        "localhost:80@evil.example",
        "localhost:evil",
        "127.0.0.1:8790.evil.example",
        "[::1]:x",
    ):
        assert _get(ui, cookie, bad) == 421, bad
    # Two Host headers (RFC 9112: answer 400): the check must not look at one and a proxy or
    # framework in front use the other.
    assert _get(ui, cookie, "evil.example", "127.0.0.1") in (400, 421)
    assert _get(ui, cookie, "127.0.0.1", "evil.example") in (400, 421)


def test_odd_query_values_get_an_answer_not_an_internal_error(ui_cookie):
    ui, cookie = ui_cookie
    for path, expected in (
        ("/api/events?before=zzz", 400),
        ("/api/events?before=(", 400),
        ("/api/events?before=1-1%0D%0A", 400),
        ("/api/events?limit=abc", 200),
        ("/api/events?limit=-5&before=1-0", 200),
        ("/api/envelope/zzz", 400),
        ("/api/stream?after=zzz", 200),
    ):
        # The stream never ends: its status line is all that is waited for (before: 1.5 s of reading,
        # which a loaded machine's `hookd ui` could take to answer at all).
        answer = raw(
            ui.base,
            f"GET {urlsplit(ui.base).path}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            "Connection: close\r\n\r\n".encode(),
            timeout=30,
            status_line_only=True,
        )
        assert status(answer) == expected, (path, answer[:200])


def test_the_user_service_keeps_the_one_time_url_out_of_the_journal(hookd_factory):
    """hookd ui prints its URL (a token that buys the cookie) on stdout; under systemd that is the
    journal, readable by the adm and systemd-journal groups: someone there could use it first."""
    import plistlib
    import subprocess
    import sys

    daemon = hookd_factory(start=False)
    unit = subprocess.run(
        [sys.executable, "-m", "hookd", "ui", "--print-service", "systemd"],
        env=daemon.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--url-file" in unit
    assert "\nStandardOutput=null\n" in unit
    # launchd: stdout (the URL) to /dev/null, not to the log file beside stderr.
    plist = plistlib.loads(
        subprocess.run(
            [sys.executable, "-m", "hookd", "ui", "--print-service", "launchd"],
            env=daemon.env,
            capture_output=True,
            check=True,
        ).stdout
    )
    assert "--url-file" in plist["ProgramArguments"]
    assert plist["StandardOutPath"] == "/dev/null" and plist["StandardErrorPath"].endswith(".log")
