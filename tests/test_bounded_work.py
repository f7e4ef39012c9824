"""Bounded work per event, on real processes: large events are prepared in the worker
process, so the event loop keeps serving others; past work_budget_ms a payload is withheld
(never kept unredacted), and order is kept.
"""

from __future__ import annotations

import pytest
import json
import socket
import subprocess
import sys
import threading

from conftest import log_records, wait_for_entries, wait_until

SECRET = "AKIAIOSFODNN7EXAMPLE"


# A payload holding this takes a test daemon's preparer SLOW's seconds (tests/process_site/
# sitecustomize.py): past any work_budget_ms here. No real payload is that slow to rely on: the
# risk rules' work is linear (tests/test_redteam17_command_risk.py).
SLOW_MARK = "hookd-test-slow-payload"
SLOW = {"test_slow_payload_s": "120"}


def hostile(size: int) -> bytes:
    """A Bash command of repeated `curl `, marked to be slow to prepare."""
    return json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "hostile",
            "tool_name": "Bash",
            "tool_input": {"command": "curl " * (size // 5), "description": SLOW_MARK},
        }
    ).encode()


def small(n: int) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"small-{n}"}).encode()


def status(daemon) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return json.loads(result.stdout)


def worker_busy(daemon) -> bool:
    """The daemon's own word, over its control socket: no interpreter to start, so that the
    answer is about now even on a loaded machine (``hookd status`` takes a second there)."""
    from hookd.control.client import request

    control = daemon.env.get("HOOKD_CONTROL_SOCKET") or str(daemon.socket.parent / "control.sock")
    return request(control, "status", timeout_s=10)["work"]["busy_for_s"] is not None


def exchange(daemon, data: bytes, replies: list) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(120)
        s.connect(str(daemon.socket))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    replies.extend(b"".join(chunks).splitlines())


def send_large_until_the_worker_is_busy(daemon) -> tuple[threading.Thread, list[bytes]]:
    """A hostile 1 MiB event sent on its own connection (in a thread, which fills ``replies``),
    once the worker process is busy preparing it."""
    big = hostile(1 << 20)
    replies: list[bytes] = []
    sender = threading.Thread(target=exchange, args=(daemon, b"HOOKD/1 %d\n" % len(big) + big, replies))
    sender.start()
    wait_until(
        lambda: worker_busy(daemon),
        timeout=20,
        what="the worker to be busy with the large event",
    )
    return sender, replies


def envelopes(redis_db) -> list[dict]:
    return [json.loads(f[b"envelope"]) for _, f in redis_db.xrange("hookd:events")]


@pytest.mark.process
def test_a_small_event_sent_while_a_hostile_large_one_is_prepared_is_acknowledged(hookd_factory, redis_db):
    daemon = hookd_factory(work_budget_ms="5000", **SLOW)
    sender, replies = send_large_until_the_worker_is_busy(daemon)
    # The real client, with a deadline well inside the work budget: were the event loop held up
    # by the large event, the answer would come only when the budget ends, past this deadline
    # (the default 250 ms is missed on a loaded machine by the client's own start).
    result = daemon.send(small(1), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="1500")
    assert result.returncode == 0 and b"event delivered" in result.stderr, result.stderr
    assert daemon.inbox() == []
    assert worker_busy(daemon), "the test did not overlap the two"
    sender.join(60)
    assert len(replies) == 1 and replies[0].startswith(b"OK "), replies
    found = wait_for_entries(redis_db, 2)
    by_session = {e["session_id"]: e for e in envelopes(redis_db)}
    assert len(found) == 2 and "small-1" in by_session
    withheld = [e for e in envelopes(redis_db) if "hookd_withheld" in e["payload"]]
    assert len(withheld) == 1, envelopes(redis_db)
    assert withheld[0]["payload"]["hookd_withheld"]["reason"] == "over_budget"
    assert withheld[0]["hook"] == "unknown" and withheld[0]["client"] is None
    assert b"curl curl" not in b"".join(f[b"envelope"] for _, f in redis_db.xrange("hookd:events"))
    work = status(daemon)["work"]
    assert work["over_budget"] == 1 and work["worker_starts"] >= 1
    assert any(r.get("event") == "event_payload_withheld" for r in log_records(daemon.log_text()))
    table = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    ).stdout
    assert "1 event over work_budget_ms" in table, table


def test_large_events_are_redacted_by_the_worker_and_keep_their_order(hookd, redis_db):
    frames = b""
    bodies = []
    for n in range(6):
        if n % 2:
            body = small(n)
        else:  # 200 KiB, with a secret near the end
            body = json.dumps(
                {
                    "hook_event_name": "PostToolUse",
                    "session_id": f"large-{n}",
                    "tool_name": "Bash",
                    "tool_response": "y" * (200 << 10) + " key " + SECRET,
                }
            ).encode()
        bodies.append(body)
        frames += b"HOOKD/1 %d\n" % len(body) + body
    replies: list[bytes] = []
    exchange(hookd, frames, replies)
    assert len(replies) == 6 and all(r.startswith(b"OK ") for r in replies), replies
    wait_for_entries(redis_db, 6)
    got = envelopes(redis_db)
    assert [e["session_id"] for e in got] == ["large-0", "small-1", "large-2", "small-3", "large-4", "small-5"]
    assert [e["seq"] for e in got] == sorted(e["seq"] for e in got)
    assert [r.split()[1].decode() for r in replies] == [e["event_id"] for e in got]
    for e in got[::2]:
        assert SECRET not in json.dumps(e["payload"]) and e["redactions"] == 1
        assert e["tool_name"] == "Bash" and e["risk"] is not None
    state = status(hookd)
    assert state["work"]["prepared"] == 3 and state["work"]["over_budget"] == 0
    assert state["counters"]["redactions"].get("aws_access_key_id") == 3


def test_large_http_posts_are_prepared_by_the_worker_and_answered_in_order(hookd_factory, redis_db):
    import http.client

    from conftest import free_port

    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}")
    wait_until(lambda: "http_serving" in daemon.log_text(), what="the HTTP listener")
    token = (daemon.state_dir / "http.token").read_text().strip()
    port = int(daemon.env["HOOKD_HTTP_ADDR"].rpartition(":")[2])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sessions = []
    for n in range(4):  # one keep-alive connection: large, small, large, small
        body = (
            json.dumps(
                {
                    "hook_event_name": "PostToolUse",
                    "session_id": f"h{n}",
                    "tool_name": "Bash",
                    "tool_response": "z" * (300 << 10) + " key " + SECRET,
                }
            ).encode()
            if n % 2 == 0
            else small(n).replace(b"small-", b"h")
        )
        conn.request("POST", "/hook", body=body, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"{}")
        sessions.append(f"h{n}")
    conn.close()
    wait_for_entries(redis_db, 4)
    got = envelopes(redis_db)
    assert [e["session_id"] for e in got] == sessions
    assert all(SECRET not in json.dumps(e["payload"]) for e in got)
    assert status(daemon)["work"]["prepared"] == 2


@pytest.mark.process
def test_a_stop_while_a_large_event_is_prepared_answers_it_and_exits_0(hookd_factory, redis_db):
    daemon = hookd_factory(work_budget_ms="3000", **SLOW)
    sender, replies = send_large_until_the_worker_is_busy(daemon)
    assert daemon.stop() == 0
    sender.join(30)
    assert len(replies) == 1 and replies[0].startswith(b"OK "), replies  # within drain_timeout_s
    assert len(envelopes(redis_db)) == 1
