"""The header parser: its fast path for hook-send's own header gives exactly what the general
parser gives, for the headers hook-send writes and for thousands of others."""

from __future__ import annotations

import importlib.util
import random

import pytest

from conftest import CLIENT
from hookd.ingest.protocol import _CANONICAL, Rejected, parse_any_header, parse_header


def load_client():
    spec = importlib.util.spec_from_file_location("hook_send_for_protocol", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outcome(parse, line: bytes):
    try:
        return parse(line)
    except Rejected as exc:
        return ("rejected", exc.reason, exc.message)


HOOKS = ["PreToolUse", "Stop", "", "Ünïcode", "a b", "50%", "x" * 300]
PROJECTS = [
    "/home/dev/src/acme-billing",
    "",
    "/tmp/with space",
    "/srv/ünï/100%",
    "/" + "p" * 2000,
    "relative/dir",
    "C:\\Users\\dev",
]


def test_hook_sends_usual_header_takes_the_fast_path():
    client = load_client()
    line = client.make_header(b"{}", hook="PreToolUse", project="/home/dev/src/acme-billing")[0]
    assert _CANONICAL.fullmatch(line.rstrip(b"\n")) is not None
    header = parse_header(line.rstrip(b"\n"))
    assert (header.length, header.hook, header.project) == (2, "PreToolUse", "/home/dev/src/acme-billing")


def test_every_header_hook_send_writes_parses_as_the_general_parser_does():
    client = load_client()
    rng = random.Random(7)
    fast = 0
    for _ in range(3000):
        line = client.make_header(
            b"x" * rng.randint(0, 5000),
            hook=rng.choice(HOOKS + [None]),
            project=rng.choice(PROJECTS + [None]),
            sent_ns=rng.randint(0, 10**19),
            pid=rng.randint(0, 10**7),
            ppid=rng.randint(0, 10**7),
        )[0].rstrip(b"\n")
        fast += _CANONICAL.fullmatch(line) is not None
        assert outcome(parse_header, line) == outcome(parse_any_header, line), line
    assert 500 < fast < 3000  # both paths were taken


def mutated(rng: random.Random, line: bytes) -> bytes:
    parts = line.split(b" ")
    kind = rng.randrange(9)
    if kind == 0:
        head, items = parts[:2], parts[2:]
        rng.shuffle(items)
        parts = head + items
    elif kind == 1:
        parts.insert(rng.randint(min(2, len(parts)), len(parts)), rng.choice([b"future=1", b"x", b"", b"BAD=1", b"=v"]))
    elif kind == 2 and len(parts) > 1:
        i = rng.randrange(1, len(parts))
        parts[i] = parts[i].partition(b"=")[0] + rng.choice([b"=", b"", b"=-1", b"=1e3", b"=" + b"9" * 25])
    elif kind == 3 and len(parts) > 1:
        parts[1] = rng.choice([b"-", b"", b"1" * 19, b"12a", b"+5", b"0"])
    elif kind == 4:
        parts[0] = rng.choice([b"HOOKD/2", b"hookd/1", b"HOOKD/1\t"])
    elif kind == 5:
        parts.append(rng.choice([b"id=" + b"a" * 65, b"id=bad!id", b"hook=%41b", b"project=%zz"]))
    elif kind == 6:
        i = rng.randrange(len(parts))
        parts[i] = parts[i] + bytes([rng.randrange(256)])
    elif kind == 7:
        parts = parts[: rng.randrange(1, len(parts) + 1)]
    line = b" ".join(parts)
    if kind == 8:
        line += b" "
    return line


def test_any_other_header_parses_or_is_refused_as_the_general_parser_does():
    client = load_client()
    rng = random.Random(11)
    for _ in range(5000):
        line = client.make_header(b"{}", hook=rng.choice(HOOKS + [None]), project=rng.choice(PROJECTS + [None]))[
            0
        ].rstrip(b"\n")
        for _ in range(rng.randint(1, 3)):
            line = mutated(rng, line)
        assert outcome(parse_header, line) == outcome(parse_any_header, line), line


@pytest.mark.parametrize(
    "line",
    [
        b"HOOKD/1 10 sent=1 pid=2 ppid=3 id=abc hook=Stop project=/p",
        b"HOOKD/1 10 sent=1 pid=2 ppid=3 id=abc",
        b"HOOKD/1 10 sent=1 pid=2 ppid=3 id=abc project=/p",
    ],
)
def test_the_fast_path_reads_each_field(line):
    assert _CANONICAL.fullmatch(line) is not None
    assert parse_header(line) == parse_any_header(line)


@pytest.mark.parametrize(
    "value",
    [b"..", b".", b"%2e%2e", b"a%2Fb", b"a/b", b"Stop%0Aforged", b"%1B%5B2J", b"%00", b"1Stop", b"my.event", b"x" * 65],
)
def test_a_hook_name_not_of_a_hook_names_shape_is_refused_by_both_parsers(value):
    """hook= (hook-send's argument) names the event when the body does not: '..', a separator or
    a control character must never become an event's name; refused with the reason, by both paths."""
    for line in (
        b"HOOKD/1 2 sent=1 pid=2 ppid=3 id=abc hook=" + value,
        b"HOOKD/1 2 sent=1 pid=2 ppid=3 id=abc hook=" + value + b" project=/p",
        b"HOOKD/1 2 hook=" + value,
    ):
        for parse in (parse_header, parse_any_header):
            with pytest.raises(Rejected, match="header hook=") as caught:
                parse(line)
            assert caught.value.reason.value == "bad_header"


@pytest.mark.parametrize("value", [b"FooBar", b"pre_tool_use", b"Stop", b"%46ooBar", b"x" * 64])
def test_a_hook_name_of_a_hook_names_shape_is_taken_as_sent(value):
    line = b"HOOKD/1 2 sent=1 pid=2 ppid=3 id=abc hook=" + value
    assert parse_header(line).hook == parse_any_header(line).hook == value.replace(b"%46", b"F").decode()
