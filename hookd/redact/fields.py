"""Secrets in fields the other rules do not read (thirteenth session, h61; issue 16's misses left by h59).

* ``dash_option_secret``: a single-dash long option naming a secret, ``influx -password <v>``,
  ``tool -token <v>``, ``-api-key=<v>`` (commands.py knows the short ones only for their commands);
* ``sibling_key_value``: a JSON ``"value"`` whose object names a key beside it, as Azure's
  ``az storage account keys list`` prints (``"keyName": "key1", "permissions": "FULL", "value": "<key>"``),
  and the ``"key1"``/``"primaryKey"`` fields of ``az cognitiveservices account keys list`` and its kin;
* ``framework_secret``: names that say secret by the framework's word, not a secret word at their end:
  Phoenix's ``secret_key_base: "<v>"``, ``signing_salt:`` and ``encryption_salt:`` (Elixir keyword lists,
  also ``live_view: [signing_salt: ...]``), Rails' ``secret_key_base``;
* ``aligned_secret_assignment``: ``api_token   = "<v>"``, a secret's name and 3 or more spaces before
  its ``=`` (terraform fmt aligns a block's signs).

Each is anchored: its trigger (Hyperscan) reads the context up to the value's first character, the regex
the value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import assigned_value_ok, is_type_or_reference, option_value_ok
from hookd.redact.values import plausible_secret
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule

# Not openssl's -pass argument forms (commands.py reads pass:), nor -p (ports), nor words that go on
# (-token_count, -passive, -passthrough): the name ends at = or a space.
_DASH_NAMES = (
    r"(?i:password|passwd|pass|pwd|token|secret|apikey|api-key|api_key|apitoken|api-token|auth-token"
    r"|authtoken|access-token|accesstoken|secret-key|secretkey|client-secret|clientsecret|passphrase)"
)
_DASH_TRIGGER = r"(?:\s|\\[nt])-" + _DASH_NAMES + r"(?:=|[ \t]{1,4})[^\s\-]"
# A file or a reference that holds the secret: -pass file:x, -pass env:X, -token ./t.txt, -password @pw.txt.
_NOT_A_VALUE = re.compile(r"(?i)(?:pass|env|file|fd|stdin)(?::.*)?|[~/.@].*|.*\.(?:pem|key|txt|json|crt|p12|pfx)")


def _dash_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return option_value_ok(match) and not _NOT_A_VALUE.fullmatch(value) and not value.isdigit()


DASH_OPTION_SECRET = Rule(
    name="dash_option_secret",
    replaces="the value of a single-dash long option naming a secret (influx -password, -token, -api-key)",
    pattern=VALUE,
    group="value",
    trigger=_DASH_TRIGGER,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_dash_ok,
    example="`influx -username admin -password <value>`, `tool -api-key=<value>` (not `-token_count 5`)",
)

# A JSON key's quotes, raw or escaped once (the view writes deeper ones as \").
_Q = r'\\?"'
_SIBLING = r"(?:[kK]eyName|[sS]ecretName|key_name|secret_name)"
_SIBLING_TRIGGER = (
    _Q
    + _SIBLING
    + _Q
    + r"[ \t]{0,4}:[^{}\[\]]{0,150}"
    + _Q
    + r"(?i:value)"
    + _Q
    + r"[ \t]{0,4}:[ \t]{0,4}"
    + _Q
    + r"[^\"\\\s]"
)
# Scanned only in the chunks that name such a sibling: the gap's bounded repeat is not read elsewhere.
_SIBLING_NEEDS = (("keyName",), ("KeyName",), ("secretName",), ("SecretName",), ("key_name",), ("secret_name",))
# Azure's key fields by themselves: key1/key2 (Cognitive Services, Maps, Search), primaryKey/secondaryKey
# (Event Hubs, Service Bus, IoT Hub), their MasterKey forms (Cosmos DB).
_KEY_FIELD_TRIGGER = (
    _Q
    + r"(?:key[12]|(?:primary|secondary)(?:Readonly)?(?:Master)?Key|(?:primary|secondary)_key)"
    + _Q
    + r"[ \t]{0,4}:[ \t]{0,4}"
    + _Q
    + r"[A-Za-z0-9+/=_-]{20}"
)
_KEY_VALUE = r"(?P<value>[^\"\\\s]{4,400})(?=\\?\")"
_HEX_KEY = re.compile(r"[0-9a-f]{32,64}|[0-9A-F]{32,64}")


def _sibling_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return plausible_secret(value) and not is_type_or_reference(value) and len(value) >= 8


def _key_field_ok(match: re.Match[str]) -> bool:
    """A key, not a database's primary key column: 32 hex digits or more, or random base64 of 20 or more."""
    value = match.group("value")
    return bool(_HEX_KEY.fullmatch(value)) or (len(value) >= 20 and random_looking(value))


