"""Values a tool marks secret itself, in the JSON it prints or stores (h88).

* ``concealed_field``: 1Password's ``op item get --format json`` writes each field as an object whose
  ``"type": "CONCEALED"`` marks a password or a key, its ``"value"`` a few keys later;
* ``sensitive_output``: Terraform marks an output ``"sensitive": true`` in its state
  (``"value": ..., "type": "string", "sensitive": true``) and in ``terraform output -json``
  (``"sensitive": true, "type": "string", "value": ...``), whatever the output's name.

The marker and the value are keys of one object, with only the keys the tool writes between them. In the
payload's JSON text the file or the output is a string, its quotes written \\"; a raw quote is read too.
"""

from __future__ import annotations

from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

_Q = r'\\?"'
_SP = r"(?:[ \t]|\\[nrt]){0,8}"
_NEXT = "," + _SP  # the next key of the same object
_VALUE_CHARS = r"(?:[^\"\\]|\\[^\"]){1,1024}"
_VALUE_KEY = _Q + "value" + _Q + _SP + ":" + _SP + _Q
_REACH = 2 * 1024 + 200  # the longest match: a value of escapes, the keys beside it


def _key(name: str, value: str) -> str:
    return _Q + name + _Q + _SP + ":" + _SP + value


# Hyperscan reads the keys the tool writes between the marker and the value, as it writes them (no class that
# runs over other keys: in JSON text every "value" key would start one), to the value's first character, or
# from the type to the marker after the value; the regex runs only around each report (exact).
_SHORT = _Q + r'[^"\\]{0,64}' + _Q
_CONCEALED = _key("type", _Q + "CONCEALED" + _Q) + "(?:" + _NEXT + _key("(?:purpose|label)", _SHORT) + "){0,2}" + _NEXT
CONCEALED_FIELD = Rule(
    name="concealed_field",
    replaces="the value of a 1Password field of type CONCEALED (op item get --format json)",
    pattern=_CONCEALED + _VALUE_KEY + "(?P<value>" + _VALUE_CHARS + "+)" + _Q,
    group="value",
    trigger=_CONCEALED + _VALUE_KEY + r'[^"\\]',
    exact=True,
    copies=True,
    reach=_REACH,
    ahead=_REACH,
    validate=plausible_secret,
    example='`{"id": "password", "type": "CONCEALED", "label": "password", "value": "<password>"}`',
)

_STRING = _key("type", _Q + "string" + _Q)
_SENSITIVE = _key("sensitive", "true")
SENSITIVE_OUTPUT = Rule(
    name="sensitive_output",
    replaces="the string value of a Terraform output marked sensitive (its state, terraform output -json)",
    # terraform output -json sorts the keys (sensitive, type, value); the state writes value, type, sensitive.
    pattern=(
        "(?P<before>"
        + _SENSITIVE
        + _NEXT
        + _STRING
        + _NEXT
        + ")?"
        + _VALUE_KEY
        + "(?P<value>"
        + _VALUE_CHARS
        + "+)"
        + _Q
        + "(?(before)|"
        + _NEXT
        + _STRING
        + _NEXT
        + _SENSITIVE
        + ")"
    ),
    group="value",
    trigger="(?:" + _SENSITIVE + _NEXT + _STRING + _NEXT + _VALUE_KEY + r'[^"\\]|' + _STRING + _NEXT + _SENSITIVE + ")",
    exact=True,
    copies=True,
    reach=_REACH,
    ahead=_REACH,
    example='`"db_password": {"value": "<password>", "type": "string", "sensitive": true}`',
)

MARKED_RULES: tuple[Rule, ...] = (CONCEALED_FIELD, SENSITIVE_OUTPUT)
