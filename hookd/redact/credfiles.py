"""Credential files as a Read or ``cat`` shows them, and command forms a probe still missed (h74, issue 16).

* ``user_password_value``: yarn's ``npmAuthIdent: "user:<v>"`` and Bundler's host keys
  (``BUNDLE_GEMS__EXAMPLE__COM: "user:<v>"`` in .bundle/config, or as an environment variable): the
  key names no secret, its value is ``user:password``;
* ``host_keyed_token``: composer's auth.json, whose ``github-oauth``, ``gitlab-oauth``, ``gitlab-token``
  and ``bearer`` objects map a host to its token (``"github.com": "<v>"``): the host is no secret name;
* ``conda_channel_token``: the token of a conda channel's URL (``https://conda.anaconda.org/t/<v>/channel``);
* ``tfstate_password``: terraform.tfstate's random_password ``result`` and ``ses_smtp_password_v4``;
* ``sshpass_env``: ``SSHPASS=<v>``, the variable ``sshpass -e`` reads its password from;
* ``sql_connect_password``: SQL*Plus's ``CONNECT user/<v>@db`` (and ``conn``), typed at its prompt or in a
  script (the ``sqlplus user/<v>@db`` command line is oscommands.py's);
* ``pgbouncer_auth_line``: a line ``"user" "<v>"`` of pgbouncer's userlist.txt, where the payload says
  userlist (the path or the ``auth_file`` setting, like .pgpass's lines near ``pgpass``); a value that is a
  stored verifier (``md5`` + 32 hex, ``SCRAM-SHA-256$...``) anywhere, since that shape is the file's alone.
"""

from __future__ import annotations

import re

from hookd.redact.checks import line_start, option_value_ok, plausible_value, word_near
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_NOT_WORD = r"(?:^|[^A-Za-z0-9_\\]|\\[nrt])"
_Q = r"""(?:\\?["'])?"""

# The key, its separator and the user (a user name has no "/": https://mirror is a Bundler mirror's
# URL), then the password's first character. Bundler writes a host's dots as "__".
_IDENT_TRIGGER = (
    _NOT_WORD
    + r"(?:npmAuthIdent|BUNDLE_[A-Z0-9_]{0,120}__[A-Z0-9_]{1,63})"
    + _Q
    + r"[ \t]{0,2}[:=][ \t]{0,2}"
    + _Q
    + r"""[A-Za-z0-9._@+~-]{1,64}:[^\s"'\\/]"""
)
_IDENT_VALUE = r"""(?P<value>(?:[^\s"'\\]|\\\\){1,1024}+)"""


# composer's auth.json: an object of host: token pairs under one of these keys. The regex begins at the
# host's opening quote, a literal Python's regex skips to (whether its quotes are escaped is read after the
# host); the check finds the object around the pair.
_HOST_KEYS = ("github-oauth", "gitlab-oauth", "gitlab-token", 'bearer"', 'bearer\\"')  # bearer: with its quote
_OBJECT_KEY = r"""(?:github-oauth|gitlab-oauth|gitlab-token|bearer)\\?"[ \t]{0,4}:[ \t]{0,4}"""
_HOST_PAIR = r'"[A-Za-z0-9.-]{1,253}(?P<q>\\?)"[ \t]{0,4}:[ \t]{0,4}(?P=q)"(?P<value>[^\s"\\]{8,512})(?P=q)"'
_HOST_OBJECT_KEY = re.compile(_OBJECT_KEY + r"\Z")
_OBJECT_REACH = 600  # characters from an object's brace to a pair in it (a few hosts before it)


def _host_pair_ok(match: re.Match[str]) -> bool:
    """The pair stands in one of those objects: the last "{" before it opens one, and no "}" closes it."""
    text, start = match.string, match.start()
    brace = text.rfind("{", max(0, start - _OBJECT_REACH), start)
    if brace < 0 or text.find("}", brace, start) >= 0:
        return False
    key = _HOST_OBJECT_KEY.search(text, max(0, brace - 40), brace)
    return key is not None and plausible_secret(match.group("value"))


# Hyperscan reads the name to the value's first character (a quote, or the value's own), the regex the value.
_SSHPASS_TRIGGER = r"(?:[^A-Za-z0-9_\\]|\\[nrt])SSHPASS=[^\s\-]"

