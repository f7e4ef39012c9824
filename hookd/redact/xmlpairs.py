"""XML that names a secret by an attribute, and holds it in another attribute or in the text.

.NET's ``<add key="ApiKey" value="..."/>``, ``<param name="db.password" value="..."/>``,
Java's properties XML ``<entry key="db.password">...</entry>``, .NET settings'
``<setting name="Token" serializeAs="String"><value>...</value>``. The ``key`` or
``name`` attribute must end in a word that says secret (``key="Theme"``,
``name="TokenLifetime"`` are kept) and come before the value.

Hyperscan reads only the end of the name (its secret word and closing quote) and
what follows it up to the value's first character: a pattern that also read the
element's start and the whole name ran at 20-40 MB/s on a flood of ``<a name='token' ``.
The check then reads the element's opening tag back from the value, once per
candidate, in at most ``_TAG_REACH`` characters.
"""

from __future__ import annotations

import functools
import re

from hookd.redact.files import AT_VALUE, _value_ok
from hookd.redact.keynames import keyed_value_ok, name_words_ok
from hookd.redact.xmltext import XML_SECRET_VALUE, _xml_text_ok
from hookd.redact.patterns import VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret, written_password
from hookd.redact.checks import not_a_call

_SECRET_WORDS = (
    r"password|passwd|passphrase|secret|token|credentials?|[_.-]pass|[_.-]pwd"
    r"|(?:api|private|secret|access|client|signing|encryption)[_-]?key"
)
# Or a camelCase or PascalCase name ending Key or Dsn after a word (StripeKey, mailgunKey): its value must
# look random and its words must not name a map's or a cache's key (keynames.name_words_ok).
_CAMEL = r"(?-i:[a-z0-9](?:Key|Dsn))"
_WORDS = rf"(?:{_SECRET_WORDS}|{_CAMEL})"
_SAYS_SECRET = re.compile(rf"(?i)(?:{_SECRET_WORDS})")
_Q = r"""(?:\\"|')"""  # an attribute's quote: escaped in a JSON string, or single
_WS = r"(?:\s|\\[nrt])"
ATTRIBUTE_TRIGGER = rf"""(?i){_WORDS}{_Q}[^<>]{{0,200}}value\s{{0,2}}=\s{{0,2}}(?:\\"[^"\\]|'[^'"\\])"""
TEXT_TRIGGER = rf"(?i){_WORDS}{_Q}[^<>]{{0,200}}>(?:{_WS}{{0,16}}<value>)?[^<\s\\]"
# The same, one expression per quote: in one, a backslash after the word (\\npassword\\n...) might
# begin the escaped quote, and Hyperscan read on past every secret word of a flood of them.
TEXT_PARTS = tuple((TEXT_TRIGGER.replace(_Q, quote, 1), ()) for quote in (r'\\"', "'"))

# The opening tag, whole, up to where the value begins (the check's fullmatch from the tag's "<").
_NAMED = (
    rf"<[A-Za-z0-9_.:-]{{1,40}}{_WS}(?:[^<>]*?{_WS})?(?:key|name){_WS}*={_WS}*"
    rf"(?P<q>\\\"|')(?P<name>[A-Za-z0-9_.:/-]{{0,80}}{_WORDS})(?P=q)"  # .NET writes sections with colons (Stripe:SecretKey)
)
_TAG_WITH_VALUE = re.compile(rf"(?is){_NAMED}[^<>]*?{_WS}value{_WS}*={_WS}*(?:\\\"|')")
_TAG_THEN_TEXT = re.compile(rf"(?is){_NAMED}(?:[^<>]*[^<>/])?>(?:{_WS}*<value>)?")
_TAG_REACH = 600  # the tag's start: 40 + 200 + 80 + 200 characters and the separators, at most


def _tag_before(match: re.Match[str], tag: re.Pattern[str]) -> bool:
    """The text from the last "<" before the value up to it is ``tag``: the element's opening tag, and the
    name it gives says secret, or is camelCase ending Key or Dsn with a random-looking value."""
    text, start = match.string, match.start()
    low = max(0, start - _TAG_REACH)
    lt = text.rfind("<", low, start)
    if lt >= 0 and text.startswith("<value>", lt):  # .NET's <value> element: its parent's tag is before it
        lt = text.rfind("<", low, lt)
    opening = tag.fullmatch(text, lt, start) if lt >= 0 else None
    if opening is None:
        return False
    name = opening.group("name")
    if _SAYS_SECRET.search(name):
        return True
    last = re.split(r"[.:/]", name)[-1]  # .NET's sections: Payments:StripeKey
    value = match.group("value").strip()
    return _camel_ok(last, value)


