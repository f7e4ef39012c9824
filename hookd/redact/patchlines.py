"""A private key's body split over an Edit's ``structuredPatch`` lines (nineteenth session, h93).

The Edit tool's response lists the changed lines, each its own JSON string with a leading space, ``+`` or
``-``: a PEM key written as a YAML block scalar (``key: |`` then the key's lines indented) arrives as
``"+    -----BEGIN RSA PRIVATE KEY-----", "+    MIIE...", ...``. pem_private_key reads a block inside one string
(the key in ``new_string``), and der_private_key a body's first line by its DER prefix; the lines after it
were kept. Here each body line is a value of its own (a marker stays inside its string), taken when the
strings before it, back to a BEGIN line of a private key, are all patch lines of base64 or a PEM header
(``Proc-Type: 4,ENCRYPTED``) with no END line between. The view has dropped each line's marker (and a space
after it), so a line of the key unindented, or an empty line between (a PGP block's), reads with none (h101).

An XML element named for a secret, its text on a line of its own (``<apiToken>``, the value indented, then
``</apiToken>``: gitleaks' "xml - element multiline" sample), arrives as three patch lines; xml_secret_element
reads the text after ``>`` in one string, and here it stands in the next (h153).
"""

from __future__ import annotations

import re

from hookd.redact.xmltext import XML_SECRET_NAME, xml_element_ok
from hookd.redact.rule import Rule

# How far back the BEGIN line may stand: a 4096-bit RSA key's body and its patch lines' quotes and indentation
# are under 4,000 characters, an 8192-bit one's under 8,000. Each body line reads back to it: bounded so.
PATCH_KEY_BACK = 8192
_BEGIN = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\[nr])*\"")
# The patch lines between the BEGIN line and the value's: base64, a header, or empty.
_BETWEEN = re.compile(
    r"(?:\s{0,4},\s{0,4}\"[ +-]?[ \t]{0,40}(?:[A-Za-z0-9+/]{1,128}={0,2}|[A-Za-z-]{1,40}: [^\"\\]{1,120}|)"
    r"(?:\\[nr])*\")*\s{0,4},\s{0,4}\"[ +-]?[ \t]{0,40}\Z"
)


def _after_begin(match: re.Match[str]) -> bool:
    """A BEGIN line of a private key stands before the value's line, with only key lines between."""
    text, start = match.string, match.start("value")
    lo = max(0, start - PATCH_KEY_BACK)
    at = text.rfind("PRIVATE KEY", lo, start)
    if at < 0:
        return False
    begin = _BEGIN.search(text, max(lo, at - 60), start)
    return begin is not None and _BETWEEN.match(text, begin.end(), start) is not None


PATCH_PRIVATE_KEY_LINE = Rule(
    name="patch_private_key_line",
    replaces="a line of a private key's body in an Edit's structuredPatch, where each line is a string",
    # A string after another in a list (a patch's lines): not a key's value ("tool_name": "Bash").
    pattern=r"\"(?:(?<=, \")|(?<=,\")|(?<=, \\\")|(?<=,\\\"))[ +-]?[ \t]{0,40}(?P<value>[A-Za-z0-9+/]{4,128}={0,2})(?:\\[nr])*\"",
    group="value",
    keywords=("PRIVATE KEY",),
    reach=PATCH_KEY_BACK + 200,
    check=_after_begin,
    example='`"+    -----BEGIN RSA PRIVATE KEY-----", "+    <base64>", ...` in an Edit\'s structuredPatch',
)

# The opening tag's line, then the next line's indentation and the value's first character (back=1).
_XML_LINE_TRIGGER = XML_SECRET_NAME + r'>(?:\\[nr])*"\s{0,4},\s{0,4}"[ +-]?[ \t]{0,40}[^<"\s\\]'

PATCH_XML_ELEMENT_LINE = Rule(
    name="patch_xml_element_line",
    replaces="the text of an XML element named for a secret on a line of its own in an Edit's structuredPatch",
    # The value's line, then the closing tag's: a line of text between two opening tags is no element's text.
    # 512 (xml_secret_element reads 1024): a flood of opening tags each before a line of 1,000 read each to
    # its end, 254 -> 40 MB/s (bench/README.md).
    pattern=r'(?P<value>(?:[^<"\\]|\\[^nrt]){1,512}+)(?:\\[nr])*"\s{0,4},\s{0,4}"[ +-]?[ \t]{0,40}</',
    group="value",
    trigger=_XML_LINE_TRIGGER,
    anchored=True,
    back=1,
    reach=600,
    check=xml_element_ok,
    example='`"+<apiToken>", "+    <value>", "+</apiToken>"` in an Edit\'s structuredPatch',
)

PATCH_LINE_RULES: tuple[Rule, ...] = (PATCH_PRIVATE_KEY_LINE, PATCH_XML_ELEMENT_LINE)
