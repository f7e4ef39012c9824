"""Envelope building: validation verdicts, ids, sequence numbers."""

from __future__ import annotations

import json
import time

import msgspec
import pytest

from hookd.envelope import EnvelopeBuilder, EventIds, read_payload_head
from hookd.refusals import Header, Reason, Rejected
from hookd.sequence import SequenceAllocator


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", Reason.EMPTY),
        (b"  \n", Reason.EMPTY),
        (b"not json", Reason.NOT_JSON),
        (b'{"a": [1, 2', Reason.NOT_JSON),
        (b'{"a": 1} trailing', Reason.NOT_JSON),
        (b'{"a": "\xff"}', Reason.INVALID_UTF8),
        (b'{"session_id": "\xff"}', Reason.INVALID_UTF8),
        (b"[1, 2]", Reason.NOT_OBJECT),
        (b'"a string"', Reason.NOT_OBJECT),
        (b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", Reason.TOO_DEEP),
        (b"[" * 10_000 + b"]" * 10_000, Reason.TOO_DEEP),
        (b'[1, "x"', Reason.NOT_JSON),
        (b'{"a": NaN}', Reason.NOT_JSON),
    ],
)
def test_bad_bodies_are_refused_with_their_reason(body, reason):
    with pytest.raises(Rejected) as caught:
        read_payload_head(body)
    assert caught.value.reason is reason


def test_a_lone_surrogate_escape_is_valid_json_and_accepted():
    head = read_payload_head(b'{"session_id": "s", "text": "cut emoji \\ud83d"}')
    assert head.session_id == "s"


def test_fields_of_unexpected_types_do_not_reject_the_event(tmp_path):
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    event = builder.build(Header(hook="Stop"), b'{"session_id": 5, "tool_name": {"x": 1}}')
    assert (event.hook, event.session, event.tool) == ("Stop", "", "")
    envelope = json.loads(event.envelope)
    assert envelope["payload"] == {"session_id": 5, "tool_name": {"x": 1}}
    assert envelope["session_id"] is None


def test_the_payload_is_embedded_byte_for_byte(tmp_path):
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    body = b'{"b": 1,   "a": "\\u00e9\\n",\n "n": 1.50}'
    event = builder.build(Header(), body)
    assert body in event.envelope
    assert json.loads(event.envelope)["hook"] == "unknown"


def test_event_ids_are_uuid7_and_strictly_increasing_within_a_millisecond():
    ids = EventIds()
    now = time.time_ns()
    values = [ids.next(now) for _ in range(5000)]
    assert values == sorted(values) and len(set(values)) == 5000
    assert all(v[14] == "7" and v[19] in "89ab" for v in values)


def test_event_ids_never_go_backwards_when_the_clock_does():
    ids = EventIds()
    later = ids.next(2_000_000_000_000_000_000)
    earlier_clock = ids.next(1_000_000_000_000_000_000)
    assert earlier_clock > later


def test_sequence_numbers_increase_across_restarts_and_block_boundaries(tmp_path):
    path = str(tmp_path / "seq")
    first = SequenceAllocator(path, block=10)
    issued = [first.next() for _ in range(25)]
    second = SequenceAllocator(path, block=10)  # a restart, or a kill -9 after any of those
    assert second.next() > issued[-1]
    assert issued == list(range(issued[0], issued[0] + 25))


def test_sequence_numbers_start_above_the_clock_when_the_state_is_wiped(tmp_path):
    before = time.time_ns() // 1000
    seq = SequenceAllocator(str(tmp_path / "seq")).next()
    assert seq >= before


def test_a_torn_sequence_file_does_not_stop_the_daemon(tmp_path):
    path = tmp_path / "seq"
    path.write_bytes(b"12x")
    assert SequenceAllocator(str(path)).next() >= time.time_ns() // 1000 - 1_000_000


def test_envelope_round_trips_through_msgspec(tmp_path):
    builder = EnvelopeBuilder("host-1", SequenceAllocator(str(tmp_path / "seq")))
    header = Header(
        length=10, sent_ns=1_763_720_000_123_456_789, pid=10, ppid=9, hook="Stop", project="/p", handoff_id="abc"
    )
    envelope = msgspec.json.decode(builder.build(header, b'{"a": 1}').envelope)
    assert envelope["sent_at"] == "2025-11-21T10:13:20.123456Z"
    assert envelope["client"] == {"pid": 10, "ppid": 9, "handoff_id": "abc"}
    assert envelope["project_dir"] == "/p" and envelope["host"] == "host-1"


def test_the_envelope_writes_its_fields_in_the_documented_order_with_the_enrichment_in_place(tmp_path):
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")))
    builder.build(Header(), b'{"hook_event_name": "SessionStart", "session_id": "s", "model": "m1"}')
    event = builder.build(
        Header(),
        b'{"hook_event_name": "PostToolUse", "session_id": "s", '
        b'"tool_name": "Bash", "tool_use_id": "t", "duration_ms": 7, '
        b'"tool_input": {"command": "ls"}, "tool_response": "x"}',
    )
    envelope = json.loads(event.envelope)
    assert list(envelope) == [
        "v",
        "event_id",
        "seq",
        "host",
        "instance",
        "hook",
        "session_id",
        "tool_name",
        "received_at",
        "sent_at",
        "client",
        "project_dir",
        "redactions",
        "truncated",
        "operation",
        "mcp_server",
        "mcp_tool",
        "risk",
        "risk_reasons",
        "duration_ms",
        "input_bytes",
        "response_bytes",
        "model",
        "usage",
        "payload",
    ]
    # The model comes from the session's SessionStart; the rest from this event's enrichment.
    assert envelope["model"] == "m1" and envelope["duration_ms"] == 7
    assert envelope["input_bytes"] == len(b'{"command": "ls"}') and envelope["response_bytes"] == 3
    assert envelope["operation"] is not None and envelope["risk"] is not None


