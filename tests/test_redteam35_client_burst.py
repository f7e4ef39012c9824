"""Thirty-fifth red-team pass: hook-send at the agent's critical path, a burst of clients at once.

Claude Code runs one hook-send per hook event, and an agent with subagents fires many at once. 500
clients started within about a second against a real daemon: each must exit 0 with nothing on
stdout, be gone within its deadline (plus a generous margin for a loaded machine's start-up), and
every event must end in the stream (acknowledged, or kept in the inbox and swept by hookd), or be
said lost on stderr: none may vanish.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from conftest import wait_until

CLIENTS = 500
TIMEOUT_MS = 1000
# Not a timing goal: a client held past its deadline (seconds, or for good) breaks it. A Python
# client's interpreter start is before its deadline begins, and 500 of them share two cores.
MARGIN_S = 60


def _sessions_in_stream(client) -> set[str]:
    return {fields[b"session"].decode() for _, fields in client.xrange("hookd:events")}


@pytest.mark.process
def test_a_burst_of_500_clients_all_exit_0_in_time_and_lose_no_event(hookd, redis_db, client_cmd, tmp_path):
    # Each payload is a file, as whole at the client's start as Claude Code's pipe is: written to a
    # pipe after the start, it could come after a client's deadline while 500 starts held the test.
    bodies = []
    for i in range(CLIENTS):
        body = tmp_path / f"body-{i}.json"
        body.write_text(json.dumps({"hook_event_name": "Stop", "session_id": f"burst-{i}"}))
        bodies.append(body)
    procs = []
    started = time.monotonic()
    for body in bodies:
        with body.open("rb") as stdin:
            p = subprocess.Popen(
                [*client_cmd, "Stop"],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**hookd.env, "HOOKD_SEND_TIMEOUT_MS": str(TIMEOUT_MS)},
            )
        procs.append(p)
    spawned = time.monotonic() - started
    lost, said = set(), []
    for i, p in enumerate(procs):
        out = p.stdout.read()
        err = p.stderr.read()
        code = p.wait(MARGIN_S)
        assert code == 0 and out == b"", (i, code, out[:200])
        if err:
            said.append(err.decode(errors="replace"))
        if b"event lost" in err:
            lost.add(f"burst-{i}")
    gone = time.monotonic() - started
    print(f"spawned {CLIENTS} in {spawned:.2f}s, all gone after {gone:.2f}s; {len(said)} said something: {said[:3]}")
    assert gone < spawned + TIMEOUT_MS / 1000 + MARGIN_S
    want = {f"burst-{i}" for i in range(CLIENTS)} - lost
    wait_until(lambda: want <= _sessions_in_stream(redis_db), timeout=120, what="every event in the stream")
