"""Sixty-sixth red-team pass: hookd's own read of the account database is bounded and said.

A directory above hookd's state directory that our own private group can write (umask 002) is
trusted only once every account is read and none other has that group (trust.private_group). hookd
read them with pwd.getpwall, one C call: an account database slow to read, or that does not answer
(a directory service's, enumerated), held its start, with nothing said, for as long as the read took.

Each run is in a mount namespace of its own (``unshare -m``) where /etc/passwd is bind-mounted over
from a faultfs mount whose every read is answered late: nothing outside it sees that account database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from test_redteam62_account_scan import MOUNTED, accounts_on_faultfs, pytestmark as needs_private_mounts, way

pytestmark = [pytest.mark.process, *needs_private_mounts]


@pytest.fixture
def hung_passwd(tmp_path: Path) -> Iterator[Path]:
    """An account database whose every read is answered 3 s late."""
    passwd, fs = accounts_on_faultfs(tmp_path, {"op": "read", "path": "/passwd", "delay_s": 3, "count": -1})
    try:
        yield passwd
    finally:
        fs.proc.kill()  # a read it holds is answered (the caller gets an error), then the mount goes
        subprocess.run(["umount", "-l", str(tmp_path / "mnt")], check=False, capture_output=True)
        fs.unmount()


def test_a_start_on_an_account_database_that_does_not_answer_ends_and_says_why(
    hookd_process_factory, tmp_path, hung_passwd
):
    """Before: the start sat in pwd.getpwall (some 250 reads, each 3 s late), not serving, saying nothing."""
    daemon = hookd_process_factory(start=False)
    shared, sock = way(tmp_path)
    env = {**daemon.env, "HOOKD_STATE_DIR": str(shared / "state"), "HOOKD_SOCKET": str(sock)}
    argv = ["unshare", "-m", "sh", "-c", MOUNTED, str(hung_passwd), sys.executable, "-m", "hookd", "run"]
    run = subprocess.Popen(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = run.communicate(timeout=40)
    finally:
        run.kill()
        run.wait()
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    (said,) = [line for line in lines if line["event"] == "account_database_not_read"]
    assert said["gid"] == 0 and "chmod g-w" in said["hint"], said
    # Not told, the group is not taken as ours alone: the directory it can write is refused, named.
    assert run.returncode != 0
    assert f"inside {shared}" in err.decode() and "other users can write" in err.decode(), err.decode()[-2000:]
