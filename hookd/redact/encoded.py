"""Assignments written through an encoding the other rules do not read (twelfth session, h59).

``encoded_secret_assignment``: a secret's name and its value joined by something other than plain
quotes and an ``=`` or ``:``, as agents see it in fetched pages, terminal output and logs:

* HTML entities: ``{&quot;password&quot;: &quot;...&quot;}``, ``password&#x3D;...``, ``&#39;``;
* percent-encoding of a whole JSON object or form: ``%22password%22%3A%22...%22``;
* ANSI colour escapes (``\\u001b[32m`` in JSON) between the name, the sign and the value;
* fullwidth signs: ``password＝...``, ``password： ...``, ``密码：...`` (raw or ``\\uff1d``);
* a no-break space entity or a colour escape after ``Bearer``.

Also ``braced_connection_password`` (ODBC's ``Pwd={...}``) and ``yaml_block_secret`` (``password: |`` and
the value on the next line), forms the assignment rules do not read either.

The view (view.py) decodes printable ``\\u00XX`` escapes and ``%3D``/``%26``, not these. The trigger
(Hyperscan, bytes) is the context up to the value's first four characters, and it holds at least one of
the encoded pieces, so a plain ``password: value`` stays the assignment rules' (which know types and
references); the regex reads the value, which ends where an entity, a percent escape, an escape or a
quote begins.
"""

from __future__ import annotations

import html
import re

from hookd.redact import scriptnames
from hookd.redact.checks import is_type_or_reference
from hookd.redact.values import plausible_secret
from hookd.redact.rule import Rule

# The name's last word (what precedes it does not matter: the value is what is replaced).
_NAME = (
    r"(?i:pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key"
    r"|private[_-]?key|credentials?|client[_-]?secret)"
)
_ENTITY_QUOTE = r"(?i:&quot;|&apos;|&#0{0,3}3[49];|&#x0{0,3}2[27];)"
_ENTITY_SIGN = r"(?i:&#0{0,3}(?:61|58);|&#x0{0,3}3[ad];|&equals;|&colon;)"
_PERCENT_QUOTE = r"%2[27]"
_PERCENT_SIGN = r"(?i:%3[ad])"
_ANSI = r"(?i:\\u001b)\[[0-9;]{0,12}m"
_FULLWIDTH_SIGN = r"(?:\xef\xbc[\x9a\x9d]|(?i:\\{1,2}uff1[ad]))"
_SPACE = r"(?:[ \t]|%20|\+|&#0{0,3}32;|&nbsp;)"
# The value's first characters: what the regex reads (an entity, an escape or a quote ends it).
_START = r"""[^\s&"'\\<>%;,{}\[\]()$\x80-\xff]{4}"""
# Or, after an entity (a quote's, a sign's), a value that holds an entity in its first characters:
# &quot;ab&amp;cd&quot;. Four characters still, the alternatives cut where the entity begins (back stays 4).
_P = r"""[^\s&"'\\<>%;,{}\[\]()$\x80-\xff]"""
_START_HTML = (
    r"(?:"
    + _P
    + r"{4}|"
    + _P
    + r"{3}&|"
    + _P
    + r"{2}&[aA#]|"
    + _P
    + r"&(?i:am|#[0-9x])|&(?i:amp|#[0-9]{2}|#x[0-9a-f]))"
)

