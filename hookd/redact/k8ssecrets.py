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
``"data": {`` and the nearest ``"kind":`` after them (else before) saying ``"Secret"``, in the chunks that hold it.
A value more than SPAN characters from its ``data:`` line or its kind is not read: the trigger and its gate must
fit in the scanner's overlap.
"""

from __future__ import annotations

import base64
import binascii
import re

from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

# From the data: line or kind: Secret, whichever is first, to the value's first character or the other: within
# the scanner's overlap (scan.OVERLAP, 2048), so some chunk holds the whole trigger and kind: Secret, its gate.
SPAN = 2000
_KIND = re.compile(r"kind: Secret(?=\\[nr]|[\r\n]|\Z| #|\")")
_KIND_LINE = "kind: "
_DOCUMENT = "---"
# A line's break: raw or escaped, or (an Edit's structuredPatch, each line a string) a string's end and the next's
# opening quote (the view has dropped the diff's marker after it).
_BREAK = r"(?:(?:\\r)?(?:\\n|\n)|\", ?\")"
_KEY = r" {1,8}[A-Za-z0-9_.-]{1,253}: "  # (one space: a diff's "+ " dropped with the view's marker)
# Hyperscan reads from a data: line at a line's start down each key with a base64 value, and reports at each
# value's first character: a YAML file's other keys (metadata's, a ConfigMap's beside it) report nothing. A block
# longer than the scanner's overlap (2,048 characters) is read in the chunk where it begins.
_DATA_TRIGGER = (
    r'(?:\n|\\n|") {0,8}data:[ \t]*'
    + _BREAK
    + "(?:"
    + _KEY
    + r"[A-Za-z0-9+/]*={0,2}"
    + _BREAK
    + ")*"
    + _KEY
    + "[A-Za-z0-9+/]"
)
# The lines between data: and the key's line: keys with base64 values, each line's break after it.
_DATA_LINES = re.compile(r"data:[ \t]*" + _BREAK + r"(?:" + _KEY + r"[A-Za-z0-9+/]*+={0,2}" + _BREAK + ")*+")

# kubectl get secret -o json (and jq's compact form): "data": {"<key>": "<base64>", ...} in JSON text, its keys
# sorted (kind after data); Hyperscan reads from "data": { down each pair to the value's first character, only in
# chunks that hold "kind": "Secret".
_JSON_KEY = r'\\"[A-Za-z0-9_.-]{1,253}\\": ?\\"'
_JSON_SPACE = r'(?:\\n|[ \t]|", ?")'  # (a line's end and the next's start in an Edit's patch, as _BREAK)
_JSON_TRIGGER = (
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
_JSON_KIND_NEED = r'(?:kind\\": ?\\"Secret)'
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


def _in_secret_data(text: str, at: int) -> bool:
    """The report (the value's first character, at - 1) is a value of a Secret's data: block, YAML or JSON."""
    if text.startswith('\\"', at - 3):
        return _in_secret_json(text, at)
    return _in_secret_yaml(text, at)


def _in_secret_json(text: str, at: int) -> bool:
    """The report is a value of the pairs after "data": { (nothing else between), and the nearest "kind": after
    it (kubectl sorts kind after data; in a List the one before is the previous item's), else before the data,
    says "Secret", all within SPAN."""
    data = text.rfind('\\"data\\":', max(0, at - SPAN), at)
    if data < 0 or not _JSON_DATA_PAIRS.fullmatch(text, data, at - 1):
        return False
    after = text.find(_JSON_KIND_KEY, at, min(len(text), data + SPAN))
    if after >= 0:
        return _JSON_KIND.match(text, after) is not None
    before = text.rfind(_JSON_KIND_KEY, max(0, at - SPAN), data)
    return before >= 0 and _JSON_KIND.match(text, before) is not None


def _in_secret_yaml(text: str, at: int) -> bool:
    """The report (the value's first character, at - 1) is on a line of a Secret's data: block, and kind: Secret
    is near, in its document. Checked before the value is read: a YAML file's other keys cost no reading."""
    low = max(0, at - 300)  # the line's break, before its key (at most 266 characters before the value)
    raw, escaped, comma = text.rfind("\n", low, at), text.rfind("\\n", low, at), text.rfind('",', low, at)
    opening = comma + 3 if text.startswith(' "', comma + 2) else comma + 2  # a patch line's opening quote
    quoted = comma >= 0 and text.startswith('"', opening)
    if raw < 0 and escaped < 0 and not quoted:
        return False
    line = max(raw + 1, escaped + 2, opening + 1 if quoted else -1)
    data = text.rfind("data:", max(0, at - SPAN), line)
    if data < 0 or not _DATA_LINES.fullmatch(text, data, line):
        return False
    indent = text[max(0, data - 16) : data]
    start = data - (len(indent) - len(indent.rstrip(" ")))
    if start > 0 and text[start - 1] not in '\n"' and text[start - 2 : start] != "\\n":
        return False  # metadata: or stringData:, not data:
    # The object's kind: the nearest kind: line after the value in its document (kubectl sorts kind after data;
    # in a List the one before is the previous item's), else the nearest before the data (written by hand).
    after = text.find(_KIND_LINE, at, min(len(text), start + SPAN))
    if after >= 0 and text.find(_DOCUMENT, at, after) < 0:
        return _is_secret(text, start, after)
    before = text.rfind(_KIND_LINE, max(0, at - SPAN), start)
    return before >= 0 and _is_secret(text, at, before) and text.find(_DOCUMENT, before, data) < 0


def _is_secret(text: str, low: int, kind: int) -> bool:
    """The kind: line at ``kind`` says Secret, and it and the data lie within SPAN from ``low`` on."""
    found = _KIND.match(text, kind)
    return found is not None and max(found.end(), low) - min(kind, low) <= SPAN


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
    trigger="(?:" + _DATA_TRIGGER + "|" + _JSON_TRIGGER + ")",
    trigger_parts=((_DATA_TRIGGER, ("kind: Secret",)), (_JSON_TRIGGER, (_JSON_KIND_NEED,))),
    anchored=True,
    back=1,
    reach=16400,
    trigger_check=_in_secret_data,
    check=_decodes_to_a_secret,
    example='`kind: Secret` ... `data:` / `  DB_URL: <base64>`; `"data": {"relay": "<base64>"}, "kind": "Secret"`',
)

K8S_SECRET_RULES: tuple[Rule, ...] = (K8S_SECRET_DATA,)
