"""Red team, second pass: secrets where a hostile sender puts them, through a real `hookd run`.

Each test sends through the real ways in (hook-send, the raw socket) to a real daemon and
Redis, then looks for the secret everywhere hookd writes: Redis, the spool, the log.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest

from conftest import github_token, wait_for_entries

VALUE = "Xk9mQ2vL8pR4tZw7"  # a password-like value with no provider shape: only context finds it


def everything_in_redis(client) -> bytes:
    """Every key, and every value of every key, of the database."""
    out = []
    for key in client.keys("*"):
        out.append(key)
        kind = client.type(key)
        if kind == b"stream":
            out.append(repr(client.xrange(key)).encode())
        elif kind == b"hash":
            out.append(repr(client.hgetall(key)).encode())
        elif kind == b"zset":
            out.append(repr(client.zrange(key, 0, -1, withscores=True)).encode())
        elif kind == b"set":
            out.append(repr(client.smembers(key)).encode())
        elif kind == b"string":
            out.append(client.get(key) or b"")
    return b"\n".join(out)


def spool_bytes(daemon) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((daemon.state_dir / "spool").glob("*.seg")))


@pytest.mark.parametrize(
    "command",
    [
        f"export PASSWORD={VALUE}",
        f"export api_key={VALUE} && ./deploy.sh",
        f"env SECRET={VALUE} ./run",
        f"sudo -E TOKEN={VALUE} make release",
        f"set DB_PASSWORD={VALUE}",
        f"ENV API_KEY={VALUE}",
        f"docker run -e PASSWORD={VALUE} postgres",
    ],
)
def test_a_secret_assigned_after_a_command_word_is_redacted(hookd, redis_db, command):
    """`word NAME=value` is a shell assignment (export, env, sudo, Dockerfile ENV), not prose:
    the assignment rule skipped every name that followed a word and a space."""
    body = json.dumps({"hook_event_name": "PreToolUse", "session_id": "s", "tool_input": {"command": command}})
    assert hookd.send(body.encode()).returncode == 0
    envelope = json.loads(wait_for_entries(redis_db, 1)[0][b"envelope"])
    assert VALUE not in json.dumps(envelope), envelope["payload"]
    assert envelope["redactions"] >= 1


def test_code_and_prose_near_a_secret_name_are_still_kept(hookd, redis_db):
    """What the rule must still keep once it reads names after a word: comparisons, references,
    calls, types, and prose with a colon."""
    kept = [
        "if token == expected: return",
        "export TOKEN=$GITHUB_TOKEN",
        "let password = getPassword()",
        "def login(password: str = None):",
        "reset the password: click the link",
    ]
    body = json.dumps({"hook_event_name": "PreToolUse", "session_id": "s", "tool_input": {"lines": kept}})
    assert hookd.send(body.encode()).returncode == 0
    envelope = json.loads(wait_for_entries(redis_db, 1)[0][b"envelope"])
    assert envelope["payload"]["tool_input"]["lines"] == kept


@pytest.mark.process
def test_a_refused_frames_header_never_reaches_the_log_unredacted(hookd, redis_db):
    """A refused frame is logged (event_rejected) with its hook= and the reason's detail; both
    are the sender's text, which the log held in clear: hook= with a token, a header item or a
    length that is a token."""
    token = github_token()
    frames = [
        b"HOOKD/1 7 hook=" + token.encode() + b"\nnotjson",
        b"HOOKD/1 9 hook=" + quote(token).encode() + b'\n\xff\xfe{"a":1}',
        b"HOOKD/1 5 " + token.encode() + b"\n{}{}x",
        b"HOOKD/1 " + token.encode() + b"\n{}",
    ]
    for frame in frames:
        assert hookd.request(frame).startswith(b"ERR ")
    hookd.request(b"HOOKD/1 2 hook=Stop\n{}")  # answered after the refusals' log lines
    time.sleep(0.3)
    text = hookd.log_text()
    assert text.count('"event_rejected"') == len(frames), text
    assert token not in text and token[:20] not in text
    assert "[REDACTED:github_token]" in text  # the hook is still shown, redacted


def test_a_secret_in_the_handoff_id_is_redacted_in_redis_and_the_spool(hookd, redis_db):
    """id= is the sender's text too (any 1-64 of A-Z a-z 0-9 _ -, which a token fits): it went
    into the envelope's client.handoff_id and the spool's record unredacted."""
    token = github_token()
    body = b'{"hook_event_name": "Stop", "session_id": "s"}'
    reply = hookd.request(b"HOOKD/1 %d pid=1 id=%s\n" % (len(body), token.encode()) + body)
    assert reply.startswith(b"OK "), reply
    envelope = json.loads(wait_for_entries(redis_db, 1)[0][b"envelope"])
    assert envelope["client"]["handoff_id"] == "[REDACTED:github_token]"
    assert token.encode() not in everything_in_redis(redis_db)
    assert token.encode() not in spool_bytes(hookd)


@pytest.mark.parametrize(
    "text",
    [
        f"<settings><servers><server><id>repo</id><password>{VALUE}</password></server></servers></settings>",
        f'<configuration>\n  <add key="x"/>\n  <apiKey>{VALUE}</apiKey>\n</configuration>',
        f"<ns:client_secret>{VALUE}</ns:client_secret>",
    ],
)
def test_a_secret_in_an_xml_element_named_for_it_is_redacted(hookd, redis_db, text):
    """Maven's settings.xml, NuGet and .NET configs keep passwords as element text, which an
    agent reads with cat: no rule looked at XML."""
    body = json.dumps({"hook_event_name": "PostToolUse", "session_id": "s", "tool_response": {"stdout": text}})
    assert hookd.send(body.encode()).returncode == 0
    envelope = json.loads(wait_for_entries(redis_db, 1)[0][b"envelope"])
    assert VALUE not in json.dumps(envelope)
    assert "[REDACTED:xml_secret_element]" in envelope["payload"]["tool_response"]["stdout"]


def test_a_checksummed_token_glued_to_a_word_is_redacted_in_values_and_keys(hookd, redis_db):
    """A GitHub token right after a word character (GH_TOKEN_ghp_..., an object key
    "k_ghp_...") was kept: the rule wanted a word boundary before it, which its CRC32 makes
    needless."""
    token = github_token()
    body = json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": "s",
            "tool_input": {"env": f"GH_TOKEN_{token}", f"k_{token}": 1},
        }
    )
    assert hookd.send(body.encode()).returncode == 0
    assert token.encode() not in wait_for_entries(redis_db, 1)[0][b"envelope"]
