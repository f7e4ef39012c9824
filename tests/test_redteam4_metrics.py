"""Red team, fourth pass: hookd's metrics endpoint against a web page in the owner's browser.

A page on any site can point its own name at 127.0.0.1 (DNS rebinding) and then read
``http://its.name:PORT/metrics`` as a same-origin page: the counts, the names of the hooks
and redaction rules, whether Redis is down. The HTTP hook listener and `hookd ui` refuse a
``Host`` that is not a loopback name; the metrics endpoint served every one. Now, bound to a
loopback address, it answers 421 to another ``Host`` (and to none), and 403 to a request that
carries an ``Origin`` (only browsers send one; Prometheus does not).
"""

from __future__ import annotations

import socket

import pytest

from conftest import free_port, wait_until


def _get(port: int, *headers: str) -> tuple[int, bytes]:
    head = "GET /metrics HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split()[1]), data


@pytest.fixture
def metrics(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(metrics_addr=f"127.0.0.1:{port}")
    sent = daemon.send(b'{"hook_event_name": "PostCompact", "session_id": "s"}')
    assert sent.returncode == 0
    wait_until(lambda: b'hook="PostCompact"' in _get(port, f"Host: 127.0.0.1:{port}")[1], what="the canary counted")
    return port


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:PORT", "127.0.0.1.evil.example:PORT", "localhost:80@evil.example", None],
)
def test_a_rebinding_page_s_host_gets_nothing_from_the_metrics_endpoint(metrics, host):
    headers = [] if host is None else [f"Host: {host.replace('PORT', str(metrics))}"]
    status, data = _get(metrics, *headers)
    assert status == 421, data[:200]
    assert b'hook="PostCompact"' not in data and b"hookd_" not in data


def test_a_request_from_a_web_page_is_refused_whatever_its_host(metrics):
    status, data = _get(metrics, f"Host: 127.0.0.1:{metrics}", "Origin: http://evil.example")
    assert status == 403, data[:200]
    assert b'hook="PostCompact"' not in data


def test_two_host_headers_are_refused(metrics):
    status, _ = _get(metrics, f"Host: 127.0.0.1:{metrics}", "Host: evil.example")
    assert status == 421


@pytest.mark.parametrize("host", ["127.0.0.1:PORT", "localhost:PORT", "LOCALHOST", "[::1]:PORT", "127.0.0.1"])
def test_a_scraper_naming_this_machine_is_served(metrics, host):
    status, data = _get(metrics, f"Host: {host.replace('PORT', str(metrics))}")
    assert status == 200 and b'hook="PostCompact"' in data
