"""Red team, seventh pass: a stream entry larger than any event takes `hookd tail`'s memory.

The stream holds what others wrote (every host publishing to it, anyone with the Redis
password), and an entry can be as large as Redis allows (512 MB). tail read 500 entries per
XREAD and held each reply whole, twice over (hiredis's buffer, then the bytes), before it looked
at any of it: one 200 MB entry took tail to over 400 MB, and a few of them to whatever the
machine had. Now a reply is refused past 64 MiB, read again an entry at a time, and an entry
that alone is larger is skipped unread with one line naming it; the entries after it are shown.
"""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys

import pytest

from conftest import REPO, wait_until
from hookd.publish.replies import READER_REPLY_BYTES
from test_sentinel import sentinel_hookd, sentinel_setup  # noqa: F401 - a fixture

NOW = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
HUGE = 200 << 20


def xadd(client, event_id: str, command: str, padding: int = 0, session: str = "cccc3333") -> str:
    """XADD an envelope whose payload carries ``padding`` bytes, streamed to Redis a MiB at a
    time: the test's own process stays small (a child's ru_maxrss starts from its parent's)."""
    head = (
        f'{{"v": 1, "event_id": "{event_id}", "seq": 1, "host": "h", "hook": "PreToolUse", '
        f'"session_id": "{session}", "tool_name": "Bash", "received_at": "{NOW}", '
        f'"payload": {{"tool_input": {{"command": "{command}"}}, "padding": "'
    ).encode()
    tail = b'"}}'
    words = [b"XADD", b"hookd:events", b"*", b"envelope", None, b"event_id", event_id.encode(), b"hook", b"PreToolUse"]
    words += [b"session", session.encode()]
    kwargs = client.connection_pool.connection_kwargs
    with socket.create_connection((kwargs["host"], kwargs["port"])) as sock:
        sock.sendall(b"*%d\r\n" % len(words))
        for word in words:
            if word is not None:
                sock.sendall(b"$%d\r\n%s\r\n" % (len(word), word))
                continue
            sock.sendall(b"$%d\r\n" % (len(head) + padding + len(tail)) + head)
            chunk, left = b"x" * (1 << 20), padding
            while left:
                sock.sendall(chunk[:left])
                left -= min(left, len(chunk))
            sock.sendall(tail + b"\r\n")
        replies = sock.makefile("rb")
        size = replies.readline()
        assert size.startswith(b"$"), size
        return replies.readline().strip().decode()


