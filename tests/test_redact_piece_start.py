"""Where the scanner's pieces begin does not change what is redacted: Hyperscan's ``^`` matches at the start
of each piece, which inside a long text (a chunk's start less the overlap) is no line's or string's start.
The pieces that begin inside the text are scanned with a twin database whose ``^`` matches nowhere
(scanner_cache.Twin); before it, a context that a word before it rules out was taken there."""

from __future__ import annotations

import pytest

from hookd.redact import build_redactor
from hookd.redact.scan import CHUNK, OVERLAP
from hookd.redact.scanner_cache import never_at_start

ENGINE = build_redactor(True)
PIECE = 3 * CHUNK - OVERLAP  # where the fourth chunk's piece begins
# Texts whose context some trigger reads with a "^" branch, each after a character that rules the context
# out (so only a piece starting inside it could make it match) or that allows it, and real secrets.
CASES = [
    "reset the password: Hunter2zzQ",  # prose: the assignment confirm's (?:^|[^ ]|^ |...) before the name
    "xcurl -u alice:Hunter2zzQ https://a",  # the command line's (?:^|[^A-Za-z0-9_\\-]|\\[nrt]) before curl
    "xmysql -u root -pHunter2zzQ",
    "xredis-cli -a Hunter2zzQ",
    "xkey: DB_PASSWORD\\n value: Hunter2zzQ",  # the name/value pair's word boundary before key
    "xmachine a.b login x password Hunter2zzQ",  # netrc
    "xecho Hunter2zzQ | sudo -S x",
    "xecho -n alice:Hunter2zzQ | base64",  # piped_user_password keeps its ^ (Rule.keeps_start): _piped_ok checks
    "echo -n alice:Hunter2zzQ | base64",
    "xgh secret set API_TOKEN --body Hunter2zzQ",
    "xauth=('bob', 'Hunter2zzQ')",
    "x password Hunter2zzQ",  # a config line: what stands before the name is not a line's start
    "token: Hunter2zzQ",
    "the api key is Zq8vT3mW9xK2pR7n",
    "curl -u alice:Hunter2zzQ https://a",
    "\\nrequirepass Hunter2zzQ\\n",
    "cvv 123 pan 4111111111111111",
]


def redacted_at(case: str, at: int) -> str:
    """The case redacted with its first character at ``at`` of a long text of spaces (the case alone)."""
    text = " " * at + case + " " * (2 * CHUNK)
    out, _ = ENGINE.redact(text)
    assert out.startswith(" " * at) and out.endswith(" " * (2 * CHUNK))
    return out[at : len(out) - 2 * CHUNK]


@pytest.mark.parametrize("case", CASES)
def test_a_piece_starting_inside_a_context_changes_nothing(case):
    expected = redacted_at(case, 2 * CHUNK + 100)  # inside a chunk, far from any piece's start
    differ = {shift: out for shift in range(len(case)) if (out := redacted_at(case, PIECE - shift)) != expected}
    assert not differ, (expected, differ)


def test_the_known_cases_did_differ_with_a_piece_start_in_them(monkeypatch):
    """The cases above catch the bug: with the twins' ``^`` matching as the first databases' do, the
    prose, curl and name/value cases are redacted only where a piece begins at their context's word."""
    scanner = ENGINE._triggers
    for twin in [scanner._main] + [twin for _, twin, _ in scanner._gated]:
        monkeypatch.setattr(twin, "_inner", twin.first)
    elsewhere = 2 * CHUNK + 100
    assert redacted_at(CASES[0], PIECE - len("reset the ")) != redacted_at(CASES[0], elsewhere)
    assert redacted_at(CASES[1], PIECE - 1) != redacted_at(CASES[1], elsewhere)
    assert redacted_at(CASES[4], PIECE - 1) != redacted_at(CASES[4], elsewhere)


def test_never_at_start_leaves_classes_and_escapes():
    assert never_at_start(rb"(?:^|[^ ]|^ )pw") == rb"(?:\xff|[^ ]|\xff )pw"
    assert never_at_start(rb"[]^]a\^b[^]^]") == rb"[]^]a\^b[^]^]"
    assert never_at_start(rb"\\^") == rb"\\\xff"
    assert never_at_start(rb"[\]^]^x") == rb"[\]^]\xffx"
