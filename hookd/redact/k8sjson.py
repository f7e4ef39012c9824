"""The kind of the JSON object that holds a Kubernetes Secret's ``"data": {`` block, read by its nesting (h117).

``kubectl get secret -o json`` sorts the keys (kind after data), but a Secret written by hand says ``"kind":
"Secret"`` first, then a ``metadata`` whose annotations (``kubectl.kubernetes.io/last-applied-configuration``
holds the whole object again) can run to thousands of characters, then ``data``: the nearest ``"kind":``
within 2,000 characters either side found none, or a List's neighbour's. The block's siblings are read
instead (sibling_kinds): forward from the block's end to its object's ``}`` (each inner string read whole by the
regex, past nested objects and arrays), and, where no kind key stands there, back from its ``"data"`` key to its
object's ``{``, at any distance: the object's own ``kind`` decides, and an object with none is no Secret.

The JSON is a payload's string (one level of escaping): an inner string's quote is ``\\"`` after an even
number of escaped backslashes (a run of 4k+1 backslashes before ``"``), a raw ``"`` is the payload string's
own end or start, where a walk stops undecided (the 2,000-character window decides then, as before). The walk
back reads by the quotes' parity from the key's, known to stand outside a string: where the rules read a view
(deeper strings decoded to this level: view.py) a string holding JSON (an annotation's copy of the object) is
crossed as balanced quotes. Work: the walks forward stop at the next block (each character read once), the
walks back share a budget of twice the text (nested blocks could otherwise read the same text again each).
"""

from __future__ import annotations

import re

# From the data: line or kind: Secret, whichever is first, to the value's first character or the other: within
# the scanner's overlap (scan.OVERLAP, 2048), so some chunk holds the whole trigger and kind: Secret, its gate.
SPAN = 2000

# kubectl get secret -o json (and jq's compact form): "data": {"<key>": "<base64>", ...} in JSON text, its keys
# sorted (kind after data); Hyperscan reads from "data": { down each pair to the value's first character, in chunks
# that hold a "data": {; the block is walked once, and its object's kind read by its nesting (sibling_kinds).
_JSON_KEY = r'\\"[A-Za-z0-9_.-]{1,253}\\": ?\\"'
_JSON_SPACE = r'(?:\\n|[ \t]|", ?")'  # (a line's end and the next's start in an Edit's patch, as _BREAK)
JSON_TRIGGER = (
    r'\\"data\\": ?\{'
    + _JSON_SPACE
    + "*(?:"
    + _JSON_KEY
    + r'[A-Za-z0-9+/]*={0,2}\\",'
    + _JSON_SPACE
    + "*)*"
    + _JSON_KEY
    + "[A-Za-z0-9+/]"
)
JSON_NEED = r'(?:\\"data\\": ?\{)'
_JSON_DATA_PAIRS = re.compile(
    r'\\"data\\": ?\{'
    + _JSON_SPACE
    + "*+(?:"
    + _JSON_KEY
    + r'[A-Za-z0-9+/]*+={0,2}\\",'
    + _JSON_SPACE
    + "*+)*+"
    + _JSON_KEY
)
_JSON_KIND = re.compile(r'kind\\": ?\\"Secret\\"')
_JSON_KIND_KEY = 'kind\\":'
_JSON_HEAD = re.compile(r'\\"data\\": ?\{' + _JSON_SPACE + "*+")
_JSON_ENTRY = re.compile(_JSON_KEY + r'(?P<value>[A-Za-z0-9+/]*+={0,2})\\"')
_JSON_NEXT = re.compile("," + _JSON_SPACE + "*+")
# An inner string whole (its quotes \" and what is between: characters, the payload string's escapes other than
# \" and \\, and an inner escape: \\ and what it escapes), a quote after a run of backslashes (a raw one ends the
# payload's string; an inner one here opens a string cut there), a brace or a bracket.
_TOKEN = re.compile(r'(?P<s>\\"(?:[^\\"]|\\[^\\"]|\\\\(?:[^\\"]|\\.))*+\\")|(?P<q>\\*)"|[{}\[\]]')
_QUOTE_OR_BRACE = re.compile(r'["{}\[\]]')  # (one character class: the regex skips the rest fast)
_CHUNK = 4096  # characters tokenized at a time going back to a block's object's start


_CLOSED = "closed"  # a walk reached its object's bound with no kind key on its way


