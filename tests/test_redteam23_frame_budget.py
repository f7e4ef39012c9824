"""Red team, twenty-third pass: many large events at once, each within the frame budget.

Bytes of unfinished frames are capped across connections (`pending_frame_bytes`): past it, the
connection whose read went over stops being read until frames complete. But when every connection
holding bytes had gone over, none was read, no frame could complete to give bytes back, and all
waited until their client_timeout_s refused them: 40 senders of 8 MB events at once (320 MB against
the 64 MiB default) got 6 through and 34 `ERR timeout`, frames that would each have fit (hook-send
keeps such an event in its inbox; a sender without one loses it). Now one connection holding bytes
is always read, and the next waiting one goes on when it finishes: every event goes through. The
HTTP listener shares the budget: before, most posts were answered 408 (an HTTP hook's event is then
lost), though in one run of three all got through.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from conftest import free_port, stream_entries, wait_until

SENDERS = 24
BUDGET = 6 * 2**20


def body(n: int) -> bytes:
    # JSON whose strings no redaction rule touches, about 3 MB: one frame fits the budget, three do not
    return json.dumps({"hook_event_name": "Stop", "session_id": f"large-{n}", "text": "ab " * 1_000_000}).encode()


@pytest.mark.parametrize("way", ["socket", "http"])
def test_large_events_sent_at_once_all_get_through_the_budget(hookd_factory, redis_db, way):
    port = free_port()
    daemon = hookd_factory(pending_frame_bytes=str(BUDGET), client_timeout_s="4", http_addr=f"127.0.0.1:{port}")
    token = (daemon.state_dir / "http.token").read_text().strip()
    answers: list[bytes] = [b""] * SENDERS
    ready = threading.Barrier(SENDERS)

    def send(n: int) -> None:
        data = body(n)
        if way == "socket":
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(str(daemon.socket))
            request = b"HOOKD/1 %d\n%s" % (len(data), data)
        else:
            sock = socket.create_connection(("127.0.0.1", port))
            head = "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n"
            request = (head % (token, len(data))).encode() + b"Connection: close\r\n\r\n" + data
        sock.settimeout(30)
        with sock:
            ready.wait()
            try:
                sock.sendall(request)
                answers[n] = sock.recv(100)
            except OSError as exc:  # refused and closed before the whole frame was sent
                answers[n] = repr(exc).encode()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    accepted = b"OK " if way == "socket" else b"HTTP/1.1 200 "
    refused = [answer for answer in answers if not answer.startswith(accepted)]
    # Before: most were answered `timeout` (408 over HTTP) after client_timeout_s, or cut off.
    assert refused == [], f"{len(refused)} of {SENDERS} refused: {refused[:3]}"
    wait_until(lambda: len(stream_entries(redis_db)) == SENDERS, timeout=30, what="every event in the stream")
    sessions = sorted(json.loads(entry[b"envelope"])["session_id"] for entry in stream_entries(redis_db))
    assert sessions == sorted(f"large-{n}" for n in range(SENDERS))
