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
import re

# What the encoded forms are looked for: token prefixes and secret names.
PREFIXES = ("ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "sk-ant-", "sk-proj-",
            "sk_live_", "AKIA", "ASIA", "AIza", "npm_", "hf_", "-----BEGIN", "password", "PASSWORD", "Password",
            "passwd", "secret", "SECRET", "Secret", "token", "TOKEN", "Token", "_KEY=", "_key=", "api_key",
            "apiKey", "hvs.", "eyJhbGci")


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


_HEX = re.compile(r"(?:[0-9a-f]{2})+|(?:[0-9A-F]{2})+")


def _texty(raw: bytes) -> str | None:
    """Decoded bytes as text, if they are text (a key or a config), not an image or random bytes."""
    if not raw:
        return None
    printable = sum(1 for b in raw if 32 <= b < 127 or b in (9, 10, 13))
    if printable < 0.85 * len(raw):
        return None
    return raw.decode("utf-8", "replace")


def unwrap_encoded(value: str) -> str | None:
    """The text that a base64 (standard or URL-safe) or hex run encodes, or None."""
    if _HEX.fullmatch(value):
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
