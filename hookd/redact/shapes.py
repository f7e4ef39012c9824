"""Hyperscan patterns for a context rule's whole shape: its context with the start of a value.

A rule's regex still decides; these only say where it may match, so each is
a superset of what the regex accepts (Hyperscan has no lookaround, and its
``\\s`` is widened to the bytes of Python's Unicode spaces, patterns.HS_WS).
What they buy: a flood of the context alone (``authorization: ``,
``token: str``) is reported nowhere and costs nothing in Python.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from hookd.redact.values import TYPE_NAMES
from hookd.redact.patterns import HS_KV_SEP, HS_WS, U_SPACE_ESCAPE

_Trie: TypeAlias = dict[str, "_Trie"]  # per next character, the rest of the words; the key "" ends a word


def not_a_type_name(words: tuple[str, ...]) -> str:
    """A Hyperscan pattern for a bare word that may start a value: it matches unless the word is one
    of ``words`` (ignoring case) and what follows ends the value there (so the regex would read the
    type name alone, which assigned_value_ok refuses), or white space not followed by = or |
    (which would make it the annotation of an assignment)."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def alternatives(node: _Trie) -> str:
        kids = sorted(k for k in node if k)
        found = [re.escape(k) + alternatives(node[k]) for k in kids]
        if "" in node:  # a whole type name: a value only if something continues it
            found += [
                "[^" + "".join(kids) + r"""\\;,)}\]"'&<>`{( \t\r\n]""",
                r"\\(?:\\|$)",
                r"[ \t\r\n]{1,6}[=|\x0b\x0c\x1c-\x1f\x80-\xff]",
                r"[ \t\r\n]{7}",
                "$",
            ]
        else:  # not a type name (yet): whatever is not the next letter of one makes it a value
            found += ["[^" + "".join(kids) + (r" \t\r\n" if node is trie else "") + "]", "$"]
        return "(?:" + "|".join(found) + ")"

    return alternatives(trie)


# What may follow "name:" when a value can begin there (the regex's lookahead, then its
# white space and value): =, a quote, other white space, or after 1-4 spaces anything
# but a type name that ends there. "token: str" in code then costs nothing.
_BARE_TYPE_NAMES = tuple(sorted(w for w in TYPE_NAMES if re.fullmatch(r"[a-z][a-z0-9]*", w)))
MAY_BE_ASSIGNED = (
    r"""(?:[=']|\\"|[\x0b\x0c\x1c-\x1f\x80-\xff]|"""
    + U_SPACE_ESCAPE
    + "|[ \\t\\r\\n]{1,4}"
    + not_a_type_name(_BARE_TYPE_NAMES)
    + ")"
)
MAY_BE_ASSIGNED_LENGTH = 4 + max(map(len, _BARE_TYPE_NAMES)) + 7  # the most it reads, none of it a colon


def _auth_value(first: int) -> str:
    """The value: ``first`` characters, then up to 256 in all and what ends it; or its first 256."""
    return (
        rf"[A-Za-z0-9._~+/-]{{{first}}}(?:[A-Za-z0-9._~+/-]{{0,{256 - first}}}={{0,3}}\.?"
        r"""(?:[\s\x1c-\x1f"'\\,;)\]}&|<>`\xc2\xe1-\xe3]|$)"""
        rf"|[A-Za-z0-9._~+/-]{{{256 - first}}})"
    )


# The header's whole shape for Hyperscan, its value up to the character that ends it: a flood of
# "authorization: " or "Bearer " with no credential after it reports nothing. A value longer than
# 256 characters is reported at its 256th (the regex reads the rest, ``ahead``), so that every
# match fits in the scanner's overlap between chunks (``short_trigger``).
# (What ends it: the regex's class, with \x1c-\x1f and the lead bytes of the Unicode spaces for its \s.)
AUTHORIZATION_SHAPE = (
    r"(?i:authorization|proxy-authorization)"
    + HS_KV_SEP
    + HS_WS
    + r"{0,4}(?:(?i:bearer|basic|token|bot)"
    + HS_WS
    + r"{1,4})?"
    + _auth_value(1)
    + r"|(?i:bearer|basic)"
    + HS_WS
    + r"{1,4}"
    + _auth_value(16)
)