# CONNECT user/password[@db]: a user is an Oracle identifier; the password ends at @ or the line's end.
_CONNECT_TRIGGER = r"""(?:[^A-Za-z0-9_\\]|\\[nrt])(?i:conn(?:ect)?)[ \t]{1,4}[A-Za-z0-9_$#]{1,30}/[^\s@/"'\\]"""
_CONNECT = r"""(?P<value>[^\s@/"'\\]{1,128})(?P<at>@)?"""
_LINE_END = re.compile(r"[ \t;]*(?:$|[\n\r\"]|\\[nr])")
# What may stand before CONNECT on its line: SQL*Plus's prompt, spaces (prose writes "how to connect a/b").
_PROMPT = re.compile(r"(?:[ \t]|\\t)*(?:SQL>[ \t]{0,4})?")
_PROMPT_REACH = 40  # characters before CONNECT that are read back for its line's start
_CONNECT_WORD = re.compile(r"(?i:conn(?:ect)?)[ \t]{1,4}[A-Za-z0-9_$#]{1,30}/\Z")


def _connect_ok(match: re.Match[str]) -> bool:
    """CONNECT begins its line, and a database follows (@orcl) or the line ends there."""
    if match.group("at") is None and _LINE_END.match(match.string, match.end()) is None:
        return False
    value = match.group("value")
    if len(value) < 4 or not plausible_secret(value):
        return False
    text, start = match.string, match.start()
    word = _CONNECT_WORD.search(text, max(0, start - 50), start)
    if word is None:
        return False
    at = word.start()
    begin = line_start(text, at, _PROMPT_REACH)
    if begin is None:
        return False  # no line start within reach
    return _PROMPT.fullmatch(text, begin, at) is not None


# "user" "password" alone on a line (quotes raw, or escaped in a JSON string).
_USERLIST = (
    r"""(?:^|(?<=[\n\r])|(?<=\\[nr])|(?<=[^\\]"))(?P<q>\\?")(?P<user>[^\s"\\]{1,64})(?P=q)[ \t]{1,4}"""
    r"""(?P=q)(?P<value>[^\s"\\]{1,512})(?P=q)(?=[ \t]*(?:[\n\r]|\\[nr]|"|$))"""
)
# Where _USERLIST can begin (prefilter.py): the character before the line's opening quote (or an escaped
# line break), the user, the quotes and the value's first character; the scan reads on that far.
_USERLIST_PREFILTER = r"""(?:^|[\n\r"]|\\[nr])\\?"[^\s"\\]+\\?"[ \t]+\\?"[^\s"\\]"""
_USERLIST_AHEAD = 96
_VERIFIER = re.compile(r"md5[0-9a-f]{32}|SCRAM-SHA-256\$[0-9]{1,7}:")
USERLIST_NEAR = 4096  # characters between a line and the word userlist, either side
_USERLIST_NAMES = ("userlist", "USERLIST", "Userlist")


def _userlist_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if _VERIFIER.match(value):
        return True
    if not (plausible_secret(value) and not value.isdigit()):
        return False
    text = match.string
    return word_near(text, match.start(), match.end(), _USERLIST_NAMES, USERLIST_NEAR)


# terraform.tfstate: a random_password resource's result is the password it made (its bcrypt_hash is
# password_hash's); the key "result" names nothing, the resource's type does. An aws_iam_access_key's
# ses_smtp_password_v4 ends in a version, which secret_assignment's names do not.
_RESULT = r"""(?P<q>\\?")(?P<key>result|ses_smtp_password_v4)(?P=q)[ \t]{0,4}:[ \t]{0,4}(?P=q)(?P<value>[^"\\]{1,1024})(?P=q)"""
_RESOURCE_TYPE = re.compile(r"""type\\?"[ \t]{0,4}:[ \t]{0,4}\\?"([A-Za-z0-9_]{1,100})""")
RESULT_NEAR = 4096  # characters from a resource's type to its result (its other attributes)
_TYPES_TRIED = 16  # the last words "type" before a result that are read as a resource's type


def _result_ok(match: re.Match[str]) -> bool:
    """The nearest resource type before the result is random_password (found by rfind, back from the
    result: a regex over the whole reach cost each result of a flood its 4 KiB)."""
    if match.group("key") != "result":
        return plausible_secret(match.group("value"))
    text, low, at = match.string, max(0, match.start() - RESULT_NEAR), match.start()
    for _ in range(_TYPES_TRIED):
        at = text.rfind("type", low, at)
        if at < 1:
            return False
        found = _RESOURCE_TYPE.match(text, at) if text[at - 1] == '"' else None
        if found is not None:
            return found.group(1) == "random_password" and plausible_secret(match.group("value"))
    return False


