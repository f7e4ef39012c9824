"""A full disk on real processes: the state directory on a small tmpfs, Redis down, the
filesystem filled; events sent through the real hook-send.

The spool's reserve takes events for a while after the disk fills; then hookd refuses
with ``disk_full`` and hook-send keeps each event in its spare inbox (here on a second,
even smaller tmpfs, which fills too: then hook-send says "event lost"). Once space is
freed and Redis is back, every event that was acknowledged or kept arrives exactly once,
in order, and the ones given up are exactly those hook-send said it lost, and as many as
hookd counted refused beyond what the spare inbox kept.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess

import pytest
from conftest import RedisServer, wait_until

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

EVENT_BYTES = 30 * 1024


def body(n: int) -> bytes:
    return json.dumps(
        {"hook_event_name": "PostToolUse", "session_id": "disk", "n": n, "tool_response": "x" * EVENT_BYTES}
    ).encode()


def mount_tmpfs(path, size: str) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)


def fill(directory) -> object:
    """Write a file until the filesystem is full; return its path."""
    path = directory / "filler"
    # Unbuffered: a buffered file keeps what a full disk refused and raises ENOSPC again
    # when it is closed.
    with open(path, "wb", buffering=0) as fh:
        for size in (65536, 4096, 512, 1):  # then the last pieces
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return path


def outcome(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.decode(errors="replace")
    assert (result.returncode, result.stdout) == (0, b""), err
    for marker, name in (
        ("event delivered", "delivered"),
        ("saved to spare inbox", "spare"),
        ("saved to inbox", "inbox"),
        ("event lost", "lost"),
    ):
        if marker in err:
            return name
    raise AssertionError(f"unexpected: {err!r}")


def status(daemon) -> tuple[int, dict]:
    result = subprocess.run(
        [os.sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def mounts():
    mounted = []

    def mount(path, size):
        mount_tmpfs(path, size)
        mounted.append(path)

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


# The state directory's tmpfs: the redaction scanner's cached databases (about 18 MiB, growing with the rule
# table), the 2 MiB reserve and the spool, which the tests fill.
STATE_MOUNT = "40m"
SPOOL_ROOM = 8 << 20


def assert_room_for_the_spool(state_dir) -> None:
    """The spool has room to fill past its segments once the cache and the reserve are written: a test that
    found the disk full at once would test nothing (the cache once grew past what a 20 MiB mount left)."""
    free = os.statvfs(state_dir).f_bavail * os.statvfs(state_dir).f_frsize
    assert free >= SPOOL_ROOM, f"{free} bytes left on the {STATE_MOUNT} state mount: raise STATE_MOUNT"


def test_a_full_disk_loses_no_acknowledged_or_kept_event_and_counts_those_given_up(hookd_factory, tmp_path, mounts):
    redis = RedisServer(tmp_path / "redis")  # not started: Redis is down throughout the fill
    daemon = hookd_factory(
        redis_url=redis.url, start=False, spool_reserve_bytes=str(2 << 20), spool_segment_bytes=str(1 << 20)
    )
    mounts(daemon.state_dir, STATE_MOUNT)
    spare = tmp_path / "spare"
    mounts(spare, "1m")
    daemon.env["HOOKD_SPARE_INBOX"] = str(spare / "inbox")
    daemon.start()
    # The socket is bound before the spool (and its reserve) is opened: wait for the reserve.
    reserve = daemon.state_dir / "spool" / "reserve"
    wait_until(lambda: reserve.exists() and os.path.getsize(reserve) == 2 << 20, what="the spool's 2 MiB reserve")
    assert_room_for_the_spool(daemon.state_dir)
    filler = fill(daemon.state_dir)

    outcomes = []
    for n in range(120):
        outcomes.append(outcome(daemon.send(body(n), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000")))
    delivered = [n for n, o in enumerate(outcomes) if o == "delivered"]
    kept = [n for n, o in enumerate(outcomes) if o in ("inbox", "spare")]
    lost = [n for n, o in enumerate(outcomes) if o == "lost"]
    # The reserve (2 MiB) took events after the disk filled; then the spare inbox; then none.
    assert len(delivered) >= 40, outcomes
    assert outcomes == sorted(outcomes, key=["delivered", "inbox", "spare", "lost"].index), outcomes
    assert kept and lost, outcomes

    code, state = status(daemon)
    assert code != 0 and state["spool"]["disk_full"] is True
    assert state["spool"]["reserve_bytes"] == 0
    assert any("DISK FULL" in reason for reason in state["reasons"]), state["reasons"]
    # Every refusal counted, exactly: one per event hook-send then kept or gave up.
    assert state["counters"]["rejected"].get("disk_full") == len(kept) + len(lost)
    assert '"spool_disk_full"' in daemon.log_text()

    filler.unlink()
    # Sent at once, while the kept events still wait in the spare inbox: they must not
    # overtake them (held_back.py), whichever way they go in.
    after = list(range(120, 125))
    later = [outcome(daemon.send(body(n), HOOKD_DEBUG="1", HOOKD_SEND_TIMEOUT_MS="5000")) for n in after]
    assert set(later) <= {"delivered", "inbox", "spare"}, later
    redis.start()
    client = redis.client()
    wait_until(
        lambda: client.xlen("hookd:events") >= len(delivered) + len(kept) + len(after),
        timeout=60,
        what="the spool and the spare inbox to drain",
    )
    numbers = [json.loads(f[b"envelope"])["payload"]["n"] for _, f in client.xrange("hookd:events")]
    assert numbers == delivered + kept + after  # each once, in send order; the lost ones absent
    wait_until(lambda: not list((spare / "inbox").glob("*.hookd")), what="the spare inbox emptied")

    def reserve_back():
        code, state = status(daemon)
        return state["spool"]["reserve_bytes"] == 2 << 20 and not state["spool"]["disk_full"]

    wait_until(reserve_back, timeout=20, interval=0.5, what="the reserve to be refilled")
    code, state = status(daemon)
    assert state["inbox"]["spare_taken"] >= len([o for o in outcomes if o == "spare"])
    assert '"spool_disk_room_again"' in daemon.log_text()
    daemon.stop()
    redis.stop()
