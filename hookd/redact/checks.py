"""What a candidate must also be, beyond its shape: a value rather than code (checksums and card
numbers: checksums.py).

Each check sees the candidate (and, for the context checks, the match with
the text around it) and answers whether it is a secret worth hiding. They
cost a bounded amount per candidate: none looks further than a fixed number
of characters from the match.
"""

from __future__ import annotations

import re

from hookd.redact.codecontext import bare_value_in_code
from hookd.redact.codeforms import code_of_other_languages, instance_variable
from hookd.redact.namecontext import in_template_action, name_says_not_secret, value_on_next_line
from hookd.redact.signatures import quoted_annotation
from hookd.redact.valueforms import describes_a_secret


# --- values, not code ----------------------------------------------------------

_CREDENTIAL_PUNCT = frozenset("._~+=")
# YOUR_TOKEN_HERE, or the name in NAME=value: a placeholder, not a credential.
_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
# A variable's name or attribute: {'Authorization': auth_token}, "authorization": self.authorization
_SNAKE_NAME = re.compile(r"[a-z]+(?:_[a-z]+)+|(?:self|this)\.[a-z_]+")


def looks_like_credential(value: str) -> bool:
    """A Bearer/Basic value rather than prose ("basic authentication", "Bearer tokens").

    At least 6 characters, not an ALL_CAPS_NAME, and one of: a digit next
    to letters, credential punctuation (``. _ ~ + =``), or a long mixed-case
    run (base64 of ``user:pass``), which ordinary words never are.
    """
    v = value.rstrip("=")
    if len(v) < 6 or _CONSTANT_NAME.fullmatch(v) or _SNAKE_NAME.fullmatch(v):
        return False
    has_digit = any(c.isdigit() for c in v)
    has_alpha = any(c.isalpha() for c in v)
    if has_digit and has_alpha:
        return True
    if any(c in _CREDENTIAL_PUNCT for c in v) and has_alpha:
        return True
    uppers = sum(1 for c in v[1:] if c.isupper())
    lowers = sum(1 for c in v if c.islower())
    return len(v) >= 12 and uppers >= 2 and lowers >= 2


_NOT_SECRETS = frozenset("null none nil true false undefined required optional empty ~ ?".split())  # ?: SQL's
# The words of an enumerated setting named for credentials: fetch()'s credentials mode, crossorigin's
# use-credentials, a GitHub Actions permission (id-token: write).
# Perl's Config (d_pwpasswd='define'), a test's outcome ("PASS" : "FAIL").
_SETTING_WORDS = frozenset(
    "include omit same-origin use-credentials anonymous read write read-all write-all define undef "
    "fail failed passed skipped".split()
)
# Prose about a secret's option or field: "the --username and --password options", "password is required".
_PROSE_WORDS = frozenset(
    "option options flag flags argument arguments parameter parameters field fields is are was and or to for "
    "of with the".split()
)
# Values that stand in for a secret in examples and tests: kept, deliberately (docs/redaction.md).
PLACEHOLDERS = frozenset(
    {
        "test",
        "testing",
        "password",
        "passwd",
        "secret",
        "token",
        "changeme",
        "change-me",
        "example",
        "dummy",
        "fake",
        "foo",
        "bar",
        "foobar",
        "xxx",
        "placeholder",
        "redacted",
        "string",
        "sample",
        "mypassword",
        "yourpassword",
        "your-password",
        "your_password",
        "your-token",
        "your_token",
        "your-api-key",
        "your_api_key",
        "api-key",
        "apikey",
        "pass",
        "pw",
        "todo",
        "tbd",
        # what a test logs in with to see a login fail
        "wrong",
        "invalid",
        "incorrect",
        "wrongpassword",
        "wrong-password",
        "badpassword",
        "bad-password",
        "invalid-password",
    }
)
# A value made only of words, one of which says "put yours here": YOUR_API_KEY_HERE, your-openai-api-key,
# REPLACE_ME, <set-me> (kept, like the placeholder words). A random token is never all words.
_PLACEHOLDER_WORDS = frozenset(
    {"your", "here", "replace", "changeme", "change", "placeholder", "example", "insert", "enter", "redacted", "dummy"}
)
_WORD_PARTS = re.compile(r"[A-Za-z]+(?:[-_. ][A-Za-z]+)*")
# Words naming a secret: a name in code made of words, one of them these, names one (next_token,
# NextToken, AWSSecretKey) rather than being one. (Words joined by - are a password's: old-pass.)
_NAME_PARTS = re.compile(r"[A-Za-z]+(?:_[A-Za-z]+)*")
_SECRET_PARTS = frozenset(
    "token tokens secret secrets password passwords passwd pass pwd key keys apikey credential credentials "
    "passphrase auth".split()
)
_CASE_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
# A placeholder word and a few digits (password123, test1234, secret1): a test fixture's password, kept
# deliberately: it is in every list of common passwords, so it hides nothing.
_PLACEHOLDER_DIGITS = re.compile(r"([a-z]+)[0-9]{1,4}!?")
# A mask: a provider's prefix and stars or x's (ghp_xxxxxxxx, sk-proj-****abcd), most of the value.
_MASK_CHARS = frozenset("*xX•")


