"""Fifth red-team pass: a config file that cannot be read as one.

Every hookd command reads the config file first (``--config``, ``HOOKD_CONFIG``,
``~/.config/hookd/config.toml``). One that was a FIFO made every command wait
for good in ``open``; ``/dev/zero`` (a device is allowed, for ``/dev/null``)
was read until memory ran out; TOML nested 100,000 deep, or bytes that are not
UTF-8, ended in a traceback (RecursionError, UnicodeDecodeError). Now it is
opened without blocking, at most 16 MiB of it is read, and each of these is one
line naming the file (exit status 78; `hookd status`: 3, "cannot tell").
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from conftest import REPO


def _limited():  # the old code read /dev/zero until memory ran out: keep that from the machine
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))


def plant(tmp_path, kind):
    path = tmp_path / "config.toml"
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "dev-zero":
        return "/dev/zero"
    elif kind == "deep":
        path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    elif kind == "not-utf8":
        path.write_bytes(b'redis_url = "redis://\xff\xfe"\n')
    elif kind == "huge":
        with open(path, "wb") as fh:
            fh.truncate(3 << 30)  # sparse
    if kind != "fifo":
        os.chmod(path, 0o600)
    return str(path)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep", "not-utf8", "huge"])
@pytest.mark.parametrize(("command", "code"), [(["status", "--json"], 3), (["config"], 78)])
def test_a_config_file_that_cannot_be_read_as_one_is_one_line(tmp_path, kind, command, code):
    config = plant(tmp_path, kind)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOME=str(tmp_path), HOOKD_CONFIG=config, HOOKD_STATE_DIR=str(tmp_path / "state"), PYTHONPATH=str(REPO))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hookd", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            preexec_fn=_limited,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hookd {' '.join(command)} still reads a config file that is {kind} after 30 s")
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])  # 3: status cannot tell
    assert config in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
