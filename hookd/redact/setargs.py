"""Secrets a command stores under a name given as an argument, or takes as ``user:password`` (fifteenth
session: a probe of 98 command lines that hand a secret over, 16 kept).

* ``secret_set_argument``: the value after a secret-named key of a store's set or put:
  ``consul kv put db/password <v>``, ``etcdctl put /app/token <v>``, ``pulumi config set --secret dbPassword
  <v>``, ``dotnet user-secrets set "Db:Password" "<v>"``, ``redis-cli config set requirepass <v>``; a ``key=value`` after the key is secret_assignment's (``vault kv
  put secret/app user=bob``: the path names a secret, the pair does not);
* ``user_password_argument``: ``--user name:<v>`` (etcdctl, curl), composer's and poetry's ``config http-basic.<repo> <user> <v>``, MinIO's ``mc alias set <alias> <url>
  <access key> <v>``, ``ansible-vault encrypt_string '<v>'``.

The trigger (Hyperscan) reads the command's words to the value's first character; the regex reads the value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_NOT_WORD = r"""(?:^|[^A-Za-z0-9_\\-]|\\[nrt])"""
_QUOTE = r"""(?:\\"|')?"""
_SECRET_WORD = r"(?i:password|passwd|passphrase|requirepass|masterauth|secret|token|api[_-]?key|private[_-]?key)"
# The secret word ends the key (token_ttl, tokenizer, secret_name, credential.helper name something else).
_KEY = _QUOTE + r"[A-Za-z0-9_./:-]{0,60}" + _SECRET_WORD + r"[0-9]{0,3}" + _QUOTE
# (a bare "config <key> <value>" is configcommands.py's, for the commands it knows: git, npm, yarn, poetry)
_STORE_VERB = r"(?i:(?:kv|etcdctl)\s{1,4}put|config\s{1,4}set|user-secrets\s{1,4}set)"
_FLAGS = r"(?:\s{1,4}--?[A-Za-z][A-Za-z-]{0,20}){0,3}"
_VALUE_START = r"[^\s\-]"

SET_TRIGGER = _NOT_WORD + _STORE_VERB + _FLAGS + r"\s{1,4}" + _KEY + r"\s{1,4}" + _VALUE_START
# The argument before the value that names no key (kubectl config set-credentials <user> names a user).
_NOT_KEYS = ("set-credentials", "set-cluster", "set-context", "get-credentials")


def _set_value_ok(match: re.Match[str]) -> bool:
    """A value, not a key=value pair (secret_assignment's) nor the argument of a subcommand named like a key."""
    if "=" in match.group("value"):
        return False
    # The word before the value, by C-speed string calls (a regex search back over the window would
    # retry at each of its characters, at every candidate of a flood).
    words = match.string[max(0, match.start() - 100) : match.start()].rsplit(None, 1)
    if words and words[-1].strip("\\\"'").lower() in _NOT_KEYS:
        return False
    return option_value_ok(match)


_USER_COLON = r"\s--user(?:=|\s{1,4})[A-Za-z0-9_.@+-]{1,64}:" + _VALUE_START  # (-auth: commands.py)
_HTTP_BASIC = (
    r"(?i:config)(?:\s{1,4}--?[A-Za-z][A-Za-z-]{0,20}){0,3}\s{1,4}http-basic\.[A-Za-z0-9_.-]{1,100}"
    r"\s{1,4}[^\s\\\"']{1,100}\s{1,4}" + _VALUE_START
)
_MC_ALIAS = (
    _NOT_WORD + r"(?:alias\s{1,4}set|config\s{1,4}host\s{1,4}add)\s{1,4}[A-Za-z0-9_.-]{1,64}\s{1,4}https?://"
    r"[^\s\\\"']{1,200}\s{1,4}[^\s\\\"']{1,128}\s{1,4}" + _VALUE_START
)
_ENCRYPT_STRING = (
    _NOT_WORD + r"encrypt_string(?:\s{1,4}--[a-z-]{1,30}(?:=|\s{1,4})[^\s\-][^\s]{0,100}){0,3}\s{1,4}" + _VALUE_START
)
USER_TRIGGER = "(?:" + "|".join((_USER_COLON, _HTTP_BASIC, _MC_ALIAS, _ENCRYPT_STRING)) + ")"

SET_ARGUMENT_RULES: tuple[Rule, ...] = (
    Rule(
        name="secret_set_argument",
        replaces="the value a command stores under a secret-named key (consul kv put db/password ..., "
        "pulumi config set --secret dbPassword ..., dotnet user-secrets set, redis-cli config set requirepass ...)",
        pattern=VALUE,
        group="value",
        trigger=SET_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_set_value_ok,
        example='`consul kv put db/password <value>`, `dotnet user-secrets set "Db:Password" "<value>"`',
    ),
    Rule(
        name="user_password_argument",
        replaces="a password given as user:password (--user), composer/poetry http-basic, "
        "mc alias set's secret key, ansible-vault encrypt_string's string",
        pattern=VALUE,
        group="value",
        trigger=USER_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=option_value_ok,
        example="`etcdctl --user root:<password>`, `composer config http-basic.repo.example.com bob <password>`",
    ),
)