def is_placeholder(value: str) -> bool:
    """A value that stands in for a secret: a placeholder word (with digits), words saying "yours here",
    or a mask."""
    low = value.lower()
    if low in PLACEHOLDERS:
        return True
    digits = _PLACEHOLDER_DIGITS.fullmatch(low)
    if digits and digits.group(1) in PLACEHOLDERS:
        return True
    if _WORD_PARTS.fullmatch(value) and _PLACEHOLDER_WORDS.intersection(re.split(r"[-_. ]", low)):
        return True
    if _NAME_PARTS.fullmatch(value):
        parts = _CASE_PARTS.findall(value)
        if len(parts) >= 2 and any(p.lower() in _SECRET_PARTS for p in parts):
            return True
    masked = sum(1 for c in value if c in _MASK_CHARS)
    return masked >= 8 and 2 * masked >= len(value) and any(c * 4 in value for c in _MASK_CHARS)


# A format or a reference that starts with %: %s, %(password)s, %-8s, %DB_PASS%, %{TOKEN}. (A password may
# start with %, or be URL-encoded: %25...)
_FORMAT = re.compile(
    r"%(?:\([^)]{0,60}\))?[-#0 +]?[0-9]{0,3}(?:\.[0-9]{1,3})?[sdifrxXeEgGcvqp]|%[A-Za-z_]\w{0,60}%|%\{[^}]{0,60}\}"
    r"|%(?:24|7[Bb]|3[Cc]|5[Bb]).*"  # URL-encoded $, {, <, [: a reference
)
# Format fields and what joins them: '%s:%s', '%s@%s' (a template for a credential, not one).
_FORMAT_FIELDS = re.compile(r"(?:%[-#0 +]?[0-9]{0,3}(?:\.[0-9]{1,3})?[sdifrxX]|[-:@/ ._])++")
# A version, an IP address or an object identifier (1.3.6.1.5.5.7.3.1).
_DOTTED_NUMBER = re.compile(r"[0-9]++(?:\.[0-9]++)++")
_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}(?:_[0-9]{3})++")  # 10_000
# A variable's reference inside the value: anonymous:$FROM_EMAIL, user:${PASS} (a password may hold a $,
# rarely one followed by a name in capitals).
_REFERENCE_INSIDE = re.compile(r"\$(?:\{|[A-Z_][A-Z0-9_]{2,}(?![a-z]))")
_HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})")


def plausible_secret(value: str) -> bool:
    """A value worth hiding: not a variable reference, template, placeholder or mask.

    ``$DB_PASS``, ``${{ secrets.X }}``, ``%(password)s``, ``<password>``,
    ``{{ token }}``, ``null``/``true``, ``****``, ``xxx`` and the
    placeholder words (``test``, ``changeme``, ...) are left alone.
    """
    v = value.strip()
    if len(v) < 3 or v[0] in "$<{[" or v.startswith("\\u003c") or _FORMAT.fullmatch(v):
        return False  # two characters hide nothing (r'...', b'...': a string's prefix)
    if v.lower() in _NOT_SECRETS or v.lower() in _SETTING_WORDS or v.lower() in _PROSE_WORDS or is_placeholder(v):
        return False
    if "%" in v and _FORMAT_FIELDS.fullmatch(v) or _DOTTED_NUMBER.fullmatch(v) or _HEX_COLOUR.fullmatch(v):
        return False
    if v[-1] == "?" and v[:-1].lower() in TYPE_NAMES:
        return False  # an optional type in a schema: "password": "string?"
    if _CONSTANT_NAME.fullmatch(v) or _GROUPED_NUMBER.fullmatch(v) or _REFERENCE_INSIDE.search(v):
        return False  # the name of a variable that holds one: 'AWS_SECRET_ACCESS_KEY'; 10_000; a $REFERENCE
    return not set(v) <= set("*xX.•-_") and not describes_a_secret(v)


