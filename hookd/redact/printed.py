"""The output of commands that print a secret (ninth session); their password options are commands.py's.

* ``printed_secret``: the stdout of kubectl ... | base64 -d, op read, gcloud auth print-access-token...
  after the command in the payload;
* ``printed_secret_line``: the line after such a command in a terminal's transcript.

The trigger is the context up to the value's first character (Hyperscan); the regex reads the value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference
from hookd.redact.prose import random_looking
from hookd.redact.values import plausible_secret
from hookd.redact.rule import Rule


# A command that prints a secret, and its output: the Bash tool's stdout after the command in the payload
# (tool_input comes before tool_response). Hyperscan reads from the command to the stdout's first character
# (at most 2000 characters between); the regex takes the stdout when it is one token on one line.
_PRINTS_SECRET = (
    r"(?:base64(?:\s{1,4}-w\s{0,4}0)?\s{1,4}(?:-d|-D|--decode)|get-secret-value|gh\s{1,4}auth\s{1,4}token"
    r"|print-(?:access|identity)-token|op\s{1,4}read|vault\s{1,4}(?:kv\s{1,4}get|read)\s{1,4}-field"
    r"|find-generic-password|auth:token|get-access-token|secrets\s{1,4}versions\s{1,4}access"
    r"|--with-decryption|wg\s{1,4}gen(?:key|psk)|--reveal"  # op item get --fields password --reveal
    r"|bw\s{1,4}get\s{1,4}(?:password|notes)|bw\s{1,4}(?:unlock|login)\s{1,4}--raw"  # Bitwarden's CLI
    r"|configure\s{1,4}get\s{1,4}(?:[A-Za-z0-9_-]{1,40}\.)?aws_(?:secret_access_key|session_token)"
    r"|output\s{1,4}-raw\s{1,4}[A-Za-z0-9_-]{0,60}(?i:password|secret|token|private_key))"  # terraform, tofu
)
# A variable whose name says secret, printed alone: printenv DB_PASSWORD, echo "$API_TOKEN", heroku config:get
# SECRET_KEY_BASE (the name whole: printenv TOKEN_URL prints no secret). Not in a transcript's line: echo's output
# is the next line of any script's listing.
_PRINTS_VARIABLE = (
    r"(?:printenv\s{1,4}|echo\s{1,4}(?:\\\")?\$\{?|config:get\s{1,4})[A-Za-z0-9_]{0,60}"
    r"(?i:password|passwd|passphrase|secret|token|(?:api|secret|access|auth|private)_?key|secret_key_base|_pass|_pwd)[^A-Za-z0-9_]"
)
PRINTED_TRIGGER = "(?:" + _PRINTS_SECRET + "|" + _PRINTS_VARIABLE + r')[^\n]{0,2000}"stdout"\s{0,4}:\s{0,4}"[^"\\\s]'


def _printed_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return len(value) >= 6 and plausible_secret(value) and not is_type_or_reference(value)


PRINTED_SECRET = Rule(
    name="printed_secret",
    replaces="the output of a command that prints a secret (kubectl ... | base64 -d, op read, bw get password, "
    "gcloud auth print-access-token, aws secretsmanager get-secret-value), when it is one token",
    pattern=r"""(?P<value>(?:[^"\\\s]|\\["\\/]){1,1000}+)(?:\\n)?(?=")""",
    group="value",
    trigger=PRINTED_TRIGGER,
    anchored=True,
    back=1,
    reach=2010,
    check=_printed_ok,
    example="`kubectl get secret db -o jsonpath={.data.password} | base64 -d` and its stdout `<value>`",
)


# The same commands in a terminal's transcript (pasted in a prompt, a file, a log): the command's line ends
# right after it (at most 200 characters of its arguments), and the next line is one token.
PRINTED_LINE_TRIGGER = _PRINTS_SECRET + r'[^\n"\\]{0,200}\\n[^"\\\s]'


def _printed_line_ok(match: re.Match[str]) -> bool:
    """As the stdout's, and machine-made: a transcript's next line is often a word (Usage:, a prompt)."""
    return _printed_ok(match) and random_looking(match.group("value"))


PRINTED_SECRET_LINE = Rule(
    name="printed_secret_line",
    replaces="the line after a command that prints a secret, in a transcript (op read, bw get password, "
    "gh auth token...), when it is one token",
    pattern=r"""(?P<value>(?:[^"\\\s]|\\["\\/]){1,1000}+)(?=\\[nr]|")""",
    group="value",
    trigger=PRINTED_LINE_TRIGGER,
    anchored=True,
    back=1,
    reach=1010,
    check=_printed_line_ok,
    example="`$ op read op://vault/db/password` and the line `<value>` after it",
)