def sibling_kinds(text: str, blocks: list[tuple[int, int]]) -> list[bool | None]:
    """For each block (its ``\\"data\\":`` key and where its pairs end, in order), whether its object's own
    kind key says Secret (False too: the object has none); None: undecided (a walk met its payload string's
    end, or the walks back had read twice the text)."""
    budget = 2 * len(text) + _CHUNK
    decided: list[bool | None] = []
    for i, (data, end) in enumerate(blocks):
        ceiling = blocks[i + 1][0] if i + 1 < len(blocks) else len(text)
        after = _kind_after(text, end, ceiling)
        if isinstance(after, bool):
            decided.append(after)
            continue
        before, read = _kind_before(text, data, budget)
        budget -= read
        if before == _CLOSED:
            decided.append(False if after == _CLOSED else None)
        else:
            decided.append(before if isinstance(before, bool) else None)
    return decided


def _kind_after(text: str, at: int, ceiling: int) -> bool | str | None:
    """Forward from inside the data object (past its last pair) to the holding object's ``}``: its kind key's
    word, _CLOSED (none), or None (the next block or the payload string's end came first)."""
    depth = 1
    for token in _TOKEN.finditer(text, at, ceiling):
        if token.lastgroup == "s":
            if depth == 0 and text.startswith(_JSON_KIND_KEY, token.start() + 2):
                return _JSON_KIND.match(text, token.start() + 2) is not None
        elif token.lastgroup == "q":
            return None
        elif token.group() in "{[":
            depth += 1
        else:
            depth -= 1
            if depth < 0:
                return _CLOSED
    return None


def _kind_before(text: str, data: int, budget: int) -> tuple[bool | str | None, int]:
    """Back from the ``\\"data\\":`` key to the holding object's ``{`` (by the inner strings' quotes' parity
    from the key's, outside one): its kind key's word, _CLOSED (none), or None (the payload string's start, or
    ``budget`` characters read first); and how many characters were read."""
    depth, inside = 0, False
    high, chunk = data, 64  # the object's start is most often near: a few characters read at first
    while high > 0 and data - high < budget:
        low = max(0, high - chunk)
        chunk = min(2 * chunk, _CHUNK)
        for token in reversed(list(_QUOTE_OR_BRACE.finditer(text, low, high))):
            found = token.group()
            if found == '"':
                at = token.start()
                run = 0
                while at > run and text[at - run - 1] == "\\":
                    run += 1
                if run % 2 == 0:
                    return None, data - low  # the payload string's start
                if run % 4 == 1:
                    inside = not inside
                    if not inside and depth == 0 and text.startswith(_JSON_KIND_KEY, token.end()):
                        return _JSON_KIND.match(text, token.end()) is not None, data - low
            elif inside:
                continue
            elif found in "}]":
                depth += 1
            elif depth:
                depth -= 1
            else:
                return _CLOSED, data - low
        high = low
    return None, data - high


def in_secret_json(text: str, at: int) -> bool:
    """The report is a value of the pairs after "data": { (nothing else between), within SPAN of it."""
    data = text.rfind('\\"data\\":', max(0, at - SPAN), at)
    return data >= 0 and _JSON_DATA_PAIRS.fullmatch(text, data, at - 1) is not None


def json_values(text: str, at: int) -> tuple[int, int, list[int]]:
    """The "data": { block holding the report, walked once from its start (however long: a certificate before
    a value): where its key stands, where the walk ended, and where its values begin."""
    data = text.rfind('\\"data\\":', max(0, at - SPAN), at)
    head = _JSON_HEAD.match(text, data)
    assert head is not None  # in_secret_json matched the same
    values: list[int] = []
    end = head.end()
    while (entry := _JSON_ENTRY.match(text, end)) is not None:
        values.append(entry.start("value"))
        end = entry.end()
        following = _JSON_NEXT.match(text, end)
        if following is None:
            break
        end = following.end()
    return data, end, values


def json_kind_near(text: str, data: int, end: int) -> bool:
    """Where the nesting did not decide (k8sjson.py: an object open at its string's end): the nearest "kind":
    after the block (kubectl sorts kind after data; in a List the one before is the previous item's), else the
    nearest before the data, within SPAN, says Secret."""
    kind = text.find(_JSON_KIND_KEY, end, min(len(text), end + SPAN))
    kind = text.rfind(_JSON_KIND_KEY, max(0, data - SPAN), data) if kind < 0 else kind
    return kind >= 0 and _JSON_KIND.match(text, kind) is not None