# Type names that follow "password:" in code: TypeScript, Python, Rust, Go, Kotlin, Swift...
TYPE_NAMES = frozenset(
    {
        "str",
        "string",
        "bytes",
        "bytearray",
        "int",
        "integer",
        "bool",
        "boolean",
        "number",
        "float",
        "double",
        "any",
        "unknown",
        "object",
        "none",
        "null",
        "undefined",
        "void",
        "never",
        "char",
        "text",
        "varchar",
        "secret",
        "secretstr",
        "secretbytes",
        "optional",
        "list",
        "dict",
        "array",
        "uuid",
        "password",
        "token",
        "&str",
        "[]byte",
        "vec<u8>",
        "u8",
        "i32",
        "i64",
        "u32",
        "u64",
    }
)
# A type expression: Optional[str], str | None, list[str], typing.Optional[SecretStr], Mapped[str].
_TYPE_EXPR = re.compile(r"[A-Za-z_][\w.]*(?:\[[\w\[\]., |]*\])?(?:\s*\|\s*[\w.]+(?:\[[\w\[\]., |]*\])?)*\??")
# A type (PKCS7PrivateKeyTypes: capitals and digits, then capitalised words), a camelCase name.
_CAMEL = re.compile(
    r"[A-Z][A-Za-z_]*(?:\.[A-Z][A-Za-z_]*)*|[A-Z][A-Z0-9]*(?:[A-Z][a-z]{2,}){3,}|[a-z]+(?:[A-Z][a-z]+)+"
)
_GRAPHQL_TYPE = re.compile(r"\[?[A-Z][A-Za-z_]*!?\]?!")  # GraphQL's non-null and list types: String!, [ID!]!
# process.env.X, os.environ, self.password, settings.SECRET_KEY: a reference in code, not a value.
# t.token, exports2.X, err?.body, TOKEN_LOCAL.token
_CODE_PATH = re.compile(r"(?:[a-z_][A-Za-z_]{0,30}[0-9]?|[A-Z][A-Z0-9_]{1,30})(?:\??\.[A-Za-z_]\w*)+")
# Code that begins where a value would: a regular expression (/^...), a comment (/* or //), a small
# hexadecimal constant (0xff; a 32-byte hex key is longer).
_CODE_START = re.compile(r"/[\^*/].*|0[xX][0-9A-Fa-f]{1,16}")
_SECRET_WORD = re.compile(r"(?i)pass(?:word|wd)?|pwd|token|secret|key|credentials?|auth")
_IDENTIFIER_WITH_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]*)+|[a-z]+")


# Words that begin an expression: token = await getToken(), password = new Secret(...), yield take(...).
# A statement's keyword after a label (TOKEN: while (@tokens) {) is code too.
_EXPRESSION_WORDS = frozenset(
    {"await", "new", "yield", "typeof", "lambda", "function", "async", "require"}
    | {"while", "for", "foreach", "if", "unless", "until", "return", "do", "not"}
)


