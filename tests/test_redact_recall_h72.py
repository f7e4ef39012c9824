"""Misses of issue 16 found by the fifteenth session's probe (h72): a secret in terminal output split or wrapped
by ANSI escape sequences (colours, erases, OSC 8 hyperlinks), a YAML block scalar's value in text that is not
JSON, values in triple quotes (TOML, Python) and in an XML CDATA section, and a tab-separated name and value
whose value holds & or ; (mysql -B, psql -A). Each case runs through the reference and the engine, which must
agree, as a command (with and without \\u escapes) and in every kind of hook payload; the ANSI and YAML cases
also as plain text. The fake secrets are built from pieces at run time.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, apply, assert_kept, assert_redacted, assert_redacted_in_payload

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import Fakes  # noqa: E402

FAKES = Fakes(72)
GH = FAKES.crc("ghp_")
PW = "Tr0ub4dor" + "&3xQz"
PW2 = "Xq7vR2m" + "Tz9LwK4pB"
ESC = "\x1b"
RED, BOLD, OFF, ERASE = ESC + "[01;31m", ESC + "[1m", ESC + "[0m", ESC + "[K"
# What a terminal prints nothing for: CSI sequences, an OSC's opening, a string terminator.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\]8;[^;]*;|\][0-9]*;|\\)")


def grep_colored(line: str, match: str) -> str:
    """``line`` as ``grep --color=always`` prints it: the match in red, each piece closed with an erase."""
    return line.replace(match, RED + ERASE + match + ESC + "[m" + ERASE)


def link(url: str, text: str) -> str:
    """An OSC 8 hyperlink, as ls --hyperlink and gcc print them."""
    return ESC + "]8;;" + url + ESC + "\\" + text + ESC + "]8;;" + ESC + "\\"


ANSI_SECRETS = [
    # a token split by colour codes: grep --color=always ghp_ file, a highlighter's pieces
    (grep_colored(f"GITHUB_TOKEN={GH}", "ghp"), GH),
    (grep_colored(f"token: {GH}", "ghp_"), GH),
    (GH[:12] + OFF + GH[12:], GH),
    (GH[:4] + ESC + "[38;5;208m" + GH[4:20] + ESC + "[39m" + GH[20:], GH),
    (GH[:10] + ESC + "[1;4;31m" + ESC + "[K" + GH[10:] + OFF, GH),
    # an assignment whose value (or name, or sign) is coloured
    (f"password={BOLD}{PW}{OFF}", PW),
    (f"{ESC}[32mDB_PASSWORD{OFF}={ESC}[33m{PW2}{OFF}", PW2),
    (f"password{ESC}[2m:{OFF} {PW2}", PW2),
    (f"export API_TOKEN={ESC}[35m'{PW2}'{OFF}", PW2),
    # the escapes written out in a file's text (\\u001b as six characters)
    (f"password=\\u001b[1m{PW2}\\u001b[0m", PW2),
    # a hyperlink's text
    ("see " + link("https://example.com", grep_colored(GH, "ghp")) + " here", GH),
]

OTHER_SECRETS = [
    # triple-quoted values: TOML's basic and literal strings, Python
    (f'password = """{PW}"""', PW),
    (f"password = '''{PW}'''", PW),
    (f'[db]\nuser = "bob"\npassword = """{PW2}"""\n', PW2),
    (f"API_TOKEN: str = '''{PW2}'''", PW2),
    # an XML CDATA section
    (f"<password><![CDATA[{PW}]]></password>", PW),
    (f"<server>\n  <id>nexus</id>\n  <password><![CDATA[{PW2}]]></password>\n</server>", PW2),
    (f"<db:apiKey><![CDATA[{PW2}]></x]]></db:apiKey>", PW2),
    # a tab-separated name and value on its line (mysql -B, psql -A -F'\t'), the value holding & or ;
    (f"password\t{PW}", PW),
    (f"name\tvalue\nsmtp_password\t{PW}\nsmtp_user\tbob\n", PW),
    (f"smtp_password\t{PW2};x&y\n", PW2),
    (f"requirepass {PW}\n", PW),
]

# Redacted before this session too, in a payload: kept as guards (a Go struct literal and .NET's pair, missed only
# as raw text, which the redactor is never given: hookd reads JSON; a YAML block scalar; ANSI escapes that leave
# the secret whole; a hyperlink's address).
ALREADY = [
    # a YAML block scalar's first line
    (f"db:\n  password: |\n    {PW2}\n", PW2),
    (f"password: >-\n  {PW}\n", PW),
    (f"api_token: |-\n      {PW2}\nnext: 1\n", PW2),
    (link(f"file:///home/bob/{GH}.txt", f"{GH}.txt"), GH),
    (link(f"https://ci.example.com/run?token={PW2}", "run 42"), PW2),
    (f'cfg := Config{{Password: "{PW}"}}', PW),
    (f'<add key="Password" value="{PW}"/>', PW),
    (f"{ESC}[32m{GH}{OFF}", GH),
    (f"smtp_password\t{PW2}", PW2),
]


def printed(out: str) -> str:
    """What a terminal shows of ``out``'s strings: ESC sequences removed, at every level JSON nests."""
    while True:
        stripped = _ANSI.sub("", out.replace("\\u001b", "\x1b"))
        if stripped == out:
            return out
        out = stripped


