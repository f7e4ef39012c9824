"""Credentials under names with no secret word (fourteenth session, h65; issue 16's misses left by h63).

* ``keyed_name_assignment``: an env or config name that ends in ``_KEY``, ``_SK`` or ``_DSN`` after a
  provider's or an application's word (``STRIPE_KEY=``, ``OPENAI_KEY=``, ``MAILGUN_KEY=``, ``APP_SK=``,
  ``stripe-key:``; camelCase and PascalCase too, h68: ``StripeKey=``, ``mailgunKey:``, ``sentryDsn``), with a
  value of 20 characters or more that only a machine writes (prose.random_looking: letters and digits, and
  mixed case, a symbol or 20 characters). ``_KEY`` after an arbitrary word is also
  ``CACHE_KEY``, ``SORT_KEY``, ``PRIMARY_KEY=id``, ``SSH_KEY=~/.ssh/id``: the value decides (a word, a
  name, a path, a column are never random-looking), and the words that name a key of a table, a cache or
  a map, or a public key, are refused whatever the value (``CACHE_KEY=<sha256>`` is a digest);
* ``kubeconfig_key_data``: a kubeconfig's ``client-key-data:`` (the base64 of the user's private key;
  ``encoded_secret`` takes it when it decodes to a PEM block, this rule when it does not) and
  ``token-data:``.

Each is anchored: its trigger (Hyperscan) reads the name, the separator and the value's first 20 (16)
characters, so a flood of ``CACHE_KEY=`` or of ``client-key-data: x`` reports nothing; the regex reads
the value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference
from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_NOT_NAME = r"""(?:^|[^A-Za-z0-9_.-]|\\[nrt])"""
_Q = r"""(?:\\?["'])?"""
_VALUE_HEAD = r"[A-Za-z0-9+/=_.~-]"
# A name's words, then _KEY/_SK/_DSN or _SESSION (Bitwarden's BW_SESSION: an unlocked vault's key; any case; -
# for YAML and CLI-like keys): the value's first 20
# characters with it, so a word or a short name after the sign never reports.
_KEYED_TRIGGER = (
    _NOT_NAME
    + r"(?:[A-Za-z][A-Za-z0-9]{0,30}(?:[_-][A-Za-z0-9]{1,30}){0,4}[_-](?i:key|sk|dsn|session)"
    + r"|[A-Za-z][a-z0-9]{1,30}(?:[A-Z][a-z0-9]{1,30}){0,4}(?:Key|Dsn))"  # camelCase, PascalCase: StripeKey
    + _Q
    + r"[ \t]{0,2}(?::|=)[ \t]{0,2}"
    + _Q
    + _VALUE_HEAD
    + "{20}"
)
_KEYED_BACK = 20
_VALUE = r"""(?P<value>[^\s"'\\,;&|<>(){}\[\]`]{20,1024}+)"""
# The name read back from the value: what lies between them (quotes, spaces, the sign) skipped; not the n of
# an escaped line break before it (\nPUBLIC_KEY= in JSON text). A walk back, not a regex searched from 200
# characters before: a flood of candidates pays a few steps for each.
_BETWEEN = frozenset(" \t\"'=:\\")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
# The word before _KEY names a key that is not a credential: a table's or a map's key, a cache's, a
# partition's, a public key or its fingerprint, a file or an object's key (S3), a keyboard's.
_NOT_CREDENTIAL_WORDS = frozenset(
    "public pub cache sort primary foreign partition hash range row column unique composite natural surrogate "
    "idempotency lookup map dict index group routing shard dedup dedupe cluster object bucket file path name "
    "id gpg pgp gnupg fingerprint hot short cut keyboard key i18n translation label message lang locale field "
    "prefix state query cursor sequence order event topic resource storage local item node react".split()
)
# A camelCase name's words, each starting at a capital (StripeKey, sendGridKey, HTTPKey).
_CAMEL_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def keyed_value_ok(value: str) -> bool:
    """Random-looking, 20 characters or more, no dot (remembered per value: Rule.validate). A key in base64,
    hex or a provider's alphabet holds no dot (the dotted ones, SG.x.y, JWTs, are their own rules'); code
    does: Ed25519PrivateKey.generate, ed25519.Ed25519PrivateKey in an annotation, 100000.0/first_set_max_id."""
    return len(value) >= 20 and "." not in value and random_looking(value)


def _keyed_name_ok(match: re.Match[str]) -> bool:
    """Not a call, and a name whose words before _KEY do not name a map's key."""
    text, start = match.string, match.start("value")
    if text[match.end("value") : match.end("value") + 1] in ("(", "["):
        return False  # a call: Ed25519PrivateKey.generate()
    end = start
    while end > 0 and start - end < 8 and text[end - 1] in _BETWEEN:
        end -= 1
    begin = end
    while begin > 0 and end - begin < 160 and text[begin - 1] in _NAME_CHARS:
        begin -= 1
    name = text[begin:end]
    if begin >= 1 and text[begin - 1] == "\\" and name[:1] in ("n", "r", "t"):
        name = name[1:]
    return name_words_ok(name)


def name_words_ok(name: str) -> bool:
    """Two words or more (STRIPE_KEY, stripe-key, StripeKey, stripeKey), none before the last naming a map's
    key, a cache's or a public key."""
    if "_" in name or "-" in name:
        words = re.split(r"[_-]", name.lower())
    else:
        words = [word.lower() for word in _CAMEL_WORD.findall(name)]
    return len(words) >= 2 and not _NOT_CREDENTIAL_WORDS.intersection(words[:-1])


KEYED_NAME_ASSIGNMENT = Rule(
    name="keyed_name_assignment",
    replaces="a random-looking value of 20 characters or more under a name ending _KEY, _SK, _DSN or _SESSION "
    "(STRIPE_KEY=, OPENAI_KEY=, MAILGUN_KEY=, BW_SESSION=)",
    pattern=_VALUE,
    group="value",
    trigger=_KEYED_TRIGGER,
    anchored=True,
    back=_KEYED_BACK,
    reach=1030,
    validate=keyed_value_ok,
    check=_keyed_name_ok,
    example="`STRIPE_KEY=<40 random characters>` (not `CACHE_KEY=user_profile`, `PRIMARY_KEY=id`, `PUBLIC_KEY=...`)",
)

_KUBE_TRIGGER = (
    _NOT_NAME + r"(?:client-key-data|token-data)" + _Q + r"[ \t]{0,4}:[ \t]{0,4}" + _Q + r"[A-Za-z0-9+/=_.-]{16}"
)


def _kube_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return len(value) >= 16 and plausible_secret(value) and not is_type_or_reference(value)


KUBECONFIG_KEY_DATA = Rule(
    name="kubeconfig_key_data",
    replaces="a kubeconfig's client-key-data (the user's private key, base64) or token-data",
    pattern=r"""(?P<value>[A-Za-z0-9+/=_.-]{16,65536}+)""",
    group="value",
    trigger=_KUBE_TRIGGER,
    anchored=True,
    back=16,
    reach=65540,
    check=_kube_ok,
    example="`client-key-data: <base64>` (kubeconfig users)",
)

KEY_NAME_RULES: tuple[Rule, ...] = (KEYED_NAME_ASSIGNMENT, KUBECONFIG_KEY_DATA)
