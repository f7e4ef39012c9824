"""Floods of h270's three exits (issue 16, h278) and h282's two rules: checks.is_type_or_reference's relative path,
values.is_placeholder's ellipsis, prose_secret's my/our/your key trigger, positional_password, slack_webhook_path.
Each unit repeated, its near-misses that reach the exit's deepest check, and mixed with test_redact_flood_mixes'
floods: the reports and the characters handed to the rules' regexes grow no faster than the text
(bench/redaction_exit_floods.py times them to 8 MiB). And a check's Python work per candidate does not grow with the
value: a long path was read a character at a time (4.6 MB/s, never dense)."""

from __future__ import annotations

import sys

import pytest

from hookd.redact.floods import FLOOD_LIMIT, REPORT_SPARE, WORD_SPARE
from hookd.redact.scan import REPORT_LIMIT
from scan_reports import Reports
from test_redact_flood_mixes import AUTHTOK, BLOCK, COOKIE, CSV, LARGE, NAMED, REDACTOR, SMALL, work

# Each unit repeated, its near-misses that reach the exit's deepest check, and mixed
# with the floods above. A relative path after a secret's name (checks.is_type_or_reference: lower case, a slash, the
# whole path read, its digits counted, each segment's length); a head then an ellipsis (values.is_placeholder); my,
# our or your [word] key|token|secret then a value (prose_secret's trigger, _PUBLIC_KEY_BEFORE read back).
PATH = "credentials: aws/credentials\n"
PATH_DIGITS = "secret: k8s1/p2o3d4q5/x9y8z7w6\n"  # a third of it digits: not a path of words
PATH_LONG = "api_key: " + "/".join(["segment"] * 60) + "\n"  # read whole, every segment split
PATH_LONG_SEGMENT = "token: secrets/" + "a" * 41 + "\n"  # the last check fails
ELIDED = "API_KEY=sk_test_...\n"
ELIDED_MIXED = "token: Tr0ub4dor...\n"  # both cases and digits: may be a secret cut short
ELIDED_LONG = "password: abcdefghijklm...\n"  # a head of 13
MY_KEY = "my cohere key "
MY_KEY_VALUE = "my cohere key Abc123xyz9 "
MY_SSH_KEY = "my ssh key Abc123xyz9Q "  # a public key's name read back
MY_LONG_WORD = "your abcdefghijklmnopqrstu key Abc123xyz9 "  # a word of 21: the trigger fails at its end
OUR = "four hour your tour key "
# A password by position (positional_password, h282): the whole call, a call whose value never comes (the trigger's
# every bounded part read), a directory's name that never closes; a Slack webhook's path without its host and a
# route of upper-case words (slack_webhook_path's check); Airtable's shape after a name of letters, and "pat" alone.
POSITIONAL = "Connection(server, 'cn=admin,dc=x', 'Xk9mQ2vLp7!') "
POSITIONAL_NO_VALUE = 'mysqli_connect($db->host, "root", $pw); l.simple_bind_s(dn, pw) '
POSITIONAL_OPEN_DN = "Connection(server, 'cn=" + "a" * 190 + " "
SLACK_PATH = "/services/T0A1B2C3D/B0E4F5G6H/qZ8xK2mN7pL4vR9sT1wY3uB6\n"
SLACK_ROUTE = "/services/TEMPLATES/BUILDERS/configurationsettingsab "
AIRTABLE_NAME = "patternMatcherAbc." + "0123456789abcdef" * 4 + " "  # airtable_pat's shape, its check fails
AIRTABLE_NO_HEX = "pathToTheFile1234.txt pattern "  # "pat" and 14, no hex after the dot
EXIT_FLOODS = {
    "airtable: name": AIRTABLE_NAME,
    "airtable: no hex": AIRTABLE_NO_HEX,
    "positional": POSITIONAL,
    "positional: no value": POSITIONAL_NO_VALUE,
    "positional: open dn": POSITIONAL_OPEN_DN,
    "slack path": SLACK_PATH,
    "slack path: route": SLACK_ROUTE,
    "positional+slack+cookie": POSITIONAL + SLACK_PATH + COOKIE,
    "path": PATH,
    "path: digits": PATH_DIGITS,
    "path: long": PATH_LONG,
    "path: long segment": PATH_LONG_SEGMENT,
    "ellipsis": ELIDED,
    "ellipsis: mixed head": ELIDED_MIXED,
    "ellipsis: long head": ELIDED_LONG,
    "my key": MY_KEY,
    "my key: value": MY_KEY_VALUE,
    "my key: ssh": MY_SSH_KEY,
    "my key: long word": MY_LONG_WORD,
    "my key: our inside words": OUR,
    "path+ellipsis+my key": PATH + ELIDED + MY_KEY_VALUE,
    "near-misses": PATH_DIGITS + PATH_LONG_SEGMENT + ELIDED_MIXED + ELIDED_LONG + MY_SSH_KEY + MY_LONG_WORD,
    "path+cookie": PATH_LONG + COOKIE,
    "ellipsis+names+csv": ELIDED + NAMED + CSV,
    "my key+cookie+authtok": MY_KEY_VALUE + COOKIE + AUTHTOK,
    "my key+block": MY_SSH_KEY + BLOCK,
}


@pytest.mark.parametrize("name", sorted(EXIT_FLOODS))
def test_a_flood_of_h270s_exits_costs_what_its_chunks_allow(name, monkeypatch):
    reports = Reports(monkeypatch)
    small_reports, small_read, _ = work(EXIT_FLOODS[name], SMALL, reports)
    large_reports, large_read, _ = work(EXIT_FLOODS[name], LARGE, reports)
    assert large_reports <= LARGE * (REPORT_LIMIT + FLOOD_LIMIT + 2) + REPORT_SPARE + WORD_SPARE
    # Not every one goes dense (a long path's line is under a chunk's limits): then each chunk costs the same but the
    # first, which has no overlap before it. Four times the text, four times the work and three chunks' of it more.
    scale = LARGE // SMALL
    assert large_reports <= scale * small_reports + (scale - 1) * large_reports // LARGE
    assert large_read <= scale * small_read + (scale - 1) * large_read // LARGE


def python_calls(text: str) -> int:
    """The Python calls (a generator's every step is one) redacting ``text`` makes, its values new to the redactor."""
    assert REDACTOR is not None
    REDACTOR.redact(text)  # the view's and the rules' first use out of the count
    REDACTOR.forget()
    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        REDACTOR.redact(text)
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize("line", ["api_key: {}\n", "use my cohere key {} now\n"])
def test_a_long_paths_checks_cost_what_a_short_ones_do(line):
    """_path_of_words counted the digits a character at a time: 1,449 calls for a path of 60 segments, 178 for 6."""
    short = python_calls(line.format("/".join(["segment"] * 6)))
    long = python_calls(line.format("/".join(["segment"] * 60)))
    assert long < 2 * short
