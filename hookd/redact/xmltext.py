"""An XML element named for a secret, and its text (Maven's settings.xml, NuGet, Spring, .NET configs).

One of files.py's credential-file rules (FILE_RULES holds it in its place); xmlpairs.py's attribute forms and
patchlines.py's element split over an Edit's lines use its pattern and check.
"""

from __future__ import annotations

import re

from hookd.redact import namewords
from hookd.redact.values import plausible_secret
from hookd.redact.rule import Rule

# An XML element named for a secret (Maven's settings.xml <password>, NuGet, Spring, .NET
# configs): Hyperscan reads the opening tag and the text's first character; the regex takes
# the text up to the next tag (JSON escapes inside it, \" and \n, taken whole). The text may be
# a CDATA section (<password><![CDATA[...]]></password>): then its inside, up to ]]> (never past a <,
# and 256 characters: a flood of unclosed sections would read far ahead from each).
# An opening tag whose name (after a namespace) ends in a secret's word, with its attributes, to its ">".
XML_SECRET_NAME = (
    r"(?i)<(?:[A-Za-z0-9_.-]{1,40}:)?[A-Za-z0-9_.-]{0,40}"
    r"(?:password|passwd|passphrase|secret|token|credentials?|pwd|[_.]pass"
    # gitleaks' key words before "key" (h221): an Azure <AccountKey>, a <signing_key>, a <license_key>
    r"|(?:api|access|private|secret|signing|encryption|master|account|license|hmac|storage)[_.-]?key|"
    + namewords.PATTERN
    + ")"
    r"(?:\s[^<>]{0,200})?"
)
XML_SECRET_TRIGGER = XML_SECRET_NAME + r">(?:<!\[CDATA\[)?[^<\s\]]"
# A < inside the text that begins no tag (a digit or a sign after it: Tr0ub4dor<3xQz, pasted unescaped) is
# part of it; inside CDATA, everything to its ]]>.
XML_SECRET_VALUE = (
    r"(?P<cdata>(?<=<!\[CDATA\[))?(?P<value>(?(cdata)(?:[^\]<\"\\]|\\.|\](?!\]>)){1,256}+"
    r"|(?:[^<\"\\]|\\.|<(?![A-Za-z_/!?])){1,1024}+))(?(cdata)\]\]>)</"
)
_LETTERS_AND_DIGITS = re.compile(r"(?=[^ ]*?[0-9])(?=[^ ]*?[A-Za-z])")


def _xml_text_ok(match: re.Match[str]) -> bool:
    """The element's text may be a secret: not a placeholder, not a number, not words (JSX's
    <Password>Enter your password</Password> is a component's text); words only when the first holds letters
    and digits, as a generated password's do (Tr0ub4dor 3xQz)."""
    value = match.group("value").replace("\\n", " ").replace("\\t", " ").strip()
    if not plausible_secret(value) or value.isdigit():
        return False
    return " " not in value or _LETTERS_AND_DIGITS.match(value) is not None


# The opening tag's name, after a namespace's prefix.
_TAG_NAME = re.compile(r"<(?:[A-Za-z0-9_.-]{1,40}:)?([A-Za-z0-9_.-]{1,80})")
_TAG_REACH = 320  # the tag's attributes (200), its name, a CDATA's opening or a patch's line break


def _element_name_ok(match: re.Match[str]) -> bool:
    """The element's name ends in its secret word as a word of its own (<dbAuth>, <db_salt>; not <oauth>: the
    trigger's name is caseless and unbounded before the word, as an assignment's is; namewords decides)."""
    text, start = match.string, match.start("value")
    low = max(0, start - _TAG_REACH)
    lt = text.rfind("<", low, start)
    if lt >= 0 and text.startswith("<![CDATA[", lt):
        lt = text.rfind("<", low, lt)
    name = _TAG_NAME.match(text, lt) if lt >= 0 else None
    return name is None or namewords.element_ok(name.group(1), match.group("value"))


def xml_element_ok(match: re.Match[str]) -> bool:
    """The text may be a secret, under a name that says one."""
    return _xml_text_ok(match) and _element_name_ok(match)


XML_SECRET_ELEMENT = Rule(
    name="xml_secret_element",
    replaces="the text of an XML element named for a secret (<password>, <apiKey>, <client_secret>...)",
    pattern=XML_SECRET_VALUE,
    group="value",
    trigger=XML_SECRET_TRIGGER,
    anchored=True,
    back=1,
    reach=2 * 1024 + 4,
    check=xml_element_ok,
    example="`<server><id>repo</id><password><value></password></server>` (not `<password>${env.PW}</password>`)",
)
