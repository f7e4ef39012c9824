"""A private key's base64 DER body without its PEM lines (eleventh session): `MIIEowIBAAKCAQEA...`.

A body pasted or printed without `-----BEGIN ... PRIVATE KEY-----` (a key in an environment variable, a
JSON field, a `tr -d '\\n'`ed file) has no word to find. Its first bytes are fixed by DER: a SEQUENCE,
then the version INTEGER 0 or 1 (PKCS#1 RSA and DSA, PKCS#8, SEC1 EC), then an INTEGER, SEQUENCE or
OCTET STRING; or, encrypted (PKCS#8), a SEQUENCE holding a SEQUENCE that starts with the OID of PBES2
or of a PKCS#12 PBE. A public key (SEQUENCE, SEQUENCE: `MIIBIjANBgkq...`), a certificate (`MIID...CCA`),
a CSR (SEQUENCE, SEQUENCE, INTEGER) never start so. Hyperscan finds the base64 shapes of those first bytes
(each header length gives its own: 2, 3 or 4 bytes before the version) and 40 base64 characters after
them; the check decodes the first 48 bytes and reads the structure.
"""

from __future__ import annotations

import base64
import binascii
import re

from hookd.redact.rule import Rule
from hookd.redact.patterns import AFTER_ESCAPE_1, AFTER_PERCENT_1

_B = "[A-Za-z0-9+/]"
# The first 8 to 20 characters of each form, by the length of the outer SEQUENCE's header.
_SHAPES = (
    "MII" + _B + "{2}[AQgw]IBA[ADQT]",  # 30 82 LL LL 02 01 0v: 256 bytes to 64 KiB
    "MI[EFGH]" + _B + "AgE[AB][AMB]",  # 30 81 LL 02 01 0v: 128-255 bytes
    "M[A-H][AEIMQUYcgkosw048]CAQ[AE][wCE]",  # 30 LL 02 01 0v: under 128 bytes
    # encrypted: 30 82 LL LL 30 LL 06 09|0a and PBES2's or PKCS#12 PBE's OID (a public key's is rsaEncryption)
    "MII" + _B + "{2}[DTjz][AB]" + _B + "Bg[ko]qhkiG9w0B(?:BQ|DA)",
    "MI[EFGH]" + _B + "M[A-H]" + _B + "GC[Si]qGSIb3DQE[FM]",  # encrypted: 30 81 LL 30 LL 06 ...
)
DER_KEY_TRIGGER = "(?:" + "|".join(_SHAPES) + ")" + _B + "{40}"
_NL = r"(?:\\r)?\\n"
# The regex holds the shapes too: a window around a report holds every line of a certificate bundle, and
# each line that begins with M was a candidate to confirm (a bundle of 140 certificates went dense).
DER_KEY_PATTERN = (
    r"(?P<value>M(?:(?<![A-Za-z0-9+/\\].)|"
    + AFTER_ESCAPE_1
    + "|"
    + AFTER_PERCENT_1
    + r")(?:"
    + "|".join(shape[1:] for shape in _SHAPES)
    + ")"
    + _B
    + "{40,16383}+"
    # Further lines of a body wrapped at 64 or 76: only after a full line (a short one ends the body).
    r"(?:(?<=[A-Za-z0-9+/]{60})" + _NL + _B + "{4,76}+){0,512}+={0,2})(?![A-Za-z0-9+/=])"
)
_NEWLINES = re.compile(r"\\r|\\n")
_ENCRYPTION_OIDS = (bytes.fromhex("2a864886f70d01050d"), bytes.fromhex("2a864886f70d010c01"))


def _header(data: bytes, at: int) -> tuple[int, int] | None:
    """(tag, where its contents start) of the DER element at ``at``, or None."""
    if at + 2 > len(data):
        return None
    first = data[at + 1]
    if first < 0x80:
        return data[at], at + 2
    count = first & 0x7F
    if count not in (1, 2) or at + 2 + count > len(data):
        return None
    return data[at], at + 2 + count


def is_private_key_der(body: str) -> bool:
    """The first bytes of the base64 run are those of a private key's DER (see the module's doc)."""
    head = _NEWLINES.sub("", body)[:64]
    head = head[: len(head) // 4 * 4]
    try:
        data = base64.b64decode(head, validate=True)
    except (binascii.Error, ValueError):
        return False
    outer = _header(data, 0)
    if outer is None or outer[0] != 0x30:
        return False
    at = outer[1]
    if data[at : at + 3] in (b"\x02\x01\x00", b"\x02\x01\x01"):
        version, following = data[at + 2], data[at + 3 : at + 4]
        return following in ((b"\x02", b"\x30") if version == 0 else (b"\x04", b"\x30"))
    inner = _header(data, at)
    if inner is None or inner[0] != 0x30 or data[inner[1] : inner[1] + 1] != b"\x06":
        return False
    oid = data[inner[1] + 2 : inner[1] + 2 + 9]
    return oid in _ENCRYPTION_OIDS


DER_KEY_RULES: tuple[Rule, ...] = (
    Rule(
        name="der_private_key",
        replaces="a private key's base64 DER body without its BEGIN/END lines (PKCS#1, PKCS#8, SEC1; "
        "not a public key or a certificate)",
        pattern=DER_KEY_PATTERN,
        group="value",
        trigger=DER_KEY_TRIGGER,
        exact=True,
        reach=80,
        ahead=16384 + 512 * 82,
        validate=is_private_key_der,
        example="`MIIEowIBAAKCAQEA…` (PKCS#1), `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC…` (PKCS#8)",
    ),
)
