"""The values of a Kubernetes Secret's ``data:`` (twentieth session, h95).

A Secret's manifest (a file read, ``kubectl get secret -o yaml``) holds each value base64-encoded under its own
key, whatever the key's name: ``DB_URL: cG9zdGdyZXM6Ly9...`` (a database URL with its password), ``smtp:
SHVudGVy...``, ``tls.key: LS0tLS1CRUdJTi...``. The name rules take a value under a secret's name, and
encoded.py a value whose decoding holds a secret's shape; the others were kept. Every value of a Secret's data is
secret by the manifest's own word (as a Terraform output marked sensitive, marked.py), so each is taken.

What makes a line one of them: the manifest says ``kind: Secret`` within SECRET_NEAR characters of it (before
the data, as written by hand, or after it, as kubectl sorts the keys), in the same YAML document (no ``---``
between), and the lines from a ``data:`` line down to it are all ``  key: <base64>`` lines, within
DATA_BLOCK characters. Hyperscan reads an indented key and the first character of a base64 value, only in the
scanner's chunks that hold ``kind: Secret``; the value is read to its line's end. A value whose decoding is a
placeholder (``cGFzc3dvcmQ=``, "password") is kept.
"""

from __future__ import annotations

import base64
import binascii
import re

from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

# Within the scanner's overlap less a trigger's length (scan.OVERLAP, 2048; a trigger is at most 266
# characters): the chunk whose gate opened holds both.
SECRET_NEAR = 1600
DATA_BLOCK = 4096  # how far back the data: line may be
_KIND = re.compile(r"kind: Secret(?=\\[nr]|[\r\n]|\Z| #)")
_DOCUMENT = "---"
_BREAK = r"(?:\\r)?(?:\\n|\n)"
_KEY = r" {2,8}[A-Za-z0-9_.-]{1,253}: "
# The lines between data: and the key's line: keys with base64 values, each line's break after it.
_DATA_LINES = re.compile(r"data:[ \t]*" + _BREAK + r"(?:" + _KEY + r"[A-Za-z0-9+/]*+={0,2}" + _BREAK + ")*+")


def _in_secret_data(text: str, at: int) -> bool:
    """The report (the value's first character, at - 1) is on a line of a Secret's data: block, and kind: Secret
    is near, in its document. Checked before the value is read: a YAML file's other keys cost no reading."""
    low = max(0, at - 300)  # the line's break, before its key (a trigger is at most 266 characters)
    raw, escaped = text.rfind("\n", low, at), text.rfind("\\n", low, at)
    if raw < 0 and escaped < 0:
        return False
    line = max(raw + 1, escaped + 2)
    data = text.rfind("data:", max(0, line - DATA_BLOCK), line)
    if data < 0 or not _DATA_LINES.fullmatch(text, data, line):
        return False
    before = text[max(0, data - 16) : data]
    start = data - (len(before) - len(before.rstrip(" ")))
    if start > 0 and text[start - 1] != "\n" and text[start - 2 : start] != "\\n":
        return False  # metadata: or stringData:, not data:
    for kind in _KIND.finditer(text, max(0, line - SECRET_NEAR), min(len(text), at + SECRET_NEAR)):
        gap = (kind.end(), data) if kind.start() < data else (at, kind.start())
        if text.find(_DOCUMENT, *gap) < 0:
            return True
    return False


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
    replaces="a value of a Kubernetes Secret's data: (base64, under any key) in its manifest or kubectl's YAML",
    pattern=r"(?P<value>[A-Za-z0-9+/]{4,16384}+={0,2})(?=\\[nr]|[\r\n]|\\?\"|\Z)",
    group="value",
    trigger=_BREAK + _KEY + r"[A-Za-z0-9+/]",
    trigger_needs=(("kind: Secret",),),
    anchored=True,
    back=1,
    short_trigger=True,
    reach=16400,
    trigger_check=_in_secret_data,
    check=_decodes_to_a_secret,
    example="`kind: Secret` ... `data:` / `  DB_URL: <base64>`",
)

K8S_SECRET_RULES: tuple[Rule, ...] = (K8S_SECRET_DATA,)
