"""Red team, eleventh pass: what the tenth left going by path, now reached from a held directory.

The spool was opened by its path after the state directory, a refused inbox frame was set aside
into `inbox/rejected/` by path, and the sockets were bound by path in a directory checked just
before. Each test puts another directory at the path in the moment between the check and the
use (the swap another user can make once a directory above is opened to them), and looks where
hookd's file landed: in the directory it checked and holds, and nothing in the other.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from conftest import wait_for_entries
from hookd.daemon import startup
from hookd.ingest import socket_files
from hookd.ingest.inbox_problems import ProblemFiles
from hookd.paths import open_private_dir
from other_user import NOBODY, needs_root


@pytest.fixture
def scratch():
    path = tempfile.mkdtemp(prefix="hk11", dir="/tmp")  # short: a socket's path fits sun_path
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _swap(path: str, owner: int | None = None) -> str:
    """``path`` moved aside to ``<path>.held`` and an empty directory put in its place (another
    user's, open to all, when ``owner`` is given) -> the held one's path."""
    held = f"{path}.held"
    os.rename(path, held)
    os.mkdir(path, 0o700)
    if owner is not None:
        os.chown(path, owner, owner)
        os.chmod(path, 0o777)
    return held


def test_the_spool_is_the_one_in_the_state_directory_hookd_holds(hookd_factory, redis_db, monkeypatch):
    daemon = hookd_factory(start=False)
    state = str(daemon.state_dir)
    held: list[str] = []
    lock = startup.lock_state_dir

    def lock_then_swap(*args):  # the state directory is held and locked; then one is put in its place
        fd = lock(*args)
        held.append(_swap(state))
        return fd

    monkeypatch.setattr(startup, "lock_state_dir", lock_then_swap)
    daemon.start()
    daemon.send_stop("after the swap")
    wait_for_entries(redis_db, 1)
    assert any(n.endswith(".seg") for n in os.listdir(os.path.join(held[0], "spool")))
    assert not os.path.exists(os.path.join(state, "spool")), "the spool was looked up again by path"


@needs_root
def test_a_refused_inbox_frame_is_set_aside_in_the_inbox_the_sweep_holds(scratch):
    inbox = os.path.join(scratch, "inbox")
    dir_fd = open_private_dir(inbox)
    try:
        frame = os.path.join(inbox, "00000000000000000001-1-hbad.hookd")
        with open(frame, "wb") as fh:
            fh.write(b"not a frame")
        held = _swap(inbox, NOBODY)  # between the sweep's open of the inbox and the set-aside
        ProblemFiles().set_aside(frame, dir_fd)
    finally:
        os.close(dir_fd)
    assert os.listdir(os.path.join(held, "rejected")) == [os.path.basename(frame)]
    assert os.listdir(inbox) == [], "hookd made rejected/ in the directory put in place of its inbox"


@needs_root
def test_a_socket_is_bound_in_the_directory_that_was_checked(scratch, monkeypatch):
    run = os.path.join(scratch, "run")
    path = os.path.join(run, "hookd.sock")
    held: list[str] = []
    remove_stale = socket_files._remove_stale_socket

    def swap_then_remove(*args):  # the directory is checked; then another user's put in its place
        held.append(_swap(run, NOBODY))
        return remove_stale(*args)

    monkeypatch.setattr(socket_files, "_remove_stale_socket", swap_then_remove)
    bound = socket_files.bind_private_socket(path)
    try:
        assert os.listdir(run) == [], "the socket was bound in the directory put in place of the checked one"
        assert os.listdir(held[0]) == ["hookd.sock"]
        sock, inode = bound
        assert os.lstat(os.path.join(held[0], "hookd.sock")).st_ino == inode
    finally:
        (bound[0] if isinstance(bound, tuple) else bound).close()


def test_without_proc_fd_the_socket_is_bound_by_path():
    """Where /proc/self/fd/<fd> is missing (macOS; here a descriptor not open), or the address
    through it is over sun_path, the bind goes by the path, in the directory checked just before."""
    assert socket_files._address("/run/hookd/hookd.sock", 1 << 20) == "/run/hookd/hookd.sock"
    fd = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)
    try:
        long_name = "s" * (socket_files.SUN_PATH_MAX - len(f"/proc/self/fd/{fd}/"))
        assert socket_files._address(f"/r/{long_name}", fd) == f"/r/{long_name}"
        assert socket_files._address(f"/r/{long_name[1:]}", fd) == f"/proc/self/fd/{fd}/{long_name[1:]}"
    finally:
        os.close(fd)