_NBSP = r"(?i:&nbsp;|&#0{0,3}160;|&#x0{0,3}a0;)"
_SP = r"(?:[ \t]|" + _NBSP + r"){0,2}"
# Every HTML form holds an entity: a quote after the name, an encoded sign, or a quote before the value.
_HTML_TRIGGER = (
    _NAME
    + r"(?:"
    + _ENTITY_QUOTE
    + _SP
    + r"(?:[=:]|"
    + _ENTITY_SIGN
    + r")"
    + _SP
    + _ENTITY_QUOTE
    + r"?|"
    + _SP
    + _ENTITY_SIGN
    + _SP
    + _ENTITY_QUOTE
    + r"?|"
    + _SP
    + r"[=:]"
    + _SP
    + _ENTITY_QUOTE
    + r"|[ \t]{0,2}[=:][ \t]{0,2}"
    + _NBSP
    + _SP
    + _ENTITY_QUOTE
    + r"?)"
)
_PERCENT_TRIGGER = (
    _NAME + _PERCENT_QUOTE + r"?" + _SPACE + r"{0,2}" + _PERCENT_SIGN + _SPACE + r"{0,2}" + _PERCENT_QUOTE + r"?"
)
_ANSI_TRIGGER = (
    _NAME
    + r"(?:(?:"
    + _ANSI
    + r"){1,3}[ \t]{0,2}[=:][ \t]{0,2}(?:"
    + _ANSI
    + r"){0,3}|[ \t]{0,2}[=:][ \t]{0,2}(?:"
    + _ANSI
    + r"){1,3})"
)
# A no-break space entity or a colour escape after the scheme: Authorization: Bearer&nbsp;..., Bearer \u001b[33m...
_BEARER_TRIGGER = r"(?i:bearer)(?:" + _NBSP + r"|[ \t]{0,2}(?:" + _ANSI + r"){1,3})"
# "Password" where a fullwidth sign is what an input method writes after it: Chinese (simplified and
# traditional), Japanese, Korean, raw (the trigger reads UTF-8 bytes) or as JSON's escapes (a payload written
# with ensure_ascii); scriptnames' list, which secret_assignment reads before an ASCII = or :.
_CJK_NAME = scriptnames.CJK_EXPRESSION
_FULLWIDTH_TRIGGER = "(?:" + _NAME + "|" + _CJK_NAME + r")[ \t]{0,2}" + _FULLWIDTH_SIGN + r"[ \t]{0,2}(?:\"|'|\\\")?"
ENCODED_TRIGGER = (
    r"(?:"
    + _HTML_TRIGGER
    + r"|"
    + _PERCENT_TRIGGER
    + r"|"
    + _ANSI_TRIGGER
    + r"|"
    + _FULLWIDTH_TRIGGER
    + r"|"
    + _BEARER_TRIGGER
    + r")"
    + _START_HTML
)
# One part per encoding, each scanned only in the chunks that hold its encoded piece: a trigger that starts at
# every secret word (token, secret, password) kept Hyperscan busy in ordinary code.
ENCODED_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"(?:" + _HTML_TRIGGER + r"|(?i:bearer)" + _NBSP + r")" + _START_HTML,
        (r"(?i)&(?:quot;|apos;|nbsp;|equals;|colon;|#)",),
    ),
    (_PERCENT_TRIGGER + _START, (r"(?i)%3[ad]",)),
    (r"(?:" + _ANSI_TRIGGER + r"|(?i:bearer)[ \t]{0,2}(?:" + _ANSI + r"){1,3})" + _START, (r"(?i)\\u001b\[",)),
    (_FULLWIDTH_TRIGGER + _START, (_FULLWIDTH_SIGN,)),
)
_BACK = 4
# Two percent-encoded characters of the value (%21 for !), never a quote or a separator (%22, %26, %27).
_PLAIN_VALUE = r"""(?:[^\s&"'\\<>%;,{}\[\]()\x80-\U0010ffff]|%(?!2[2367])[0-9A-Fa-f]{2}){4,200}"""
# Opened by a quote's entity, the value runs to the closing one and may hold other entities (&amp;, &#35;).
_QUOTED_BY_ENTITY = (
    r"(?i:(?<=&quot;)|(?<=&apos;)|(?<=&#34;)|(?<=&#034;)|(?<=&#39;)|(?<=&#039;)|(?<=&#x22;)|(?<=&#x27;))"
)
_NOT_QUOTE_ENTITY = r"(?!(?i:quot;|apos;|#0{0,3}3[49];|#x0{0,3}2[27];))"
_ENTITY_VALUE = (
    r"""(?:[^\s&"'\\<>%;,{}\[\]()\x80-\U0010ffff]|&"""
    + _NOT_QUOTE_ENTITY
    + r"""(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});){4,200}+(?=&)"""
)
_VALUE = r"(?P<value>" + _QUOTED_BY_ENTITY + _ENTITY_VALUE + r"|" + _PLAIN_VALUE + r")"


def _encoded_value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    end = match.end("value")
    if match.string[end : end + 1] in ("(", "["):
        return False  # code: get_password()
    if "&" in value:
        value = html.unescape(value)
    return plausible_secret(value) and not is_type_or_reference(value) and not value.isdigit()


ENCODED_SECRET_ASSIGNMENT = Rule(
    name="encoded_secret_assignment",
    replaces="a secret's value after its name written with HTML entities, percent-encoding, ANSI colour "
    "escapes or a fullwidth = or :",
    pattern=_VALUE,
    group="value",
    trigger=ENCODED_TRIGGER,
    trigger_parts=ENCODED_PARTS,
    anchored=True,
    back=_BACK,
    reach=2010,
    check=_encoded_value_ok,
    example="`{&quot;password&quot;: &quot;<value>&quot;}`, `%22token%22%3A%22<value>%22`, "
    "`password＝<value>` (not `password=&lt;yours&gt;`)",
)


# A connection string's value in braces (ODBC quoting: Pwd={...}; the braces let it hold ; and spaces).
# Not a template's field: {password}, {db_pwd}, {self.pwd}, {PASSWORD}, {0}, {password!r}, {pw:>8}.
_BRACED_TRIGGER = r"(?i:pwd|password)[ \t]{0,2}=[ \t]{0,2}\{[^{}\\\"\n]{4}"
_TEMPLATE_FIELD = re.compile(r"(?:[a-z_][a-z0-9_.]*|[A-Z_][A-Z0-9_.]*|\d+)=?(?:![rsa])?(?::[^{}]*)?")


