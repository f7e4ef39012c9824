"""nuget_source_password's trigger holds its need (h228): "nuget" before the option, in the option's command. Other
commands' -p (mkdir -p, ssh -p) reach neither its trigger nor its check, and every NuGet command the check accepts
is still reported: redacted as the rule redacted it when its trigger was the option alone."""

from __future__ import annotations

import dataclasses
import functools
import random

import pytest

from hookd.redact.nuget import NUGET_RULES
from hookd.redact.redactor import Redactor
from hookd.redact.scan import TriggerScan

RULE = NUGET_RULES[0]
# The trigger before h228: the option alone, anywhere; the check asked for the NuGet source command.
OPTION_ALONE = dataclasses.replace(
    RULE, trigger=r"(?i)\s(?:-p|--password|-password)(?:=|\s{1,4})[^\s\-]", trigger_needs=()
)

COMMANDS = ["dotnet nuget", "NuGet.exe", "/usr/local/bin/nuget", '\\"nuget', "Nuget", "nuget.exe", "dotnet", "mkdir"]
PIECES = [
    " add",
    " update",
    " source",
    " sources",
    " https://x/v3/index.json",
    " -n f",
    " -u ci",
    " \\t",
    '\\"',
    ' \\"a b\\"',
    "\\\\",
    "\\\\\\\\",
    "\\ ",
    "\\n",
    "\n",
    ";",
    "|",
    "&",
    "(",
    "`",
    '"',
    "'",
    " C:\\\\feeds",
    " x",
    "n",
]
SUBCOMMANDS = [" add source", " sources add", " update source", " source", " add", ""]
OPTIONS = [" -p ", " -p  ", " --password=", " --Password ", " -Password ", " -p=", " -p -", " -P "]
VALUES = ["FeedPushPassword", '\\"Feed Pass\\"', "'FeedPw1x'", "$PW", "x"]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(228)
    found = []
    for _ in range(1500):
        head = rng.choice(SUBCOMMANDS) + "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
        tail = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 2)))
        text = rng.choice(COMMANDS) + head + rng.choice(OPTIONS) + rng.choice(VALUES) + tail
        found.append(text if rng.random() < 0.5 else '{"command": "' + text.replace("\n", "\\n") + '"}')
    return tuple(found)


@functools.cache
def scanner() -> TriggerScan:
    return TriggerScan([RULE])


@pytest.fixture(scope="module")
def engines() -> tuple[Redactor, Redactor]:
    return Redactor([RULE]), Redactor([OPTION_ALONE])


def test_every_command_the_check_accepts_is_still_reported(engines):
    gated, alone = engines
    redacted = 0
    for text in texts():
        expected = alone.redact(text)
        assert gated.redact(text) == expected, text
        redacted += bool(expected[1])
    assert redacted > 100  # the texts do reach the check and pass it


@pytest.mark.parametrize("unit", ["mkdir -p x ", "ssh -p 22 ", "mkdir -p x\\n", "nuget list; mkdir -p x "])
def test_other_commands_options_reach_no_trigger(unit):
    """A flood of another command's -p (after a nuget command too, past its separator) reports nothing: the check,
    which reads the command's words, is not called for each."""
    text = "dotnet nuget add source https://x/v3/index.json -n f\\n" + unit * 2000
    _, reports, _, _, _ = scanner().scan(text, limit=None)
    assert not reports.get(0), unit
