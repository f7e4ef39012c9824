"""One event, one log line: values from the network (a frame header's percent-decoded hook=, an
HTTP path) cannot start a line of their own or reach the terminal as escape sequences, in the
console format as in JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest
import structlog

from conftest import REPO, wait_until
from hookd.terminal.text import escaped, one_line_fields

# Each breaks a line, moves the cursor, talks to the terminal or reorders what is shown.
NASTY = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1b[2J",
    "\x1b]0;pwn\x07",
    "\x00",
    "\x08",
    "\x1c",
    "\x7f",
    "\x85",
    "\x9b31m",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u061c",
    "\ufeff",
]
FORGED = "2026-12-03T12:00:00.000000Z [info     ] event_published hook=Stop"


def render(event: str = "e", **fields) -> str:
    """The console renderer as logs.configure sets it up (colours off)."""
    return structlog.dev.ConsoleRenderer(colors=False)(
        None, "info", one_line_fields(None, "info", {"event": event, "level": "info", **fields})
    )


def assert_one_printable_line(line: str) -> None:
    assert len(line.splitlines()) == 1 and line.isprintable(), repr(line)


@pytest.mark.parametrize("nasty", NASTY)
def test_a_value_key_or_event_name_is_one_printable_line(nasty):
    value = f"a{nasty}{FORGED}"
    for line in (
        render(hook=value),
        render(value),
        render(**{value: 1}),
        render(hook=[value]),
        render(hook=f"no{nasty}space"),
    ):
        assert_one_printable_line(line)
        assert repr(nasty)[1:-1] in line  # shown, as its escape
    assert_one_printable_line(render(hook={"k": value.encode()}))


def test_values_render_as_before_when_there_is_nothing_to_escape():
    fields = {"hook": "Stop", "n": 3, "none": None, "path": "/a b", "ids": ["x", 1], "ok": "héllo"}
    plain = structlog.dev.ConsoleRenderer(colors=False)(None, "info", {"event": "e", "level": "info", **fields})
    assert (
        render(**fields)
        == plain
        == ("[info     ] e                              hook=Stop ids=['x', 1] n=3 none=None ok=héllo path='/a b'")
    )


def test_a_value_whose_repr_holds_a_newline_is_escaped_too():
    class Odd:
        def __repr__(self) -> str:
            return f"odd\n{FORGED}\x1b[2J"

    line = render(value=Odd())
    assert_one_printable_line(line)
    assert "odd\\n" in line and "\\x1b[2J" in line


def test_a_traceback_keeps_its_lines_each_indented_and_escaped():
    try:
        raise ValueError(f"bad hook\n{FORGED}\x1b[2J")
    except ValueError:
        out = structlog.dev.ConsoleRenderer(colors=False)(
            None,
            "error",
            one_line_fields(
                None,
                "error",
                structlog.processors.format_exc_info(
                    None, "error", {"event": "failed", "level": "error", "exc_info": True}
                ),
            ),
        )
    first, *rest = out.split("\n")
    assert first == "[error    ] failed" and len(rest) >= 3
    assert all(line.startswith("    ") and line.isprintable() for line in rest), rest
    assert "    ValueError: bad hook" in rest  # kept readable, but never at column 0
    assert f"    {FORGED}\\x1b[2J" in rest


def test_escaped_is_lossless_for_printable_text_and_marks_the_rest():
    assert escaped("héllo wörld – ok") == "héllo wörld – ok"
    assert escaped("a\nb\x1bc\u2028d\u202ee") == "a\\nb\\x1bc\\u2028d\\u202ee"


SCRIPT = """
import json, structlog, sys
from hookd import logs
logs.configure(sys.argv[1], take_stderr=True)
value = json.loads(sys.argv[2])
log = structlog.get_logger("t")
log.warning("event_rejected", hook=value, detail=value)
log.info(value)
# What the standard library writes there (tracebacks, warnings) is split at its newlines;
# the rest is escaped.
print("stderr " + value.replace("\\n", ""), file=sys.stderr)
logs.release_stderr()
"""


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_logs_configure_writes_one_line_per_event_in_either_format(log_format, tmp_path):
    value = "x" + "".join(NASTY) + FORGED
    err = tmp_path / "err"
    with open(err, "wb") as fh:
        subprocess.run(
            [sys.executable, "-c", SCRIPT, log_format, json.dumps(value)], stderr=fh, check=True, cwd=REPO, timeout=30
        )
    data = err.read_bytes()
    text = data.decode()
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 4, lines
    assert all(line.isprintable() for line in lines), lines
    assert b"\x1b" not in data and "\u2028" not in text and "\x85" not in text
    if log_format == "json":
        records = [json.loads(line) for line in lines[:2]]
        assert records[0]["hook"] == value and records[1]["event"] == value  # nothing lost
    assert lines[2].startswith("stderr x")  # sys.stderr lines: escaped too


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_hook_name_from_the_frame_header_forges_no_log_line(hookd_process_factory, redis_db, log_format):
    """hook= in the frame header is percent-decoded; one that is not a hook event name's shape
    (h121) refuses the frame at its header, and the refusal's line carries nothing of it (a
    refusal's hook= of that shape is logged: tests/test_event_name_shapes.py). A real ``hookd
    run``: what is checked is the lines it writes to its stderr in each log format."""
    daemon = hookd_process_factory(log_format=log_format)
    # A new line after a newline; and, with nothing a repr would be asked for (no space, quote
    # or newline), escape sequences, line separators and a bidi override.
    hooks = [
        f"Stop\n{FORGED}\x1b[2J\x1b]0;pwn\x07\r\u2028\x85\u202eevil",
        "Stop\x1b[2J\x1b]0;pwn\x07\x1b[1A\u2028\x85\x0b\u202eevil",
    ]
    body = b"not json"
    for hook in hooks:
        header = f"HOOKD/1 {len(body)} hook={quote(hook, safe='')}\n".encode()
        assert b"%1B%5B2J" in header
        answer = daemon.request(header + body)
        assert answer.startswith(b"ERR "), answer
    wait_until(lambda: daemon.log_text().count("event_rejected") == 2, what="the refusals in the log")
    daemon.stop()
    data = daemon.log_path.read_bytes()
    text = data.decode()
    for raw in ("\x1b", "\x07", "\r", "\x0b", "\u2028", "\x85", "\u202e"):
        assert raw not in text, (raw, text)
    lines = text.splitlines()
    assert all(line.isprintable() for line in lines), [ln for ln in lines if not ln.isprintable()]
    rejected = [line for line in lines if "event_rejected" in line]
    assert len(rejected) == 2, rejected
    assert not any(line.startswith(FORGED[:20]) for line in lines), text
    assert "pwn" not in text and "evil" not in text, text
    if log_format == "json":
        records = [json.loads(line) for line in lines]
        refusals = [r for r in records if r["event"] == "event_rejected"]
        assert [(r["reason"], r["hook"]) for r in refusals] == [("bad_header", None)] * 2, refusals
    else:
        assert all("bad_header" in line and "header hook=" in line for line in rejected), rejected