def is_type_or_reference(value: str) -> bool:
    """``str``, ``Optional[str]``, ``SecretStr``, ``process.env.X``, ``user_password``: code, not a value."""
    v = value.rstrip(";,")
    if v.lower() in TYPE_NAMES or v in _EXPRESSION_WORDS:
        return True
    if _TYPE_EXPR.fullmatch(v) and any(c in v for c in "[|?"):
        return True
    if _CAMEL.fullmatch(v) or _GRAPHQL_TYPE.fullmatch(v):
        return True
    if _CODE_PATH.fullmatch(v) or _CODE_START.fullmatch(v) or code_of_other_languages(v):
        return True
    # token = new_token, password = userPassword: a variable named for what it holds.
    return bool(
        _IDENTIFIER_WITH_WORD.fullmatch(v)
        and _SECRET_WORD.search(v)
        and (
            v.lower() in TYPE_NAMES
            or "_" in v
            or any(c.isupper() for c in v[1:])
            or len(v) <= 8
            or _SECRET_WORD.fullmatch(v) is not None  # credentials
        )
    )


def not_a_call(match: re.Match[str]) -> bool:
    """A bare value right before ``(`` or ``[`` is code (``get_password()``, ``os.environ["X"]``)."""
    if match.group("dq") or match.group("sq"):
        return True
    end = match.end("value")
    return match.string[end : end + 1] not in ("(", "[")


_MARKER_HEAD = "[REDACTED:"


def user_not_a_marker(match: re.Match[str]) -> bool:
    """In scheme://user:password@, the user is not a marker (scheme://[REDACTED:rule]@host read again)."""
    start = match.start("value")
    head = match.string[max(0, start - 140) : start]
    return _MARKER_HEAD not in head[head.rfind("/") + 1 :]


def option_value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if match.string.endswith(_MARKER_HEAD, 0, match.start("value")):
        return False  # the name inside a marker (curl -u [REDACTED:stripe_key]:, read as user:password)
    return plausible_secret(value) and not_a_call(match)


def assigned_value_ok(match: re.Match[str]) -> bool:
    """The value in ``name: value`` / ``name = value`` is a secret, not a type, reference or placeholder.

    A quoted value is a literal: a secret unless it is a placeholder. A bare
    one is code when it reads as a type or a reference to something else.
    """
    value = match.group("value")
    if not plausible_secret(value) or not not_a_call(match):
        return False
    if value_on_next_line(match) or name_says_not_secret(match):
        return False
    if match.group("dq") or match.group("sq"):
        return not _closes_a_string(match) and not quoted_annotation(match)
    # A field number or a count (string password = 2; password:  16 bytes): no secret is 1-3 digits.
    if value.isdigit() and len(value) <= 3:
        return False
    if instance_variable(match) or in_template_action(match):
        return False
    return not is_type_or_reference(value) and not bare_value_in_code(match)


# In JSON text: an escape pair (\\n, \\"), a raw quote (where a JSON string begins or ends), a raw line break.
_JSON_TOKENS = re.compile(r'\\.|["\n\r]')
_LINE_ENDS = frozenset(('"', "\n", "\r", "\\n", "\\r"))
_CODE_AFTER_STRING = frozenset(" \t)];,+.:")


def _closes_a_string(match: re.Match[str]) -> bool:
    """The quote before the value closes a string that holds the name: ``input("Password: ")``,
    ``print('Token: ' + t)``, ``label = "Password:";``. What follows it is code: it begins with a space or
    punctuation that ends an expression, or runs over the end of a line of source."""
    value = match.group("value")
    if value[0] in _CODE_AFTER_STRING:
        return True
    return any(t.group() in _LINE_ENDS for t in _JSON_TOKENS.finditer(value))


# --- tokens glued to a word ----------------------------------------------------

GLUE_MAX = 24  # letters of the word a token may be glued to (idAKIA..., tokenxoxb-...)
_NOT_BEFORE_GLUE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-\\")


def glue_ok(match: re.Match[str]) -> bool:
    """A token right after letters is glued to a short word that begins at a boundary (a name, an
    id: ``keyAIza...``), not found inside a run of base64 or a long identifier by chance."""
    text, start = match.string, match.start()
    i = start
    while i > 0 and start - i <= GLUE_MAX and "a" <= text[i - 1].lower() <= "z":
        i -= 1
    if i == start:
        return True  # not glued: the pattern's own boundary held
    if start - i > GLUE_MAX:
        return False
    if i >= 1 and text[i - 1] == "\\":  # the letters begin with an escape's n, r or t: a new line
        return text[i] in "nrt" and (i < 2 or text[i - 2] != "\\")
    return i == 0 or text[i - 1] not in _NOT_BEFORE_GLUE
