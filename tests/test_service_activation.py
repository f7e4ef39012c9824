"""Sockets passed by a service manager: systemd's LISTEN_FDS protocol on real file descriptors,
launchd's launch_activate_socket with only the ctypes call faked, and servers built on a passed
socket that must leave it in place for the next hookd."""

from __future__ import annotations

import asyncio
import ctypes
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest
import uvloop

from hookd.service.activation import ActivationError, launchd_fds, take_passed_sockets

# Run in a child process, so that the sockets can sit at fds 3, 4, ... as a manager passes them.
CHILD = textwrap.dedent("""
    import json, os, socket, sys
    from hookd.service.activation import ActivationError, take_passed_sockets

    spec = json.loads(sys.argv[1])
    made = []
    for kind, path in spec["sockets"]:
        family = socket.AF_INET if kind == "tcp" else socket.AF_UNIX
        sock = socket.socket(family, socket.SOCK_DGRAM if kind == "dgram" else socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0) if kind == "tcp" else path)
        if kind in ("listening", "tcp"):
            sock.listen(8)
        made.append(sock)
    for fd, sock in enumerate(made, start=3):
        os.dup2(sock.fileno(), fd)
    os.environ.update(LISTEN_PID=str(spec.get("pid") or os.getpid()), LISTEN_FDS=str(len(made)),
                      LISTEN_FDNAMES=":".join(spec["names"]))
    try:
        taken = take_passed_sockets(spec["paths"])
    except ActivationError as exc:
        print(json.dumps({"error": str(exc)}))
        sys.exit(0)
    print(json.dumps({
        "taken": {role: [s.fileno(), s.getsockname(), os.get_inheritable(s.fileno())]
                  for role, s in taken.items()},
        "environ_left": sorted(k for k in os.environ if k.startswith("LISTEN_")),
        "modes": {os.path.basename(p): oct(os.stat(p).st_mode & 0o777) for _, p in spec["sockets"]},
    }))
""")


def run_child(tmp_path, sockets, names=None, paths=None, pid=None) -> dict:
    # Unix socket paths must be short; pytest's tmp paths can be long.
    base = f"/tmp/hookd-act-{os.getpid()}"
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base, mode=0o700)
    spec = {
        "sockets": [(kind, f"{base}/{name}") for kind, name in sockets],
        "names": names or ["hookd"] * len(sockets),
        "paths": paths or {"events": f"{base}/hookd.sock", "control": f"{base}/control.sock"},
        "pid": pid,
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True, timeout=30
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1]) | {"base": base}


def test_passed_sockets_are_matched_to_their_roles_by_path_and_the_variables_cleared(tmp_path):
    got = run_child(tmp_path, [("listening", "control.sock"), ("listening", "hookd.sock")], names=["control", "events"])
    base = got["base"]
    assert got["taken"] == {"control": [3, f"{base}/control.sock", False], "events": [4, f"{base}/hookd.sock", False]}
    assert got["environ_left"] == []
    # systemd-socket-activate binds 0644; hookd tightens what it is passed to 0600.
    assert got["modes"] == {"control.sock": "0o600", "hookd.sock": "0o600"}


def test_a_role_that_is_not_passed_is_left_for_hookd_to_bind(tmp_path):
    got = run_child(tmp_path, [("listening", "hookd.sock")])
    assert list(got["taken"]) == ["events"]


def test_sockets_meant_for_another_process_are_not_taken(tmp_path):
    got = run_child(tmp_path, [("listening", "hookd.sock")], pid=1)
    assert got["taken"] == {} and got["environ_left"] == []


@pytest.mark.parametrize(
    "kind, message",
    [
        ("dgram", "Unix stream sockets only"),
        ("bound", "is not listening"),
        ("tcp", "Unix stream sockets only"),
    ],
)
def test_a_passed_socket_hookd_cannot_serve_is_refused(tmp_path, kind, message):
    got = run_child(tmp_path, [(kind, "hookd.sock")])
    assert message in got["error"]


def test_a_passed_socket_at_a_path_hookd_was_not_given_is_refused(tmp_path):
    got = run_child(tmp_path, [("listening", "elsewhere.sock")])
    assert "none of hookd's sockets" in got["error"] and "elsewhere.sock" in got["error"]


# ---------------------------------------------------------------- launchd


