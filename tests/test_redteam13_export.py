"""Thirteenth red-team pass: `hookd replay --export -` writes the spool's envelopes to stdout, often a
terminal. The payload is embedded as the sender wrote it, and JSON.stringify leaves C1 controls,
U+2028 and bidirectional overrides raw: text the agent read (a hostile file, a web page) reached the
terminal as a C1 CSI. They are now spelled as \\u escapes, as `hookd tail --json` does: the same JSON
value, which `hookd replay --file` reads back to the same event."""

from __future__ import annotations

import json

from test_replay import no_hookd_environment, replay, spooled, unreachable_url  # noqa: F401 (fixture)

# What JSON.stringify leaves raw: a C1 CSI clearing the screen, NEL, U+2028, a bidi override.
HOSTILE = "\u009b2J\u009b1;1H\u0085\u2028\u202eevil"


def test_export_spells_what_a_terminal_acts_on_as_escapes_and_keeps_the_value(hookd_factory, capsys, tmp_path):
    raw = '{"hook_event_name":"PreToolUse","session_id":"s1","tool_name":"Read","tool_response":"%s"}' % HOSTILE
    daemon = spooled(hookd_factory, [raw.encode()])
    code, out, err = replay(capsys, daemon.state_dir, unreachable_url(), "--export", "-")
    assert code == 0 and "exported 1 event" in err, err
    for char in ("\u009b", "\u0085", "\u2028", "\u202e"):
        assert char not in out, (char, out)
    assert json.loads(out)["payload"]["tool_response"] == HOSTILE
    target = tmp_path / "x.jsonl"
    assert replay(capsys, daemon.state_dir, unreachable_url(), "--export", str(target))[0] == 0
    assert target.read_text() == out