def test_the_senders_header_text_is_redacted_and_counted_only_where_an_event_carries_it(tmp_path):
    """hook=, project= and id= are the sender's text: redacted in the envelope, and their
    redactions counted for status; a refused frame's hook=, only logged, is redacted, not counted."""
    from conftest import github_token
    from hookd.redact import build_redactor

    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")), build_redactor(True))
    token = github_token()
    event = builder.build(Header(hook=token, project="/p/" + token, handoff_id=token), b'{"session_id": "s"}')
    envelope = json.loads(event.envelope)
    assert token not in event.envelope.decode()
    assert envelope["hook"] == "[REDACTED:github_token]" and envelope["project_dir"] == "/p/[REDACTED:github_token]"
    assert envelope["client"]["handoff_id"] == "[REDACTED:github_token]"
    assert envelope["redactions"] == 0  # the payload's own
    assert builder.redactions == {"github_token": 3}
    assert builder.header_text("Stop " + token, counted=False) == "Stop [REDACTED:github_token]"
    assert builder.header_text(None, counted=False) is None and builder.header_text("", counted=False) == ""
    assert builder.redactions == {"github_token": 3}


def test_header_text_with_a_double_quote_is_redacted_as_the_string_it_is(tmp_path):
    """A header's value is a plain string, not JSON text: a quote in it is a character, so
    ``password="..."`` in project= is redacted like the same text inside a payload's string."""
    from hookd.redact import build_redactor

    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")), build_redactor(True))
    password = "Tr0ub4dor&3xQz"
    for value in (f'/home/u/p password="{password}"', f'x "password": "{password}" y', f"DB_PASSWORD='{password}'"):
        redacted = builder.header_text(value, counted=True)
        assert redacted is not None and password not in redacted and "[REDACTED:" in redacted, value
    assert builder.header_text('a "quoted" \\ name', counted=True) == 'a "quoted" \\ name'


def test_an_event_redacted_in_bulk_keeps_its_hook_session_and_tool():
    """A flood past the redactor's spare is redacted in bulk (dense), which replaces every string near
    it, the payload's own hook_event_name and session_id too: the event keeps them, each redacted alone."""
    from hookd.envelope.payload import Preparer
    from hookd.redact import build_redactor

    body = json.dumps(
        {
            "tool_response": {"stdout": "password=x1 " * 60000},
            "session_id": "s-dense",
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
        }
    ).encode()
    prepared = Preparer(build_redactor(True)).prepare(body)
    assert "dense" in prepared.redactions
    assert b"password=x1" not in prepared.body and b"s-dense" not in prepared.body
    assert (prepared.hook_name, prepared.session, prepared.tool) == ("PostToolUse", "s-dense", "Bash")


def test_a_secret_in_a_field_that_names_the_event_is_redacted_there_too():
    from hookd.envelope.payload import Preparer
    from hookd.redact import build_redactor

    body = json.dumps(
        {
            "tool_response": {"stdout": "password=x1 " * 60000},
            "session_id": "password=hunter2Hunter2x9",
            "hook_event_name": "PostToolUse",
        }
    ).encode()
    prepared = Preparer(build_redactor(True)).prepare(body)
    assert prepared.session is not None and "hunter2Hunter2x9" not in prepared.session


def test_a_redaction_whose_output_is_not_json_fails_closed_and_the_event_is_kept():
    """The rules keep JSON valid (tests/test_redact_control_escapes.py); should a rule's span still break an
    escape, the event is not lost to a decoding error: every string is redacted in bulk, the event keeps its
    hook, session and tool, and the log says so."""
    from collections import Counter

    import structlog

    from hookd.envelope.payload import Preparer
    from hookd.redact import Redactor, build_redactor

    class SplitsAnEscape(Redactor):  # a rule's bug, as entity_run's was: a marker after a lone backslash
        def redact(self, text, data=None):
            return text.replace("password=Hunter2xyz9", "\\[REDACTED:broken]"), Counter({"broken": 1})

    body = json.dumps(
        {
            "tool_response": {"stdout": "password=Hunter2xyz9 and more"},
            "session_id": "s-1",
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
        }
    ).encode()
    preparer = Preparer(SplitsAnEscape(build_redactor(True).rules))
    with structlog.testing.capture_logs() as logs:
        prepared = preparer.prepare(body)
    json.loads(prepared.body)
    assert b"Hunter2xyz9" not in prepared.body and b"more" not in prepared.body
    assert "dense" in prepared.redactions
    assert (prepared.hook_name, prepared.session, prepared.tool) == ("PostToolUse", "s-1", "Bash")
    assert [entry["event"] for entry in logs] == ["redaction_output_invalid"]
