"""What the name before a value, and the line it is on, say about the value.

* A public key's name (``publicKeyToken="b03f5f7f11d50a3a"`` in a .NET config, ``public_key: ...``): what
  follows is public by its name.
* A Kubernetes Secret's name or one of its keys (Helm values: ``existingSecret: db-secret``,
  ``tls.certificatesSecret=my-certs``, ``keyPasswordSecretKey: key-password``, ``secretName: web-tls``):
  the value names an object, written as one (lower case, digits, - and .); the secret is in the cluster.
  (``clientSecret``, ``jwtSecret``, ``webhookSecret`` hold one: only the words above name one.)
* A template's action (``{{- $rootPassword := .Values.auth.rootPassword }}``, ``{% set token = x %}``):
  everything bare in it is the template's code.
* A name that says where the secret is kept (Drone's ``from_secret: docker_password``, systemd's
  ``LoadCredential=db-password:/etc/api/db-password``): the value is a name or a path, the secret elsewhere.
* A line break between the separator and the value (``AUTH_SECRET=`` then ``AUTH_ISSUER=`` on the next
  line of an .env file): the value is empty; the next line is not it.

Each reads at most _LOOK_BACK characters before the value.
"""

from __future__ import annotations

import re

from hookd.redact.memo import remembered

_LOOK_BACK = 120
# The name right before the separator, after the quotes, spaces and separators around it are stripped.
_AROUND_NAME = "\\\"' \t:=>"
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
_PUBLIC_NAME = re.compile(r"(?i)public[-_]?key\w*")
# A name for the secret object itself (existingSecret, tls-secret, secret_name), ending the name: the whole
# name or after a character that is not a digit (a name holds only _NAME_CHARS). The short forms, at most
# _OBJECT_TAIL characters, are searched for in the name's tail only; the existing... form where it holds
# "existing". Read as one fullmatch after (?:.*[-_.]|.*[a-z])?, a long name was split at every place.
_OBJECT_NAME = re.compile(
    r"(?i)(?<![0-9])(?:secret[-_]?name"
    r"|(?:certificates?|certs?|tls|jks|keystores?|truststores?|passwords|scripts|vars)[-_]?secrets?"
    r"|(?:password|token|key)[-_]?secret[-_]?key)\Z"
)
_OBJECT_TAIL = 20  # its longest: certificates_secrets
_OBJECT_ENDS = ("name", "secret", "secrets", "key")  # how _OBJECT_NAME's and _EXISTING_NAME's matches end
_EXISTING_NAME = re.compile(r"(?i)(?<![0-9])existing[-_]?\w*?secrets?(?:[-_]?key)?\Z")
# A name whose value says where the secret is kept, never the secret: Drone's ``from_secret: docker_password`` (a
# name in its store), systemd's ``LoadCredential=<id>:<path>`` and ``ImportCredential=<glob>`` (SetCredential= holds
# one, and stays a secret name).
_STORE_NAME = re.compile(r"(?i)(?:from[-_]?secret|(?:load|import)[-_]?credential(?:[-_]?encrypted)?)\Z")
_STORE_ENDS = ("secret", "credential", "encrypted")  # how _STORE_NAME's matches end: a cheap test first
_STORE_REFERENCE = re.compile(r"[A-Za-z0-9_.@*-]{1,128}(?::[A-Za-z0-9_./@%*~-]{1,512})?")
# A name for a condition of the secret: its value is the message shown (badCredentials=..., no_token:
# "You can't access this page ...", INVALID_TOKEN = 'passwords.token', emptyPassword=\u0160patn\u00E9 ...).
_CONDITION_WORDS = ("empty", "bad", "invalid", "expired", "missing", "wrong", "incorrect", "unknown", "no")
_CONDITION_NAME = re.compile(
    r"(?i)(?:.*[._-])?(?:empty|bad|invalid|expired|missing|wrong|incorrect|unknown|no)[-_]?"
    r"(?:password|passwd|token|secret|credential|key)s?"
)
# A value of two or more words of letters that spells its own name (OPAQUE_TOKEN = "opaque-token",
# clientSecret: "client-secret", ELT_SIGNING_CREDENTIAL = "signing-credential"): a name, not a secret.
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # how a _WORDS match ends
_WORDS = re.compile(r"[A-Za-z]++(?:[-_. ][A-Za-z]++)++")  # each run taken whole: a separator or the end follows
_DNS_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")
_LINE_BREAKS = re.compile(r"\\n|\\r|[\n\r]")
# What lies between a separator and its value: spaces, line breaks, an opening quote.
_GAP = re.compile(r"(?:[ \t\r\n\"']|\\[nr\"])*\Z")
_ACTION_OPEN = ("{{", "{%")
_ACTION_CLOSE = ("}}", "%}")