@functools.lru_cache(maxsize=4096)
def _camel_ok(name: str, value: str) -> bool:
    """Remembered per name and value: a flood repeats one pair, each confirmed from its tag."""
    return name_words_ok(name) and keyed_value_ok(value)


# NuGet's packageSourceCredentials: the value under ClearTextPassword is the password as written, so one that reads
# as words naming a password (value="TestSourcePassword") is still the secret; a reference or a mask is not.
_CLEAR_TEXT_KEY = re.compile(rf"(?i)<[^<>]*?{_WS}key{_WS}*={_WS}*(?:\\\"|')ClearTextPassword(?:\\\"|')[^<>]*$")


def _clear_text_password(match: re.Match[str]) -> bool:
    if not written_password(match.group("value")):
        return False
    text, start = match.string, match.start()
    lt = text.rfind("<", max(0, start - _TAG_REACH), start)
    return lt >= 0 and _CLEAR_TEXT_KEY.match(text, lt, start) is not None


def _attribute_ok(match: re.Match[str]) -> bool:
    if not (_value_ok(match) or _clear_text_password(match)):
        return False
    return _tag_before(match, _TAG_WITH_VALUE)


def _text_ok(match: re.Match[str]) -> bool:
    return _xml_text_ok(match) and _tag_before(match, _TAG_THEN_TEXT)


# An attribute named pwd (<add server="db" pwd="..."/>, .NET and ODBC configs), read only quoted and inside an
# opening tag: a shell's PWD=/home/me is the working directory, and a flood of it (` PWD=/home/a `, `PWD = `) now
# reports nothing, where an assignment's name (reported at every =, checked after) went dense.
_PWD_TRIGGER = r"""(?i)(?:[ \t]|\\[tnr])pwd[ \t]{0,2}=[ \t]{0,2}(?:\\"[^"\\]|'[^'"\\])"""
_PWD_ELEMENT = re.compile(r"<[A-Za-z_][A-Za-z0-9_.:-]{0,40}(?:[ \t]|\\[tnr])")


def _pwd_ok(match: re.Match[str]) -> bool:
    """A secret's value, in an element's opening tag (the last < before the name opens one, no > between)."""
    value = match.group("value")
    if not plausible_secret(value) or value.isdigit() or not not_a_call(match):
        return False
    text, start = match.string, match.start()
    lt = text.rfind("<", max(0, start - _PWD_REACH), start)
    return lt >= 0 and text.find(">", lt, start) < 0 and _PWD_ELEMENT.match(text, lt) is not None


_PWD_REACH = 240  # the tag's name and 200 characters of attributes before pwd

XML_PAIR_RULES: tuple[Rule, ...] = (
    Rule(
        name="xml_secret_attribute",
        replaces="the value attribute of an XML element named for a secret by its key or name attribute "
        '(<add key="ApiKey" value="..."/>)',
        pattern=AT_VALUE,
        group="value",
        trigger=ATTRIBUTE_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_attribute_ok,
        example='`<add key="ApiKey" value="<value>"/>`, `<param name="password" value="<value>"/>` (not `key="Theme"`)',
    ),
    Rule(
        name="xml_secret_entry",
        replaces="the text of an XML element named for a secret by its key or name attribute "
        '(<entry key="db.password">...</entry>, <setting name="Token"><value>...</value>)',
        pattern=XML_SECRET_VALUE,
        group="value",
        trigger=TEXT_TRIGGER,
        trigger_parts=TEXT_PARTS,
        anchored=True,
        back=1,
        reach=2 * 1024 + 4,
        check=_text_ok,
        example='`<entry key="db.password"><value></entry>` (not `<entry key="db.password">${DB_PW}</entry>`)',
    ),
    Rule(
        name="xml_pwd_attribute",
        replaces='the quoted value of an XML attribute named pwd (<add server="db" pwd="..."/>)',
        pattern=AT_VALUE,
        group="value",
        trigger=_PWD_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_pwd_ok,
        example='`<add server="db" pwd="<value>"/>` (not `export PWD=/home/me`)',
    ),
)
