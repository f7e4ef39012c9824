"""Where a JSON key that names a secret ends, and its string value begins.

The key is structure (between raw quotes), so JSON allows only ASCII white space
around its colon. Its last word says secret: ``password``, ``client_secret``,
``accessToken``, ``X-Api-Key``, ``dbPass``, ``cookie`` (``cwd`` is no ``pwd``).

Hyperscan reads only the key's secret word, its closing quote, the colon and the
value's opening quote and first character (an empty value is no secret). A
trigger that also read the key from its opening quote (``"[A-Za-z0-9_.-]*``
before the word) kept Hyperscan busy at every occurrence of the word, quoted or
not: 13 ms per MiB of ``dapi`` (the ``api`` of ``api_key``) or of ``"token": "``.
The rest of the key is checked in Python (``key_ok``), once per report: it is
the text between the closing quote and the quote before it, so the keys checked
never overlap and the check's work is bounded by the text's length.
"""

from __future__ import annotations

import re

from hookd.redact import namewords

# The words that make a "key" a secret (api_key, private_key; not cache_key, primary_key), here and
# in rules.py's names.
KEY_PREFIX_WORDS = (
    "api|private|secret|access|signing|encryption|client|master|app|account"
    "|application|subscription"  # DD_APPLICATION_KEY, Ocp-Apim-Subscription-Key
)
_KEY_PREFIXES = KEY_PREFIX_WORDS
# What the key may end with: the last words of every branch of KEY below.
KEY_TRIGGER = (
    rf"(?i:pass(?:word|wd|phrase)?|pwd|secret|token|credentials?|(?:{_KEY_PREFIXES})[_.-]?key|auth(?:orization)?"
    rf'|cookie|{namewords.PATTERN})"\s{{0,4}}:\s{{0,4}}"[^"]'
)
# The whole key between its quotes: the same last words, camelCase too (accessToken, apiKey, dbPass),
# "pass"/"pwd" only after a separator or as camelCase, auth, authorization and cookie as whole or
# separated words. ASCII only: Hyperscan's caseless matching is, and so are the key characters.
_KEY = re.compile(
    r"(?:[A-Za-z0-9_.-]*(?i:pass(?:word|wd|phrase)|secret|token|credentials?"
    rf"|(?:{_KEY_PREFIXES})[_.-]?key)"
    r"|[A-Za-z0-9_.-]{0,60}[_.-](?i:pass|pwd)"
    r"|(?:[A-Za-z0-9_.-]{0,60}[_.-])?(?i:auth|authorization|cookie|creds|bearer|salt)"
    r"|[a-z0-9]{1,60}(?:Pass|Pwd|Auth|Authorization|Cookie|Creds|Bearer|Salt)"
    r"|(?:[A-Za-z0-9_.-]{0,60}[_.-]|[a-z0-9]{1,60})?(?i:connection[_.-]?string|secret[_.-]?key[_.-]?base)"
    r"|(?i:pass|pwd))",  # the whole key: {"user": "ci", "pass": "..."}
    re.ASCII,
)
_SEPARATOR = 9  # the most between the key's closing quote and the value's opening one: 4 spaces, ":", 4 spaces


def key_ok(text: str, end: int) -> bool:
    """Whether the trigger's report that ends at ``end`` (just past the value's first character) follows
    a whole key that names a secret, opened by a quote that is not escaped."""
    close = text.rfind('"', max(0, end - 2 - _SEPARATOR - 1), end - 2)
    if close < 0:
        return False
    opening = text.rfind('"', 0, close)
    if opening < 0 or (opening > 0 and text[opening - 1] == "\\"):
        return False
    return _KEY.fullmatch(text, opening + 1, close) is not None


def names_a_secret(key: str) -> bool:
    """Whether a JSON key, whole, names a secret (as a key before its value does: key_ok)."""
    return _KEY.fullmatch(key) is not None
