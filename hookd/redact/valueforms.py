"""Values that name, locate or describe a secret rather than hold one.

Found in real trees (docs/redaction.md, "Code read whole, other languages"): a package's version range
(``"jsonwebtoken": "^9.0.0"``), the file that holds it (``"credentials.json"``), an OAuth provider's token endpoint (``token: "https://x.com/oauth/token"``),
a message shown to the user about the secret (``'token' => 'This password reset token is invalid.'``), a
string interpolation (``'#{SecureRandom.hex(64)}'``), an identifier of a protocol (``"urn:ietf:params:oauth:
token-type:jwt"``, ``"gt:password"``, ``"application/jwt"``, ``'required|confirmed'``). Each check reads the value
alone.
"""

from __future__ import annotations

import re

# A version or a range of them: ^9.0.0, ~1.3, >=2.0.1, v1.2.3-beta.1, 1.x; and npm's dist-tags.
_VERSION = re.compile(
    r"(?:[\^~]|[<>]=?|=)?v?[0-9]+(?:\.(?:[0-9]+|[x*]))+(?:-[0-9A-Za-z.]+)?|workspace:[\^~*]?(?:[0-9.]+)?"
)
DIST_TAGS = frozenset({"latest", "beta", "next", "canary"})
# An http(s) address with no user, no query and no fragment: an endpoint. A path segment of 16 or more
# characters with a digit in it may be a webhook's secret (hooks.slack.com/services/T0/B0/<secret>): kept
# a candidate.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?P<path>(?:/[A-Za-z0-9._~%+-]*)*)")
_LONG_WITH_DIGIT = re.compile(r"(?=[^/]*[0-9])[^/]{16,}")
# A sentence about the secret: a capital, four or more words, a full stop; one of the words names a
# secret ("This password reset token is invalid.", "You can't access this page without ..."). A
# passphrase is not punctuated so, nor does it name itself.
_SENTENCE = re.compile(r"[A-Z][^\s]*(?: [^\s]+){3,}[.!?]")
_SECRET_WORD = re.compile(r"(?i)(?<![a-z])(?:password|passphrase|token|secret|credentials?|key)s?(?![a-z])")


# The file that holds the secret, not the secret: --client-key=./u.key, SSL_KEY=/etc/ssl/private/site.pem,
# serviceAccountSecretKey: "credentials.json", value: /etc/secrets/service-account/credentials.json.
# Each directory is taken whole (*+): read otherwise, a long name without an extension was tried at every split.
_FILE = re.compile(
    r"(?:\.{1,2}|~)/[\w.@+/-]*|/?(?:[\w.@+-]+/)*+[\w.@+-]+\.(?:pem|key|crt|cer|p12|pfx|jks|json)"
    r"|/(?:[\w.@+-]+/)*+[\w.@+-]+\.(?:txt|env)"
)
# What _FILE's matches start or end with: most values are neither, and cost a string test, not the regex's.
_FILE_STARTS = ("./", "../", "~/")
_FILE_ENDS = (".pem", ".key", ".crt", ".cer", ".p12", ".pfx", ".jks", ".json", ".txt", ".env")
# An absolute path of two or more lower-case names (/run/secrets/db-password, a Docker or Kubernetes
# secret's mount):
# kept unless a name is long and holds a digit, as a secret in a path would.
# Each name taken whole (*+): a slash never continues one, and a long name was otherwise given back a
# character at a time, each tried against the next slash.
_ABSOLUTE_PATH = re.compile(r"(?:/[a-z][a-z0-9._-]*+){2,}/?")


# Identifiers in a protocol: a URN (urn:ietf:params:oauth:token-type:access_token), a media type
# (application/jwt), lower-case words joined by : or + with a secret's word among them (OpenIddict's
# "gt:password", "at+jwt", "oi_reft+jwt"), validation rules (Laravel's 'required|confirmed').
_URN = re.compile(r"(?i)urn:[a-z0-9][a-z0-9-]{0,31}(?::[\w.+%-]+)+")
_MEDIA_TYPE = re.compile(r"(?:application|text|image|audio|video|multipart|message)/[\w.+-]+")
_WORD_END = frozenset("abcdefghijklmnopqrstuvwxyz_")  # how a _JOINED_WORDS match ends
_JOINED_WORDS = re.compile(r"[a-z][a-z_]{0,19}(?:[:+][a-z][a-z_]{0,19})+")
_PROTOCOL_PARTS = frozenset(
    "password token secret jwt credentials client_credentials refresh_token access_token".split()
)
_RULES = re.compile(r"[A-Za-z_]+(?::[\w,.]+)?(?:\|[A-Za-z_]+(?::[\w,.]+)?)*")
RULE_WORDS = frozenset(
    "required confirmed nullable sometimes present filled string min max size between email current_password "
    "different same alpha_num regex".split()
)
RULE_WORDS_ALONE = frozenset({"required", "confirmed"})


def _identifier(value: str) -> bool:
    # Each only where the value starts as it must (urn:, a media type's /): a string test, not the regex.
    if value[:4].lower() == "urn:" and _URN.fullmatch(value) or "/" in value and _MEDIA_TYPE.fullmatch(value):
        return True
    rules = value.split("|")
    # The first rule's word first: a string test, before the regex reads the whole value.
    if (
        rules[0].split(":", 1)[0].lower() in RULE_WORDS
        and _RULES.fullmatch(value)
        and all(part.split(":")[0].lower() in RULE_WORDS for part in rules)
    ):
        return len(rules) > 1 or ":" in value or value.lower() in RULE_WORDS_ALONE  # a word alone is a password
    return bool(
        value[-1:] in _WORD_END
        and _JOINED_WORDS.fullmatch(value)
        and _PROTOCOL_PARTS.intersection(re.split(r"[:+]", value))
    )


def describes_a_secret(value: str) -> bool:
    """A version, an endpoint, a file, a message or an interpolation: not a secret's value."""
    # Each shape is tried only where a character it needs is there: every candidate of a flood pays.
    if value.startswith("#{") or value.lower() in DIST_TAGS:
        return True
    dotted, slashed = "." in value, "/" in value
    if (dotted or value.startswith("workspace:")) and _VERSION.fullmatch(value):
        return True
    if (
        (dotted or slashed)
        and (value.startswith(_FILE_STARTS) or value.endswith(_FILE_ENDS))
        and _FILE.fullmatch(value)
    ):
        return True
    if (slashed or ":" in value or "|" in value or "+" in value) and _identifier(value):
        return True
    if slashed:
        url = _PLAIN_URL.fullmatch(value) if value.startswith("http") else None
        path = url.group("path") if url else value if value[0] == "/" and _ABSOLUTE_PATH.fullmatch(value) else None
        if path is not None:
            return not any(_LONG_WITH_DIGIT.fullmatch(part) for part in path.split("/"))
    return " " in value and _SENTENCE.fullmatch(value) is not None and _SECRET_WORD.search(value) is not None
