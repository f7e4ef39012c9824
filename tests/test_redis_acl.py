"""Redis ACL users: hookd works with exactly the documented rule, a missing permission is named
and costs no event, a consumer reads with the read-only rule; the password stays secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis

from conftest import REPO, stream_entries, wait_for_entries, wait_until
from hookd.config import ConfigError
from hookd.console.settings import load
from hookd.publish.acl import publisher_rule, reader_rule
from secure_redis import assert_exactly_once, assert_secret_hidden, hookd_cli, send_events, wait_for_error
from test_status import live_status, wait_status

PASSWORD = "Zq8-acl-pw-4d1e"
STREAM = "hookd:events"


@pytest.fixture
def acl_users(redis_db):
    """Make ACL users on the suite's Redis (``make(name, rule)``); deleted after the test."""
    made = []

    def make(name: str, rule: str, password: str = PASSWORD) -> str:
        redis_db.execute_command("ACL", "SETUSER", name, "reset", "on", f">{password}", *rule.split())
        made.append(name)
        return name

    redis_db.execute_command("ACL", "LOG", "RESET")
    yield make
    for name in made:
        redis_db.execute_command("ACL", "DELUSER", name)


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "redis.password"
    path.write_text(PASSWORD + "\n")
    path.chmod(0o600)
    return path


def url_for(redis_server, user: str | None = None, password: str | None = None) -> str:
    userinfo = f"{user}{':' + password if password else ''}@" if user else ""
    return f"redis://{userinfo}127.0.0.1:{redis_server.port}/0"


def rule_without(rule: str, word: str) -> str:
    words = rule.split()
    assert word in words
    return " ".join(w for w in words if w != word)


# ---------------------------------------------------------------- the publisher's rule


def test_hookd_publishes_everything_with_only_the_documented_rule(
    hookd_factory, redis_server, redis_db, acl_users, password_file, tmp_path
):
    user = acl_users("hookd-pub", publisher_rule(STREAM, channel="hooksdata"))
    listener = redis_db.pubsub()
    listener.subscribe("hooksdata")
    daemon = hookd_factory(
        redis_url=url_for(redis_server),
        redis_username=user,
        redis_password_file=str(password_file),
        publish_channel="hooksdata",
    )
    send_events(daemon, range(20))
    wait_for_entries(redis_db, 20)
    assert_exactly_once(redis_db, 20)
    assert redis_db.hget("{hookd:events}:session:s1", "events") == b"20"
    assert redis_db.zscore("{hookd:events}:sessions", "s1") is not None
    messages = []
    wait_until(
        lambda: (
            messages.extend(m for m in iter(lambda: listener.get_message(timeout=0.1), None) if m["type"] == "message")
            or len(messages) >= 20
        ),
        what="20 envelopes on the channel",
    )
    assert len(messages) == 20
    listener.close()
    # hookd replay, as the same user: the dry run reads the marks, the real one runs the script.
    exported = tmp_path / "stream.jsonl"
    exported.write_bytes(b"".join(f[b"envelope"] + b"\n" for f in stream_entries(redis_db)))
    for args in (("--dry-run", "--json"), ("--json",)):
        replay = hookd_cli(daemon.env, "replay", "--file", str(exported), *args)
        assert replay.returncode == 0, replay.stderr
        report = json.loads(replay.stdout)
        assert (report["added"], report["skipped"], report["redis_error"]) == (0, 20, None)
    # Redis refused hookd nothing: not a command, not a key, not a channel.
    assert redis_db.execute_command("ACL", "LOG") == []
    status = live_status(daemon)
    assert status["redis"]["state"] == "up" and status["counters"]["published"] == 20
    assert daemon.stop() == 0


MISSING = {
    # (the rule's word taken away, what the error names)
    "a command the script calls after XADD": ("+hincrby", "HINCRBY on key {hookd:events}:session:s1"),
    "the stream's own command": ("+xadd", "XADD on key hookd:events"),
    "running the script at all": ("+evalsha", "'evalsha'"),
    "naming the connection": ("+client|setname", "'client|setname'"),
    "the keys beside the stream": ("~{hookd:events}:*", "one of the keys"),
}


@pytest.mark.parametrize("taken, named", MISSING.values(), ids=MISSING.keys())
def test_a_missing_permission_is_named_nothing_is_written_and_all_arrive_once_after_acl_setuser(
    hookd_factory, redis_server, redis_db, acl_users, taken, named
):
    user = acl_users("hookd-short", rule_without(publisher_rule(STREAM), taken))
    daemon = hookd_factory(redis_url=url_for(redis_server, user), redis_password=PASSWORD, breaker_backoff_max_s="0.5")
    send_events(daemon, range(8))
    status = wait_for_error(daemon, f"the Redis user '{user}' lacks a permission", named, "Redis ACL")
    wait_status(daemon, lambda s: s["spool"]["events"] == 8, "8 events spooled")
    # Nothing half-written: no event without its high-water mark, which a retry would add twice.
    assert redis_db.xlen(STREAM) == 0 and not redis_db.exists("{hookd:events}:hwm")
    assert status["counters"]["published"] == 0

    redis_db.execute_command("ACL", "SETUSER", user, taken)
    send_events(daemon, range(8, 10))
    wait_for_entries(redis_db, 10)
    wait_status(daemon, lambda s: s["spool"]["events"] == 0 and s["redis"]["state"] == "up", "drained")
    assert_exactly_once(redis_db, 10)
    assert redis_db.hget("{hookd:events}:session:s1", "events") == b"10"
    assert daemon.stop() == 0


# ---------------------------------------------------------------- a consumer's rule


