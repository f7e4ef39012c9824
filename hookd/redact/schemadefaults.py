"""A secret a JSON Schema gives as a property's value (issue 16, h221): an MCP Elicitation's ``requested_schema``.

``{"properties": {"password": {"type": "string", "default": "<secret>"}}}``: the property's name says secret, but it
is the key of the object the value sits in, not the key beside it (``default``, ``const``, or an item of ``enum`` or
``examples``), so json_secret_key kept every one. Hyperscan reads from the name's last word (jsonkeys' words, not
auth or cookie: an ``auth`` property's enum names its kinds) through the object's members, no brace between, to
the value's first character; the name is checked whole in Python (jsonkeys.names_a_secret), back from the object's
opening brace. Placeholders, references and masks are kept (values.plausible_secret), as json_secret_key keeps
them. An object with another object inside it before the value is not read.
"""

from __future__ import annotations

import re

from hookd.redact.jsonkeys import names_a_secret
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_Q = r'\\{0,15}"'
_SEP = r"\s{0,4}:\s{0,4}"
_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|credentials?|(?:api|private|secret|access|client|master)[_.-]?key|pin"
)
# The object's members before the value's field, and at most one object among them (an Elicitation's property with
# its own "x-..." or "format" object first, h229), then the field's opening quote. The escapes before that quote are
# counted among the members (512 characters and the 15 backslashes an escaped quote may have): a `\\{0,15}` of its own
# after a bounded class that holds backslashes keeps Hyperscan's states alive at every quote of the members. Every
# object the stricter form read is read; a run of 513-527 characters is read too, and the name's check decides.
_MEMBERS = r"[^{}]{0,527}(?:\{[^{}]{0,256}\}[^{}]{0,527})?"
# The array up to the item read: each item's opening quote is a report (a closing one's, before ", ", is too: its
# value, a comma and spaces, is no secret); no array or object closes or opens before it.
_ITEMS = r"\[[^\]{}]{0,512}"


def trigger(members: str) -> str:
    """The trigger whose object's members, up to the value's field's opening quote, are ``members`` (the test of the
    escapes counted among them builds the former form with this too)."""
    return (
        rf"(?i:{_WORDS})"
        + _Q
        + _SEP
        + r"\{"
        + members
        + r"(?:(?:default|const)"
        + _Q
        + _SEP
        + r"|(?:enum|examples)"
        + _Q
        + _SEP
        + _ITEMS
        + r")"
        + _Q
        + r'[^"\\]'
    )


TRIGGER = trigger(_MEMBERS + '"')
_REACH = 1100  # from the object's opening brace back to its name, and on to the value
_NAME = re.compile(r'\\{0,15}"(?P<name>[A-Za-z0-9_.-]{1,100})\\{0,15}"\s{0,4}:\s{0,4}\Z')


_PIN = re.compile(r"(?:[A-Za-z0-9_.-]{0,60}[_.-]|[a-z0-9]{1,60}(?=P))?(?i:pin)")  # a PIN, not spin


def _property_named_secret(text: str, end: int) -> bool:
    """The report's object (its opening brace, past one closed object inside it) is a property whose whole name
    says secret."""
    low = max(0, end - _REACH)
    brace = text.rfind("{", low, end)
    closing = text.rfind("}", low, end)
    if closing > brace:  # an object among the members: the property's own brace is before that one's
        brace = text.rfind("{", low, text.rfind("{", low, closing))
    if brace < 0:
        return False
    name = _NAME.search(text, max(0, brace - 130), brace)
    return name is not None and (names_a_secret(name.group("name")) or _PIN.fullmatch(name.group("name")) is not None)


SCHEMA_VALUE_RULES: tuple[Rule, ...] = (
    Rule(
        name="schema_secret_value",
        replaces="a JSON Schema property's default, const, enum or examples value where the property's name says "
        "secret (an MCP Elicitation's requested_schema)",
        # Not from a closing quote (an array's item's, before ", " or "]"): no value inside a string begins there
        pattern=r'(?P<value>[^"\\\s,\]}:][^"\\]{0,511}+)(?=' + _Q + ")",
        group="value",
        trigger=TRIGGER,
        trigger_needs=(("default",), ("const",), ("enum",), ("examples",)),
        trigger_check=_property_named_secret,
        anchored=True,
        back=1,
        reach=_REACH,
        validate=plausible_secret,
        example='`"password": {"type": "string", "default": "<value>"}`',
    ),
)
