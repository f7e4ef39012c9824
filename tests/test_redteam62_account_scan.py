"""Sixty-second red-team pass: the hook clients' read of the account database stays under the deadline.

A directory on the way to the socket or the inbox that our own private group can write (umask 002)
is trusted only once the clients have read every account and found none other in that group
(hookd's trust.private_group). The Python client read them with pwd.getpwall, one C call during
which no handler of Python's runs: an account database that took long to read (a directory
service's, enumerated) held the run past its hard deadline for as long as the read took, and one
that did not end held it for ever. It now reads one account at a time (libc's getpwent), the
deadline's handler free to end the run between two, as the native client's does.

Each run is in a mount namespace of its own (``unshare -m``) where /etc/passwd is bind-mounted over:
nothing outside it sees that account database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import faultfs
from faultfs import FaultFS
from other_user import needs_root

BODY = b'{"hook_event_name": "Stop", "session_id": "s-62"}'
ACCOUNTS = 20000  # about 1 MB: some 250 reads of 4 KiB
MOUNTED = 'mount --bind "$0" /etc/passwd && exec "$@"'


def _can_mount_privately() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/passwd', "/etc/passwd"]
    return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0


pytestmark = [
    needs_root,
    pytest.mark.skipif(not _can_mount_privately(), reason="needs unshare -m and mount (a private mount namespace)"),
]


def way(tmp_path: Path) -> tuple[Path, Path]:
    """A socket's directory (0700) inside one that root's group can write: root's own private group,
    if no other account has it as its primary group, so the clients read every account to judge it."""
    shared = tmp_path / "group-writable"
    (shared / "run").mkdir(parents=True)
    os.chown(shared, 0, 0)
    shared.chmod(0o775)
    (shared / "run").chmod(0o700)
    return shared, shared / "run" / "hookd.sock"


def run(
    client_cmd: list[str], tmp_path: Path, passwd: Path, sock: Path, timeout_ms: int
) -> subprocess.CompletedProcess[bytes]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SOCKET": str(sock),
        "HOOKD_SEND_TIMEOUT_MS": str(timeout_ms),
    }
    argv = ["unshare", "-m", "sh", "-c", MOUNTED, str(passwd), *client_cmd, "Stop"]
    done = subprocess.run(argv, input=BODY, capture_output=True, env=env, timeout=120)
    assert (done.returncode, done.stdout) == (0, b"")
    return done


def accounts_on_faultfs(tmp_path: Path, rule: dict) -> tuple[Path, FaultFS]:
    """This machine's accounts, then many more in no group of ours, in a file of a faultfs mount whose
    reads follow ``rule`` (unmount the FaultFS after)."""
    if why := faultfs.available():
        pytest.skip(why)
    fs = FaultFS(tmp_path / "backing", tmp_path / "mnt")
    fs.mount()
    try:
        accounts = b"".join(
            b"u%d:x:%d:%d::/nonexistent:/bin/false\n" % (i, 100000 + i, 100000 + i) for i in range(ACCOUNTS)
        )
        (tmp_path / "mnt" / "passwd").write_bytes(Path("/etc/passwd").read_bytes() + accounts)
        fs.set_rules([rule])
    except BaseException:
        fs.unmount()
        raise
    return tmp_path / "mnt" / "passwd", fs


@pytest.fixture
def slow_passwd(tmp_path: Path) -> Iterator[tuple[Path, FaultFS]]:
    """An account database on a filesystem that answers each read late (a directory service's, slow
    to enumerate)."""
    passwd, fs = accounts_on_faultfs(tmp_path, {"op": "read", "path": "/passwd", "delay_s": 0.05})
    try:
        yield passwd, fs
    finally:
        fs.unmount()


def test_an_account_database_slow_to_read_does_not_hold_the_run_past_its_deadline(tmp_path, client_cmd, slow_passwd):
    """The run ends at its deadline, saying the event is lost, before it has read the account database
    to its end (before: the Python client read it whole, each read 50 ms late, then said the same)."""
    passwd, fs = slow_passwd
    _, sock = way(tmp_path)
    done = run(client_cmd, tmp_path, passwd, sock, 250)
    assert b"hook-send: event lost: deadline reached (HOOKD_SEND_TIMEOUT_MS=250)" in done.stderr
    offsets = [fault["offset"] for fault in fs.faults() if fault["op"] == "read"]
    assert offsets, "the clients read the account database"
    assert max(offsets) + 4096 < passwd.stat().st_size


def test_the_account_scan_finds_another_account_in_our_group(tmp_path, client_cmd):
    """The one-at-a-time read judges as the whole read did: another account whose primary group is
    ours makes the directory refused; without it, the directory is trusted and the event kept."""
    shared, sock = way(tmp_path)
    alone = tmp_path / "passwd-alone"
    alone.write_bytes(Path("/etc/passwd").read_bytes())
    shared_group = tmp_path / "passwd-shared"
    shared_group.write_bytes(alone.read_bytes() + b"sharer:x:4242:0::/nonexistent:/bin/false\n")

    trusted = run(client_cmd, tmp_path, alone, sock, 5000)
    assert trusted.stderr == b""
    assert len(os.listdir(tmp_path / "state" / "inbox")) == 1

    refused = run(client_cmd, tmp_path, shared_group, sock, 5000)
    assert (
        b"hook-send: refused %s: inside %s (owner uid 0, mode 0775), which other users can write"
        % (
            str(sock.parent).encode(),
            str(shared).encode(),
        )
        in refused.stderr
    )
