"""Red team, twentieth pass: a password in redis_url under another spelling of its name.

redis-py reads redis_url's query with parse_qs, which percent-decodes the names: `?p%61ssword=X`
logs in with X as `?password=X` does. hookd masked the password (logs, `hookd status`, `hookd
config`) and refused it on `hookd run`'s command line (which every user sees in ps) only when the
name was spelled `password`: the other spellings, and a TLS key's `ssl_password`, went to the log,
status and the process list whole. Now the URL's secrets are read as redis-py reads them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import redis
from redis.connection import parse_url

from conftest import REPO, wait_until

SECRET = "pw20-Spelled-Otherwise-x7Q"
SPELLINGS = ["p%61ssword", "%70assword", "passwor%64"]


def _env(tmp_path, **more: str) -> dict[str, str]:
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"), **more)
    return env


@pytest.mark.parametrize("name", [*SPELLINGS, "ssl_password"])
def test_hookd_run_refuses_a_password_on_its_command_line_however_its_name_is_spelled(tmp_path, name):
    scheme = "rediss" if name == "ssl_password" else "redis"
    url = f"{scheme}://127.0.0.1:1/0?{name}={SECRET}"
    env = _env(tmp_path, HOOKD_SOCKET=f"/tmp/hookd-rt20-{os.getpid()}/hookd.sock")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hookd", "run", "--redis-url", url],
            env=env,
            capture_output=True,
            timeout=15,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hookd run started with ?{name}= on its command line, visible to every user in ps")
    finally:
        shutil.rmtree(f"/tmp/hookd-rt20-{os.getpid()}", ignore_errors=True)
    err = done.stderr.decode()
    assert done.returncode == 78, err
    assert "refusing to run" in err and "process list" in err and "redis_password_file" in err, err
    assert SECRET not in err


@pytest.fixture
def redis_with_password(tmp_path):
    """A real redis-server that takes only SECRET, on a socket of the test's."""
    path = f"/tmp/hookd-rt20-redis-{os.getpid()}.sock"
    proc = subprocess.Popen(
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            "0",
            "--unixsocket",
            path,
            "--unixsocketperm",
            "700",
            "--requirepass",
            SECRET,
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: os.path.exists(path), what="redis-server's socket")
    client = redis.Redis(unix_socket_path=path, password=SECRET)
    wait_until(client.ping, what="redis-server to answer")
    yield path, client
    proc.kill()
    proc.wait()
    if os.path.exists(path):
        os.unlink(path)


@pytest.mark.process
def test_logs_status_and_config_mask_a_password_however_its_name_is_spelled(hookd_process_factory, redis_with_password):
    path, client = redis_with_password
    daemon = hookd_process_factory(redis_url=f"unix://{path}?db=0&p%61ssword={SECRET}")
    done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": "rt20"}).encode())
    assert done.returncode == 0, done.stderr
    # The password is one redis-py sends: the event reached the Redis that takes only it.
    wait_until(lambda: client.xlen("hookd:events") == 1, what="the event in the stream")
    shown = {"log": daemon.log_text()}
    for args in (["status"], ["status", "--json"], ["config"], ["replay"]):
        out = subprocess.run(
            [sys.executable, "-m", "hookd", *args], env=daemon.env, capture_output=True, timeout=30, cwd=REPO
        )
        shown[" ".join(args)] = out.stdout.decode() + out.stderr.decode()
    assert daemon.stop() == 0
    shown["log"] = daemon.log_text()
    for where, text in shown.items():
        assert SECRET not in text, f"hookd {where} shows the password:\n{text}"
    assert "p%61ssword=****" in shown["status"] and "p%61ssword=****" in shown["config"], shown["config"]


URLS = [
    "redis://u:pw@h:1/0",
    "redis://:pw@h:1",
    "redis://h:1?password=pw",
    "redis://h:1?p%61ssword=pw",
    "redis://h:1?password=a+b%2Bc",
    "redis://h:1?password=first&password=second",
    "redis://:inline@h:1?password=query",
    "redis://h:1?username=bob&password=pw",
    "redis://h:1?password=&password=late",
    "unix:///run/r.sock?%70assword=pw&db=1",
    "rediss://h:1?ssl_password=keypw",
    "redis://h:1?Password=not-one",
    "redis://h:1?password+=not-one",
]


@pytest.mark.parametrize("url", URLS)
def test_the_url_is_read_as_redis_py_reads_it(url):
    """A guard: the user, password and key password hookd masks are those redis-py uses."""
    from hookd.config import mask_url
    from hookd.publish.access import url_credentials

    kwargs = parse_url(url)
    assert url_credentials(url) == (kwargs.get("username"), kwargs.get("password") or None)
    masked = parse_url(mask_url(url))
    for name in ("password", "ssl_password"):
        if kwargs.get(name):
            assert masked[name] == "****", mask_url(url)
    assert {k: v for k, v in masked.items() if "password" not in k.lower()} == {
        k: v for k, v in kwargs.items() if "password" not in k.lower()
    }


@pytest.mark.parametrize("url", URLS)
def test_every_secret_redis_py_takes_from_the_url_is_known(url):
    """What the process-list refusal and the error texts' masking look for (url_secrets is new)."""
    from hookd.publish.access import url_secrets

    kwargs = parse_url(url)
    assert url_secrets(url) == [kwargs[k] for k in ("password", "ssl_password") if kwargs.get(k)]
