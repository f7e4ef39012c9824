"""Secrets wrapped in base64 or hex, and data: URLs: decode, scan the decoded text, redact the whole.

A wrapper is worth decoding only when something in it may be a secret.
For base64 and hex the scanner looks for the encoded forms of the prefixes
that the common tokens and assignments start with (``ghp_`` encodes to
``Z2hwX`` when it starts a 3-byte group, and to two other strings at the
other two offsets): a few literals among the keywords, found in the same
single pass. The run around such a hit is decoded and redacted like any
text; if that finds a secret, the whole run is replaced.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Iterable

from hookd.redact.values import plausible_secret

# What the encoded forms are looked for: token prefixes and secret names.
PREFIXES = (
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "sk-ant-",
    "sk-proj-",
    "sk_live_",
    "AKIA",
    "ASIA",
    "AIza",
    "npm_",
    "hf_",
    "-----BEGIN",
    "password",
    "PASSWORD",
    "Password",
    "passwd",
    "secret",
    "SECRET",
    "Secret",
    "token",
    "TOKEN",
    "Token",
    "_KEY=",
    "_key=",
    "api_key",
    "apiKey",
    "hvs.",
    "eyJhbGci",
    '"auth"',
    # A URL's scheme and its slashes, by the scheme's last letter or digit (postgres://, mysql://, https://,
    # mongodb+srv://, s3://): a connection string's password (url_password) is what a base64 run of one hides.
    *(c + "://" for c in "abcdefghijklmnopqrstuvwxyz0123456789"),
)


def base64_fragments(prefix: str) -> list[str]:
    """The base64 characters that encode ``prefix`` alone, at each of the three offsets in a group."""
    raw = prefix.encode()
    fragments = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode()
        first = -(-8 * pad // 6)  # characters whose 6 bits all come from the prefix
        last = 8 * (pad + len(raw)) // 6
        fragment = encoded[first:last]
        if len(fragment) >= 4:
            fragments.append(fragment)
    return fragments


def keywords() -> tuple[str, ...]:
    found: set[str] = set()
    for prefix in PREFIXES:
        found.update(base64_fragments(prefix))
        found.add(prefix.encode().hex())
        found.add(prefix.encode().hex().upper())
    return tuple(sorted(found))


# Where encoded_secret's regex (rules.py) can begin, for Hyperscan (prefilter.py): after a character that
# cannot continue a run (or an escaped \\n, \\r, \\t), a run of 16 or more base64 characters that holds
# a capital letter (the first one at each of the 16 first places, or later), or of lowercase hex; then at
# most two '=' and a character that ends the run; or any run that reaches the end of what is scanned (a
# piece of the text: the regex reads on). A flood of fragments shorter than 16 reports nothing.
_RUN, _LOW = "[A-Za-z0-9+/_-]", "[a-z0-9+/_-]"
_BEFORE_RUN = r"(?:^|[^A-Za-z0-9+/_-]|\\[nrt])"
_END_RUN = r"(?:[^A-Za-z0-9+/=_\[-]|$)"
_CAPITAL_RUN = "|".join(
    [f"{_LOW}{{16}}{_LOW}*[A-Z]"]
    + [(f"{_LOW}{{{k}}}" if k else "") + "[A-Z]" + (f"{_RUN}{{{15 - k}}}" if k < 15 else "") for k in range(16)]
)
ENCODED_PREFILTER = (
    f"{_BEFORE_RUN}(?:(?:{_CAPITAL_RUN}){_RUN}*={{0,2}}|[0-9a-f]{{16}}[0-9a-f]*){_END_RUN}"
    f"|{_BEFORE_RUN}{_RUN}+={{0,2}}$"
)


# Hex of whole bytes, in one case: an even number of these, the run taken whole (a repeated pair was a group
# repetition per byte, and gave each back on failing).
_HEX = re.compile(r"[0-9a-f]++|[0-9A-F]++")
_NOT_PRINTABLE = bytes(b for b in range(256) if not (32 <= b < 127 or b in (9, 10, 13)))


def is_hex(value: str) -> bool:
    """Hex of whole bytes, all in one case."""
    return len(value) % 2 == 0 and _HEX.fullmatch(value) is not None


def _texty(raw: bytes) -> str | None:
    """Decoded bytes as text, if they are text (a key or a config), not an image or random bytes.

    The text comes back as the inside of a JSON string (quotes and newlines
    escaped), the form the rules read everything in: a decoded .env file's
    ``PASSWORD="..."`` is then the same to them as one in a payload.
    """
    if not raw:
        return None
    printable = len(raw.translate(None, _NOT_PRINTABLE))  # in C, not a generator per byte
    if printable < 0.85 * len(raw):
        return None
    return json.dumps(raw.decode("utf-8", "replace"), ensure_ascii=False)[1:-1]


def unwrap_encoded(value: str) -> str | None:
    """The text that a base64 (standard or URL-safe) or hex run encodes, or None."""
    if is_hex(value):
        return _texty(bytes.fromhex(value))
    body = value.rstrip("=")
    try:
        if "-" in body or "_" in body:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        else:
            raw = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    return _texty(raw)


def unwrap_data_url(value: str) -> str | None:
    """A data: URL's base64 payload as text (an .env file, a config), or None."""
    return unwrap_encoded(value)


