"""The spare inbox (CLIENT_SPEC.md) and the inbox's size limit, on real processes.

hookd sweeps the spare inbox with the inbox: one order by name (send time), one copy per
hand-off id, only while the directory is ours and closed to others. A file over
max_event_bytes is refused as on the socket (too_large) and set aside, never published.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import log_records, wait_for_entries, wait_until


def body(n: int, pad: int = 0) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "pad": "p" * pad}).encode()


def put(directory, n: int, sent_ns: int, handoff_id: str | None = None, pad: int = 0) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    b = body(n, pad)
    hid = handoff_id or f"h{n:06d}"
    data = b"HOOKD/1 %d sent=%d pid=1 id=%s\n" % (len(b), sent_ns, hid.encode()) + b
    (directory / f".tmp-{hid}").write_bytes(data)
    (directory / f".tmp-{hid}").rename(directory / f"{sent_ns:020d}-1-{hid}.hookd")


def sessions(redis_db) -> list[str]:
    return [json.loads(f[b"envelope"])["session_id"] for _, f in redis_db.xrange("hookd:events")]


def status(daemon) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return json.loads(result.stdout)


def spare_of(daemon):
    from pathlib import Path

    return Path(daemon.env["HOOKD_SPARE_INBOX"])


def test_the_spare_inbox_is_swept_with_the_inbox_in_send_order_and_once(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    inbox, spare = daemon.state_dir / "inbox", spare_of(daemon)
    start = time.time_ns()
    for n in range(20):
        put(spare if n % 3 else inbox, n, start + n * 1000)
    put(inbox, 7, start + 7 * 1000)  # the same hand-off in both places: kept once
    daemon.start()
    wait_for_entries(redis_db, 20)
    time.sleep(1)
    assert sessions(redis_db) == [f"s{n}" for n in range(20)]
    wait_until(lambda: not list(spare.glob("*.hookd")) and not list(inbox.glob("*.hookd")), what="both inboxes emptied")
    assert status(daemon)["inbox"]["spare_taken"] == 13


def test_files_left_in_the_spare_inbox_while_hookd_runs_are_taken(hookd, redis_db):
    put(spare_of(hookd), 1, time.time_ns())
    wait_for_entries(redis_db, 1, timeout=60)
    assert sessions(redis_db) == ["s1"]


def test_a_spare_inbox_open_to_others_is_not_swept_and_status_says_why(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    spare = spare_of(daemon)
    put(spare, 1, time.time_ns())
    os.chmod(spare, 0o777)
    daemon.start()
    wait_until(lambda: status(daemon)["inbox"]["spare_problem"], what="status to name the problem")
    assert "writable by other users" in status(daemon)["inbox"]["spare_problem"]
    assert any(r.get("event") == "spare_inbox_untrusted" for r in log_records(daemon.log_text()))
    assert redis_db.xlen("hookd:events") == 0 and len(list(spare.glob("*.hookd"))) == 1
    table = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    ).stdout
    assert "not swept: writable by other users" in table, table
    os.chmod(spare, 0o700)
    wait_for_entries(redis_db, 1)


def test_an_inbox_file_over_max_event_bytes_is_set_aside_and_never_published(hookd_factory, redis_db):
    daemon = hookd_factory(start=False, max_event_bytes=str(1 << 20))
    inbox, spare = daemon.state_dir / "inbox", spare_of(daemon)
    now = time.time_ns()
    put(inbox, 1, now, pad=20 << 20)  # 20 MiB
    put(spare, 2, now + 1, pad=(1 << 20) + 1)  # just over
    put(inbox, 3, now + 2)
    daemon.start()
    wait_for_entries(redis_db, 1)
    wait_until(
        lambda: (
            len(list((inbox / "rejected").glob("*.hookd"))) == 1
            and len(list((spare / "rejected").glob("*.hookd"))) == 1
        ),
        what="both set aside",
    )
    time.sleep(1)
    assert sessions(redis_db) == ["s3"]
    assert status(daemon)["counters"]["rejected"] == {"too_large": 2}


def test_hook_send_falls_back_to_the_spare_inbox_when_the_inbox_cannot_be_written(hookd_factory, redis_db, tmp_path):
    daemon = hookd_factory(start=False)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")  # the state directory cannot be made: writing the inbox fails
    result = daemon.send(body(1), HOOKD_STATE_DIR=str(blocked / "state"), HOOKD_DEBUG="1")
    assert result.returncode == 0 and result.stdout == b""
    assert b"saved to spare inbox" in result.stderr, result.stderr
    assert len(list(spare_of(daemon).glob("*.hookd"))) == 1
    assert os.stat(spare_of(daemon)).st_mode & 0o777 == 0o700
    daemon.start()
    wait_for_entries(redis_db, 1)


def test_hook_send_says_an_event_is_lost_when_neither_inbox_takes_it(hookd_factory, tmp_path):
    daemon = hookd_factory(start=False)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    spare = spare_of(daemon)
    spare.mkdir(mode=0o700)
    os.chmod(spare, 0o777)  # untrusted: refused
    result = daemon.send(body(1), HOOKD_STATE_DIR=str(blocked / "state"))  # no HOOKD_DEBUG
    assert result.returncode == 0 and result.stdout == b""
    assert result.stderr.startswith(b"hook-send: event lost: "), result.stderr
    assert str(spare).encode() in result.stderr
    assert not list(spare.glob("*.hookd"))
