"""Whether a token found glued to a name is one: after letters (``idAKIA...``, ``keyAIza...``) or joined by ``_``
on either side (``mcp__<token>__tool``, ``backup_<token>.json``). The patterns that let a distinctive prefix stand
there are patterns.glued, b1_under, E_UNDER and UNDER_AHEAD; these checks read a bounded number of characters
around the match.
"""

from __future__ import annotations

import re

from hookd.redact.patterns import JOINTS

GLUE_MAX = 24  # letters of the word a token may be glued to (idAKIA..., tokenxoxb-...)
_BEFORE_OPTION = frozenset(" \t\n\r\"'=")
_NOT_BEFORE_GLUE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-\\")


def glue_ok(match: re.Match[str]) -> bool:
    """A token right after letters is glued to a short word that begins at a boundary (a name, an
    id: ``keyAIza...``), not found inside a run of base64 or a long identifier by chance."""
    text, start = match.string, match.start()
    if not _underscore_join_ok(text, start, match.end()):
        return False
    i = start
    while i > 0 and start - i <= GLUE_MAX and "a" <= text[i - 1].lower() <= "z":
        i -= 1
    if i == start:
        return True  # not glued: the pattern's own boundary held
    if _escape_before(text, start):
        # The letters end a \uXXXX escape (``\uff0c``): the character it stands for is before the token. The view
        # decodes those of ASCII, so this one is of a character past it (a fullwidth comma, a CJK word), which
        # raw before a token is no glue either.
        return True
    if _percent_before(text, start):
        return True  # the letters end a URL's percent escape (%2F, %3A): the character it stands for ends a word
    if start - i > GLUE_MAX:
        return False
    if i >= 1 and text[i - 1] == "\\":  # the letters begin with an escape's n, r, t, b or f: a word ends
        # After any run of backslashes, as B1 reads it: ``\\n`` (an escaped backslash, n) ends a line two JSON
        # levels down (a token there was refused on the first pass, and judged apart by a context rule on the
        # second).
        return text[i] in "bfnrt"
    if i >= 1 and text[i - 1] == "-" and (i == 1 or text[i - 2] in _BEFORE_OPTION or _escape_end(text, i - 1)):
        # A short option glued to its value (zip -P<token>, as patterns.AFTER_OPENER_1 reads it), or to a value that
        # a token ends (mysql -pab<token>): its - begins a word. Where a JSON string opens, the view may drop that -
        # as a diff's marker (lineprefix.py), and the word after the quote was taken (a pass with a view and one
        # without differed: fresh seed 7,022,652).
        return True
    return i == 0 or text[i - 1] not in _NOT_BEFORE_GLUE


def aws_key_id_glue_ok(match: re.Match[str]) -> bool:
    """glue_ok, but a key id glued before another token's prefix (``<hash>05AKIA<16>lin_api_<40>``) is one after
    any run: two tokens' shapes back to back stand in no base64 run or hash by chance, and refused, both were kept
    (the token after had the key id's capitals before it)."""
    text, end = match.string, match.end()
    if end - match.start() == 20 and text[end : end + 1] in _JOINT_FIRST and text.startswith(JOINTS, end):
        return True
    return glue_ok(match)


_JOINT_FIRST = frozenset(joint[0] for joint in JOINTS)


UNDERSCORE_RUN_MAX = 64  # characters of the name or file name part a token may be joined to by "_"
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_AWS_KEY_ID = re.compile(r"A[KS]IA[A-Z2-7]{16}")


def _underscore_join_ok(text: str, start: int, end: int) -> bool:
    """A token joined by ``_`` to a name on either side (``mcp__<token>__tool``, ``backup_<token>.json``,
    ``GH_TOKEN_<token>``) is one where its body looks random, and not the tail of a long run of base64url or
    of a hash, where a prefix stands by chance. ``_`` also opens and closes Markdown's emphasis (``_<token>_``):
    beside a space or a quote it joins nothing."""
    left = start > 0 and text[start - 1] == "_"
    right = text[end : end + 1] == "_"
    if left:
        i = start - 1
        while i > 0 and start - i <= UNDERSCORE_RUN_MAX and text[i - 1] in _NAME_CHARS:
            i -= 1
        if start - i > UNDERSCORE_RUN_MAX:
            return False
        left = text[i:start].strip("_") != ""
    if right:
        j = end
        while j < len(text) and text[j] == "_":
            j += 1
        right = text[j : j + 1] in _NAME_CHARS
    return not (left or right) or random_body(text[start:end])


def random_body(token: str) -> bool:
    """A token's body past its prefix's first four characters holds a digit, or both cases: what a random
    token has and a name (``sk_live_placeholder``, ``glpat-token-for-ci``) has not. An AWS key id's 16 of
    base32 stand alone (a 20-letter upper-case word beginning AKIA is no name)."""
    body = token[4:]
    if any(c.isdigit() for c in body):
        return True
    if any(c.isupper() for c in body) and any(c.islower() for c in body):
        return True
    return _AWS_KEY_ID.fullmatch(token) is not None


_HEX = frozenset("0123456789abcdefABCDEF")


def _escape_end(text: str, at: int) -> bool:
    """Whether text[:at] ends with a line break's or a tab's escape (\\n, \\t) after a run of backslashes."""
    return at >= 2 and text[at - 1] in "nrt" and text[at - 2] == "\\"


def _escape_before(text: str, at: int) -> bool:
    """Whether text[:at] ends with a \\uXXXX escape, of any level, of a character past ASCII (the view decodes
    an escaped letter or digit, which then is glue)."""
    low = at - 6
    if low < 0 or text[low : low + 2] != "\\u" or not all(c in _HEX for c in text[low + 2 : at]):
        return False
    return int(text[low + 2 : at], 16) >= 0x80


def _percent_before(text: str, at: int) -> bool:
    """Whether text[:at] ends with a percent escape (%2F), as patterns.AFTER_PERCENT reads it."""
    return at >= 3 and text[at - 3] == "%" and text[at - 2] in _HEX and text[at - 1] in _HEX


def github_join_ok(match: re.Match[str]) -> bool:
    """A classic token joined to a name by ``_`` after it (``mcp__ghp_<36>__tool``) is one of 40 characters, its
    CRC32 checked (github_ok): no length of a run of letters and digits up to a ``_`` stands for a token."""
    text, end = match.string, match.end()
    if text[end : end + 1] != "_" or match.group().startswith("github_pat_"):
        return True
    return len(match.group()) == 40