# --- base64 of user:password with nothing beside it ------------------------------
#
# Basic auth's credential is base64 of "name:secret". Where no "Basic " or
# '"auth":' stands before it, it is found by its shape alone: every 4
# characters of base64 encode 3 bytes, printable ASCII allows only some
# characters at each place in a group (a random group passes one time in
# 14), and a colon encodes to a few fixed forms at each of its 3 offsets. The
# scanner looks for a group holding a colon followed by a printable group and
# one more (the secret's 6 characters or more); the run around it (at most
# BASIC_MAX characters, between characters that cannot be base64) is decoded
# and judged by user_password. The trigger is short and bounded on purpose:
# one that followed the whole run from its start cost the scanner a third of
# its speed on ordinary text (bench/README.md).

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BASIC_MAX = 344  # characters of base64: 256 bytes of name:secret and a newline
_PRINTABLE = range(0x20, 0x7F)


def _class(values: Iterable[int]) -> str:
    return "[" + "".join(re.escape(_B64[v]) for v in sorted(set(values))) + "]"


def _group(b0: Collection[int], b1: Collection[int], b2: Collection[int]) -> str:
    """A Hyperscan class per character of a base64 group whose three bytes come from the given sets."""
    return (
        _class(b >> 2 for b in b0)
        + _class((a & 3) << 4 | b >> 4 for a in b0 for b in b1)
        + _class((a & 15) << 2 | b >> 6 for a in b1 for b in b2)
        + _class(b & 63 for b in b2)
    )


_COLON = (0x3A,)
_TEXT_GROUP = _group(_PRINTABLE, _PRINTABLE, _PRINTABLE)
_COLON_GROUP = "(?:" + "|".join(_group(*(_COLON if i == at else _PRINTABLE for i in range(3))) for at in range(3)) + ")"
# The last group may end in a newline (echo's) and padding; any base64 characters will do there.
_LAST_GROUP = "(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)"
BASIC_TRIGGER = _COLON_GROUP + _TEXT_GROUP + _LAST_GROUP
# "=" ends a run, so one may begin after name=; and a run never ends right before "[": in a=b, once b
# is redacted, a would be followed by a marker, and a second pass would read it differently.
BASIC_PATTERN = (
    r"(?:(?<![A-Za-z0-9+/_\\-])|(?<=\\[nrt]))"
    rf"(?P<value>[A-Za-z0-9+/]{{12,{BASIC_MAX}}}+={{0,2}})(?![A-Za-z0-9+/=_\[-])"
)

_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@+-]{1,63}")
# name:value pairs that are not a user and a password: schemes, digests, hosts, kinds of id.
_NOT_USERS = frozenset(
    {
        "http",
        "https",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "git",
        "file",
        "mailto",
        "urn",
        "data",
        "tcp",
        "udp",
        "ws",
        "wss",
        "jdbc",
        "redis",
        "rediss",
        "postgres",
        "postgresql",
        "mysql",
        "mongodb",
        "amqp",
        "s3",
        "gs",
        "arn",
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "blake2b",
        "localhost",
        "docker",
        "npm",
        "pkg",
        "tag",
        "image",
        "label",
        "type",
        "kind",
        "name",
        "key",
        "id",
        "ref",
        "version",
        "node",
        "std",
        "com",
        "org",
        "javascript",
        "doi",
        "isbn",
        "tel",
        "sip",
        "xmlns",
        "xml",
        "xlink",
        "xsi",
    }
)


def user_password(value: str) -> bool:
    """Whether a bare base64 run is a credential: it decodes to ``name:secret`` (and perhaps a
    newline), the name like a user name (not a scheme, a digest's name, a host), the secret one
    that is worth hiding (6 to 200 printable characters, no spaces, not a placeholder, a port, a
    path or the name again, with at least two of lower case, upper case, digits and symbols)."""
    if len(value) > BASIC_MAX:
        return False
    body = value.rstrip("=")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    raw = raw[:-1] if raw.endswith(b"\n") else raw  # echo's newline: always in the last group
    if raw.count(b":") != 1 or not all(0x21 <= b < 0x7F for b in raw):
        return False
    name, secret = raw.decode("ascii").split(":")
    return credential_pair(name, secret)


def credential_pair(name: str, secret: str) -> bool:
    """``name:secret`` is a user and a password (user_password's test, also for one in clear)."""
    if not _USER.fullmatch(name) or name.isdigit() or name.lower() in _NOT_USERS:
        return False
    if not 6 <= len(secret) <= 200 or secret.isdigit() or secret[0] == "/" or secret == name:
        return False
    if not plausible_secret(secret):
        return False
    kinds = (
        any(c.islower() for c in secret)
        + any(c.isupper() for c in secret)
        + any(c.isdigit() for c in secret)
        + any(not c.isalnum() for c in secret)
    )
    return kinds >= 2
