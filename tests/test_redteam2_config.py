"""Red team, second pass: a config file another user could write, through a real `hookd run`.

The config says where every event goes (redis_url) and whether it is redacted; it was read
with a plain open(), whoever owned it and whoever could write it or swap its directory. A
second user able to write it could point the whole stream at their own Redis, or turn
redaction off. Now refused like hookd's own directories, naming the path and the fix.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import REPO, free_port
from other_user import NOBODY, needs_root

pytestmark = needs_root


def run_with_config(tmp_path, config) -> tuple[int | None, str, int]:
    """`hookd run` with this config -> (exit status, None if it kept running; stderr; how many
    connections the config's Redis address received)."""
    attacker = socket.socket()
    attacker.bind(("127.0.0.1", 0))
    attacker.listen(16)
    attacker.settimeout(0.2)
    port = attacker.getsockname()[1]
    config.write_text(f'redis_url = "redis://127.0.0.1:{port}/0"\nredact = false\n')
    state = tmp_path / "state"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")},
        "HOOKD_CONFIG": str(config),
        "HOOKD_STATE_DIR": str(state),
        "HOOKD_SOCKET": f"/tmp/hookd-rt2-{os.getpid()}-{free_port()}/hookd.sock",
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "run"], env=env, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    # Until it exits (refused) or the config's Redis hears from it (read): no fixed wait.
    connections = 0
    deadline = time.monotonic() + 8
    code = None
    while time.monotonic() < deadline and connections == 0:
        code = proc.poll()
        try:
            conn, _ = attacker.accept()
            conn.close()
            connections += 1
        except OSError:
            if code is not None:
                break
    if code is None:
        proc.kill()
        proc.wait()
    attacker.close()
    return code, proc.stderr.read().decode(), connections


def private_dir(tmp_path):
    where = tmp_path / "conf"
    where.mkdir(mode=0o700)
    return where


def test_a_config_file_others_can_write_is_refused(tmp_path):
    config = private_dir(tmp_path) / "config.toml"
    config.touch(mode=0o600)
    os.chmod(config, 0o666)
    code, err, connections = run_with_config(tmp_path, config)
    assert code not in (None, 0) and str(config) in err and "writable by other users" in err, err
    assert connections == 0


def test_a_config_file_of_another_user_is_refused(tmp_path):
    config = private_dir(tmp_path) / "config.toml"
    config.touch(mode=0o644)
    os.chown(config, NOBODY, NOBODY)
    code, err, connections = run_with_config(tmp_path, config)
    assert code not in (None, 0) and "belongs to another user" in err, err
    assert connections == 0


def test_a_config_file_in_a_directory_another_user_can_change_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chown(shared, NOBODY, NOBODY)
    os.chmod(shared, 0o777)
    config = shared / "config.toml"
    config.touch(mode=0o600)
    code, err, connections = run_with_config(tmp_path, config)
    assert code not in (None, 0) and str(shared) in err, err
    assert connections == 0


def test_a_config_file_of_ones_own_is_read(tmp_path):
    """The control: the same config, private, is used (hookd connects to that address)."""
    config = private_dir(tmp_path) / "config.toml"
    config.touch(mode=0o600)
    code, err, connections = run_with_config(tmp_path, config)
    assert code is None, err  # it runs, trying that Redis
    assert connections >= 1


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_a_link_to_a_private_config_is_followed_as_dotfile_managers_make_them(tmp_path, mode):
    target = private_dir(tmp_path) / "real.toml"
    target.touch(mode=mode)
    link = tmp_path / "link-dir"
    link.mkdir(mode=0o700)
    (link / "config.toml").symlink_to(target)
    code, err, connections = run_with_config(tmp_path, link / "config.toml")
    assert code is None, err
