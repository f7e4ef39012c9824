"""Red team, twenty-second pass: inbox files hookd can read but not delete.

`hookd service install` writes a unit with `ProtectSystem=strict` and the state directory as its
only `ReadWritePaths=`, so the service's hookd saw `$XDG_RUNTIME_DIR` read-only: the spare inbox
hook-send falls back to on a full disk (`$XDG_RUNTIME_DIR/hookd/inbox`). hookd took its files,
could not delete them, and the sweep failed at each (`inbox_sweep_failed`, twice a second); every
sweep took each file again, dropped as a repeat of its hand-off id while that id was remembered, and
published again once it was forgotten: the same events in the stream once a minute, for as long as
it lasted, while `hookd status` said healthy. Here a mount namespace makes the directory read-only
for hookd alone, as the unit did. Now a spare inbox hookd cannot delete from is not swept (its
events wait, status says why and how to fix it), an inbox file whose event is spooled but that
cannot be deleted is not taken again, and the unit lets hookd write `%t/hookd`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from conftest import REPO, wait_until
from other_user import needs_root
from test_status import hookd_cli

pytestmark = [
    needs_root,
    pytest.mark.skipif(
        not (shutil.which("unshare") and shutil.which("nsenter")), reason="needs unshare(1) and nsenter(1)"
    ),
]

# Mount ``$1`` read-only over itself in a mount namespace of its own, then run the rest.
READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'


def start_seeing_read_only(daemon, directory) -> None:
    """Start ``hookd run`` with ``directory`` read-only for it alone (as ProtectSystem= makes it)."""
    daemon.log = open(daemon.log_path, "ab")
    daemon.proc = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", READ_ONLY, "sh", str(directory)]
        + [sys.executable, "-m", "hookd", "run"],
        env=daemon.env,
        stdout=subprocess.DEVNULL,
        stderr=daemon.log,
        cwd=REPO,
    )
    wait_until(daemon._serving, timeout=30, what="hookd to serve its socket")


def status(daemon) -> tuple[int, dict]:
    result = hookd_cli(daemon.env, "status", "--json")
    return result.returncode, json.loads(result.stdout)


def send_to_the_spare_inbox(daemon, tmp_path, session: str) -> None:
    """The real hook-send, with its inbox refused (a file in its place), keeps the event in the
    spare inbox, as on a full disk."""
    state = tmp_path / "client-state"
    state.mkdir(mode=0o700, exist_ok=True)
    (state / "inbox").touch()
    body = json.dumps({"hook_event_name": "Stop", "session_id": session}).encode()
    sent = daemon.send(body, HOOKD_STATE_DIR=str(state), HOOKD_SOCKET=str(tmp_path / "absent" / "hookd.sock"))
    assert sent.returncode == 0 and sent.stdout == b"" and b"event kept in" in sent.stderr, sent.stderr


@pytest.mark.parametrize("when", ["before_start", "while_running"])
def test_a_spare_inbox_hookd_cannot_delete_from_is_not_swept_and_status_says_so(
    hookd_process_factory, redis_db, tmp_path, when
):
    """Before: files there at start stopped hookd's start (OSError: Read-only file system, exit 1);
    files there while it ran were published, again each minute, and status said healthy."""
    daemon = hookd_process_factory(start=False, inbox_poll_ms="100")
    spare = daemon.base / "spare-inbox"
    spare.mkdir(mode=0o700)
    if when == "while_running":
        start_seeing_read_only(daemon, spare)
    for session in ("ro-1", "ro-2"):
        send_to_the_spare_inbox(daemon, tmp_path, session)
    assert len(list(spare.glob("*.hookd"))) == 2
    if when == "before_start":
        start_seeing_read_only(daemon, spare)

    def degraded() -> bool:
        code, report = status(daemon)
        return code == 1 and any(str(spare) in reason for reason in report["reasons"])

    wait_until(degraded, timeout=20, what="status to name the spare inbox")
    code, report = status(daemon)
    assert "read-only" in report["inbox"]["spare_problem"], report["inbox"]
    assert "ReadWritePaths=" in next(r for r in report["reasons"] if str(spare) in r)
    time.sleep(1)  # some ten sweeps: none takes the files
    assert redis_db.xlen("hookd:events") == 0
    assert report["counters"]["received"] == 0 and len(list(spare.glob("*.hookd"))) == 2
    assert b"inbox_sweep_failed" not in daemon.log_path.read_bytes()


def test_a_spooled_inbox_file_that_cannot_be_deleted_is_not_taken_again(hookd_process_factory, redis_db, tmp_path):
    daemon = hookd_process_factory(start=False, inbox_poll_ms="100")
    inbox = daemon.state_dir / "inbox"
    body = json.dumps({"hook_event_name": "Stop", "session_id": "stuck"}).encode()
    sent = daemon.send(body)  # no daemon yet: into the inbox
    assert sent.returncode == 0 and sent.stdout == b"", sent.stderr
    (kept,) = inbox.glob("*.hookd")

    start_seeing_read_only(daemon, inbox)

    def named() -> bool:
        return bool(status(daemon)[1]["inbox"].get("not_removed"))

    wait_until(named, timeout=20, what="status to name the file it cannot delete")
    time.sleep(1)  # some ten sweeps more
    code, report = status(daemon)
    assert code == 1 and report["inbox"]["not_removed"] == {str(kept): "Read-only file system"}
    assert any(str(kept) in reason and "cannot be deleted" in reason for reason in report["reasons"])
    assert report["counters"]["received"] == 1 and report["counters"]["deduplicated"] == 0
    assert redis_db.xlen("hookd:events") == 1
    log = daemon.log_path.read_bytes()
    assert log.count(b'"inbox_file_not_removed"') == 1 and b"inbox_sweep_failed" not in log

    # The mount made writable again (in hookd's namespace): the next sweep deletes the file.
    remount = ["nsenter", "-t", str(daemon.proc.pid), "-m", "mount", "-o", "remount,bind,rw", str(inbox)]
    subprocess.run(remount, check=True)
    wait_until(lambda: not kept.exists(), timeout=20, what="the file to be deleted")
    code, report = status(daemon)
    assert not report["inbox"]["not_removed"] and not any("cannot be deleted" in r for r in report["reasons"])
    assert report["counters"]["received"] == 1 and redis_db.xlen("hookd:events") == 1


def test_the_service_unit_lets_hookd_delete_what_it_takes_from_the_spare_inbox(tmp_path):
    """The default spare inbox is %t/hookd/inbox ($XDG_RUNTIME_DIR): the unit must leave it writable."""
    result = hookd_cli(
        {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(tmp_path / "run")},
        "service",
        "install",
        "--dry-run",
        "--manager",
        "systemd",
    )
    assert result.returncode == 0, result.stderr
    # Since the thirty-sixth pass the user unit makes nothing read-only (no ProtectSystem= or other
    # mount option: they would run it in a user namespace), so %t/hookd stays writable.
    settings = [line.split("=", 1)[0] for line in result.stdout.splitlines() if "=" in line and line[0] != "#"]
    assert not set(settings) & {"ProtectSystem", "ProtectHome", "ReadOnlyPaths", "InaccessiblePaths"}, settings
    assert "ExecStart" in settings