ACTIVATE_SOCKET = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.POINTER(ctypes.c_int)), ctypes.POINTER(ctypes.c_size_t)
)
FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class FakeLaunchd:
    """libc with launch_activate_socket replaced by a C-callable fake that hands out ``fds`` in
    an array from the real malloc, as launchd does; free is the real one, watched."""

    def __init__(self, fds: list[int], error: int = 0) -> None:
        self.libc = ctypes.CDLL(None)
        self.libc.malloc.restype = ctypes.c_void_p
        self.libc.malloc.argtypes = [ctypes.c_size_t]
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.fds = fds
        self.error = error
        self.names: list[bytes] = []
        self.freed: list[int] = []
        self.allocated: list[int] = []
        self.launch_activate_socket = ACTIVATE_SOCKET(self._activate)
        self.free = FREE(self._free)

    def _activate(self, name, fds_out, count_out):
        self.names.append(name)
        if self.error:
            return self.error
        address = self.libc.malloc(ctypes.sizeof(ctypes.c_int) * max(len(self.fds), 1))
        array = ctypes.cast(address, ctypes.POINTER(ctypes.c_int))
        for i, fd in enumerate(self.fds):
            array[i] = fd
        fds_out[0] = array
        count_out[0] = len(self.fds)
        self.allocated.append(address)
        return 0

    def _free(self, address):
        self.freed.append(address)
        self.libc.free(address)


def test_launchd_fds_returns_the_sockets_and_frees_launchds_array():
    fake = FakeLaunchd([7, 9])
    assert launchd_fds("Listeners", fake) == [7, 9]
    assert fake.names == [b"Listeners"] and fake.freed == fake.allocated


@pytest.mark.parametrize("error", [errno.ESRCH, errno.ENOENT])
def test_launchd_fds_is_empty_when_launchd_did_not_start_hookd_or_has_no_such_socket(error):
    assert launchd_fds("Listeners", FakeLaunchd([], error)) == []


def test_launchd_fds_names_any_other_failure():
    with pytest.raises(ActivationError, match="Listeners"):
        launchd_fds("Listeners", FakeLaunchd([], errno.EINVAL))


def test_on_macos_the_plists_sockets_are_taken_by_role(tmp_path):
    base = f"/tmp/hookd-lad-{os.getpid()}"
    os.makedirs(base, mode=0o700, exist_ok=True)
    listeners = {}
    try:
        for name in ("hookd.sock", "control.sock"):
            path = f"{base}/{name}"
            if os.path.exists(path):
                os.unlink(path)
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(path)
            sock.listen(4)
            listeners[name] = sock
        by_plist_name = {
            "Listeners": [listeners["hookd.sock"].fileno()],
            "Control": [listeners["control.sock"].fileno()],
        }
        fakes = {}

        def launchd(name):
            fakes[name] = FakeLaunchd(by_plist_name[name])
            return launchd_fds(name, fakes[name])

        taken = take_passed_sockets(
            {"events": f"{base}/hookd.sock", "control": f"{base}/control.sock"},
            environ={},
            platform="darwin",
            launchd=launchd,
        )
        assert {role: s.getsockname() for role, s in taken.items()} == {
            "events": f"{base}/hookd.sock",
            "control": f"{base}/control.sock",
        }
        assert sorted(fakes) == ["Control", "Listeners"]
        for sock in taken.values():
            sock.detach()  # the same fds as the listeners above
    finally:
        for sock in listeners.values():
            sock.close()
        for name in os.listdir(base):
            os.unlink(os.path.join(base, name))
        os.rmdir(base)


# ---------------------------------------------------------------- servers on a passed socket


@pytest.mark.parametrize("loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"])
def test_closing_a_server_on_a_passed_socket_leaves_it_listening_for_the_next_hookd(loop_factory):
    base = f"/tmp/hookd-srv-{os.getpid()}"
    os.makedirs(base, mode=0o700, exist_ok=True)
    path = f"{base}/hookd.sock"
    manager_copy = socket.socket(socket.AF_UNIX)
    try:
        manager_copy.bind(path)
        manager_copy.listen(16)
        inode = os.stat(path).st_ino
        passed = socket.socket(fileno=os.dup(manager_copy.fileno()))
        passed.setblocking(False)

        async def serve_and_close():
            server = await asyncio.get_running_loop().create_unix_server(asyncio.Protocol, sock=passed)
            server.close()
            await server.wait_closed()

        loop = loop_factory()
        try:
            loop.run_until_complete(serve_and_close())
        finally:
            loop.close()
        assert os.stat(path).st_ino == inode, "the server unlinked or replaced the passed socket"
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(2)
            client.connect(path)  # queued on the manager's copy, for the next hookd
        conn, _ = manager_copy.accept()
        conn.close()
    finally:
        manager_copy.close()
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(base)


def test_launchd_fds_is_empty_where_the_call_does_not_exist():
    class OldLibc:  # before macOS 10.10
        pass

    assert launchd_fds("Listeners", OldLibc()) == []
