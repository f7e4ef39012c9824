"""The values of a Kubernetes Secret's ``data:`` (twentieth session, h95).

A Secret's manifest (a file read, ``kubectl get secret -o yaml``) holds each value base64-encoded under its own
key, whatever the key's name: ``DB_URL: cG9zdGdyZXM6Ly9...`` (a database URL with its password), ``smtp:
SHVudGVy...``, ``tls.key: LS0tLS1CRUdJTi...``. The name rules take a value under a secret's name, and
encoded.py a value whose decoding holds a secret's shape; the others were kept. Every value of a Secret's data is
secret by the manifest's own word (as a Terraform output marked sensitive, marked.py), so each is taken.

What makes a line one of them: the lines from a ``data:`` line down to it are all ``  key: <base64>`` lines, and
the manifest says ``kind: Secret`` in the same YAML document (no ``---`` between), before the data (as written
by hand) or after it (as kubectl sorts the keys), the whole within SPAN characters. Hyperscan reads from the
``data:`` line to the value's first character, only in the scanner's chunks that hold ``kind: Secret``; the
context is checked before the value is read, which is read to its line's end. A value whose decoding is a
placeholder (``cGFzc3dvcmQ=``, "password") is kept. An Edit's patch, each line a string, reads the same (h97): a
string's end and the next's opening quote are a line's break. ``kubectl get secret -o json`` too: the pairs of
``"data": {`` whose object's own ``"kind"`` says ``"Secret"``, at any distance (k8sjson.py). A value more than SPAN
characters from its ``data:`` line (or, YAML, from a kind not its block's sibling) is not read: the trigger and its
gate must fit in the scanner's overlap.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

from hookd.redact.k8sjson import (
    SPAN,
    JSON_NEED,
    JSON_TRIGGER,
    in_secret_json,
    json_kind_near,
    json_values,
    sibling_kinds,
)
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_KIND = re.compile(r"kind: Secret(?=\\[nr]|[\r\n]|\Z| #|\")")
_KIND_LINE = "kind: "
_DOCUMENT = "---"
# A line's break: raw or escaped, or (an Edit's structuredPatch, each line a string) a string's end and the next's
# opening quote (the view has dropped the diff's marker after it).
_BREAK = r"(?:(?:\\r)?(?:\\n|\n)|\", ?\")"
_KEY = r" {1,8}[A-Za-z0-9_.-]{1,253}: "  # (one space: a diff's "+ " dropped with the view's marker)
# A value's characters: a data: value's base64; a stringData: value's text to its line's end (no line break, raw or
# escaped, and no raw quote: a patch line's string ends there).
_BASE64 = r"[A-Za-z0-9+/]*+={0,2}"
_TEXT = r"(?:[^\\\n\r\"]|\\[^nr])*+"
_VALUE_END = r"(?=\\[nr]|[\r\n]|\\?\"|\Z)"


class _Block:
    """A Secret's block of values under ``word`` (data:, stringData:): Hyperscan's trigger, which reads from the
    word's line at a line's start down each key and its value and reports at each value's first character (less
    ``back``: a YAML file's other keys, a ConfigMap's beside it, report nothing), and the block read again in
    Python, walked once from its word's line, however long (a kubectl get secret of many keys, a long
    certificate before a value): the trigger reaches only as far as a chunk and its overlap."""

    def __init__(self, word: str, value: str, first: str, back: int) -> None:
        self.word, self.back = word, back
        line = _KEY + value.replace("*+", "*") + _BREAK  # (Hyperscan has no possessive quantifier)
        self.trigger = r'(?:\n|\\n|") {0,8}' + word + r"[ \t]*" + _BREAK + "(?:" + line + ")*" + _KEY + first
        # A chunk worth the trigger's scan: one with the word's line (a data: URL is none). The trigger needs no
        # kind: Secret in its chunk: a long block's kind (kubectl writes it after the data) lies chunks away.
        self.need = "(?:" + word + r"[ \t]{0,8}(?:\n|\\[nr]|\", ?\"))"
        # The lines between the word and a key's line: keys with values, each line's break after it.
        self._lines = re.compile(word + r"[ \t]*" + _BREAK + r"(?:" + _KEY + value + _BREAK + ")*+")
        self._head = re.compile(word + r"[ \t]*" + _BREAK)
        self._entry = re.compile(
            "(?P<indent> {1,8})" + _KEY.removeprefix(" {1,8}") + "(?P<value>" + value + ")" + _VALUE_END
        )

    def find(self, text: str, at: int) -> tuple[int, int] | None:
        """Where the block holding the report (its value's first character, at - back) begins: its word and its
        line's start (its indentation), or None: the lines from the word to the report's are not all keys with
        values, or the word is part of another (metadata:, stringData: for data:). Read at most SPAN back."""
        at -= self.back - 1
        low = max(0, at - 300)  # the line's break, before its key (at most 266 characters before the value)
        raw, escaped, comma = text.rfind("\n", low, at), text.rfind("\\n", low, at), text.rfind('",', low, at)
        opening = comma + 3 if text.startswith(' "', comma + 2) else comma + 2  # a patch line's opening quote
        quoted = comma >= 0 and text.startswith('"', opening)
        if raw < 0 and escaped < 0 and not quoted:
            return None
        line = max(raw + 1, escaped + 2, opening + 1 if quoted else -1)
        word = text.rfind(self.word, max(0, at - SPAN), line)
        if word < 0 or not self._lines.fullmatch(text, word, line):
            return None
        indent = text[max(0, word - 16) : word]
        start = word - (len(indent) - len(indent.rstrip(" ")))
        if start > 0 and text[start - 1] not in '\n"' and text[start - 2 : start] != "\\n":
            return None
        return word, start

    def ends(self, text: str, ends: list[int]) -> list[int]:
        """The ends to read: for each block reported (YAML, or kubectl's JSON: _json_values), every value of the
        block, when the object's kind says Secret. Work is the blocks' length."""
        out: list[int] = []
        walked = -1
        json_blocks: list[tuple[int, int, list[int]]] = []
        for at in ends:
            if at <= walked:
                continue  # a value of a block already walked
            if text.startswith('\\"', at - 3):
                data, walked, values = json_values(text, at)
                json_blocks.append((data, walked, values))
                continue
            block = self.find(text, at)
            if block is None:
                continue
            word, start = block
            floor = max(walked, 0)  # the block before ends there: a sibling's kind is looked for after it
            values, walked = self._walk(text, word)
            if _kind_says_secret(text, start, word, walked, floor):
                out += [value + self.back for value in values]
        if json_blocks:
            kinds = sibling_kinds(text, [(data, end) for data, end, _ in json_blocks])
            for (data, end, values), kind in zip(json_blocks, kinds, strict=True):
                if kind if kind is not None else json_kind_near(text, data, end):
                    out += [value + self.back for value in values]
        return sorted(set(out))

    def _walk(self, text: str, word: int) -> tuple[list[int], int]:
        """From the word's line down its keys: where each value begins, and where the block ends (at a key
        indented otherwise than the first: a List's item's kind: after its data's keys)."""
        head = self._head.match(text, word)
        assert head is not None  # find() matched the same
        values: list[int] = []
        at = head.end()
        indent = -1
        while (entry := self._entry.match(text, at)) is not None:
            spaces = entry.end("indent") - at
            if indent not in (-1, spaces):
                break
            indent = spaces
            values.append(entry.start("value"))
            following = _NEXT_LINE.match(text, entry.end())
            if following is None:
                at = entry.end()
                break
            at = following.end()
        return values, at


_NEXT_LINE = re.compile(_BREAK)
_DATA = _Block("data:", _BASE64, "[A-Za-z0-9+/]", 1)
# A stringData: value as written (a key after the key's ": "): the trigger ends before it; a block scalar (| or >)
# holds lines the name rules read.
_STRING_DATA = _Block("stringData:", _TEXT, "", 0)
_DATA_TRIGGER = _DATA.trigger


def _in_secret_data(text: str, at: int) -> bool:
    """The report (the value's first character, at - 1) is a value of a data: block, YAML or JSON (its kind is
    checked once for the whole block, by _Block.ends)."""
    if text.startswith('\\"', at - 3):
        return in_secret_json(text, at)
    return _DATA.find(text, at) is not None


def _kind_says_secret(text: str, start: int, word: int, end: int, floor: int) -> bool:
    """The object's kind: the nearest kind: line after the block in its document at the block's column (kubectl
    sorts kind after data; in a List the one before is the previous item's) within SPAN of it, else the block's sibling kind: line
    before it however far (written by hand: kind:, a long metadata:, data:), else the nearest kind: line before
    the data within SPAN, says Secret."""
    after = text.find(_KIND_LINE, end, min(len(text), end + SPAN))
    if after >= 0 and text.find(_DOCUMENT, end, after) < 0 and _column(text, after) == word - start:
        return _KIND.match(text, after) is not None
    sibling = _sibling_kind(text, start, word, floor)
    if sibling is not None:
        return sibling
    before = text.rfind(_KIND_LINE, max(0, start - SPAN), start)
    return before >= 0 and _KIND.match(text, before) is not None and text.find(_DOCUMENT, before, word) < 0


def _column(text: str, at: int) -> int:
    """How many spaces stand before ``at`` on its line (-1: something else before it there: not a key's line)."""
    spaces = len(text[max(0, at - 40) : at]) - len(text[max(0, at - 40) : at].rstrip(" "))
    line = at - spaces
    return spaces if line == 0 or text[line - 1] in '\n"' or text.endswith("\\n", 0, line) else -1


def _sibling_kind(text: str, start: int, word: int, floor: int) -> bool | None:
    """Whether the kind: line among the block's siblings before it (the lines at its column, back from its line
    past deeper ones: an annotation of any length) says Secret; None: there is none back to its object's start
    (a line less indented, a List's item's dash, a document's ---) or ``floor`` (the block before: each line is
    read once, whatever the blocks)."""
    if start <= floor:  # right after the block before: no line of its own object stands between
        return None
    column = word - start
    form = next((form for form in ("\n", "\\n", '", "', '","') if text.endswith(form, 0, start)), "")
    if not form:
        return None
    # The lines no deeper than the block's, found by one regex (the deeper ones are most lines: an annotation's),
    # and the text's first line (after a string's quote), read from the nearest back.
    first = text.find(form, floor, start)
    opening = text.rfind('"', floor, first) + 1 if first >= 0 else 0
    lines = [(opening, _indent(text, opening, first))] if opening > floor else []
    lines += [(m.start(1), m.end(1)) for m in _shallow(form, column).finditer(text, floor, start - len(form))]
    for line, indent in reversed(lines):
        if indent - line == column and text.startswith(_KIND_LINE, indent):
            return _KIND.match(text, indent) is not None
        if indent - line + 2 == column and text.startswith("- ", indent):
            return _KIND.match(text, indent + 2) is not None if text.startswith(_KIND_LINE, indent + 2) else None
        if indent - line < column or text.startswith(_DOCUMENT, indent):
            return None
    return None


def _indent(text: str, line: int, end: int) -> int:
    """Where the line's indentation ends."""
    at = line
    while at < end and text[at] == " ":
        at += 1
    return at


@functools.lru_cache(maxsize=64)
def _shallow(form: str, column: int) -> re.Pattern[str]:
    """A line after ``form`` (a line's break) indented ``column`` spaces or fewer, not empty."""
    empty = {"\n": r"[\r\n]", "\\n": r"\\[nr]"}.get(form, '"')
    return re.compile(re.escape(form) + "( {0," + str(column) + "})(?! |" + empty + ")")


def _decodes_to_a_secret(match: re.Match[str]) -> bool:
    """A placeholder's base64 (cGFzc3dvcmQ=, "password") is kept; bytes (a key, a keystore) are taken."""
    try:
        decoded = base64.b64decode(match.group("value"), validate=True)
    except (binascii.Error, ValueError):
        return False  # not base64: a Secret's data always is
    try:
        return plausible_secret(decoded.decode("utf-8"))
    except UnicodeDecodeError:
        return True


K8S_SECRET_DATA = Rule(
    name="k8s_secret_data",
    replaces="a value of a Kubernetes Secret's data: (base64, under any key) in its manifest or kubectl's YAML or JSON",
    pattern=r"(?P<value>[A-Za-z0-9+/]{4,16384}+={0,2})(?=\\[nr]|[\r\n]|\\?\"|\Z)",
    group="value",
    trigger="(?:" + _DATA_TRIGGER + "|" + JSON_TRIGGER + ")",
    trigger_parts=((_DATA_TRIGGER, (_DATA.need,)), (JSON_TRIGGER, (JSON_NEED,))),
    anchored=True,
    back=1,
    reach=16400,
    trigger_check=_in_secret_data,
    select=_DATA.ends,
    check=_decodes_to_a_secret,
    example='`kind: Secret` ... `data:` / `  DB_URL: <base64>`; `"data": {"relay": "<base64>"}, "kind": "Secret"`',
)


def _text_is_a_secret(match: re.Match[str]) -> bool:
    """A stringData: value as written: not a block scalar's indicator (its lines follow), a reference, a
    template or a placeholder."""
    value = match.group("value").rstrip()
    return value[:1] not in ("|", ">") and plausible_secret(value)


K8S_SECRET_STRING_DATA = Rule(
    name="k8s_secret_string_data",
    replaces="a value of a Kubernetes Secret's stringData: (as written, under any key) in its manifest",
    # Quoted: to the closing quote; bare: to the line's end or a comment.
    pattern=(
        r"(?P<q>\\\"|')?(?P<value>(?(q)(?:(?!(?P=q))(?:[^\\\n\r\"]|\\[^nr])){1,1024}+"
        r"|(?:[^\\\n\r\"\s]|\\[^nr])(?:(?! #)(?:[^\\\n\r\"]|\\[^nr])){0,1023}+))"
    ),
    group="value",
    trigger=_STRING_DATA.trigger,
    trigger_parts=((_STRING_DATA.trigger, (_STRING_DATA.need,)),),
    anchored=True,
    reach=2100,
    trigger_check=lambda text, at: _STRING_DATA.find(text, at) is not None,
    select=_STRING_DATA.ends,
    check=_text_is_a_secret,
    example="`kind: Secret` ... `stringData:` / `  relay: <value>`",
)

K8S_SECRET_RULES: tuple[Rule, ...] = (K8S_SECRET_DATA, K8S_SECRET_STRING_DATA)