@pytest.mark.parametrize(("text", "secret"), ANSI_SECRETS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_in_terminal_output_is_redacted(text, secret, ascii_only):
    out = assert_redacted(text, secret, ascii_only=ascii_only)
    assert secret not in printed(json.loads(out)["tool_input"]["command"]), out


@pytest.mark.parametrize(("text", "secret"), ANSI_SECRETS)
def test_a_secret_in_terminal_output_is_redacted_as_plain_text(text, secret):
    out = apply(text)
    assert secret not in printed(out), out
    assert apply(out) == out


@pytest.mark.parametrize(("text", "secret"), ANSI_SECRETS + OTHER_SECRETS)
@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_a_secret_is_redacted_in_every_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)
    out = apply(json.dumps(PAYLOAD_KINDS[kind](text)))
    assert secret not in printed(json.dumps(json.loads(out))), out


@pytest.mark.parametrize(("text", "secret"), OTHER_SECRETS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_is_redacted(text, secret, ascii_only):
    assert_redacted(text, secret, ascii_only=ascii_only)


@pytest.mark.parametrize(("text", "secret"), ALREADY)
@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_a_guard_is_still_redacted(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize(
    ("text", "secret"),
    [(f"password: |\n  {PW2}\n", PW2), (f"password: >-\r\n  {PW}\r\n", PW)],
)
def test_a_yaml_block_in_plain_text_is_redacted(text, secret):
    out = apply(text)
    assert secret not in out and out.startswith("password: "), out


def test_the_escapes_around_a_split_token_are_kept():
    # The marker covers the token from its first to its last character, the escapes inside it too; the
    # colour before it and the erase after it stay, so the line still prints as it did, less the token.
    text = grep_colored(f"GITHUB_TOKEN={GH}", "ghp")
    out = apply(json.dumps({"tool_response": {"stdout": text}}))
    line = json.loads(out)["tool_response"]["stdout"]
    assert line == "GITHUB_TOKEN=" + RED + ERASE + "[REDACTED:github_token]", line


KEPT = [
    # coloured output of ls, git diff, pytest, grep: nothing secret in it
    f"{ESC}[0m{ESC}[01;34msrc{ESC}[0m  {ESC}[01;32mrun.sh{ESC}[0m  password_reset.py  tokens.md",
    f"{ESC}[1mdiff --git a/auth.py b/auth.py{ESC}[m\n{ESC}[31m-    password = get_password(){ESC}[m\n"
    f'{ESC}[32m+    password = os.environ["DB_PASSWORD"]{ESC}[m',
    f"{ESC}[31mFAILED{ESC}[0m tests/test_auth.py::test_password_reset - AssertionError\n"
    f"{ESC}[32m===== 3 passed in 0.12s ====={ESC}[0m",
    f"src/auth.py:12:    {RED}{ERASE}password{ESC}[m{ERASE}: str\nsrc/auth.py:40:    {RED}{ERASE}token{ESC}[m{ERASE} = None",
    f"{ESC}]8;;file:///home/bob/secrets.md{ESC}\\secrets.md{ESC}]8;;{ESC}\\  "
    f"{ESC}]0;bob@host: ~/src{ESC}\\ {ESC}(B{ESC}[m",
    # YAML blocks of prose or templates, docstrings, CDATA of prose, TSV headers and prose
    "password: >\n  must be at least 12 characters\nhelp: |\n  {{ vault_pw }}",
    'password_help = """Enter the password you were given."""\ntoken = """\n"""',
    "token = '''{{ token }}'''\npassword = \"\"\"changeme\"\"\"",
    "<password><![CDATA[Enter your password]]></password>\n<token><![CDATA[${TOKEN}]]></token>",
    "PASSWORD\tUSER\tHOST\nid\tname\tvalue\npassword\trequired\ntoken\tNone",
    "password\t12345678\ntoken\t$API_TOKEN\npassword\t<redacted>",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)
    assert apply(text) == text


def test_the_reference_knows_every_new_rule():
    assert "triple_quoted_secret" in {rule.name for rule in REFERENCE.rules}