# Runs a command and prints its exit code and peak RSS (KiB). A child's ru_maxrss starts from its parent's
# RSS at fork, and a pytest worker has often grown by hundreds of MB by then: the peak is measured from
# this small process instead.
LAUNCH = """
import os, subprocess, sys
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    child = subprocess.Popen(sys.argv[3:], stdout=out, stderr=err)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_tail(hookd, tmp_path, *args: str, after=None) -> tuple[subprocess.CompletedProcess, int]:
    """tail to its end, and the most memory it held (MB, its own ru_maxrss, through LAUNCH)."""
    out_path, err_path = tmp_path / "tail.out", tmp_path / "tail.err"
    command = [sys.executable, "-m", "hookd", "tail", *args]
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(out_path), str(err_path), *command],
        stdout=subprocess.PIPE,
        env=hookd.env,
        cwd=REPO,
        start_new_session=True,  # tail and its launcher, killed together if tail never ends
    )
    try:
        if after is not None:
            after()
        report, _ = launcher.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)
        launcher.wait()
        raise AssertionError(
            f"tail did not end; it said: {err_path.read_text()!r}, showed: {out_path.read_text()!r}"
        ) from None
    code, peak_kib = map(int, report.split())
    done = subprocess.CompletedProcess(command, code, out_path.read_text(), err_path.read_text())
    return done, peak_kib // 1024


@pytest.fixture
def huge_between(redis_db):
    xadd(redis_db, "before", "echo before")
    huge_id = xadd(redis_db, "huge", "echo huge", padding=HUGE)
    xadd(redis_db, "after", "echo after")
    return huge_id


def test_an_entry_larger_than_any_event_is_skipped_and_tail_stays_small(hookd, huge_between, tmp_path):
    done, peak = run_tail(hookd, tmp_path, "--since", "1h", "--count", "2")
    print(f"tail peaked at {peak} MB with a {HUGE >> 20} MB entry in the stream")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo before" in done.stdout and "echo after" in done.stdout, (done.stdout, done.stderr)
    assert "echo huge" not in done.stdout
    assert huge_between in done.stderr and "skipped" in done.stderr, done.stderr
    assert peak < 160, f"tail held {peak} MB for one {HUGE >> 20} MB entry"


def test_a_group_consumer_acknowledges_the_entry_it_skips(hookd, redis_db, huge_between, tmp_path):
    redis_db.xgroup_create("hookd:events", "readers", id="0")
    done, peak = run_tail(hookd, tmp_path, "--group", "readers", "--consumer", "one", "--count", "2")
    print(f"tail --group peaked at {peak} MB with a {HUGE >> 20} MB entry in the stream")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo before" in done.stdout and "echo after" in done.stdout, (done.stdout, done.stderr)
    assert huge_between in done.stderr, done.stderr
    assert redis_db.xpending("hookd:events", "readers")["pending"] == 0
    assert peak < 160, f"tail held {peak} MB for one {HUGE >> 20} MB entry"


def test_tail_starts_after_a_newest_entry_too_large_to_read(hookd, redis_db, tmp_path):
    huge_id = xadd(redis_db, "huge", "echo huge", padding=HUGE)

    def add_later() -> None:
        # tail, started with the huge entry newest, waits for the next one
        wait_until(lambda: any(c.get("cmd", "").startswith("xre") for c in redis_db.client_list()), what="tail reads")
        xadd(redis_db, "next", "echo next")

    done, peak = run_tail(hookd, tmp_path, "--count", "1", after=add_later)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo next" in done.stdout, (done.stdout, done.stderr)
    assert huge_id not in done.stdout
    assert peak < 160, f"tail held {peak} MB for one {HUGE >> 20} MB entry"


def assert_tail_skips_an_entry_just_past_its_read(daemon, client, tmp_path, where: str) -> None:
    """Between two small entries one just past what tail reads at once (behind Sentinel or a Cluster, not
    200 MB, which a loaded machine took long to serve): tail shows the two,
    names the one it skipped, and stays small."""
    xadd(client, "before", "echo before")
    huge_id = xadd(client, "huge", "echo huge", padding=READER_REPLY_BYTES + (8 << 20))
    xadd(client, "after", "echo after")
    done, peak = run_tail(daemon, tmp_path, "--since", "1h", "--count", "2")
    print(f"tail behind {where} peaked at {peak} MB with a {(READER_REPLY_BYTES >> 20) + 8} MB entry")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "echo before" in done.stdout and "echo after" in done.stdout, (done.stdout, done.stderr)
    assert "echo huge" not in done.stdout
    assert huge_id in done.stderr and "skipped" in done.stderr, done.stderr
    assert peak < 160, f"tail held {peak} MB"


# No replica: a sentinel that marks the loaded master down can fail over to a replica that has not yet received
# the large entry and the one after it; those are gone, and tail waits for its second entry until killed.
@pytest.mark.parametrize("sentinel_setup", [0], ids=["no-replica"], indirect=True)
def test_tail_behind_sentinel_skips_the_entry_too(hookd_factory, sentinel_setup, tmp_path):
    daemon = sentinel_hookd(hookd_factory, sentinel_setup)
    assert_tail_skips_an_entry_just_past_its_read(daemon, sentinel_setup.master.client(), tmp_path, "Sentinel")
