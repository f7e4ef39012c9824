"""Where a token whose body runs on in its alphabet ends by its own format, when a name is joined after it.

A PyPI token's or a Vault service token's body is base64url of a serialized structure, and an OpenAI key's halves
stand either side of its marker: each body's alphabet holds ``_`` and ``-``, so a name joined after the token
(``<token>_backup``, ``KEY_<token>_OLD``) reads as more of it, and the longest shape took the name into the marker.
Where the structure read from the body ends before the text does, with ``_`` or ``-`` right there, the token ends
there; anything else (a body that is no such structure, a letter or digit glued on) keeps the longest, as before.

* a PyPI token (``pypi-`` + a macaroon in libmacaroons' v2 binary format): the version byte 2, the location and
  identifier fields up to their end of section, each caveat's fields up to theirs, the caveats' end, then the
  signature field, the last of the macaroon;
* a Vault service token (``hvs.``, Vault 1.10 on): a protobuf message of its version (field 1, a varint), its HMAC
  (field 2, bytes) and the token proper (field 3, bytes), in that order, the last;
* an OpenAI key with its marker (``T3BlbkFJ``, base64 of "OpenAI"), of a shape gitleaks knows: a legacy key's
  halves are 20 and 20; a front half of 58 or 74 has a second half of either, and the longer that the text holds
  decides: where its end has no joint, the name may be more of the key, and the longest is kept (a cut at 58
  left a 74 half's last 16 characters in clear).

A Vault batch token (``hvb.``) is an encrypted blob (the key's term, then AES-GCM's nonce, ciphertext and tag),
and an OpenAI key without its marker or with a front half of another length has no shape known: no length is
in them, and a joined name is taken with the token (fail closed: a guessed end would leave the token's last
characters in clear).

Each reads at most the token's own characters once: linear.
"""

from __future__ import annotations

import base64
import binascii

_JOINT = "_-"  # what a joined name begins with, inside the token's alphabet
_OPENAI_MARK = "T3BlbkFJ"
_OPENAI_KINDS = ("proj-", "svcacct-", "admin-", "None-")
_OPENAI_HALVES = {20: (20,), 58: (74, 58), 74: (74, 58)}  # gitleaks' second halves by the first, longest first


def _decoded(body: str) -> bytes | None:
    usable = len(body) - len(body) % 4 if len(body) % 4 == 1 else len(body)  # a lone 6 bits make no byte
    try:
        return base64.urlsafe_b64decode(body[:usable] + "=" * (-usable % 4))
    except (binascii.Error, ValueError):
        return None


def _cut(value: str, head: int, end_bytes: int | None) -> int:
    """The token's length: its head and the characters ``end_bytes`` bytes take, where a joint follows them."""
    if end_bytes is None:
        return len(value)
    end = head + -(-end_bytes * 4 // 3)
    return end if end < len(value) and value[end] in _JOINT else len(value)


def _varint(data: bytes, at: int) -> tuple[int, int] | None:
    """The varint at ``at`` and where it ends (at most 10 bytes)."""
    number = 0
    for shift, k in enumerate(range(at, min(at + 10, len(data)))):
        number |= (data[k] & 0x7F) << (7 * shift)
        if data[k] < 0x80:
            return number, k + 1
    return None


def _macaroon_end(data: bytes) -> int | None:
    """Where a v2 binary macaroon ends in ``data``, or None if ``data`` begins with none."""
    if not data or data[0] != 2:
        return None
    at, sections = 1, 0
    section: set[int] = set()  # the fields read since the last end of section
    while True:
        field = _varint(data, at)
        if field is None:
            return None
        kind, at = field
        if kind == 0:  # an end of section: of the identifier's, a caveat's, or (right after one) the caveats'
            if not section:
                return None if sections == 0 else _signature_end(data, at)
            if sections == 0 and 2 not in section:
                return None  # the macaroon's own identifier is not optional
            section, sections = set(), sections + 1  # each field at most once in a section
            continue
        if kind not in (1, 2, 4) or kind in section or (sections == 0 and kind == 4):
            return None
        length = _varint(data, at)
        if length is None or length[1] + length[0] > len(data):
            return None
        section.add(kind)
        at = length[1] + length[0]


def _signature_end(data: bytes, at: int) -> int | None:
    field = _varint(data, at)
    if field is None or field[0] != 6:
        return None
    length = _varint(data, field[1])
    if length is None or length[0] != 32 or length[1] + 32 > len(data):
        return None
    return length[1] + 32


def pypi_end(value: str) -> int:
    """The length of the PyPI token ``value`` begins with (``pypi-`` + its macaroon)."""
    data = _decoded(value[5:])
    return _cut(value, 5, None if data is None else _macaroon_end(data))


def _vault_message_end(data: bytes) -> int | None:
    """Where a Vault service token's message (fields 1 varint, 2 and 3 bytes, in order) ends, or None."""
    at = 0
    for tag in (0x08, 0x12, 0x1A):
        if at >= len(data) or data[at] != tag:
            return None
        item = _varint(data, at + 1)
        if item is None:
            return None
        at = item[1] if tag == 0x08 else item[1] + item[0]
        if at > len(data) or (tag == 0x12 and item[0] != 32):
            return None
    return at


def vault_end(value: str) -> int:
    """The length of the Vault token ``value`` begins with: a service token's message, else all of it."""
    if not value.startswith("hvs."):
        return len(value)
    data = _decoded(value[4:])
    return _cut(value, 4, None if data is None else _vault_message_end(data))


def openai_end(value: str) -> int:
    """The length of the OpenAI key ``value`` begins with: after its marker, the longest second half that its
    first half's shape has and the text holds, where a joint follows; a first half of no known shape, all."""
    mark = value.find(_OPENAI_MARK)
    if mark < 0:
        return len(value)
    head = 3 + next((len(kind) for kind in _OPENAI_KINDS if value.startswith(kind, 3)), 0)
    start = mark + len(_OPENAI_MARK)
    for half in _OPENAI_HALVES.get(mark - head, ()):
        end = start + half
        if end <= len(value):
            return end if end < len(value) and value[end] in _JOINT else len(value)
    return len(value)
