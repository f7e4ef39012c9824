"""Thirty-fifth red-team pass: hook-send (both clients) with a socket path that is no socket, and the
directories' variables unset, empty, relative or another user's.

Held, no change: HOOKD_SOCKET a FIFO (connect() does not open it: no wait for a writer), a
regular file, a symbolic link to nothing, a directory, /dev/zero, or a path too long for sun_path:
each is a socket that cannot be reached, so the event goes to the inbox at once, exit 0, nothing
on stdout. XDG_RUNTIME_DIR unset, empty, relative, or another user's (refused, said once, the
event kept in the state directory's inbox); TMPDIR, which the clients never read, anything.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from test_client import BODY, env, parse_frame, sockdir  # noqa: F401 -- env and sockdir are fixtures


def _make(path: str, kind: str) -> str:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "file":
        with open(path, "w") as f:
            f.write("not a socket")
    elif kind == "dangling_link":
        os.symlink("/nonexistent/hookd.sock", path)
    elif kind == "link_to_fifo":
        os.mkfifo(path + ".fifo")
        os.symlink(path + ".fifo", path)
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "dev_zero":
        return "/dev/zero"
    elif kind == "too_long":
        return os.path.join(os.path.dirname(path), "s" * 200 + ".sock")
    return path


def _inbox(env) -> list[bytes]:  # noqa: F811
    box = os.path.join(env["HOOKD_STATE_DIR"], "inbox")
    return [parse_frame(open(os.path.join(box, n), "rb").read())[1] for n in os.listdir(box)]


@pytest.mark.parametrize("kind", ["fifo", "file", "dangling_link", "link_to_fifo", "directory", "dev_zero", "too_long"])
def test_a_socket_path_that_is_no_socket_sends_the_event_to_the_inbox_at_once(env, client_cmd, kind):  # noqa: F811
    run_env = dict(env, HOOKD_SOCKET=_make(env["HOOKD_SOCKET"], kind), HOOKD_SEND_TIMEOUT_MS="60000")
    # Not a timing goal: 20 s for a 60 s deadline is what a client waiting on the path breaks.
    done = subprocess.run([*client_cmd, "Stop"], input=BODY, env=run_env, capture_output=True, timeout=20)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert _inbox(env) == [BODY]


@pytest.mark.parametrize("runtime", ["unset", "empty", "relative", "another_users"])
def test_xdg_runtime_dir_of_any_shape_never_loses_the_event(env, tmp_path, client_cmd, runtime):  # noqa: F811
    run_env = {k: v for k, v in env.items() if k not in ("HOOKD_SOCKET", "HOOKD_SPARE_INBOX")}
    run_env.update(TMPDIR="relative/tmp")
    if runtime == "empty":
        run_env["XDG_RUNTIME_DIR"] = ""
    elif runtime == "relative":
        run_env["XDG_RUNTIME_DIR"] = "run/user"
    elif runtime == "another_users":
        other = tmp_path / "other-run"
        (other / "hookd").mkdir(parents=True)
        for d in (other, other / "hookd"):
            os.chown(d, 65534, 65534) if os.geteuid() == 0 else pytest.skip("chown needs root")
        run_env["XDG_RUNTIME_DIR"] = str(other)
    done = subprocess.run([*client_cmd, "Stop"], input=BODY, env=run_env, capture_output=True, timeout=20, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == b"", done
    assert _inbox(env) == [BODY]
    lines = done.stderr.decode().splitlines()
    if runtime == "another_users":
        assert len(lines) == 1 and "owned by another user" in lines[0] and "fix:" in lines[0], lines
    else:
        assert lines == []
    assert not (tmp_path / "run").exists() and not (tmp_path / "relative").exists()
