"""The string tests that now stand before a check's regex (a flood's every candidate pays for the regex
otherwise) hold of every string the regex matches, so the check's answer is the same; and a span end's
escape test, with its backslash looked for first, is the loop it was. Random strings built from the pieces
the patterns read, the matching ones among them counted so that the comparison is not vacuous.
"""

from __future__ import annotations

import random

from hookd.redact import escapes, valueforms, values

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
