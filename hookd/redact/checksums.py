"""Checks by number: the checksums some providers put in their tokens (GitHub's and npm's CRC32 in
base62) and payment cards (Luhn, the issuer's prefix and length, the words around a card number).

Each costs a bounded amount per candidate: the card context looks back at most 40 characters.
"""

from __future__ import annotations

from hookd.redact.patterns import AFTER_ESCAPE
import binascii
import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_INDEX = {c: i for i, c in enumerate(BASE62)}


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_suffix_ok(token: str, prefix_length: int = 4) -> bool:
    """GitHub's and npm's token format: 30 random base62 characters, then their CRC32 in 6 base62 digits."""
    body, check = token[prefix_length:-6], token[-6:]
    if len(body) != 30 or len(check) != 6:
        return False
    value = 0
    for c in check:
        if c not in _BASE62_INDEX:
            return False
        value = value * 62 + _BASE62_INDEX[c]
    return value == binascii.crc32(body.encode())


# --- payment cards -------------------------------------------------------------


def luhn_ok(text: str) -> bool:
    """A card number: 13 to 19 digits (spaces and dashes ignored) passing the Luhn check."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# (first digits, lengths): the issuers' number ranges (ISO/IEC 7812 as the networks publish them).
_ISSUERS = (
    (re.compile(r"4"), (13, 16, 19)),  # Visa
    (re.compile(r"5[1-5]|2(?:2[2-9]|[3-6][0-9]|7[01]|720)"), (16,)),  # Mastercard
    (re.compile(r"3[47]"), (15,)),  # American Express
    (re.compile(r"6(?:011|5|4[4-9]|22)"), (16, 17, 18, 19)),  # Discover
    (re.compile(r"35(?:2[89]|[3-8])"), (16, 17, 18, 19)),  # JCB
    (re.compile(r"3(?:0[0-5]|[689])"), (14, 15, 16, 17, 18, 19)),  # Diners Club
    (re.compile(r"62"), (16, 17, 18, 19)),  # UnionPay
    (re.compile(r"5018|5020|5038|6304|6759|676[1-3]"), tuple(range(12, 20))),  # Maestro
)


def card_issuer_ok(value: str) -> bool:
    """The digits start like a card network's numbers and have one of its lengths, and pass Luhn."""
    digits = "".join(c for c in value if c.isdigit())
    if not luhn_ok(digits):
        return False
    return any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _ISSUERS)


_START = r"(?:(?<![A-Za-z])|" + AFTER_ESCAPE + r")"  # a word's start, also right after an escape that ends a word
_CARD_WORDS = re.compile(
    r"(?i)card|visa|master|amex|american express|discover|jcb|diners|unionpay|maestro"
    rf"|credit|debit|payment|billing|cvv|cvc|cc_?num|{_START}(?:pan|cc|exp)(?![A-Za-z])"
)

# What every card word holds (ASCII, lower case): a cheap test before the search.
_CARD_WORD_PARTS = (
    "card",
    "visa",
    "master",
    "amex",
    "american express",
    "discover",
    "jcb",
    "diners",
    "unionpay",
    "maestro",
    "credit",
    "debit",
    "payment",
    "billing",
    "cvv",
    "cvc",
    "cc",
    "pan",
    "exp",
)

# For the rule's Hyperscan trigger, what a bare run of digits needs before it to pass card_context_ok, as a
# superset: a card word (_CARD_WORDS, the short ones with their word boundaries; or İ, ı or ſ, which the
# search matches for a letter) and at most 40 UTF-8 characters up to the run, i.e. at most 160 bytes of
# any kind: a plain byte class, which Hyperscan repeats cheaply (a group matching one UTF-8 character
# at a time made the pass several times slower wherever card words are common, e.g. billing/ paths).
# A list of ids, or a log of request numbers, then costs nothing in Python.
_UP_TO_40_CHARACTERS = r"[\x00-\xff]{0,160}"
CARD_WORD_BEFORE = (
    r"(?i:card|visa|master|amex|american express|discover|jcb|diners|unionpay|maestro|credit|debit"
    r"|payment|billing|cvv|cvc|cc_?num|(?:^|[^A-Za-z]|\\[nrt])(?:pan|cc|exp)[^A-Za-z])" + _UP_TO_40_CHARACTERS
)
NON_ASCII_BEFORE = r"(?:\xc4[\xb0\xb1]|\xc5\xbf)" + _UP_TO_40_CHARACTERS


# A group of four digits or hex digits, alone: a table of code points or hex words goes on in such groups.
_NEXT_GROUP = re.compile(r"([ -])[0-9A-F]{4,6}(?![0-9A-Za-z])")
_GROUP_BEFORE = re.compile(r"(?<![0-9A-Za-z])[0-9A-F]{4,6}([ -])\Z")


def _in_a_table(text: str, start: int, end: int, value: str) -> bool:
    """The grouped number is four groups of a longer run (5500 5501 5502 5503 5504 ... in a code point table):
    the group before or after it, with the same separator, is one more such group."""
    separator = value[4:5]
    after = _NEXT_GROUP.match(text, end, end + 8)
    before = _GROUP_BEFORE.search(text, max(0, start - 8), start)
    return (after is not None and after.group(1) == separator) or (before is not None and before.group(1) == separator)


def card_context_ok(match: re.Match[str]) -> bool:
    """A number in groups (4111 1111 ...) is a card; a bare run of digits needs a card word just before it.

    Without the word, an 18-digit id that happens to pass Luhn (one in ten do)
    and starts like a Discover card would be redacted.
    """
    value = match.group("value")
    text = match.string
    start = match.start("value")
    if not value.isdigit():
        return not _in_a_table(text, start, match.end("value"), value)
    before = text[max(0, start - 40) : start]
    if before.isascii() and not any(part in before.lower() for part in _CARD_WORD_PARTS):
        return False  # the words' letters are not there: no need for the (slow) search
    return _CARD_WORDS.search(text, max(0, start - 40), start) is not None
