"""A key file printed alone: Rails' master key.

``config/master.key`` (and ``config/credentials/<env>.key``) holds 32 hex digits and nothing else, which
decrypt ``credentials.yml.enc``: ``cat config/master.key`` prints them as the Bash tool's whole stdout, the
Read tool as a file's whole content. 32 hex digits alone are also an MD5 digest or a UUID without its dashes
(``md5sum``'s output, a request id), so the rule takes them only where the payload names such a key file
before them (the command, the file's path), within KEY_FILE_NEAR characters: Hyperscan reads the whole value
with its key and quotes (a flood of the command alone reports nothing), and only in the scanner's chunks that hold such a name (a
flood of 32 hex digits as stdout costs nothing more); the check reads back for the name, within the chunk.
"""

from __future__ import annotations

import re

from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

# Within the scanner's overlap less a match's length (scan.OVERLAP): the name is in the chunk whose gate opened.
KEY_FILE_NEAR = 1900
_KEY_FILE_NAME = re.compile(r"master\.key|credentials\.yml\.enc|credentials/[A-Za-z0-9_.-]{1,64}\.key")


def _named_key_file(match: re.Match[str]) -> bool:
    """The payload names a key file before the value, which is random (not 32 zeros, a run of one digit)."""
    start, value = match.start(), match.group("value")
    if value.isdigit() or value.isalpha() or not plausible_secret(value):
        return False
    return _KEY_FILE_NAME.search(match.string, max(0, start - KEY_FILE_NEAR), start) is not None


RAILS_MASTER_KEY = Rule(
    name="rails_master_key",
    replaces="Rails' master key (32 hex digits) printed alone as a command's stdout or a file's content, in "
    "a payload that names config/master.key, a credentials/<env>.key or credentials.yml.enc",
    pattern=r'"(?:stdout|content)"\s{0,4}:\s{0,4}"(?P<value>[0-9a-f]{32})(?:\\n)?"',
    group="value",
    trigger=r'"(?:stdout|content)"\s{0,4}:\s{0,4}"[0-9a-f]{32}(?:\\n)?"',
    trigger_needs=(("master.key",), ("credentials.yml.enc",), ("credentials/",)),
    exact=True,
    copies=True,
    short_trigger=True,
    reach=60,
    check=_named_key_file,
    example='`cat config/master.key` and its stdout `"<32 hex digits>"`',
)

KEY_FILE_RULES: tuple[Rule, ...] = (RAILS_MASTER_KEY,)
