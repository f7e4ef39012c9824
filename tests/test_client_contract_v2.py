"""hook-send contract v2 (docs/security.md, docs/native-client.md), for both clients.

The socket's default place in the state directory, the trust checks on every
directory the client uses, the peer-uid check after connect(), the spare inbox
and the lines on stderr that a refusal or a lost event always prints. Each test
runs the real client process (client_cmd: Python and native); until the
Python client has v2 its runs are expected to fail (xfail, not strict).
Tests that give a directory or a process to another user (uid 65534, nobody)
or mount a tmpfs need root, as in CI.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import BARE_PYTHON, CLIENT
from fake_peer import answering
from test_client import (  # noqa: F401 -- env, peer_factory and sockdir are fixtures
    BODY,
    assert_single_inbox_frame,
    env,
    inbox_files,
    parse_frame,
    peer_factory,
    run_client,
    sockdir,
)

NOBODY = 65534
needs_root = pytest.mark.skipif(
    os.getuid() != 0, reason="needs root, to give a directory or a process to uid 65534 (nobody) or to mount a tmpfs"
)


def refusal(proc, path) -> str:
    """The one refusal line about ``path``; the run otherwise quiet on stdout and successful."""
    assert proc.returncode == 0 and proc.stdout == b""
    lines = proc.stderr.decode(errors="replace").splitlines()
    found = [line for line in lines if line.startswith(f"hook-send: refused {path}: ")]
    assert len(found) == 1, lines
    return found[0]


def no_connection_waiting(listener) -> bool:
    listener.settimeout(0)
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


def listening_socket(path):
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen(8)
    return s


# ---------------------------------------------------------------- where the socket is


def test_without_hookd_socket_or_xdg_runtime_dir_the_socket_is_in_the_state_dir(sockdir, tmp_path, client_cmd):
    if client_cmd[-1].endswith(".py") and os.path.exists(f"/tmp/hookd-{os.getuid()}"):
        pytest.skip("a client without v2 would send this test's event to the socket in /tmp/hookd-<uid>")
    state = sockdir / "st"
    (state / "run").mkdir(parents=True, mode=0o700)
    env = {
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(state),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": "10000",
    }
    peer = answering(state / "run" / "hookd.sock")
    try:
        proc = run_client(env, args=["Stop"], cmd=client_cmd)
        assert peer.got_frame.wait(30)
    finally:
        peer.close()
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    assert parse_frame(peer.received)[1] == BODY
    assert inbox_files(state) == []


# ---------------------------------------------------------------- the socket's directory


@needs_root
def test_a_socket_dir_squatted_by_another_user_is_never_connected_to(env, sockdir, client_cmd):
    squat = sockdir / "squat"
    squat.mkdir(mode=0o755)
    listener = listening_socket(squat / "hookd.sock")  # someone else's dir: whoever listens may be anyone
    os.chown(squat, NOBODY, NOBODY)
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=str(squat / "hookd.sock")), cmd=client_cmd)
        assert no_connection_waiting(listener)
    finally:
        listener.close()
    line = refusal(proc, squat)
    assert f"owner uid {NOBODY}" in line and "mode 0755" in line
    assert f"event kept in {Path(env['HOOKD_STATE_DIR']) / 'inbox'}" in line
    assert_single_inbox_frame(env["HOOKD_STATE_DIR"])


def test_a_socket_dir_others_can_write_is_refused(env, sockdir, client_cmd):
    open_dir = sockdir / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    listener = listening_socket(open_dir / "hookd.sock")
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=str(open_dir / "hookd.sock")), cmd=client_cmd)
        assert no_connection_waiting(listener)
    finally:
        listener.close()
    line = refusal(proc, open_dir)
    assert f"owner uid {os.getuid()}" in line and "mode 0777" in line
    assert_single_inbox_frame(env["HOOKD_STATE_DIR"])


def test_a_socket_dir_that_is_a_symlink_is_refused(env, sockdir, client_cmd):
    real = sockdir / "real"
    real.mkdir(mode=0o700)
    (sockdir / "link").symlink_to(real)
    listener = listening_socket(real / "hookd.sock")
    try:
        proc = run_client(dict(env, HOOKD_SOCKET=str(sockdir / "link" / "hookd.sock")), cmd=client_cmd)
        assert no_connection_waiting(listener)
    finally:
        listener.close()
    refusal(proc, sockdir / "link")
    assert_single_inbox_frame(env["HOOKD_STATE_DIR"])


# ---------------------------------------------------------------- the peer


LISTENER_AS_NOBODY = r"""
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
os.setgid(65534)
os.setuid(65534)
s.listen(4)  # the credentials a client sees are the listener's at listen()
print("ready", flush=True)
s.settimeout(10)
conn, _ = s.accept()
conn.settimeout(3)
data = b""
try:
    while chunk := conn.recv(65536):
        data += chunk
