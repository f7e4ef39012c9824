"""The string tests that now stand before a check's regex (a flood's every candidate pays for the regex
otherwise) hold of every string the regex matches, so the check's answer is the same; and a span end's
escape test, with its backslash looked for first, is the loop it was; cookie_header's regex, begun with a
character class, matches where it did when it began with a lookbehind. Random strings built from the pieces
the patterns read, the matching ones among them counted so that the comparison is not vacuous.
"""

from __future__ import annotations

import random
import re
import string

from hookd.redact import escapes, prose, valueforms, values
from hookd.redact.patterns import AFTER_ESCAPE, AFTER_ESCAPE_1
from hookd.redact.rules import BUILTIN_RULES

PIECES = (
    "urn:",
    "URN:",
    "uRn:",
    "ietf",
    ":params",
    "application/",
    "text/",
    "jwt",
    "http",
    "https://",
    "://",
    "x.com",
    ":8080",
    "/",
    "/run",
    "/secrets",
    "a",
    "Z",
    "0",
    "9",
    "_",
    "-",
    ".",
    " ",
    "|",
    ":",
    "+",
    "%",
    "~",
    "test",
    "secret",
    "Token",
    "password",
    "changeme",
    "here",
    "new_token",
    "NextToken",
    "*",
    "x",
    "X",
    "•",
    "ſ",
    "K",
)


def strings(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 9))) for _ in range(count)]


def test_a_guard_holds_of_every_match():
    guards = [
        (valueforms._URN, lambda v: v[:4].lower() == "urn:"),
        (valueforms._MEDIA_TYPE, lambda v: "/" in v),
        (valueforms._PLAIN_URL, lambda v: v.startswith("http")),
        (valueforms._ABSOLUTE_PATH, lambda v: v[:1] == "/"),
        (values._NAME_PARTS, lambda v: values._WORD_PARTS.fullmatch(v) is not None),
    ]
    texts = strings(200_000, 1)
    for pattern, guard in guards:
        matched = [v for v in texts if pattern.fullmatch(v)]
        assert len(matched) > 100, pattern.pattern  # the pieces do make matches
        assert all(guard(v) for v in matched), pattern.pattern


def _escape_around_before(text: str, at: int, floor: int) -> tuple[int, int] | None:
    """escapes._escape_around as it was before its backslash was looked for first."""
    if at - 1 >= floor and text[at - 1] == "\\" and escapes.escaping(text, at - 1, floor, escapes.MAX_RUN):
        return at - 1, at + 5 if text[at] == "u" else at + 1
    for back in range(2, 6):
        b = at - back
        if b < floor:
            return None
        if (
            text[b] == "\\"
            and text[b + 1] == "u"
            and all(c in escapes._HEX for c in text[b + 2 : at + 1])
            and escapes.escaping(text, b, floor, escapes.MAX_RUN)
        ):
            return b, b + 6
    return None


def test_a_span_ends_escape_is_found_as_before():
    rng = random.Random(2)
    found = 0
    for _ in range(100_000):
        text = "".join(rng.choice(["\\", "u", "0", "a", "F", '"', "x", " "]) for _ in range(rng.randrange(1, 14)))
        at = rng.randrange(len(text))
        floor = rng.randrange(at + 2)
        before = _escape_around_before(text, at, floor)
        assert escapes._escape_around(text, at, floor) == before, (text, at, floor)
        found += before is not None
    assert found > 1000


def test_the_cookie_rule_matches_as_when_it_began_with_its_lookbehind():
    """cookie_header's regex, now begun with its first character's class, against the one that began with the
    boundary's lookbehind, on headers after escapes, words and the characters (?i) folds (ſ, the Kelvin sign)."""
    rule = next(r for r in BUILTIN_RULES if r.name == "cookie_header")
    head = r"[sScC\u017f](?i:(?:(?<![A-Za-z0-9_].)|" + AFTER_ESCAPE_1 + r")(?:(?<=s)(?P<set>et-)cookie|(?<=c)ookie))"
    assert rule.pattern.startswith(head)
    before = re.compile(
        r"(?i:(?:(?<![A-Za-z0-9_])|" + AFTER_ESCAPE + r")(?P<set>set-)?cookie)" + rule.pattern[len(head) :], rule.flags
    )
    heads = [
        "cookie",
        "Cookie",
        "COOKIE",
        "set-cookie",
        "Set-Cookie",
        "ſet-cookie",
        "coo\u212aie",
        "sét-cookie",
        "xcookie",
    ]
    lead = ["", " ", "\\", "\\\\", "\\\\\\", "\\n", "\\N", "\\u0041", "\\U00e9", "a", "_", "1", "é", "ſ", "\u212a", '"']
    seps = [": ", ":", " : ", '\\": ', '": "', "=", ': \\"']
    cookies = ["a=b1234567", "session=abcdef0123456789abcd", "x=y; z=w", "sid=1;theme=dark", "a=\\n", "q=é"]
    rng = random.Random(3)
    matched = 0
    for _ in range(100_000):
        text = (
            "".join(rng.choice(lead) for _ in range(rng.randrange(3)))
            + rng.choice(heads)
            + rng.choice(seps)
            + rng.choice(cookies)
            + rng.choice(["", " ", ";", "; b=c", "\n"])
        )
        old = [(m.span(), m.span("value"), m.group("set") is None) for m in before.finditer(text)]
        assert [(m.span(), m.span("value"), m.group("set") is None) for m in rule.compiled.finditer(text)] == old, text
        matched += bool(old)
    assert matched > 10_000


def test_random_looking_reads_a_values_classes_as_its_characters_did():
    """prose.random_looking's letter, digit and symbol tests, one search each on an ASCII value, against the
    character loops they replace, on values of ASCII and of letters, digits and symbols past it."""

    def classes_before(value: str) -> tuple[bool, bool, bool, bool]:
        return (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )

    seen = []
    rng = random.Random(4)
    alphabet = string.ascii_letters + string.digits + "+/=_-.@:!" + "éÉß\u00aa\u0660\u2167\u212a\u017f"
    for _ in range(50_000):
        value = "".join(rng.choices(alphabet if rng.random() < 0.3 else alphabet[:71], k=rng.randrange(8, 40)))
        before = classes_before(value)
        lower, upper, digit, other = before
        expected = bool(digit and (lower or upper) and ((lower and upper) or other or len(value) >= 20))
        if prose._PATH_LIKE.fullmatch(value) or prose._VERSION.fullmatch(value):
            continue
        if not values.plausible_secret(value) or prose.is_type_or_reference(value):
            continue
        seen.append(value)
        assert prose.random_looking(value) == expected, value
    assert len(seen) > 10_000
    assert sum(prose.random_looking(v) for v in seen) > 1_000 and sum(not prose.random_looking(v) for v in seen) > 1_000
