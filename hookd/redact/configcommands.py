"""Commands that store a secret in a tool's configuration, the value as the argument after its key
(twelfth session, h59): ``git config github.token <v>``, ``npm config set //reg/:_authToken <v>``
(also yarn, pnpm), ``poetry config http-basic.<repo> <user> <v>`` and ``pypi-token.<repo> <v>``,
Windows' ``setx API_KEY <v>``. And commands that put a secret in a secret store (h101): ``az keyvault secret set
... --value <v>``, ``aws secretsmanager create-secret|put-secret-value|update-secret ... --secret-string <v>``,
``aws ssm put-parameter ... --value <v>`` of a SecureString.

Each pattern starts with the command's literal (keywords gate it) and reads a bounded key; the key must
name a secret (not ``user.signingkey``, a key's id, nor ``core.editor``).
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_SP = r"\s{1,4}"
_SECRET_WORD = r"(?i:token|password|passwd|secret|api[_-]?key|_auth)"  # not auth-type, always-auth
# Possessive, its secret word checked after the match: a word inside the pattern backtracked over the key at
# every command of a flood ("setx ": 14-16 MB/s).
_KEY = r"(?P<key{n}>[A-Za-z0-9_.:/@-]{{1,120}}+)"
_WORD = re.compile(_SECRET_WORD)
_COMMANDS = (
    r"(?:"
    + r"git"
    + _SP
    + r"config(?:"
    + _SP
    + r"--(?:global|local|system|worktree))?"
    + _SP
    + _KEY.format(n=1)
    + _SP
    + r"|(?:npm|yarn|pnpm)"
    + _SP
    + r"config"
    + _SP
    + r"set"
    + _SP
    + _KEY.format(n=2)
    + r"(?:"
    + _SP
    + r"|=)"
    + r"|poetry"
    + _SP
    + r"config"
    + _SP
    + r"(?:http-basic\.[A-Za-z0-9_.-]{1,60}"
    + _SP
    + r"[^\s\"'\\]{1,100}|pypi-token\.[A-Za-z0-9_.-]{1,60})"
    + _SP
    + r"|(?i:setx)(?:"
    + _SP
    + r"/[A-Za-z])?"
    + _SP
    + _KEY.format(n=3)
    + _SP
    + r")"
)


def _config_value_ok(match: re.Match[str]) -> bool:
    start = match.start()
    before = match.string[max(0, start - 2) : start]
    if (before[-1:].isalnum() or before[-1:] in ("_", "-", ".")) and before not in ("\\n", "\\r", "\\t"):
        return False  # a longer word: mygit config, xsetx (not the n of a line break's \n)
    key = match.group("key1") or match.group("key2") or match.group("key3")
    if key is not None and not _WORD.search(key):
        return False
    value = match.group("value")
    return len(value) >= 4 and value[0] not in "-/" and option_value_ok(match)


CONFIG_SECRET_ARGUMENT = Rule(
    name="config_secret_argument",
    replaces="the value given to git config, npm/yarn/pnpm config set, poetry config or setx for a key naming a secret",
    pattern=_COMMANDS + VALUE,
    group="value",
    keywords=("git config", "config set", "poetry config", "setx "),
    ignore_case_keywords=True,
    reach=VALUE_REACH + 400,
    check=_config_value_ok,
    example="`git config --global github.token <value>`, `npm config set //r/:_authToken <value>` "
    "(not `git config user.signingkey ABCD`)",
)

# A secret store's command and its arguments up to the option that gives the secret (one command: no separator,
# no line break; a JSON string's escaped quote and slash are its characters).
_STORE = (
    r"(?P<store>az\s{1,4}keyvault\s{1,4}secret\s{1,4}set|aws\s{1,4}ssm\s{1,4}put-parameter"
    r"|aws\s{1,4}secretsmanager\s{1,4}(?:create-secret|put-secret-value|update-secret))"
    r"""(?:[^"\\\n;|&]|\\["\\/ t]){0,400}?\s--(?:value|secret-string)(?:=|\s{1,4})"""
)
# The rest of the command after the value: where ssm's --type SecureString may stand.
_REST = re.compile(r"""(?:[^"\\\n;|&]|\\["\\/ t]){0,400}""")


def _stored_value_ok(match: re.Match[str]) -> bool:
    """A value, not a file the tool reads (file://, fileb://, @file); ssm's only when its type is SecureString (a
    String parameter is configuration)."""
    value = match.group("value")
    if len(value) < 4 or value.startswith(("file://", "fileb://", "@")) or not option_value_ok(match):
        return False
    if not match.group("store").endswith("put-parameter"):
        return True
    rest = _REST.match(match.string, match.end())
    command = match.group(0) + (rest.group() if rest else "")
    return "SecureString" in command


SECRET_STORE_VALUE = Rule(
    name="secret_store_value",
    replaces="the value put in a secret store: az keyvault secret set --value, aws secretsmanager --secret-string, "
    "aws ssm put-parameter --value of a SecureString",
    pattern=_STORE + VALUE,
    group="value",
    keywords=("keyvault", "put-parameter", "secretsmanager"),
    reach=VALUE_REACH + 500,
    check=_stored_value_ok,
    example="`az keyvault secret set --vault-name v --name db --value <value>`, "
    "`aws ssm put-parameter --name /db/pw --type SecureString --value <value>` (not `--secret-string file://s.json`)",
)

CONFIG_COMMAND_RULES: tuple[Rule, ...] = (CONFIG_SECRET_ARGUMENT, SECRET_STORE_VALUE)
