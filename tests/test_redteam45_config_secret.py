"""Red team, forty-fifth pass: a Redis password in a config file every user can read.

hookd refuses a redis_password_file (and the sentinels') that group or others can read, but took
the same password from the config file itself, as ``redis_password``, in ``redis_url`` or in its
``?password=`` parameter, whatever that file's mode: a config file made with the usual umask 022
is 0644, and another user (uid 65534 here) read the password from it, and with it every event in
the stream. A config file that holds a password must now be the owner's alone, as a password file
must; one without a password may stay readable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import REPO, free_port
from other_user import needs_root, run_as_nobody

SECRET = "s3cret-45-config-pw"

HOLDING = {
    "redis_password": f'redis_url = "redis://127.0.0.1:{{port}}"\nredis_password = "{SECRET}"\n',
    "url_userinfo": f'redis_url = "redis://:{SECRET}@127.0.0.1:{{port}}"\n',
    "url_query": f'redis_url = "redis://127.0.0.1:{{port}}/0?password={SECRET}"\n',
    "sentinel_password": (
        f'redis_sentinel = "127.0.0.1:{{port}}"\nredis_sentinel_master = "m"\nredis_sentinel_password = "{SECRET}"\n'
    ),
}


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


@pytest.fixture
def home():
    """A home others may enter, as /home/<user> and ~/.config/hookd are made under umask 022
    (pytest's tmp_path lies under a directory of root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="hookd-rt45-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path)


def _config_file(home: Path, text: str, mode: int) -> str:
    conf = home / ".config" / "hookd"
    conf.mkdir(parents=True)
    for directory in (home, home / ".config", conf):
        directory.chmod(0o755)
    path = conf / "config.toml"
    path.write_text(text + f'state_dir = "{home / "state"}"\n')
    path.chmod(mode)
    return str(path)


def _hookd(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


@needs_root
@pytest.mark.parametrize("form", sorted(HOLDING))
def test_a_config_file_others_can_read_is_refused_when_it_holds_a_password(form, home):
    path = _config_file(home, HOLDING[form].format(port=free_port()), 0o644)
    assert SECRET in run_as_nobody(_read, path)  # the attack: another user reads it as it is
    for command in (["config"], ["run"]):
        done = _hookd(*command, "--config", path)
        assert done.returncode == 78, (command, done.returncode, done.stderr)
        assert f"config file {path} holds" in done.stderr and f"chmod 600 {path}" in done.stderr, done.stderr
        assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize("form", ["redis_password", "url_userinfo"])
def test_the_same_file_of_the_owners_alone_is_taken(form, home):
    path = _config_file(home, HOLDING[form].format(port=free_port()), 0o600)
    done = _hookd("config", "--config", path)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout  # masked, as before


def test_a_readable_config_file_without_a_password_is_taken(home):
    path = _config_file(home, f'redis_url = "redis://127.0.0.1:{free_port()}"\n', 0o644)
    done = _hookd("config", "--config", path)
    assert done.returncode == 0, done.stderr
