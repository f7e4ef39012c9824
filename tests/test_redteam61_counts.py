"""Sixty-first pass: what status and the metrics endpoint count.

`received` left out refusals of the framing itself (a bad header, a body cut short, a timeout):
received was not accepted + rejected. `control_refused` was on status only. While a backlog an
earlier run left could not be read (EIO at start), `spool.events` showed this run's events alone,
a number that looked whole.
"""

from __future__ import annotations

import socket
import urllib.request

from conftest import free_port, wait_until
from faultfs_daemon import NEEDS_FAULTFS, faulty_daemon, send, status  # noqa: F401 (a fixture)
from test_redteam49_start_eio import started_unreadable

from hookd.control.client import request
from hookd.control.status_text import render

GOOD = b'{"hook_event_name":"Stop","session_id":"s61"}'


def _frame(body: bytes, header: bytes | None = None) -> bytes:
    return (header if header is not None else b"HOOKD/1 %d" % len(body)) + b"\n" + body


def _counters(daemon) -> dict:
    return request(str(daemon.socket.parent / "control.sock"), "status")["counters"]


def _metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=20) as answer:
        lines = answer.read().decode().splitlines()
    return {name: float(value) for name, _, value in (line.rpartition(" ") for line in lines if line[:1] != "#")}


def test_received_is_what_was_accepted_plus_every_refusal(hookd_factory, redis_db):
    daemon = hookd_factory(client_timeout_s="0.3")
    assert daemon.request(b"HOOKD/1 -5\n").startswith(b"ERR bad_header")
    assert daemon.request(b"HOOKD/1 999999999999\n").startswith(b"ERR too_large")
    assert daemon.request(b"HOOKD/1 50\n{}").startswith(b"ERR not_json")  # cut short by the sender's close
    with socket.socket(socket.AF_UNIX) as s:  # a header and half a body, then nothing: a timeout
        s.settimeout(10)
        s.connect(str(daemon.socket))
        s.sendall(b"HOOKD/1 50\n{")
        assert s.recv(4096).startswith(b"ERR timeout")
    assert daemon.request(_frame(b"[]")).startswith(b"ERR not_object")  # a payload refusal: counted before too
    assert daemon.request(_frame(GOOD)).startswith(b"OK ")
    counters = _counters(daemon)
    rejected = sum(counters["rejected"].values())
    assert rejected == 5, counters["rejected"]
    assert counters["accepted"] == 1
    # The code before: received 2 (the payload refusal and the good one), the four framing refusals left out.
    assert counters["received"] == counters["accepted"] + rejected, counters


def test_control_refusals_are_on_the_metrics_endpoint(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(metrics_addr=f"127.0.0.1:{port}")
    control = str(daemon.socket.parent / "control.sock")
    for _ in range(2):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(control)
            s.sendall(b"bogus\n")
            assert b"unknown" in s.recv(4096)
    assert daemon.request(b"HOOKD/1 -5\n").startswith(b"ERR bad_header")
    metrics = _metrics(port)
    assert metrics.get('hookd_control_refused_total{reason="unknown_command"}') == 2.0, sorted(metrics)
    assert metrics["hookd_events_received_total"] == 1.0  # the framing refusal, counted received
    assert metrics["hookd_spool_events_counted"] == 1.0


@NEEDS_FAULTFS[0]
@NEEDS_FAULTFS[1]
def test_a_backlog_not_counted_is_said_a_lower_bound_until_a_read_counts_it(faulty_daemon):
    daemon, fs, _ = started_unreadable(faulty_daemon)
    assert send(daemon, 6) == "delivered"
    code, doc = status(daemon)
    # The code before: "events": 1 and nothing else, as if one event waited.
    assert (doc["spool"]["events"], doc["spool"]["events_counted"]) == (1, False), doc["spool"]
    text = render(doc, code, False)
    assert "at least 1 event (an earlier run's not counted yet" in text, text
    assert any("at least 1 event wait" in reason for reason in doc["reasons"]), doc["reasons"]
    fs.set_rules([])
    wait_until(lambda: status(daemon)[1]["spool"]["events_counted"], timeout=60, what="the backlog counted")
    wait_until(lambda: status(daemon)[1]["spool"]["events"] == 0, timeout=60, what="nothing waiting")
    code, doc = status(daemon)
    assert "at least" not in render(doc, code, False)
    daemon.stop()
