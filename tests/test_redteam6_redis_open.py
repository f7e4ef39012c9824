"""Red team, sixth pass: a Redis that any local user can read, and hookd silent about it.

redis-server takes connections without a password by default. hookd publishes every
prompt, command and file content to it; on 127.0.0.1 every other user of the machine could
connect and XRANGE the stream, and neither `hookd run` nor `hookd status` said a word. hookd
cannot close that, but now says it: one XLEN without credentials once Redis answers, logged
as ``redis_open_to_all`` and shown on `hookd status`'s redis line (``redis.open_to_all``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis

from conftest import REPO, RedisServer, log_records, wait_until

from hookd import config as hookd_config
from hookd.control.status import gather

pytestmark = pytest.mark.process


def status(daemon) -> tuple[int, dict, str]:
    as_json = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=60, cwd=REPO
    )
    text = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, timeout=60, cwd=REPO
    )
    return as_json.returncode, json.loads(as_json.stdout), text.stdout.decode()


def test_a_redis_without_a_password_is_named_open(hookd_process_factory, redis_db):
    daemon = hookd_process_factory()
    # Looked for in this process (a new interpreter per look took seconds under load), to a generous deadline.
    wait_until(
        lambda: gather(hookd_config.load(environ=daemon.env))[1]["redis"].get("open_to_all") is not None,
        timeout=60,
        what="the probe",
    )
    code, document, text = status(daemon)
    assert document["redis"]["open_to_all"] is True
    assert "without a password" in text, text
    assert code == 0, f"an open Redis is said, not a health problem: {document['reasons']}"
    assert daemon.stop() == 0
    [line] = [r for r in log_records(daemon.log_text()) if r["event"] == "redis_open_to_all"]
    assert "requirepass" in line["hint"]


def test_a_redis_with_a_password_is_not(hookd_process_factory, tmp_path):
    """Guard: requirepass set, the probe is refused (NOAUTH): nothing is said."""
    server = RedisServer(tmp_path / "redis-pw", extra_args=("--requirepass", "s3cret-pw"))

    def answers() -> bool:
        try:
            return redis.Redis(port=server.port, password="s3cret-pw", socket_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    server._answers = answers
    server.start()
    try:
        password_file = tmp_path / "pw"
        password_file.write_text("s3cret-pw\n")
        os.chmod(password_file, 0o600)
        daemon = hookd_process_factory(redis_url=server.url, redis_password_file=str(password_file))
        body = json.dumps({"hook_event_name": "Stop", "session_id": "s"}).encode()
        assert daemon.send(body).returncode == 0
        wait_until(
            lambda: redis.Redis(port=server.port, password="s3cret-pw").xlen("hookd:events") == 1,
            timeout=60,
            what="the event published with the password",
        )
        code, document, text = status(daemon)
        assert document["redis"]["open_to_all"] is False
        assert "without a password" not in text
        assert daemon.stop() == 0
        assert "redis_open_to_all" not in daemon.log_text()
    finally:
        server.stop()
