"""SNMP credentials in an agent's configuration (h69; issue 16): snmpd.conf and a Cisco device's config.

* ``snmp_community_line``: the community of net-snmp's access directives (``rocommunity``, ``rwcommunity``,
  their ``6`` forms, ``authcommunity TYPES <community>``, ``trapcommunity``), of ``com2sec [-Cn ctx] name
  source <community>``, of a trap sink (``trap2sink host <community>``), and of Cisco's ``snmp-server
  community <community>``. ``public`` and ``private`` are every device's defaults, kept (as
  commands.py's ``snmp_passphrase`` keeps them for ``-c``);
* ``snmp_create_user``: an SNMPv3 user's passphrases in ``createUser [-e id] name SHA <auth> AES <priv>``.

Each directive stands at a line's start (after indentation): the words are in prose ("a rocommunity
line"), and ``createUser`` is a function's name in much code. The trigger (Hyperscan) reads the line from
its start to the value's first character, so a flood of the directive's words alone reports nothing.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

SP = r"(?:[ \t]|\\t)"  # a space or tab, raw or escaped in a JSON string
# A line begins at the text's start, after a newline (raw or escaped) or where a JSON string opens.
LINE_START = r"(?:^|[\n\r\"]|\\[nr])" + SP + "{0,16}"
# The value's first character: not an option, a raw quote (a JSON string's end) or a character VALUE refuses;
# a quoted value's quote (\" or ') is its first.
VALUE_START = r"""[^\s\-",;&|<>(){}\[\]`$]"""
# an argument before the community: a name, a source (not an option: com2sec -Cn ctx is read as one)
_WORD = r"""(?:[^\s"'\\-]|\\\\)(?:[^\s"'\\]|\\\\){0,127}"""
_ARG = SP + "{1,8}" + _WORD
_COMMUNITY_CONTEXT = (
    LINE_START
    + r"(?:(?:ro|rw)community6?|trapcommunity|authcommunity"
    + SP
    + r"{1,8}[a-z,]{1,40}"
    + r"|com2sec6?(?:"
    + SP
    + r"{1,8}-Cn"
    + _ARG
    + r")?"
    + _ARG
    + _ARG
    + r"|(?:trap2?sink|informsink)"
    + _ARG
    + r"|snmp-server"
    + SP
    + r"{1,4}community)"
    + SP
    + r"{1,8}"
    + VALUE_START
)
_DEFAULT_COMMUNITIES = frozenset(("public", "private"))


def _community_ok(match: re.Match[str]) -> bool:
    return match.group("value").strip("'\"\\") not in _DEFAULT_COMMUNITIES and option_value_ok(match)


SNMP_COMMUNITY_LINE = Rule(
    name="snmp_community_line",
    replaces="the SNMP community of an agent's config line (snmpd.conf's rocommunity, rwcommunity, com2sec, "
    "trap2sink; Cisco's snmp-server community), but public and private",
    pattern=VALUE,
    group="value",
    trigger=_COMMUNITY_CONTEXT,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_community_ok,
    example="`rocommunity <community> 10.0.0.0/8`, `com2sec readonly default <community>`, "
    "`snmp-server community <community> RO`",
)

# createUser [-e ENGINEID] name (MD5|SHA|SHA-512...) <authpassphrase> [(DES|AES...) [<privpassphrase>]]: the
# authentication passphrase after the protocol, the privacy one after the authentication passphrase and its
# protocol; a quoted passphrase is one argument (\"...\").
_PASSPHRASE_ARG = SP + r"""{1,8}(?:[^\s"\\]|\\[\\"]){1,64}"""
_AUTH = SP + r"{1,8}(?:MD5|SHA(?:-224|-256|-384|-512)?)"
_PRIV = SP + r"{1,8}(?:DES|AES(?:128|192|256)?)"
_CREATE_USER_CONTEXT = (
    LINE_START
    + r"createUser(?:"
    + SP
    + r"{1,8}-e"
    + _PASSPHRASE_ARG
    + r")?"
    + _PASSPHRASE_ARG
    + _AUTH
    + r"(?:"
    + _PASSPHRASE_ARG
    + _PRIV
    + r")?"
    + SP
    + r"{1,8}"
    + VALUE_START
)

SNMP_CREATE_USER = Rule(
    name="snmp_create_user",
    replaces="an SNMPv3 user's passphrases in snmpd.conf's createUser line (authentication, privacy)",
    pattern=VALUE,
    group="value",
    trigger=_CREATE_USER_CONTEXT,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=option_value_ok,
    example="`createUser bob SHA <passphrase> AES <passphrase>`",
)

SNMP_CONF_RULES: tuple[Rule, ...] = (SNMP_COMMUNITY_LINE, SNMP_CREATE_USER)
