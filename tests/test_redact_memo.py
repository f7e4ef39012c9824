"""The cheaper checks per candidate (issue 16, h70) answer as the code they replaced.

memo.py's remembered checks are bounded and forgotten on demand; each rewritten search (a helper in place
of a regex, or a regex tried only where a string test says it can match) is compared here with the regex it
replaced, on random strings built from the pieces that regex reads. bench/redaction_same.py compares the
whole engine with an older tree's.
"""

from __future__ import annotations

import random
import re

from hookd.redact import memo
from hookd.redact.commands import _KEY_FILE, _key_file
from hookd.redact.formats import _SQL_STATEMENT, _sql_statement_before
from hookd.redact.stdinfed import _last_header
from hookd.redact.wrappers import is_hex

# The replaced regexes, as they were.
_OLD_SECTION = re.compile(r"(?:^|\n|\\n|(?<!\\)\")\[[^\]\n\\]{1,80}\](?=\n|\\n)")
_OLD_HEX = re.compile(r"(?:[0-9a-f]{2})+|(?:[0-9A-F]{2})+")


def _strings(rng: random.Random, pieces: list[str], most: int) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, most)))


def test_remembered_answers_are_the_checks_and_bounded() -> None:
    calls: list[str] = []

    def check(value: str) -> bool:
        calls.append(value)
        return value.startswith("a")

    remembered = memo.remembered(check)
    assert remembered("ab") and not remembered("ba") and remembered("ab")
    assert calls == ["ab", "ba"]  # the second "ab" was remembered
    long = "a" * (memo.LONGEST + 1)
    assert remembered(long) and remembered(long)
    assert calls.count(long) == 2  # too long to remember
    for number in range(memo.SIZE + 10):
        remembered(f"a{number}")
    cache = memo._CACHES[-1]
    assert 0 < len(cache) <= memo.SIZE
    memo.forget()
    assert not cache
    remembered("ab")
    assert calls[-1] == "ab"


def test_last_header_is_the_last_section_regex_match() -> None:
    rng = random.Random(1)
    pieces = ["[", "]", "\n", "\\", "n", '"', "a", " ", "\\n", "[a]", '"[', '\\"[', "a" * 39, "b" * 41]
    headers = 0
    for _ in range(60_000):
        text = _strings(rng, pieces, 14)
        low = rng.randint(0, len(text))
        start = rng.randint(low, len(text))
        ends = [match.end() for match in _OLD_SECTION.finditer(text, low, start)]
        expected = ends[-1] if ends else -1
        headers += expected >= 0
        assert _last_header(text, low, start) == expected, (text, low, start)
    assert headers > 100


def test_sql_statement_before_is_the_statement_regex() -> None:
    rng = random.Random(2)
    pieces = ["create", "CREATE", "Alter", "user", "ROLE", "login", "group", "grant", "GRANT", "set", "password"]
    pieces += ["PASSWORD", "connect", "to", "(", " ", "\n", "\t", "_", "x", "c", "é", "ſet", "K", "\\n", "'", ";"]
    statements = 0
    for _ in range(60_000):
        text = _strings(rng, pieces, 12)
        low = rng.randint(0, len(text))
        start = rng.randint(low, len(text))
        if ";" in text[low:start]:
            continue  # _sql_ok's window starts past the last ";"
        expected = _SQL_STATEMENT.search(text, low, start) is not None
        statements += expected
        assert _sql_statement_before(text, low, start) == expected, (text, low, start)
    assert statements > 100


def test_key_file_and_hex_tests_are_their_regexes() -> None:
    rng = random.Random(3)
    paths = ["~", "/", ".", "\n", "a", "K", "ſ", ".pem", ".KEY", ".jſon", ".p12", "x", " ", "\r"]
    hex_pieces = ["a", "F", "0", "9", "ab", "AB", "g", "\n", "=", "-"]
    for _ in range(40_000):
        value = _strings(rng, paths, 8)
        assert _key_file(value) == bool(_KEY_FILE.fullmatch(value)), value
        value = _strings(rng, hex_pieces, 9)
        assert is_hex(value) == bool(_OLD_HEX.fullmatch(value)), value
