"""Secrets whose name says little about what follows it (ninth session): prose, YAML lists, URL queries.

``prose_secret`` (the api key is ..., Password: ...), ``secret_list_item`` (api_keys: / - ...) and
``url_query_secret`` (?auth=, &pass=, X-Amz-Signature=) take a value only when it looks random
(``random_looking``): the name alone does not make an assignment there.
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference
from hookd.redact.values import plausible_secret
from hookd.redact.rule import Rule

_PROSE_NAME = r"(?i:password|passphrase|passwd|pwd|secret|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key)"
_PROSE_CHAR = r"""[^\s"'\\<>()\[\]{},;`$]"""
# (not "=": that is code, secret_assignment's, which knows types and references)
# Whose secret it is may stand between the name and "is" (the password for the admin account is ...), and the
# value after "is" may be quoted (the password is "...", `...`); after a colon, a quoted value is code's
# (pwd: '...' in a call: the assignment and command rules').
_WHOSE = r"(?:[ \t]{1,2}(?i:for)(?:[ \t]{1,2}[\w@.:/-]{1,40}){1,4}?)?"
# A login given as user / password (staging login is admin / <v>, credentials: root/<v>): the value after the slash.
_USER_SLASH = (
    r"(?i:login|logins|credentials?|creds)(?:[ \t]{1,2}(?i:is|are|was)|[ \t]{0,2}:)[ \t]{1,4}[\w@.+-]{1,64}"
    r"[ \t]{0,2}/[ \t]{0,2}"
)
# One's own key handed over in a sentence, the value right after its name (use my cohere key <v> for ...): a
# provider whose keys have no prefix. Not a public key's (my ssh key ssh-ed25519 AAAA...).
# "is" or a colon may stand between them (my openai key is <v>, my key: <v>); after "the", "this" or "that"
# one of them must (here's the key: <v>, the key is <v>): "the key <v>" is as often a key's name as its value.
_COPULA = r"(?:[ \t]{1,2}(?i:is|was)[ \t]{1,4}|[ \t]{0,2}[:=][ \t]{0,4})"
_KEY_NAME = r"(?:[A-Za-z][\w.-]{1,20}[ \t]{1,2})?(?i:api[ _-]?key|key|token|secret)"
_MY_KEY = (
    r"(?i:my|our|your)[ \t]{1,2}" + _KEY_NAME + r"(?:" + _COPULA + r"|[ \t]{1,2})"
    r"|(?i:the|this|that)[ \t]{1,2}" + _KEY_NAME + _COPULA
)
# A password named in another language (mein Passwort ist <v>, le mot de passe est <v>, mi clave es <v>): the
# words written in ASCII, "is" in theirs or a colon.
_OTHER_TONGUES = (
    r"(?i:passwort|kennwort|wachtwoord|senha|clave|parola|haslo|salasana|passord|adgangskode|losenord"
    r"|mot[ \t]de[ \t]passe)(?:[ \t]{1,2}(?i:ist|lautet|es|est|era|is|e|er|on|jest|zijn))?[ \t]{0,2}:?[ \t]{1,4}"
)
PROSE_TRIGGER = (
    r"(?:"
    + _MY_KEY
    + "|"
    + _OTHER_TONGUES
    + "|"
    + _PROSE_NAME
    + r"(?:"
    + _WHOSE
    + r"[ \t]{1,2}(?i:is|was):?[ \t]{1,4}(?:\\\"|'|`)?|[ \t]{0,2}:[ \t]{1,4})|"
    + _USER_SLASH
    + ")"
    + _PROSE_CHAR
    + "{8}"
)
_PROSE_BACK = 8
# Taken whole (++, *+): the tail's class holds what the dotted numbers do, so a long version that failed at
# its end was otherwise split at every dot (quadratic).
_VERSION = re.compile(r"[vV]?\d++(?:\.\d++)++[-+\w.]*+")
# A path's first alternative up to its first slash, taken whole: any slash before the extension's dot
# will do, and trying each (.*/) read the rest again from every slash (quadratic).
_PATH_LIKE = re.compile(r"[^/\n]*+/.*\.\w{1,5}|[~/.].*|.*://.*|[^@]+@[^@]+\.[A-Za-z]{2,}")


_ASCII_LOWER, _ASCII_UPPER, _DIGIT = re.compile("[a-z]"), re.compile("[A-Z]"), re.compile("[0-9]")


def random_looking(value: str) -> bool:
    """A value that only a machine or a password manager writes: 8 or more characters with letters and
    digits, and mixed case, a symbol or 20 characters; not a word, a path, a URL, an address, a
    version, code or a placeholder. For prose, where the name alone says little."""
    if len(value) < 8 or _PATH_LIKE.fullmatch(value) or _VERSION.fullmatch(value):
        return False
    if not plausible_secret(value) or is_type_or_reference(value):
        return False
    other = not value.isalnum()  # some character is not a letter or digit (the value is not empty)
    if value.isascii():  # the classes below are then exactly these: one search each, in C
        lower, upper, digit = (
            bool(_ASCII_LOWER.search(value)),
            bool(_ASCII_UPPER.search(value)),
            bool(_DIGIT.search(value)),
        )
    else:
        lower = any(c.islower() for c in value)
        upper = any(c.isupper() for c in value)
        digit = any(c.isdigit() for c in value)
    if not digit or not (lower or upper):
        return False
    return (lower and upper) or other or len(value) >= 20


# What names a public key before "key ": its value is no secret (my ssh key ssh-ed25519 AAAA...); nor is a
# database's or a cache's key (the sort key is createdAt#2024, the cache key: user:1234).
_PUBLIC_KEY_BEFORE = re.compile(
    r"(?i:ssh|gpg|pgp|public|pub|host|signing|primary|foreign|sort|partition|cache|hash|idempotency|composite"
    r"|unique|index|routing|lookup|object|s3|dedup|dedupe)[ \t]{1,2}key" + _COPULA + r"?[ \t]{0,2}\Z"
)


def _prose_ok(match: re.Match[str]) -> bool:
    end, start = match.end("value"), match.start("value")
    if _PUBLIC_KEY_BEFORE.search(match.string, max(0, start - 24), start):
        return False
    return random_looking(match.group("value")) and match.string[end : end + 1] not in ("(", "[")


# A URL query's parameter that carries a credential under a short name the assignment rules do not read
# (?auth=, &pass=, ?key=, X-Amz-Signature=): only a random-looking value (not ?key=value, ?code=US).
QUERY_TRIGGER = (
    r"[?&](?i:auth|pass|pwd|passwd|key|code|signature|x-amz-signature|x-goog-signature|x-amz-security-token)="
    r"[A-Za-z0-9%_.~+/-]{8}"
)
_QUERY_BACK = 8


# A YAML list under a plural secret name (api_keys:, tokens:, passwords:): every item, one per line.
# (Only the name's last word: a class of name characters before it cost Hyperscan a third of its speed on
# a flood of "api_keys:", and the match's end is the same.)
_LIST_NAME = (
    r"(?i:(?:api[_-]?key|token|secret|password|passwd|credential|access[_-]?key|auth[_-]?key|private[_-]?key)s)"
)
_ITEM = r"\\n[ \t]{0,24}-[ \t]{1,4}"  # a line of the string (an escaped newline), indentation, "- "
LIST_TRIGGER = _LIST_NAME + r":[ \t]{0,4}(?:" + _ITEM + r'[^\s\\"]{1,200}[ \t]{0,4})*' + _ITEM + r"""[^\s\\"'$<{\[#-]"""


# A passphrase of words (diceware: correct horse battery staple) after a name that says passphrase: the
# assignment rules take its first word only (a bare value runs over spaces when its first word holds a digit),
# and three words of four are most of its strength. Three to twelve words of letters (or digits), to the end of
# the line or string; not prose about one (a word like "the", "to", "used" in it).
_PASSPHRASE_TRIGGER = r"(?i:passphrase)(?:\\?[\"'])?[ \t]{0,2}[:=][ \t]{0,2}(?:\\\"|'|\")?[A-Za-z]{2}"
_PASSPHRASE_WORDS = re.compile(r"[A-Za-z0-9]+")
PROSE_WORDS = frozenset(
    "a an the to of for in on at by is are was be been with and or not no if it this that your my our "
    "used use uses set see when from as you we they here there must should will can may enter none empty".split()
)


def _passphrase_ok(match: re.Match[str]) -> bool:
    words = _PASSPHRASE_WORDS.findall(match.group("value").lower())
    return not any(word in PROSE_WORDS for word in words) and not is_type_or_reference(match.group("value"))


# A bare value that begins a sentence about the secret, to its line's end: three or more lower-case words, one of
# them a prose word, no digit or symbol (passphrase: used to unlock the key). A passphrase of words has no prose
# word (passphrase_words takes it).
_SENTENCE = re.compile(r"[a-z]{1,24}(?:[ \t][a-z]{1,24}){2,40}+[.!]?[ \t]{0,4}(?:\\[nr]|\\?[\"']|[\r\n]|\Z)")


def begins_a_sentence(text: str, at: int) -> bool:
    """The line from ``at`` on is a sentence (secret_assignment keeps its first word)."""
    found = _SENTENCE.match(text, at, min(len(text), at + 1100))
    return found is not None and any(word in PROSE_WORDS for word in found.group().split())


PASSPHRASE_WORDS = Rule(
    name="passphrase_words",
    replaces="a passphrase of three to twelve words after a name that says passphrase (diceware)",
    pattern=(
        r"(?P<value>[A-Za-z]{2}[A-Za-z0-9]{0,22}(?:[ \t-][A-Za-z0-9]{2,24}){2,11}+)"
        r"(?=[ \t]{0,4}(?:\\[nr]|\\?[\"']|[\r\n]|$|[ \t]#))"
    ),
    group="value",
    trigger=_PASSPHRASE_TRIGGER,
    anchored=True,
    back=2,
    reach=320,
    check=_passphrase_ok,
    example="`passphrase: <word> <word> <word> <word>` (not `passphrase: used to unlock the key`)",
)


PROSE_SECRET = Rule(
    name="prose_secret",
    replaces="a random-looking value after a secret's name in prose (the api key is ..., Password: ...)",
    pattern=r"(?P<value>" + _PROSE_CHAR + r"{8,200}(?<![.!?:]))",
    group="value",
    trigger=PROSE_TRIGGER,
    anchored=True,
    back=_PROSE_BACK,
    reach=210,
    check=_prose_ok,
    example="`here is the db password: <value>`, `the api key is <value>` (not `the token is expired`)",
)


SECRET_LIST_ITEM = Rule(
    name="secret_list_item",
    replaces="a random-looking item of a YAML list under a plural secret name (api_keys:, tokens:)",
    pattern=r"""(?P<value>[^\s\\"',#]{1,200})""",
    group="value",
    trigger=LIST_TRIGGER,
    anchored=True,
    back=1,
    reach=200,
    check=_prose_ok,
    example="`api_keys:` then `- <value>` lines (not `secrets:` / `- db_password`)",
)


URL_QUERY_SECRET = Rule(
    name="url_query_secret",
    replaces="a random-looking value of a URL query parameter named auth, pass, pwd, key or signature",
    pattern=r"(?P<value>[A-Za-z0-9%_.~+/-]{8,2048}={0,2})",
    group="value",
    trigger=QUERY_TRIGGER,
    anchored=True,
    back=_QUERY_BACK,
    reach=2050,
    check=_prose_ok,
    example="`https://x.firebaseio.com/a.json?auth=<value>`, `?user=u&pass=<value>` (not `?key=value`)",
)
