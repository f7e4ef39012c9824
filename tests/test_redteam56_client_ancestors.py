"""Fifty-sixth red-team pass: both hook clients walk the directories above the socket and the inbox.

The clients judged only the socket's own directory and the state (or spare) directory itself, where
hookd walks the whole way (trust.check_ancestors). Whoever can write a directory above them can move
the user's directory away and put their own in its place: a socket they listen on, an inbox they read.
Now both clients hold every directory looked in on the way (and every link followed) to hookd's rule:
ours or root's, not writable by others unless sticky.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from other_user import NOBODY, needs_root

BODY = b'{"hook_event_name": "Stop", "session_id": "s-56"}'
FIX_SOCKET = "set HOOKD_SOCKET (and hookd's socket setting) to a path under directories only you or root can change"
FIX_INBOX = "set HOOKD_STATE_DIR (or HOOKD_SPARE_INBOX) to a path under directories only you or root can change"


def refused(place: Path, why: str, saved: Path, fix: str) -> str:
    """The line both clients say for a refusal, the event kept at ``saved``."""
    return f"hook-send: refused {place}: {why}; event kept in {saved}; fix: {fix}\n"


def run(client_cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([*client_cmd, "Stop"], input=BODY, capture_output=True, env=env, timeout=60)
    assert (done.returncode, done.stdout) == (0, b"")
    return done


def base_env(tmp_path: Path, state: Path, sock: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(state),
        "HOOKD_SOCKET": str(sock),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }


def kept(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".hookd")) if directory.is_dir() else []


def listener(path: Path) -> socket.socket:
    """A listener of this user's (hookd's uid): only the way to it is wrong."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(8)
    s.setblocking(False)
    return s


def connections(s: socket.socket) -> int:
    count = 0
    while True:
        try:
            s.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def test_a_socket_under_a_directory_others_can_write_is_refused_before_connecting(tmp_path, client_cmd):
    above = tmp_path / "shared"
    above.mkdir()
    above.chmod(0o777)  # not sticky: anyone may rename what is in it
    (above / "run").mkdir(mode=0o700)
    sock = above / "run" / "hookd.sock"
    srv = listener(sock)
    try:
        done = run(client_cmd, base_env(tmp_path, tmp_path / "state", sock))
        assert connections(srv) == 0  # the old clients: connected and handed the event
    finally:
        srv.close()
    (saved,) = kept(tmp_path / "state" / "inbox")
    why = f"inside {above} (owner uid {os.getuid()}, mode 0777), which other users can write"
    assert done.stderr.decode() == refused(above / "run", why, tmp_path / "state" / "inbox" / saved, FIX_SOCKET)


@needs_root
def test_a_state_directory_under_another_users_directory_is_refused_and_the_spare_inbox_keeps_it(tmp_path, client_cmd):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, NOBODY, NOBODY)
    (theirs / "state").mkdir(mode=0o700)  # ours, but they can rename it away and put theirs there
    done = run(client_cmd, base_env(tmp_path, theirs / "state", tmp_path / "absent.sock"))
    assert kept(theirs / "state" / "inbox") == []  # the old clients: kept there
    (saved,) = kept(tmp_path / "spare")
    why = f"inside {theirs} (owner uid {NOBODY}, mode 0755), which another user owns"
    assert done.stderr.decode() == refused(theirs / "state", why, tmp_path / "spare" / saved, FIX_INBOX)


@needs_root
def test_a_state_directory_reached_through_another_users_link_is_refused(tmp_path, client_cmd):
    (tmp_path / "real").mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "real")
    os.lchown(link, NOBODY, NOBODY)  # the link's owner can point it elsewhere (a sticky /tmp keeps it theirs)
    done = run(client_cmd, base_env(tmp_path, link / "state", tmp_path / "absent.sock"))
    assert kept(tmp_path / "real" / "state" / "inbox") == []
    (saved,) = kept(tmp_path / "spare")
    why = f"reached through the symbolic link {link} (owner uid {NOBODY}), which another user owns"
    assert done.stderr.decode() == refused(link / "state", why, tmp_path / "spare" / saved, FIX_INBOX)


@pytest.mark.parametrize("mode", [0o1777, 0o755], ids=["sticky-shared", "ours"])
def test_directories_hookd_trusts_above_them_are_trusted(tmp_path, client_cmd, mode):
    """Guards: a root-owned sticky directory (as /tmp) and one of ours above; links of ours on the way."""
    above = tmp_path / "above"
    above.mkdir()
    above.chmod(mode)
    (above / "real").mkdir(mode=0o700)
    (above / "via").symlink_to("real")
    done = run(client_cmd, base_env(tmp_path, above / "via" / "state", tmp_path / "absent.sock"))
    assert done.stderr == b""
    assert len(kept(above / "real" / "state" / "inbox")) == 1


SHAPES = {
    "dotdot-into-open": "mine/../open/st",
    "relative-link-into-open": "mine/rel/st",
    "dotdot-back-out-of-open": "mine/./rel/../mine",
    "absolute-link-to-mine": "abs/st",
    "group-writable-own-group": "group/st",
    "sticky": "sticky/st",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_clients_judge_the_way_as_hookd_does(tmp_path, client_cmd, shape):
    """The clients refuse a state directory exactly when hookd's own walk (trust.check_ancestors)
    refuses it: links followed one at a time, `..` looking up nothing another user can change."""
    from hookd import trust

    for name, mode in (("mine", 0o700), ("open", 0o777), ("group", 0o770), ("sticky", 0o1777)):
        (tmp_path / name).mkdir()
        (tmp_path / name).chmod(mode)
    os.chown(tmp_path / "group", -1, os.getgid())
    (tmp_path / "open" / "st").mkdir(mode=0o700)
    (tmp_path / "mine" / "rel").symlink_to("../open")
    (tmp_path / "abs").symlink_to(tmp_path / "mine")
    state = f"{tmp_path}/{SHAPES[shape]}"
    try:
        trust.check_ancestors(state)
        hookd_refuses = False
    except trust.UnsafePathError:
        hookd_refuses = True
    done = run(client_cmd, base_env(tmp_path, Path(state), tmp_path / "absent.sock"))
    assert (b"refused " + state.encode() + b": " in done.stderr) == hookd_refuses, (hookd_refuses, done.stderr)
    assert bool(kept(tmp_path / "spare")) == hookd_refuses