# A conda channel's URL with its token (anaconda.org's /t/<token>/ form, in .condarc or a conda command):
# only on a host named for conda, since Discourse's /t/<topic-slug>/ is the same shape.
_CONDA_TRIGGER = r"//[A-Za-z0-9.-]{0,100}(?i:conda)[A-Za-z0-9.-]{0,100}(?::[0-9]{1,5})?/t/[A-Za-z0-9_-]"
_CONDA_TOKEN = r"(?P<value>[A-Za-z0-9_-]{8,128})(?=/)"


_SLUG_WORD = re.compile(r"(?:^|-)[A-Za-z]{3,}(?=-|$)")


def _conda_ok(match: re.Match[str]) -> bool:
    """Random, and not a topic's slug of words (discourse.conda.io/t/conda-23-1-0-release-notes/)."""
    value = match.group("value")
    return random_looking(value) and len(_SLUG_WORD.findall(value)) < 2


CREDENTIAL_FILE_RULES: tuple[Rule, ...] = (
    Rule(
        name="user_password_value",
        replaces="the password of user:password under yarn's npmAuthIdent or a Bundler host key (BUNDLE_GEMS__X__COM)",
        pattern=_IDENT_VALUE,
        group="value",
        trigger=_IDENT_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=plausible_value,
        example='`npmAuthIdent: "bob:<password>"`, `BUNDLE_GEMS__EXAMPLE__COM: "bob:<token>"`',
    ),
    Rule(
        name="host_keyed_token",
        replaces="a token under its host in composer's auth.json (github-oauth, gitlab-oauth, gitlab-token, bearer)",
        pattern=_HOST_PAIR,
        group="value",
        keywords=_HOST_KEYS,
        reach=2 * 1024,
        check=_host_pair_ok,
        example='`"github-oauth": {"github.com": "<token>"}`',
    ),
    Rule(
        name="tfstate_password",
        replaces="a random_password resource's result in terraform.tfstate (the password it made), "
        "an access key's ses_smtp_password_v4",
        pattern=_RESULT,
        group="value",
        keywords=("random_password", "ses_smtp_password_v4"),
        reach=RESULT_NEAR + 1100,
        check=_result_ok,
        example='`"type": "random_password"` … `"result": "<password>"`, `"ses_smtp_password_v4": "<password>"`',
    ),
    Rule(
        name="conda_channel_token",
        replaces="the token in a conda channel's URL (https://conda.anaconda.org/t/<token>/channel)",
        pattern=_CONDA_TOKEN,
        group="value",
        trigger=_CONDA_TRIGGER,
        anchored=True,
        back=1,
        reach=140,
        check=_conda_ok,
        example="`https://conda.anaconda.org/t/<token>/private`",
    ),
    Rule(
        name="sshpass_env",
        replaces="the password in SSHPASS=, which sshpass -e reads",
        pattern=VALUE,
        group="value",
        trigger=_SSHPASS_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`SSHPASS=<password> sshpass -e ssh bob@host`",
    ),
    Rule(
        name="sql_connect_password",
        replaces="the password in SQL*Plus's CONNECT user/password@db (or conn), at its prompt or in a script",
        pattern=_CONNECT,
        group="value",
        trigger=_CONNECT_TRIGGER,
        anchored=True,
        back=1,
        reach=300,
        check=_connect_ok,
        example="`SQL> CONNECT scott/<password>@orcl`",
    ),
    Rule(
        name="pgbouncer_auth_line",  # not named for userlist, the word its check looks for: a marker would hold it
        replaces='the password or verifier of a pgbouncer userlist.txt line ("user" "<secret>") where the '
        "payload says userlist; an md5 or SCRAM verifier in that line shape anywhere",
        pattern=_USERLIST,
        group="value",
        keywords=("userlist", '" "md5', '\\" \\"md5', '" "scram-sha-256$', '\\" \\"scram-sha-256$'),
        ignore_case_keywords=True,
        reach=2 * USERLIST_NEAR,
        prefilter=(_USERLIST_PREFILTER, _USERLIST_AHEAD),
        check=_userlist_ok,
        example='`cat /etc/pgbouncer/userlist.txt` … `"bob" "<password>"`, `"alice" "md5<32 hex>"`',
    ),
)