SIBLING_KEY_VALUE = Rule(
    name="sibling_key_value",
    replaces='a JSON "value" whose object names a key beside it ("keyName": "key1" ... "value": <key>)',
    pattern=_KEY_VALUE,
    group="value",
    trigger=_SIBLING_TRIGGER,
    trigger_needs=_SIBLING_NEEDS,
    anchored=True,
    back=1,
    reach=410,
    check=_sibling_ok,
    example='`[{"keyName": "key1", "permissions": "FULL", "value": "<value>"}]` (az storage account keys list)',
)

KEY_FIELD = Rule(
    name="azure_key_field",
    replaces='an Azure key in "key1"/"key2"/"primaryKey"/"secondaryKey" (keys list output)',
    pattern=_KEY_VALUE,
    group="value",
    trigger=_KEY_FIELD_TRIGGER,
    anchored=True,
    back=20,  # the trigger reads 20 characters of the value: a short one (a column's name) is never a report
    reach=410,
    check=_key_field_ok,
    example='`{"key1": "<32 hex digits>", "key2": ...}` (not `"primaryKey": "id"`)',
)

_FRAMEWORK_NAMES = r"(?i:secret_key_base|signing_salt|encryption_salt)"
_FRAMEWORK_TRIGGER = (
    r"(?:^|[^A-Za-z0-9_]|\\[nrt])" + _FRAMEWORK_NAMES + r"(?:\\?[\"'])?[ \t]{0,4}(?::|=>?|,)[ \t]{0,4}[^\s,\]\[(){}]"
)


def _framework_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return option_value_ok(match) and not is_type_or_reference(value) and len(value) >= 8


FRAMEWORK_SECRET = Rule(
    name="framework_secret",
    replaces="a web framework's signing secret (Phoenix/Rails secret_key_base, signing_salt, encryption_salt)",
    pattern=VALUE,
    group="value",
    trigger=_FRAMEWORK_TRIGGER,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_framework_ok,
    example='`config :app, AppWeb.Endpoint, secret_key_base: "<value>"` (not `System.get_env("SECRET_KEY_BASE")`)',
)

# Aligned assignments: terraform fmt and hand-aligned .env or INI files put 3 or more spaces before the =
# (secret_assignment reads at most two, each spacing a literal of its parts).
_ALIGNED_NAME = (
    r"(?i:password|passwd|passphrase|secret|token|api_?key|apikey|access_?key|private_?key|client_?secret"
    r"|credentials?|[_.-]pass|[_.-]pwd)"
)
_ALIGNED_TRIGGER = _ALIGNED_NAME + r"(?:[ \t]{3,16}|\\t(?:[ \t]|\\t){0,8})=[ \t]{0,4}[^\s=>~]"
_ALIGNED_NEEDS = (("   =",), ("\\t=",), ("\\t =",), ("\t=",), ("\t =",))


# An ABNF rule in an RFC quoted by code (token          = 1*tchar; %x21-7E): grammar, not a value.
_GRAMMAR = re.compile(r"[0-9]*\*[0-9]*.*|%[xdb][0-9A-Fa-f].*")


def _aligned_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return assigned_value_ok(match) and not value.startswith("=") and not _GRAMMAR.fullmatch(value)


ALIGNED_SECRET_ASSIGNMENT = Rule(
    name="aligned_secret_assignment",
    replaces="the value assigned to a secret-named variable aligned with spaces or tabs before its = "
    "(terraform fmt, aligned .env and INI files)",
    pattern=VALUE,
    group="value",
    trigger=_ALIGNED_TRIGGER,
    trigger_needs=_ALIGNED_NEEDS,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_aligned_ok,
    example='`api_token   = "<value>"` (terraform.tfvars; not `token   = var.token`)',
)

# Aligned after a colon: a listing that pads its names to one column (heroku config's `API_KEY:          <v>`,
# kubectl describe secret's `token:      <v>`), five or more spaces where secret_assignment reads up to four. A
# listing's other values are sizes and words (`ca.crt:     1066 bytes`), so the value must look random.
_ALIGNED_COLON_TRIGGER = _ALIGNED_NAME + r"(?:\\?[\"'])?:[ ]{5,40}[^\s=>~]"


def _aligned_colon_ok(match: re.Match[str]) -> bool:
    return _aligned_ok(match) and random_looking(match.group("value"))


ALIGNED_COLON_SECRET = Rule(
    name="aligned_colon_secret",
    replaces="a random-looking value after a secret's name, its colon and five or more spaces (heroku config, "
    "kubectl describe secret)",
    pattern=VALUE,
    group="value",
    trigger=_ALIGNED_COLON_TRIGGER,
    trigger_needs=((":     ",),),
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_aligned_colon_ok,
    example="`STRIPE_API_KEY:          <value>` (not `token:      1066 bytes`)",
)

FIELD_RULES: tuple[Rule, ...] = (
    DASH_OPTION_SECRET,
    SIBLING_KEY_VALUE,
    KEY_FIELD,
    FRAMEWORK_SECRET,
    ALIGNED_SECRET_ASSIGNMENT,
    ALIGNED_COLON_SECRET,
)