def _braced_value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return plausible_secret(value) and not is_type_or_reference(value) and not _TEMPLATE_FIELD.fullmatch(value)


BRACED_CONNECTION_PASSWORD = Rule(
    name="braced_connection_password",
    replaces="a connection string's password quoted in braces (ODBC: Pwd={...};)",
    pattern=r"""(?P<value>[^{}\\"\n]{4,200})(?=\})""",
    group="value",
    trigger=_BRACED_TRIGGER,
    anchored=True,
    back=4,
    reach=210,
    check=_braced_value_ok,
    example="`Server=db;Uid=sa;Pwd={<value>};` (not `Pwd={password};`)",
)

# A YAML block scalar under a secret's name: password: | (or >-), then the value indented on the next line. The
# line break is an escaped \\n in a JSON string, or a raw one where the text given to the redactor is not JSON.
# Its backslash is doubled (or more, a level deeper each time) where the YAML is a string of a JSON document inside the payload's
# string (kubectl get cm -o json, a Helm release printed as JSON); so may a quoted name's quotes be.
# A name may go on past its secret word by _key or -value (secret_key: >-, signing_secret-value: |).
_BREAK = r"(?:\\{1,8}n|\r?\n)"
_BLOCK_TRIGGER = (
    _NAME
    + r"""(?:[_-](?i:key|value))?[\\]{0,15}[\"']?: ?[|>][-+]?[1-9]?[ \t]{0,4}"""
    + _BREAK
    + r"""[ \t]{1,16}[^\s\\"#]"""
)
# Scanned only in chunks holding the block's sign: started at every secret word, the trigger cost a fifth of the
# speed on 2 MB of Python source (its \n is in every line of a JSON string).
_BLOCK_NEEDS = ((":|",), (": |",), (":>",), (": >",))
YAML_BLOCK_SECRET = Rule(
    name="yaml_block_secret",
    replaces="the first line of a YAML block scalar under a secret's name (password: | then the value)",
    # A line of one word: prose in a block (password: > then "must be long") is no value.
    pattern=r"""(?P<value>[^\s\\"]{1,400})(?=\\{1,8}[nr"]|\"|[\r\n]|$)""",
    group="value",
    trigger=_BLOCK_TRIGGER,
    trigger_needs=_BLOCK_NEEDS,
    anchored=True,
    back=1,
    reach=400,
    check=_encoded_value_ok,
    example="`password: |` then `  <value>` on the next line",
)

# A value in triple quotes (TOML's basic and literal strings, Python's): password = """...""" or '''...'''. The
# assignment rules read the first two quotes as an empty string. One line, no spaces: a docstring's prose is no value.
# The double quotes as JSON text writes them (\"\"\"): a raw """ is never inside a payload's string.
_TRIPLE = r"""(?:\\"\\"\\"|''')"""
# (A Python annotation may stand before the sign: API_TOKEN: str = '''...'''.)
_TRIPLE_TRIGGER = (
    _NAME + r"(?:[ \t]{0,2}:[ \t]{0,2}[A-Za-z_][A-Za-z0-9_.]{0,30})?[ \t]{0,4}[=:] ?" + _TRIPLE + r"""[^\s"'\\]"""
)
# Scanned only in chunks holding the sign and the quotes: needing the quotes alone made a flood of " or '
# pay at every character (a needed literal costs at each occurrence).
_TRIPLE_NEEDS = tuple((sign + quotes,) for sign in ("=", "= ", ":", ": ") for quotes in ('\\"\\"\\"', "'''"))
TRIPLE_QUOTED_SECRET = Rule(
    name="triple_quoted_secret",
    replaces='a secret\'s value in triple quotes (TOML, Python: password = """...""")',
    pattern=r"""(?P<value>(?:[^\s"'\\]|\\\\){1,400}+)(?=""" + _TRIPLE + ")",
    group="value",
    trigger=_TRIPLE_TRIGGER,
    # Scanned only in chunks holding them: started at every secret word, the trigger would cost ordinary code.
    trigger_needs=_TRIPLE_NEEDS,
    anchored=True,
    back=1,
    reach=420,
    check=_encoded_value_ok,
    example="`password = \"\"\"<value>\"\"\"`, `token = '''<value>'''` (not a docstring's prose)",
)

ENCODED_RULES: tuple[Rule, ...] = (
    ENCODED_SECRET_ASSIGNMENT,
    BRACED_CONNECTION_PASSWORD,
    YAML_BLOCK_SECRET,
    TRIPLE_QUOTED_SECRET,
)
