"""Thirteenth red-team pass: what `hookd status` prints of Redis's errors. Redis's (and hookd's own
ACL check's) errors can quote a key, and a session's key holds its session_id: the text status
shows must hold no control character a terminal acts on."""

from __future__ import annotations

import json

from hookd.publish.acl import publisher_rule
from secure_redis import hookd_cli, wait_for_error
from test_redis_acl import PASSWORD, STREAM, acl_users, rule_without, url_for  # noqa: F401 (fixture)

# An OSC 52 clipboard write, a screen clear and a C1 CSI that moves the cursor home.
HOSTILE_SESSION = "s\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\x9b1;1H\u202e"


def test_status_shows_a_redis_error_that_quotes_a_hostile_session_key_escaped(
    hookd_factory,
    redis_server,
    redis_db,
    acl_users,  # noqa: F811
):
    user = acl_users("hookd-short13", rule_without(publisher_rule(STREAM), "+hincrby"))
    daemon = hookd_factory(redis_url=url_for(redis_server, user), redis_password=PASSWORD, breaker_backoff_max_s="0.5")
    body = json.dumps({"hook_event_name": "Stop", "session_id": HOSTILE_SESSION}).encode()
    sent = daemon.send(body)
    assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")
    # The error names the session's key, session_id and all (the exact value stays in --json).
    wait_for_error(daemon, "HINCRBY on key {hookd:events}:session:s\x1b]52")

    shown = hookd_cli(daemon.env, "status")
    assert shown.returncode != 0 and "HINCRBY" in shown.stdout, shown.stdout
    for char in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert char not in shown.stdout, (char, shown.stdout)
    assert "\\x1b]52;c;" in shown.stdout  # shown, as text
    as_json = json.loads(hookd_cli(daemon.env, "status", "--json").stdout)
    assert "\x1b]52;c;" in as_json["redis"]["last_error"]


def test_replay_shows_a_redis_error_that_quotes_a_hostile_session_key_escaped(
    hookd_factory,
    redis_server,
    redis_db,
    acl_users,
    tmp_path,  # noqa: F811
):
    """A file given to `hookd replay --file` comes from elsewhere (an export, another machine's tail):
    its session_id reaches the error Redis's ACL check gives, and that error reaches stderr."""
    user = acl_users("hookd-replay13", rule_without(publisher_rule(STREAM), "+hincrby"))
    daemon = hookd_factory(redis_url=url_for(redis_server, user), redis_password=PASSWORD, start=False)
    envelope = {"seq": 1, "host": "h13", "event_id": "e1", "hook": "Stop", "session_id": HOSTILE_SESSION}
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(envelope) + "\n")
    replayed = hookd_cli(daemon.env, "replay", "--file", str(path))
    assert replayed.returncode == 1 and "HINCRBY" in replayed.stderr, replayed.stderr
    for char in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert char not in replayed.stderr, (char, replayed.stderr)
