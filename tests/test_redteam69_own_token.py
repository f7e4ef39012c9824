"""Sixty-ninth red-team pass: hookd's own HTTP token in a payload never reaches the stream or the spool.

The token is random text no rule tells from any other word, and docs/http-hooks.md has the user put it
in Claude Code's environment: a tool that reads it (`cat http.token`, the Read tool) handed it to
whoever reads the stream, who could then post events as the user. A real hookd with its HTTP listener.
"""

from __future__ import annotations

import http.client
import json
import socket

from conftest import free_port, wait_for_entries, wait_until

MARK = b"[REDACTED:hookd_http_token]"


def _http_hookd(hookd_factory):
    port = free_port()
    daemon = hookd_factory(http_addr=f"127.0.0.1:{port}")

    def accepts() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    wait_until(accepts, what="the HTTP listener")
    return daemon, port, (daemon.state_dir / "http.token").read_text().strip()


def _tool_events(token: str) -> list[bytes]:
    """What the agent's tools answer when it reads the token: cat of the file, the Read tool."""
    cat = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "cat ~/.local/state/hookd/http.token"},
        "tool_response": {"stdout": token + "\n", "stderr": ""},
    }
    read = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": "/home/u/.local/state/hookd/http.token"},
        "tool_response": {"type": "text", "file": {"content": token + "\n"}},
    }
    return [json.dumps(cat).encode(), json.dumps(read).encode()]


def _spooled(daemon) -> bytes:
    return b"".join(p.read_bytes() for p in (daemon.state_dir / "spool").glob("*.seg"))


def test_the_token_read_by_a_tool_is_redacted_over_the_socket(hookd_factory, redis_db):
    daemon, _, token = _http_hookd(hookd_factory)
    for body in _tool_events(token):
        done = daemon.send(body, "PostToolUse")
        assert done.returncode == 0 and done.stdout == b"", done.stderr
    # The frame's header too: hook-send's project= (CLAUDE_PROJECT_DIR) is the sender's text.
    done = daemon.send(b'{"hook_event_name": "Stop"}', "Stop", CLAUDE_PROJECT_DIR=f"/work/{token}")
    assert done.returncode == 0, done.stderr
    entries = wait_for_entries(redis_db, 3)
    for fields in entries:
        assert token.encode() not in fields[b"envelope"]
    assert [MARK in f[b"envelope"] for f in entries] == [True, True, True]
    assert token.encode() not in _spooled(daemon)


def test_the_token_in_a_posted_event_is_redacted(hookd_factory, redis_db):
    daemon, port, token = _http_hookd(hookd_factory)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for body in _tool_events(token):
        conn.request("POST", "/hook", body=body, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
        response.read()
    entries = wait_for_entries(redis_db, 2)
    assert all(token.encode() not in f[b"envelope"] and MARK in f[b"envelope"] for f in entries)
    assert token.encode() not in _spooled(daemon)


def test_the_redis_password_read_by_a_tool_is_redacted(hookd_factory, redis_db, tmp_path):
    """The password hookd logs in to Redis with, `cat` of its redis_password_file: the same leak as
    the token's (mended after the pass). hookd logs in as an ACL user of its own."""
    password = "redispw-XYZZY-7q"
    redis_db.execute_command("ACL", "SETUSER", "rt69", "reset", "on", f">{password}", "~*", "&*", "+@all")
    try:
        password_file = tmp_path / "redis.password"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        daemon = hookd_factory(redis_username="rt69", redis_password_file=str(password_file))
        cat = {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": f"cat {password_file}"},
            "tool_response": {"stdout": password + "\n", "stderr": "", "quoted": f'say "{password}"'},
        }
        done = daemon.send(json.dumps(cat).encode(), "PostToolUse")
        assert done.returncode == 0 and done.stdout == b"", done.stderr
        (fields,) = wait_for_entries(redis_db, 1)
        assert password.encode() not in fields[b"envelope"]
        assert fields[b"envelope"].count(b"[REDACTED:hookd_redis_password]") == 2
        assert password.encode() not in _spooled(daemon)
    finally:
        redis_db.execute_command("ACL", "DELUSER", "rt69")
