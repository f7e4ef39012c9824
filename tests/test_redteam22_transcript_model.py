"""Red team, twenty-second pass: a secret as the model name a transcript gives.

hookd fills an event's `model` from the session's transcript when the payload has none, and
`usage` names each model the transcript counted. Those names are read out of the transcript
(hookd/enrich/transcript.py keeps ids of letters, digits and `._:@/[]-` up to 200 characters),
not out of the payload, so they were never redacted: an AWS key id, a Slack token or an
Anthropic key fits that shape, and went to the spool, the stream's envelope and the session hash
as it was written. Whatever answers as the API (a proxy in ANTHROPIC_BASE_URL) or edits the
transcript chooses the name. Now they are redacted as a payload's strings are, and counted.
"""

from __future__ import annotations

import json

from conftest import wait_for_entries
from test_status import status_json

SONNET = "claude-sonnet-4-5-20250929"
AWS = "AKIA" + "Z7QW3RTYUIOPASDF"
SLACK = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
ANTHROPIC = "sk-ant-api03-" + "Ab9" * 31 + "AA"


def assistant_line(n: int, model: str, sidechain: bool = False) -> bytes:
    line = {
        "type": "assistant",
        "isSidechain": sidechain,
        "requestId": f"req_{n}",
        "message": {
            "id": f"msg_{n}",
            "model": model,
            "role": "assistant",
            "usage": {"input_tokens": 10 * n, "output_tokens": n},
        },
    }
    return json.dumps(line).encode() + b"\n"


def test_model_names_from_the_transcript_reach_neither_stream_nor_index_unredacted(hookd, redis_db, tmp_path):
    transcript = tmp_path / "transcript.jsonl"
    transcript.write_bytes(
        assistant_line(1, SONNET)
        + assistant_line(2, SLACK, sidechain=True)
        + assistant_line(3, ANTHROPIC, sidechain=True)
        + assistant_line(4, AWS)  # the latest main-thread model: the session's `model`
    )
    base = {"session_id": "s22-model", "transcript_path": str(transcript), "cwd": str(tmp_path)}
    for hook, extra in [("Stop", {}), ("PreToolUse", {"tool_name": "Bash", "tool_input": {"command": "ls"}})]:
        sent = hookd.send(json.dumps({**base, "hook_event_name": hook, **extra}).encode())
        assert sent.returncode == 0 and sent.stdout == b"", sent.stderr

    entries = wait_for_entries(redis_db, 2)
    stop, pre = (json.loads(e[b"envelope"]) for e in entries)
    index = redis_db.hgetall("{hookd:events}:session:s22-model")
    for secret in (AWS, SLACK, ANTHROPIC):
        for entry in entries:
            assert all(secret.encode() not in value for value in entry.values()), secret
        assert all(secret.encode() not in value for value in index.values()), secret
    spooled = b"".join(p.read_bytes() for p in (hookd.state_dir / "spool").glob("*") if p.is_file())
    for secret in (AWS, SLACK, ANTHROPIC):
        assert secret.encode() not in spooled, secret

    assert stop["model"] == pre["model"] == "[REDACTED:aws_access_key_id]"
    assert index[b"model"] == b"[REDACTED:aws_access_key_id]"
    # The counts stay, under the redacted names; a real model id is left as it is.
    total = stop["usage"]["total"]
    assert set(total) == {
        SONNET,
        "[REDACTED:aws_access_key_id]",
        "[REDACTED:slack_token]",
        "[REDACTED:anthropic_api_key]",
    }
    assert total[SONNET]["input_tokens"] == 10 and total["[REDACTED:aws_access_key_id]"]["input_tokens"] == 40
    assert stop["usage"]["since_last"] == total

    _, status = status_json(hookd)
    counted = status["counters"]["redactions"]
    assert counted.get("slack_token") == counted.get("anthropic_api_key") == 1  # the Stop's usage
    assert counted.get("aws_access_key_id") == 3  # the Stop's model and usage, the PreToolUse's model


def test_two_secret_model_names_that_redact_alike_are_added_up_not_dropped(hookd, redis_db, tmp_path):
    other = "AKIA" + "Q2WE3RT4YU5IO6PA7SD8"[:16]
    transcript = tmp_path / "transcript.jsonl"
    transcript.write_bytes(assistant_line(1, AWS) + assistant_line(2, other))
    sent = hookd.send(
        json.dumps({"hook_event_name": "Stop", "session_id": "s22-two", "transcript_path": str(transcript)}).encode()
    )
    assert sent.returncode == 0, sent.stderr
    (entry,) = wait_for_entries(redis_db, 1)
    usage = json.loads(entry[b"envelope"])["usage"]
    assert usage["total"] == {
        "[REDACTED:aws_access_key_id]": {
            "input_tokens": 30,
            "output_tokens": 3,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "cost_usd": None,
        }
    }
