"""hook-send against a second local user (uid 65534): squatted sockets and directories, planted links.

Each test asserts that no byte of the payload reaches the other user, that the
event is kept where only this user can read it, and that the one stderr line
names the refused path. The client runs as Claude Code runs it (a subprocess).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from other_user import NOBODY, NobodyListener, make_dir_as_nobody, needs_root

REPO = Path(__file__).resolve().parent.parent
CLIENT = REPO / "client" / "hook_send.py"
SECRET = b'{"hook_event_name":"UserPromptSubmit","prompt":"the secret plan 7f3a"}'


def run_client(env, stdin=SECRET, args=(), timeout=10):
    return subprocess.run(
        [sys.executable, "-I", "-S", str(CLIENT), *args], input=stdin, env=env, capture_output=True, timeout=timeout
    )


@pytest.fixture
def shared_tmp():
    """A place in /tmp (sticky, world-writable) where another user can make directories."""
    made = []

    def make(prefix="hk"):
        path = tempfile.mktemp(prefix=prefix, dir="/tmp")  # nobody makes it: only the name is ours
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }


def kept_files(directory) -> list[Path]:
    d = Path(directory)
    return sorted(p for p in d.iterdir() if p.name.endswith(".hookd")) if d.is_dir() else []


def the_event_is_kept_in(directory) -> Path:
    (saved,) = kept_files(directory)
    assert saved.read_bytes().endswith(SECRET)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    return saved


def one_stderr_line(proc) -> str:
    assert proc.returncode == 0 and proc.stdout == b""
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# ---------------------------------------------------------------- the socket


@needs_root
def test_the_default_socket_is_never_the_shared_tmp_name_a_squatter_listens_on(env, tmp_path):
    # What the issue reproduced: another user makes /tmp/hookd-<uid> first (0777) and listens.
    squat_dir = f"/tmp/hookd-{os.getuid()}"
    if os.path.lexists(squat_dir):
        pytest.skip(f"{squat_dir} exists on this machine; not touching it")
    squatter = NobodyListener(squat_dir)
    try:
        proc = run_client({k: v for k, v in env.items()}, args=["UserPromptSubmit"])
    finally:
        got = squatter.report()
        shutil.rmtree(squat_dir, ignore_errors=True)
    assert got == {"connections": 0, "bytes": 0, "data": ""}
    assert proc.returncode == 0 and proc.stdout == b"" and proc.stderr == b""  # nothing wrong here
    the_event_is_kept_in(Path(env["HOOKD_STATE_DIR"]) / "inbox")


@needs_root
@pytest.mark.parametrize("dir_mode", [0o777, 0o755], ids=["world-writable", "only-owned-by-them"])
def test_a_socket_in_another_users_directory_is_refused_before_connecting(env, shared_tmp, dir_mode):
    squat_dir = shared_tmp()
    squatter = NobodyListener(squat_dir, dir_mode=dir_mode)
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=squatter.path))
    finally:
        got = squatter.report()
    assert got["connections"] == 0 and got["bytes"] == 0
    saved = the_event_is_kept_in(Path(env["HOOKD_STATE_DIR"]) / "inbox")
    line = one_stderr_line(proc)
    assert line.startswith(
        f"hook-send: refused {squat_dir}: owned by another user "
        f"(owner uid {NOBODY}, mode 0{dir_mode:o}); event kept in {saved}; fix: "
    )


@needs_root
def test_a_listener_of_another_user_in_a_trusted_directory_gets_not_one_byte(env, shared_tmp, tmp_path):
    # The directory passes every check (ours, 0700): only the peer's uid can tell.
    squatter = NobodyListener(shared_tmp())
    ours = tmp_path / "run"
    ours.mkdir(mode=0o700)
    sock = ours / "hookd.sock"
    os.rename(squatter.path, sock)  # the bound socket keeps working under its new name
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=str(sock)))
    finally:
        got = squatter.report()
    assert got["connections"] == 1, "the client did connect, so the check is the peer's uid"
    assert got["bytes"] == 0 and got["data"] == ""
    saved = the_event_is_kept_in(Path(env["HOOKD_STATE_DIR"]) / "inbox")
    line = one_stderr_line(proc)
    assert line.startswith(
        f"hook-send: refused {sock}: the process listening on it is not yours "
        f"(peer uid {NOBODY}); event kept in {saved}; fix: "
    )


@needs_root
def test_a_symlinked_socket_directory_is_refused(env, tmp_path, shared_tmp):
    squatter = NobodyListener(shared_tmp(), dir_mode=0o755)
    link = tmp_path / "run"
    link.symlink_to(os.path.dirname(squatter.path))
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=str(link / "hookd.sock")))
    finally:
        got = squatter.report()
    assert got == {"connections": 0, "bytes": 0, "data": ""}
    assert f"refused {link}: a symbolic link" in one_stderr_line(proc)
    the_event_is_kept_in(Path(env["HOOKD_STATE_DIR"]) / "inbox")


def test_the_peer_uid_is_read_from_the_connected_socket():
    sys.path.insert(0, str(CLIENT.parent))
    try:
        import hook_send
    finally:
        sys.path.pop(0)
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        assert hook_send.peer_uid(a) == os.getuid()


# ---------------------------------------------------------------- the inbox


@needs_root
def test_a_state_directory_made_by_another_user_is_refused_and_the_spare_inbox_keeps_the_event(
    env, shared_tmp, tmp_path
):
    squatted = shared_tmp()
    make_dir_as_nobody(squatted)
    assert os.stat(squatted).st_uid == NOBODY
    proc = run_client(dict(env, HOOKD_STATE_DIR=squatted, HOOKD_SOCKET=str(tmp_path / "none.sock")))
    assert os.listdir(squatted) == []  # not an inbox, not a temporary file
    saved = the_event_is_kept_in(tmp_path / "spare")
    line = one_stderr_line(proc)
    assert line.startswith(
        f"hook-send: refused {squatted}: owned by another user (owner uid {NOBODY}, "
        f"mode 0777); event kept in {saved}; fix: "
    )


@pytest.mark.parametrize("where", ["state", "inbox"])
def test_a_planted_link_at_the_state_or_inbox_directory_is_not_followed(env, tmp_path, where):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    state = Path(env["HOOKD_STATE_DIR"])
    if where == "state":
        state.symlink_to(target)
        link = state
    else:
        state.mkdir(mode=0o700)
        link = state / "inbox"
        link.symlink_to(target)
    proc = run_client(dict(env, HOOKD_SOCKET=str(tmp_path / "none.sock")))
    assert list(target.iterdir()) == []
    saved = the_event_is_kept_in(tmp_path / "spare")
    assert one_stderr_line(proc).startswith(
        f"hook-send: refused {link}: a symbolic link (owner uid {os.getuid()}, mode 0777); event kept in {saved}"
    )


def test_a_state_directory_open_to_others_is_refused(env, tmp_path):
    state = Path(env["HOOKD_STATE_DIR"])
    state.mkdir()
    state.chmod(0o770)
    proc = run_client(dict(env, HOOKD_SOCKET=str(tmp_path / "none.sock")))
    assert not (state / "inbox").exists()
    saved = the_event_is_kept_in(tmp_path / "spare")
    assert (
        f"refused {state}: writable by other users (owner uid {os.getuid()}, mode 0770); "
        f"event kept in {saved}" in one_stderr_line(proc)
    )


@needs_root
def test_a_squatted_default_spare_inbox_is_refused_too_and_the_loss_is_said(env, tmp_path, shared_tmp):
    # The default spare inbox is <runtime>/hookd/inbox ($XDG_RUNTIME_DIR, else /dev/shm/hookd-<uid>):
    # here a runtime directory where another user made "hookd" first.
    runtime = shared_tmp()
    os.mkdir(runtime, 0o1777)
    os.chmod(runtime, 0o1777)
    spare_parent = make_dir_as_nobody(os.path.join(runtime, "hookd"))
    squatted_state = make_dir_as_nobody(shared_tmp())
    environ = {k: v for k, v in env.items() if k != "HOOKD_SPARE_INBOX"}
    proc = run_client(
        dict(environ, XDG_RUNTIME_DIR=runtime, HOOKD_STATE_DIR=squatted_state, HOOKD_SOCKET=str(tmp_path / "none.sock"))
    )
    assert os.listdir(spare_parent) == [] and os.listdir(squatted_state) == []
    line = one_stderr_line(proc)
    assert line.startswith("hook-send: event lost: ")
    assert f"{squatted_state}: owned by another user (owner uid {NOBODY}, mode 0777)" in line
    assert f"{spare_parent}: owned by another user (owner uid {NOBODY}, mode 0777)" in line


def test_the_spare_inbox_defaults(monkeypatch):
    sys.path.insert(0, str(CLIENT.parent))
    try:
        import hook_send
    finally:
        sys.path.pop(0)
    assert hook_send.spare_inbox_dir({"HOOKD_SPARE_INBOX": "/s", "XDG_RUNTIME_DIR": "/r"}) == "/s"
    assert hook_send.spare_inbox_dir({"XDG_RUNTIME_DIR": "/r"}) == "/r/hookd/inbox"
    expected = f"/dev/shm/hookd-{os.getuid()}/inbox" if os.path.isdir("/dev/shm") else None
    assert hook_send.spare_inbox_dir({"XDG_RUNTIME_DIR": "relative"}) == expected


@needs_root
def test_a_full_disk_sends_the_event_to_the_spare_inbox_and_says_so(env, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(state)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        (state / "filler").write_bytes(b"x" * 60_000)  # what is left cannot hold the event
        body = b'{"hook_event_name":"Stop","pad":"' + b"p" * 20_000 + b'"}'
        proc = run_client(dict(env, HOOKD_SOCKET=str(tmp_path / "none.sock")), stdin=body)
        assert [p.name for p in (state / "inbox").iterdir()] == []  # the temporary file was removed
    finally:
        subprocess.run(["umount", str(state)], check=True)
    (saved,) = kept_files(tmp_path / "spare")
    assert saved.read_bytes().endswith(body)
    assert one_stderr_line(proc) == f"hook-send: cannot write to {state / 'inbox'} (ENOSPC); event kept in {saved}"


def test_directories_the_client_makes_are_0700_parents_included(env, tmp_path):
    deep = tmp_path / "a" / "b" / "state"
    proc = run_client(dict(env, HOOKD_STATE_DIR=str(deep), HOOKD_SOCKET=str(tmp_path / "none.sock")))
    assert proc.returncode == 0 and proc.stderr == b""
    for d in (tmp_path / "a", tmp_path / "a" / "b", deep, deep / "inbox"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    the_event_is_kept_in(deep / "inbox")


# ---------------------------------------------------------------- asked by a person


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_answer_locally_and_read_nothing(env, tmp_path, flag):
    sock = tmp_path / "hookd.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock))
    listener.listen(1)
    listener.settimeout(0.2)
    # stdin is a pipe nobody closes: reading it would wait for the deadline.
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", str(CLIENT), flag],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env, HOOKD_SOCKET=str(sock), HOOKD_SEND_TIMEOUT_MS="60000"),
    )
    try:
        assert proc.wait(5) == 0  # stdin is still open: it did not wait for it
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    assert err == b""
    if flag == "--help":
        assert out.startswith(b"usage: hook-send") and b"HOOKD_SOCKET" in out
    else:
        from hookd import __version__

        assert out == f"hook-send {__version__} (HOOKD/1)\n".encode()
    assert not (tmp_path / "state").exists()
