"""Red team, forty-eighth pass: a system account's listener where hookd expects Redis.

The nineteenth pass refused a server of another user's, but trusted every uid below UID_MIN as a
distribution's redis-server. On a shared host other people's code runs as system accounts (a web
server's www-data running their CGI or PHP): such code listening on the Redis port while Redis is
down was sent the password and every event. Now only the user's, root's and the accounts named in
redis_server_accounts (default redis, valkey) are trusted (hookd/port_holders.py trusted_server).
The fake Redis here runs as www-data (uid 33) and records what it is sent.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys

import pytest

from conftest import REPO, wait_until
from other_user import needs_root
from test_redteam19_redis_owner import SECRET, FakeRedis, _says_who

WWW_DATA = pwd.getpwnam("www-data").pw_uid
MARKER = "event-48-marker"


@pytest.fixture
def www_data_redis():
    server = FakeRedis("127.0.0.1", uid=WWW_DATA)
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def _tail(tmp_path, url: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env.update(HOOKD_REDIS_URL=url, HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"), **variables)
    return subprocess.run(
        [sys.executable, "-m", "hookd", "tail", "--count", "5"], env=env, capture_output=True, timeout=60, cwd=REPO
    )


def _names_www_data(text: str) -> None:
    _says_who(text, WWW_DATA, "www-data")
    assert "add 'www-data' to redis_server_accounts" in text, text


@pytest.mark.process
@needs_root
def test_hookd_run_sends_www_datas_listener_neither_password_nor_events(hookd_process_factory, www_data_redis):
    daemon = hookd_process_factory(redis_url=www_data_redis.url)
    done = daemon.send(json.dumps({"hook_event_name": "Stop", "session_id": MARKER}).encode())
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    line = wait_until(
        lambda: next((r for r in daemon.log_text().splitlines() if "redis_down" in r), None),
        timeout=20,
        what="hookd to give up on www-data's listener",
    )
    connections, sent = www_data_redis.received()
    assert connections >= 1
    assert SECRET.encode() not in sent and MARKER.encode() not in sent, sent[:300]
    assert sent == b"", sent[:300]
    _names_www_data(json.loads(line)["error"])
    assert daemon.stop() == 0


@pytest.mark.process
@needs_root
def test_tail_sends_www_datas_listener_nothing(tmp_path, www_data_redis):
    done = _tail(tmp_path, www_data_redis.url)
    connections, sent = www_data_redis.received()
    assert connections >= 1 and sent == b"", sent[:300]
    assert done.returncode != 0
    _names_www_data(done.stderr.decode())


@pytest.mark.process
@needs_root
def test_an_account_the_user_names_is_spoken_to(tmp_path, www_data_redis):
    """redis_server_accounts is how to trust a Redis that runs as another account: named there,
    the same listener is sent the login (a guard of the setting)."""
    done = _tail(tmp_path, www_data_redis.url, HOOKD_REDIS_SERVER_ACCOUNTS='["www-data"]')
    connections, sent = www_data_redis.received()
    assert connections >= 1 and (b"HELLO" in sent or b"AUTH" in sent), (sent[:200], done.stderr)
    assert "SECURITY" not in done.stderr.decode(), done.stderr


@pytest.mark.process
@needs_root
def test_the_redis_account_is_trusted_by_default(tmp_path):
    """A distribution's redis-server runs as the redis account: spoken to without a setting (a guard)."""
    try:
        uid = pwd.getpwnam("redis").pw_uid
    except KeyError:
        pytest.skip("no redis account on this machine")
    server = FakeRedis("127.0.0.1", uid=uid)
    try:
        done = _tail(tmp_path, server.url)
        connections, sent = server.received()
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
        server.proc.wait()
    assert connections >= 1 and (b"HELLO" in sent or b"AUTH" in sent), (sent[:200], done.stderr)


def test_a_wrong_value_is_refused_naming_the_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    config = tmp_path / "config.toml"
    config.write_text('redis_server_accounts = "redis"\n')
    config.chmod(0o600)
    env.update(HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-m", "hookd", "config"], env=env, capture_output=True, timeout=60, cwd=REPO)
    assert done.returncode != 0 and "redis_server_accounts" in done.stderr.decode(), done.stderr