def name_says_not_secret(match: re.Match[str]) -> bool:
    """The name before the value says it is public, a message or the name of a Kubernetes object, or the
    value spells the name."""
    text, start = match.string, match.start("value")
    before = text[max(0, start - _LOOK_BACK) : start].rstrip(_AROUND_NAME)
    word = before[len(before.rstrip(_NAME_CHARS)) :]
    if not word:
        return False
    # What the name alone says is remembered (a flood repeats its name before every value).
    value = match.group("value")
    if _public_or_condition(word) or _spells(value, word) or _abbreviates(value, word):
        return True
    if word.lower().endswith(_STORE_ENDS) and _STORE_NAME.search(word) and _STORE_REFERENCE.fullmatch(value):
        return True
    return _object_name(word) and _DNS_NAME.fullmatch(value) is not None


@remembered
def _public_or_condition(word: str) -> bool:
    low = word.lower()
    if "public" in low and _PUBLIC_NAME.search(word):
        return True
    return any(c in low for c in _CONDITION_WORDS) and _CONDITION_NAME.fullmatch(word) is not None


@remembered
def _object_name(word: str) -> bool:
    low = word.lower()  # a name is ASCII (_NAME_CHARS): its case folds as the patterns' (?i) does
    if "secret" not in low or not low.endswith(_OBJECT_ENDS):
        return False
    if _OBJECT_NAME.search(word, max(0, len(word) - _OBJECT_TAIL)):
        return True
    return "existing" in low and _EXISTING_NAME.search(word) is not None


def _spells(value: str, name: str) -> bool:
    # Words (of one letter or more, one separator between) hold at least half their length in letters,
    # which the name's letters must end with: a value over twice the name's length is no spelling of it.
    if len(value) > 2 * len(name) + 1 or value[-1:] not in _LETTERS or not _WORDS.fullmatch(value):
        return False
    letters = "".join(c for c in value.lower() if c.isalpha())
    return "".join(c for c in name.lower() if c.isalpha()).endswith(letters)


# A short lower-case value that abbreviates its name (C#'s const string Pwd = "pwd", OneTimePassword =
# "otp", Secret = "sec"): a key or a field's name, not a secret. Not a whole word of the name
# (ADMIN_PASSWORD=admin, ROOT_PASSWORD=root are real defaults, and stay redacted).
_ABBREVIATION = re.compile(r"[a-z]{2,6}")
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _abbreviates(value: str, name: str) -> bool:
    if not _ABBREVIATION.fullmatch(value):
        return False
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if value in words:
        return False
    letters = "".join(words)
    for start in (len("".join(words[:i])) for i in range(len(words))):
        if letters[start] == value[0] and _in_order(value[1:], letters, start + 1):
            return True
    return False


def _in_order(value: str, letters: str, at: int) -> bool:
    for c in value:
        at = letters.find(c, at) + 1
        if at == 0:
            return False
    return True


def in_template_action(match: re.Match[str]) -> bool:
    """The value is inside a {{ ... }} or {% ... %} action opened earlier on its line."""
    text, start = match.string, match.start("value")
    head = text[max(0, start - _LOOK_BACK) : start]
    if "{{" not in head and "{%" not in head:
        return False
    line = _LINE_BREAKS.split(head)[-1]
    opened = max(line.rfind(mark) for mark in _ACTION_OPEN)
    return opened >= 0 and all(mark not in line[opened:] for mark in _ACTION_CLOSE)


def value_on_next_line(match: re.Match[str]) -> bool:
    """A line break lies between the separator and the value: the separator's own line has no value (but
    for an opening parenthesis, which a value on the lines after continues)."""
    if "paren" in match.re.groupindex and match.group("paren"):
        return False
    start = match.start("value")
    near = match.string[max(0, start - 16) : start]
    if not ("\n" in near or "\r" in near or "\\n" in near or "\\r" in near):  # _LINE_BREAKS, by str tests
        return False
    gap = _GAP.search(match.string, max(0, start - 16), start)
    return gap is not None and _LINE_BREAKS.search(gap.group()) is not None
