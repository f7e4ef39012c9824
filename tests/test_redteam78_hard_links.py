"""Seventy-eighth red-team pass: a file with another name (a hard link) where hookd writes in place.

hookd's files are opened without following a link and must be regular files of the user's; a hard
link passed both checks. The lock file (its pid written over the start), the spool's reserve (grown
to spool_reserve_bytes) and the last segment (its torn tail cut, then events appended) were written
through it, changing the file at its other name: a file of the user's elsewhere overwritten, or the
spool's events added to a file outside the 0700 state directory, mode and place the other name's.
Now such a file is refused by name, as a FIFO or a link there is. A real ``hookd run`` each time.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from conftest import wait_until
from hookd.log_sink import open_private_append

pytestmark = pytest.mark.process

VICTIM = b"a file of the user's, outside the state directory\n" * 4


def _planted(hookd_factory, name: str, how: str = "hardlink"):
    """A daemon not yet started whose state directory holds, at ``name``, another name of a file
    outside it (a hard link, or a symbolic link with ``how="symlink"``)."""
    daemon = hookd_factory(start=False)
    for sub in ("", "spool", "inbox"):
        (daemon.state_dir / sub).mkdir(mode=0o700, exist_ok=True)
    victim = daemon.base / "victim"
    victim.write_bytes(VICTIM)
    victim.chmod(0o644)
    (os.link if how == "hardlink" else os.symlink)(victim, daemon.state_dir / name)
    return daemon, victim


def _refused(daemon, name: str, words: str) -> None:
    daemon.start(wait=False)
    code = daemon.proc.wait(30)
    text = daemon.log_text()
    assert code == 1, text
    assert f"{daemon.state_dir / name} {words}" in text, text


@pytest.mark.parametrize("name", ["hookd.lock", "spool/reserve"])
def test_a_file_hookd_writes_over_with_another_name_is_refused_not_written(hookd_factory, name):
    daemon, victim = _planted(hookd_factory, name)
    _refused(daemon, name, "has 2 names (hard links)")
    assert victim.read_bytes() == VICTIM


def test_the_last_segment_with_another_name_gets_no_events(hookd_factory, redis_db):
    daemon, victim = _planted(hookd_factory, "spool/00000000000000000001.seg")
    daemon.start(wait=False)
    code = daemon.proc.wait(30)
    assert code == 1, daemon.log_text()
    assert "has 2 names (hard links)" in daemon.log_text()
    assert victim.read_bytes() == VICTIM
    # Its other name removed, the daemon starts and the spool works as before.
    victim.unlink()
    os.unlink(daemon.state_dir / "spool/00000000000000000001.seg")
    daemon.start()
    done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "s78"}).encode(), "Stop")
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    wait_until(lambda: redis_db.xlen("hookd:events") == 1, what="the event in Redis")


def test_a_link_at_the_reserve_is_refused_by_name(hookd_factory):
    """Before: `OSError: [Errno 40] Too many levels of symbolic links: 'reserve'`, a traceback
    naming neither the directory nor the fix."""
    daemon, victim = _planted(hookd_factory, "spool/reserve", how="symlink")
    _refused(daemon, "spool/reserve", "is a symbolic link")
    assert victim.read_bytes() == VICTIM


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_at_the_reserve_is_refused_by_name(hookd_factory, kind):
    """Before: served beside it with no reserve (spool_reserve_failed: Illegal seek, No such device)."""
    daemon = hookd_factory(start=False)
    (daemon.state_dir / "spool").mkdir(parents=True, mode=0o700)
    path = daemon.state_dir / "spool/reserve"
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    else:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # as /dev/null
    _refused(daemon, "spool/reserve", "is not a regular file")


def test_the_fallback_log_file_with_another_name_is_not_appended_to(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM)
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o700)
    os.link(victim, logs / "hookd.log")
    with pytest.raises(OSError, match="2 names"):
        open_private_append(str(logs / "hookd.log"))
    assert victim.read_bytes() == VICTIM


def test_a_token_file_left_half_made_by_a_run_with_the_same_pid_does_not_stop_the_next(tmp_path):
    """The token's temporary file was named by the pid alone: one a killed run left (kill -9 between
    its write and its unlink) stopped the next run with that pid (a container's pid 1) with a
    FileExistsError traceback, not a message."""
    from hookd.ingest.http_setup import load_or_create_token

    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    path = state / "http.token"
    left = state / f"http.token.tmp-{os.getpid()}"
    left.write_text("x" * 43 + "\n")
    token = load_or_create_token(str(path))
    assert len(token) >= 32 and path.read_text().strip() == token
    assert left.read_text() == "x" * 43 + "\n"
