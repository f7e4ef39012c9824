"""What the twentieth session left (h97, issue 16): each secret as plain text and inside every payload kind it
arrives in (recall_helpers.EVERY_KIND), through the reference and the engine, which must agree; beside each class,
the code and look-alikes that stay. The fake secrets are built at run time.
"""

from __future__ import annotations

import base64

import pytest
from recall_helpers import EVERY_KIND, assert_gone_in, assert_kept
from test_redact_view_core import compare

PW = "Hunter" + "2xyz9Q"
KEY_ID = "3f4e5d6c7b8a9988" + "7766554433221100ffeeddcc"


# 5. A Google service account's private_key_id (40 hex) under its name, whatever quotes it.
@pytest.mark.parametrize(
    "text",
    [
        '{"type": "service_account", "project_id": "p", "private_key_id": "' + KEY_ID + '", "private_key": "x"}',
        '  "private_key_id": "' + KEY_ID + '",',
        "{'private_key_id': '" + KEY_ID + "'}",
        "GOOGLE_PRIVATE_KEY_ID=" + KEY_ID,
        "privateKeyId: " + KEY_ID,
    ],
)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_service_accounts_private_key_id(text: str, kind: str) -> None:
    assert_gone_in(text, KEY_ID, kind, rule="gcp_private_key_id")


@pytest.mark.parametrize(
    "text",
    [
        "commit " + KEY_ID,  # a git SHA
        '{"private_key_id": "0000000000000000000000000000000000000000"}',  # a made-up one
        "private_key_id = " + KEY_ID + "abcd",  # not 40 hex
        '{"client_id": "' + KEY_ID + '"}',
    ],
)
def test_a_40_hex_run_under_another_name_is_kept(text: str) -> None:
    assert_kept(text)


# 7. Base64 of a URL with its password: the exhaustive reference decoded every run and redacted it
# (encoded_secret), the engine read only runs holding an encoded token prefix or secret name; a URL's scheme
# and slashes are one now.
URLS = [f"postgres://app:{PW}@db:5432/app", f"https://bob:{PW}@git.example.com/x.git", f"mongodb+srv://u:{PW}@c0.x.net"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("kind", EVERY_KIND)
@pytest.mark.parametrize("line", ["LOG: {}", "starting\nDATABASE_URL_B64={}\n", "{}"])
def test_base64_of_a_url_with_its_password(url: str, kind: str, line: str) -> None:
    for encoded in (base64.b64encode(url.encode()).decode(), base64.b64encode(b"\n" + url.encode()).decode()):
        assert_gone_in(line.format(encoded), encoded, kind)


@pytest.mark.parametrize("url", ["https://example.com/a/b?c=d", "postgres://db:5432/app", "https://bob@x.org"])
def test_base64_of_a_url_with_no_password_is_kept(url: str) -> None:
    assert_kept("LOG: " + base64.b64encode(url.encode()).decode())


# 1. Python's repr() of a string holding a bare name=value: its escaped line break or tab is the string's own, and
# the value goes on over it to the closing quote (a quoted value held it before: h93).
REPR = [
    "b'password=p4ss\\n" + PW + "'",
    "'password=p4ss\\n" + PW + "'",
    "print(repr(s))\n'api_key=ab\\t" + PW + "'",
    "\"password=it's\\n" + PW + '"',
    "{'password': 'ab\\ncd" + PW + "'}",
    "{'db': {'password': 'x\\n" + PW + "', 'u': 1}}",
    "Config(token=b'v1\\n" + PW + "\\n" + PW + "x')",
]


@pytest.mark.parametrize("text", REPR)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_repr_escaped_line_break_inside_a_value(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "b'DB_PASSWORD=$X\\nPORT=8080\\n'",  # an .env file's repr: the next line is a name's
        "print('token=%s\\n' % t)",
        "'password=${PW}\\nuser=bob'",
        "f.write('token: str\\n')",
    ],
)
def test_a_repr_line_break_before_the_next_name_is_kept(text: str) -> None:
    assert_kept(text)


# 3. String concatenation: PHP's and Perl's " . ", Lua's " .. " join literals as + did; the ..= of Lua's dialects
# appends as .= does; a variable joined to a literal (a long-hand append) gives the literal, when it looks random.
CONCATENATED = [
    '$password = "a" . "' + PW + '";',
    "$config['db_password'] = 'x1' . '" + PW + "';",
    'my $api_key = "ab" . "' + PW + '";',
    'local token = "x" .. "' + PW + '"',
    'password ..= "' + PW + '"',
    '$password = $password . "' + PW + '";',
    '$this->password = $this->password . "' + PW + '";',
    'password = password .. "' + PW + '"',
    'token = prefix + "' + PW + '"',
]


@pytest.mark.parametrize("text", CONCATENATED)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_secret_joined_to_a_string(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "$path = $base . '.' . $ext;",
        "parts = '.'.join(names)",
        "echo implode(' . ', $parts);",
        '$password = $password . "suffix";',
        "url = base + '/login'",
        "token = token .. chunk",
        'password ..= "abc"',
        "token **= 2",
        'msg = "Hello " . $name . "!";',
        "$s = 'x' . PHP_EOL;",
    ],
)
def test_code_that_joins_strings_is_kept(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        '\\"a\\" . \\"b\\"',
        "'a' .. 'b'",
        "'.' . '.'",
        "'a'.'b' '.' 'a' . 'b'",
        "'a' .\\n  'b'",
        "'a'\\t..\\t'b' + 'c'",
        "'a' ... 'b'",
        "'a' . .'b'",
    ],
)
def test_the_compiled_view_joins_dots_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)
