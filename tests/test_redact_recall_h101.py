"""What the twenty-first session left (h101, issue 16): each secret as plain text and inside every payload kind it
arrives in (recall_helpers.EVERY_KIND), through the reference and the engine, which must agree; beside each class,
the code and look-alikes that stay. The fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import EVERY_KIND, LINE_KINDS, apply, assert_gone_in, assert_kept
from test_redact_view_core import compare

PW = "Hunter" + "2xyz9Q"


# 2. Adjacent literals with no operator (C's and Python's implicit concatenation on one line) after an assignment:
# the pieces are one value, taken whole as one literal would be.
ADJACENT = [
    'password = "a" "' + PW + '"',
    "password = 'abc' '" + PW + "'",
    'static const char *password = "Hunter2" "xyz9Q";',
    'token = "ab" "cd" "' + PW + '";',
    'API_KEY = ("sk" "' + PW + '")',
]


@pytest.mark.parametrize("text", ADJACENT)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_adjacent_literals_after_an_assignment(text: str, kind: str) -> None:
    secret = "xyz9Q" if "Hunter2\" \"xyz9Q" in text else PW
    out = assert_gone_in(text, secret, kind)
    assert "Hunter2" not in out


@pytest.mark.parametrize(
    "text",
    [
        'password = "x" "y"',  # joined, two characters: no secret
        'token = "%s" "%s"',
        'PASSWORD_PROMPT = "Enter" " password"',
        'label = "Password:" " "',
        'echo "password=" "$PW"',
        'password = "{" "}"',
        'mysql --password "x" "' + PW + '"',  # an option's value, then the next argument (deliberately kept)
    ],
)
def test_adjacent_literals_that_are_no_secret_are_kept(text: str) -> None:
    assert_kept(text)


def test_an_adjacent_literals_value_is_one_marker() -> None:
    out = apply(json.dumps({"tool_input": {"command": 'token = "ab" "cd" "' + PW + '";'}}))
    assert '"token = \\"[REDACTED:secret_assignment]\\";"' in out, out


# 3. A joint over a line break inside a Read's numbered lines, a diff's lines (a marker after the break) or an Edit's
# structuredPatch (a string a line), and over a line's continuation (an escaped backslash before the break).
JOINED_OVER_LINES = [
    'token = "abc" +\n    "' + PW + '"',
    'token = "abc"\n    + "' + PW + '"',
    'password = "x1" \\\n    + "' + PW + '"',
    'password = "x1" \\\n    "' + PW + '"',
    "$password = 'x1' .\n    '" + PW + "';",
    "$password = 'x1'\n    . '" + PW + "';",
    'API_KEY = (\n    "ab"\n    "' + PW + '"\n)',
    'token = "a1" +\n  "b2" +\n  "' + PW + '"',
]


@pytest.mark.parametrize("text", JOINED_OVER_LINES)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_joint_over_a_prefixed_line_break(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize("text", JOINED_OVER_LINES)
@pytest.mark.parametrize("marker", ["+", "-", " "])
def test_a_joint_over_a_text_diffs_lines(text: str, marker: str) -> None:
    lines = text.split("\n")
    diff = "@@ -1,3 +1,3 @@\n" + "\n".join(marker + line for line in lines) + "\n"
    assert_gone_in(diff, PW, "plain")
    assert_gone_in(diff, PW, "numbered")


def test_a_patch_keeps_its_lines() -> None:
    """Each string of the structuredPatch keeps its quotes, marker and joint: the value's pieces are redacted in
    the strings they stand in, and the patch has as many lines as before."""
    text = 'token = "a1" +\n  "b2" +\n  "' + PW + '"\nport = 1'
    out = json.loads(assert_gone_in(text, PW, "patch"))
    lines = out["tool_response"]["structuredPatch"][0]["lines"]
    assert lines == [
        " a:",
        '+token = "[REDACTED:secret_assignment]" +',
        '+  "[REDACTED:secret_assignment]" +',
        '+  "[REDACTED:secret_assignment]"',
        "+port = 1",
    ]


@pytest.mark.parametrize(
    "text",
    [
        'msg = "Hello " +\n    name',
        'url = "https://x" +\n    "/login"',
        'password = "a" +\n  "b"',
        'x = ["a",\n     "b"]',
        'printf("%s"\n       "\\n", s)',
        "token = 'a' \\\n  'b'",
    ],
)
@pytest.mark.parametrize("kind", ["plain", "numbered", "patch"])
def test_code_joined_over_lines_is_kept(text: str, kind: str) -> None:
    doc = json.dumps(LINE_KINDS[kind](text)) if kind != "plain" else json.dumps({"tool_input": {"command": text}})
    assert apply(doc) == doc


@pytest.mark.parametrize(
    "text",
    [
        '\\"a\\" +\\n     12\\t  \\"b\\"',
        '\\"a\\"\\n     12\\t  \\"b\\"',
        '\\"a\\"\\n    12\\t  \\"b\\"',
        '\\"a\\"\\n   1\\u2192  \\"b\\"',
        "\\\"a\\\"\\n     1\t  \\\"b\\\"",
        '\\"a\\" +\\n+   \\"b\\"',
        '\\"a\\"\\n-   \\"b\\"',
        '\\"a\\"\\n+\\"b\\"',
        '\\"a\\" +", "+  \\"b\\"',
        '\\"a\\"", "+  \\"b\\"',
        '\\"a\\"","   \\"b\\"',
        '\\"a\\" \\\\", "+  + \\"b\\"',
        '\\"a\\" \\\\\\n  \\"b\\"',
        '\\"a\\"    \\\\\\n  \\"b\\"',
        '\\"a\\"\\r\\\\\\n  \\"b\\"',
        "'a' \\\\\\n  'b'",
        "'a'\", \"+  'b'",
        "'a' .\\n     3\\t  'b'",
    ],
)
def test_the_compiled_view_joins_over_prefixes_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)