def test_a_consumer_with_the_read_only_rule_tails_the_stream_and_can_change_nothing(
    hookd, redis_server, redis_db, acl_users
):
    send_events(hookd, range(5))
    wait_for_entries(redis_db, 5)
    reader = acl_users("hookd-reader", reader_rule(STREAM))
    env = {**hookd.env, "HOOKD_REDIS_USERNAME": reader, "HOOKD_REDIS_PASSWORD": PASSWORD}
    tail = hookd_cli(env, "tail", "--since", "1h", "--count", "5", "--json")
    assert tail.returncode == 0, tail.stderr
    assert len(tail.stdout.splitlines()) == 5

    client = redis.Redis(port=redis_server.port, username=reader, password=PASSWORD)
    assert client.xlen(STREAM) == 5 and client.hgetall("{hookd:events}:session:s1")
    for write in (
        lambda: client.xadd(STREAM, {"x": "1"}),
        lambda: client.hset("{hookd:events}:hwm", "h", 1),
        lambda: client.delete(STREAM),
        lambda: client.xtrim(STREAM, 0),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            write()
    client.close()
    assert redis_db.xlen(STREAM) == 5


def test_the_docs_document_both_rules_as_the_code_has_them():
    readme = (REPO / "docs" / "redis.md").read_text()
    assert publisher_rule() in readme
    assert reader_rule() in readme


# ---------------------------------------------------------------- the password stays secret


@pytest.mark.process
@pytest.mark.parametrize("source", ["environment", "file", "wrong password in file"])
def test_the_password_never_shows_in_logs_status_config_or_process_arguments(
    hookd_factory, redis_server, redis_db, acl_users, password_file, source
):
    user = acl_users("hookd-secret", publisher_rule(STREAM))
    settings = {"redis_password": PASSWORD} if source == "environment" else {"redis_password_file": str(password_file)}
    if source == "wrong password in file":
        acl_users("hookd-secret", publisher_rule(STREAM), password="another-one")
    daemon = hookd_factory(redis_url=url_for(redis_server, user), breaker_backoff_max_s="0.5", **settings)
    send_events(daemon, range(3))
    if source == "wrong password in file":
        wait_for_error(daemon, "refused the credentials", f"redis_password_file {password_file}")
    else:
        wait_for_entries(redis_db, 3)

    outputs = assert_secret_hidden(daemon, PASSWORD)
    if source == "environment":
        assert json.loads(outputs["config --json"].stdout)["redis_password"] == "****"


def test_there_is_no_password_flag_and_a_password_in_a_redis_url_flag_is_refused_by_run(hookd_factory, redis_server):
    daemon = hookd_factory(start=False)
    url = url_for(redis_server, "someone", PASSWORD)
    run = subprocess.run(
        [sys.executable, "-m", "hookd", "run", "--redis-url", url],
        env=daemon.env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert run.returncode == 78  # EX_CONFIG
    assert "refusing to run" in run.stderr and "redis_password_file" in run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    config = hookd_cli(daemon.env, "config", "--redis-url", url)
    assert config.returncode == 0 and "process list" in config.stderr and PASSWORD not in config.stderr
    flag = hookd_cli(daemon.env, "run", "--redis-password", PASSWORD)
    assert flag.returncode == 2 and "--redis-password is not accepted" in flag.stderr
    assert PASSWORD not in flag.stderr and "HOOKD_REDIS_PASSWORD" in flag.stderr


# ---------------------------------------------------------------- settings that cannot work


def test_a_password_file_other_users_can_read_is_refused_with_the_fix(password_file):
    password_file.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load({"redis_password_file": str(password_file)}, environ={})
    assert f"chmod 600 {password_file}" in str(caught.value) and "0644" in str(caught.value)
    password_file.chmod(0o640)
    with pytest.raises(ConfigError, match="chmod 600"):
        load({"redis_password_file": str(password_file)}, environ={})
    password_file.chmod(0o600)
    assert load({"redis_password_file": str(password_file)}, environ={}).redis_password_file


def test_a_password_file_is_read_as_its_first_line(tmp_path):
    from hookd.publish.access import read_password_file

    path = tmp_path / "pw"
    path.write_text("first line\nsecond\n")
    path.chmod(0o600)
    assert read_password_file(str(path)) == "first line"
    path.write_text("\n")
    with pytest.raises(ConfigError, match="empty") as caught:
        read_password_file(str(path))
    assert caught.value.setting == "redis_password_file"


@pytest.mark.parametrize(
    "values, named",
    [
        ({"redis_url": "redis://u:pw@127.0.0.1:6379/0", "redis_password": "x"}, "given twice"),
        ({"redis_password": "x", "redis_password_file": "/dev/null"}, "given twice"),
        ({"redis_url": "redis://alice@127.0.0.1:6379/0", "redis_username": "bob"}, "keep one"),
        ({"redis_tls_key_file": "/dev/null", "redis_url": "rediss://127.0.0.1:6379/0"}, "redis_tls_cert_file"),
        ({"redis_password_file": "/nonexistent/pw"}, "cannot read redis_password_file"),
    ],
)
def test_login_settings_that_contradict_each_other_are_refused(values, named):
    with pytest.raises(ConfigError) as caught:
        load(values, environ={})
    assert named in str(caught.value)
    assert "pw@" not in str(caught.value)


def test_the_password_from_the_environment_fills_the_setting_and_is_masked(tmp_path):
    from hookd.config import masked

    config = load({}, environ={"HOOKD_REDIS_PASSWORD": PASSWORD, "HOME": str(tmp_path)})
    assert config.redis_password == PASSWORD
    assert masked(config)["redis_password"] == "****"
    assert os.environ.get("HOOKD_REDIS_PASSWORD") is None