except OSError:
    pass
print("received %d" % len(data), flush=True)
"""


@needs_root
def test_a_daemon_running_as_another_user_gets_not_a_byte(env, client_cmd):
    sock = env["HOOKD_SOCKET"]  # in our own private directory: only the listener is someone else's
    other = subprocess.Popen([sys.executable, "-c", LISTENER_AS_NOBODY, sock], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ready"
        proc = run_client(env, cmd=client_cmd)
        out, _ = other.communicate(timeout=15)
    finally:
        other.kill()
    assert out.strip() == "received 0"
    line = refusal(proc, sock)
    assert f"uid {NOBODY}" in line
    assert f"event kept in {Path(env['HOOKD_STATE_DIR']) / 'inbox'}" in line
    assert_single_inbox_frame(env["HOOKD_STATE_DIR"])


# ---------------------------------------------------------------- the inbox and the spare inbox


@needs_root
def test_a_state_dir_owned_by_another_user_keeps_the_event_in_the_spare_inbox(env, tmp_path, client_cmd):
    state = tmp_path / "theirs"
    state.mkdir(mode=0o755)
    os.chown(state, NOBODY, NOBODY)
    proc = run_client(dict(env, HOOKD_STATE_DIR=str(state)), cmd=client_cmd)
    line = refusal(proc, state)
    assert f"owner uid {NOBODY}" in line and f"event kept in {env['HOOKD_SPARE_INBOX']}" in line
    assert not (state / "inbox").exists()  # nothing created in someone else's directory
    assert_single_inbox_frame(tmp_path, box_name="spare")


def test_a_state_dir_others_can_write_keeps_the_event_in_the_spare_inbox(env, tmp_path, client_cmd):
    state = tmp_path / "open"
    state.mkdir()
    os.chmod(state, 0o757)
    proc = run_client(dict(env, HOOKD_STATE_DIR=str(state)), cmd=client_cmd)
    assert "mode 0757" in refusal(proc, state)
    assert_single_inbox_frame(tmp_path, box_name="spare")


def test_an_inbox_that_is_a_symlink_keeps_the_event_in_the_spare_inbox(env, tmp_path, client_cmd):
    state = Path(env["HOOKD_STATE_DIR"])
    state.mkdir(mode=0o700)
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (state / "inbox").symlink_to(tmp_path / "elsewhere")
    proc = run_client(env, cmd=client_cmd)
    refusal(proc, state / "inbox")
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert_single_inbox_frame(tmp_path, box_name="spare")


@needs_root
def test_a_full_disk_under_the_inbox_keeps_the_event_in_the_spare_inbox(env, tmp_path, client_cmd):
    state = tmp_path / "small"
    state.mkdir(mode=0o700)
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", str(state)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here")
    try:
        with open(state / "filler", "wb") as f:
            try:
                f.write(b"x" * 65536)
                f.flush()
            except OSError:
                pass  # ENOSPC: the file system is full, as wanted
        body = b'{"big":"' + b"y" * 32768 + b'"}'
        proc = run_client(dict(env, HOOKD_STATE_DIR=str(state)), stdin=body, cmd=client_cmd)
        assert proc.returncode == 0 and proc.stdout == b""
        assert [p.name for p in (state / "inbox").iterdir()] == []  # no temporary file left behind
    finally:
        subprocess.run(["umount", str(state)], check=True)
    assert_single_inbox_frame(tmp_path, expected_body=body, box_name="spare")


def test_the_spare_inbox_defaults_to_xdg_runtime_dir(tmp_path, sockdir, client_cmd):
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"")
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(sockdir), "HOOKD_STATE_DIR": str(blocker)}
    proc = run_client(env, cmd=client_cmd)
    assert f"event kept in {sockdir / 'hookd' / 'inbox'}" in refusal(proc, blocker)
    assert stat.S_IMODE((sockdir / "hookd").stat().st_mode) == 0o700
    assert_single_inbox_frame(sockdir / "hookd")


def test_an_event_neither_inbox_can_take_is_reported_lost_on_stderr(env, tmp_path, client_cmd):
    (tmp_path / "state-file").write_bytes(b"")
    (tmp_path / "spare-file").write_bytes(b"")
    proc = run_client(
        dict(env, HOOKD_STATE_DIR=str(tmp_path / "state-file"), HOOKD_SPARE_INBOX=str(tmp_path / "spare-file")),
        cmd=client_cmd,
    )
    assert proc.returncode == 0 and proc.stdout == b""
    lost = [line for line in proc.stderr.decode().splitlines() if line.startswith("hook-send: event lost: ")]
    assert len(lost) == 1, proc.stderr
    assert str(tmp_path / "state-file") in lost[0] and str(tmp_path / "spare-file") in lost[0]
    assert (tmp_path / "state-file").read_bytes() == b"" and (tmp_path / "spare-file").read_bytes() == b""


# ---------------------------------------------------------------- run by a person


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_answer_on_stdout_without_stdin_or_the_daemon(env, client_cmd, flag):
    listener = listening_socket(env["HOOKD_SOCKET"])
    read_end, write_end = os.pipe()  # stdin stays open and empty: a client reading it waits for its deadline
    try:
        proc = subprocess.run(
            [*client_cmd, flag],
            stdin=read_end,
            capture_output=True,
            timeout=10,
            env=dict(env, HOOKD_SEND_TIMEOUT_MS="2000"),
        )
        assert no_connection_waiting(listener)
    finally:
        os.close(read_end)
        os.close(write_end)
        listener.close()
    assert proc.returncode == 0 and proc.stdout.strip() and proc.stderr == b""
    assert inbox_files(env["HOOKD_STATE_DIR"]) == []


# ---------------------------------------------------------------- both clients say the same


def same_words(proc, env) -> list[str]:
    """stderr with what differs between any two runs (file names, pids) replaced."""
    text = proc.stderr.decode(errors="replace")
    text = re.sub(r"\d{20}-\d+-[0-9a-f]{16}\.hookd", "<file>", text)
    return text.replace(env["HOOKD_SOCKET"], "<socket>").replace(env["HOME"], "<dir>").splitlines()


def situation(name, tmp_path, sockdir) -> dict:
    """A fresh set of directories for one run, arranged as ``name`` says -> env."""
    base = Path(tempfile.mkdtemp(dir=sockdir))
    env = {
        "HOME": str(base),
        "HOOKD_SOCKET": str(base / "run" / "hookd.sock"),
        "HOOKD_STATE_DIR": str(base / "st"),
        "HOOKD_SPARE_INBOX": str(base / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": "10000",
    }  # no deadline races
    (base / "run").mkdir(mode=0o700)
    if name == "socket-dir-open":
        os.chmod(base / "run", 0o777)
    elif name == "socket-dir-link":
        os.rmdir(base / "run")
        (base / "elsewhere").mkdir(mode=0o700)
        (base / "run").symlink_to(base / "elsewhere")
    elif name == "state-file":
        (base / "st").write_bytes(b"")
    elif name == "state-open":
        (base / "st").mkdir()
        os.chmod(base / "st", 0o757)
    elif name == "inbox-link":
        (base / "st").mkdir(mode=0o700)
        (base / "st" / "inbox").symlink_to(base)
    elif name == "both-fail":
        (base / "st").write_bytes(b"")
        (base / "spare").write_bytes(b"")
    elif name == "no-spare":
        (base / "st").write_bytes(b"")
        env["HOOKD_SPARE_INBOX"] = str(base / "st" / "x")  # below a file
    return env


SITUATIONS = [
    "absent",
    "socket-dir-open",
    "socket-dir-link",
    "state-file",
    "state-open",
    "inbox-link",
    "both-fail",
    "no-spare",
    "delivered",
    "rejected",
    "retry",
    "no-reply",
    pytest.param("peer-nobody", marks=needs_root),
    pytest.param("inbox-full", marks=needs_root),
]
SAYS = {
    "socket-dir-open": "hook-send: refused <dir>/run: writable by other users (owner uid",
    "socket-dir-link": "hook-send: refused <dir>/run: a symbolic link",
    "state-file": "hook-send: refused <dir>/st:",
    "state-open": "hook-send: refused <dir>/st:",
    "inbox-link": "hook-send: refused <dir>/st/inbox: a symbolic link",
    "both-fail": "hook-send: event lost: <dir>/st: not a directory",
    "no-spare": "hook-send: event lost: ",
    "peer-nobody": "hook-send: refused <socket>: the process listening on it is not yours (peer uid 65534)",
    "inbox-full": "hook-send: cannot write to <dir>/st/inbox (ENOSPC); event kept in <dir>/spare/<file>",
}
ANSWERS = {"delivered": b"OK 1\n", "rejected": b"ERR not_json x\n", "retry": b"ERR unavailable x\n", "no-reply": b""}


@pytest.mark.parametrize("debug", ["0", "1"])
@pytest.mark.parametrize("name", SITUATIONS)
def test_both_clients_print_the_same_lines(tmp_path, sockdir, native_client, name, debug):
    said = {}
    for client, cmd in (("python", [BARE_PYTHON, "-I", "-S", str(CLIENT)]), ("native", [native_client])):
        env = dict(situation(name, tmp_path, sockdir), HOOKD_DEBUG=debug)
        peer = answering(env["HOOKD_SOCKET"], reply=ANSWERS[name]) if name in ANSWERS else None
        other = (
            subprocess.Popen(
                [sys.executable, "-c", LISTENER_AS_NOBODY, env["HOOKD_SOCKET"]], stdout=subprocess.PIPE, text=True
            )
            if name == "peer-nobody"
            else None
        )
        full = Path(env["HOOKD_STATE_DIR"])
        if name == "inbox-full":
            full.mkdir(mode=0o700)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", str(full)], check=True)
            (full / "inbox").mkdir(mode=0o700)
            with open(full / "filler", "wb") as f:
                try:
                    f.write(b"x" * 65536)
                    f.flush()
                except OSError:
                    pass
        try:
            if other:
                assert other.stdout.readline().strip() == "ready"
            proc = run_client(env, args=["Stop"], cmd=cmd, stdin=BODY * 200)
        finally:
            if peer:
                peer.close()
            if other:
                other.kill()
                other.wait()
            if name == "inbox-full":
                subprocess.run(["umount", str(full)], check=True)
        assert proc.returncode == 0 and proc.stdout == b""
        said[client] = same_words(proc, env)
    assert said["native"] == said["python"]
    if name in SAYS:  # what is said always, whatever HOOKD_DEBUG
        assert said["native"] and said["native"][0].startswith(SAYS[name]), said["native"]
