"""Red team, forty-eighth pass: a passed socket under a directory another user can change.

Socket activation's check of the passed socket's path (service/activation.py _check_path) looked
at the socket's own directory only. A directory above it that another user owns, or that others
can write and is not sticky, lets them rename the socket's directory away and put their own in
its place: hook-send's connections then reach whatever they bind there, and hookd's chmod of a
loose socket mode, made by path, lands on a file of theirs choosing. hookd binds its own sockets
only under directories no one else can change (paths.check_parents); a passed socket is now held
to the same, and `hookd run` stops naming the directory (exit 1).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from other_user import NOBODY, needs_root
from test_redteam5_activation import PASS_A_SOCKET


def _run_activated(tmp_path, run_dir) -> tuple[int | None, str]:
    """hookd run given a socket in ``run_dir`` -> (its exit status, None if it was still serving
    after 30 s; its stderr)."""
    (tmp_path / "config.toml").write_text("")
    os.chmod(tmp_path / "config.toml", 0o600)
    sock = os.path.join(run_dir, "hookd.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "LISTEN_"))}
    env.update(
        HOME=str(tmp_path),
        HOOKD_STATE_DIR=str(tmp_path / "state"),
        HOOKD_SOCKET=sock,
        HOOKD_CONTROL_SOCKET=str(tmp_path / "state" / "control.sock"),
        HOOKD_CONFIG=str(tmp_path / "config.toml"),
        HOOKD_REDIS_URL="redis://127.0.0.1:1/0",
        PYTHONPATH=str(REPO),
        LISTEN_FDS="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", PASS_A_SOCKET, str(run_dir), sock],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        close_fds=True,
    )
    try:
        code: int | None = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.stderr is not None
    return code, proc.stderr.read()


@needs_root
@pytest.mark.process
@pytest.mark.parametrize("shape", ["others-write-it", "another-users"])
def test_a_passed_socket_under_a_directory_others_can_change_is_refused(tmp_path, shape):
    above = tmp_path / "shared"
    above.mkdir()
    if shape == "others-write-it":
        above.chmod(0o777)  # not sticky: anyone may rename what is in it
    else:
        above.chmod(0o755)
        os.chown(above, NOBODY, NOBODY)
    run_dir = above / "run"  # ours, 0700: the old check looked at this one only
    code, stderr = _run_activated(tmp_path, run_dir)
    assert code == 1, (code, stderr)
    assert f"passed socket {run_dir}/hookd.sock" in stderr and str(above) in stderr, stderr
    assert ("other users can write" if shape == "others-write-it" else "another user owns") in stderr, stderr
    assert "Traceback" not in stderr, stderr
