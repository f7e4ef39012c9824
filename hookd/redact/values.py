"""Values that are not secrets by their text alone: placeholders and masks, references and format
fields, numbers, names of variables, type names. What surrounds a value is checks.py's and
codecontext.py's business."""

from __future__ import annotations

import re

from hookd.redact.memo import remembered
from hookd.redact.valueforms import describes_a_secret

# YOUR_TOKEN_HERE, or the name in NAME=value: a placeholder, not a credential.
CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


_NOT_SECRETS = frozenset("null none nil true false undefined required optional empty ~ ?".split())  # ?: SQL's
# The words of an enumerated setting named for credentials: fetch()'s credentials mode, crossorigin's
# use-credentials, a GitHub Actions permission (id-token: write), Perl's Config (d_pwpasswd='define'), a
# test's outcome ("PASS" : "FAIL").
_SETTING_WORDS = frozenset(
    "include omit same-origin use-credentials anonymous read write read-all write-all define undef "
    "fail failed passed skipped".split()
)
# Prose about a secret's option or field: "the --username and --password options", "password is required".
_PROSE_WORDS = frozenset(
    "option options flag flags argument arguments parameter parameters field fields is are was and or to for "
    "of with the".split()
)
# The name of an HTTP header that carries a credential, as the value of a constant naming it (TOKEN_HEADER, Java's
# static final String TOKEN = "Authorization"): a header's name, not its value.
_HEADER_NAMES = frozenset(
    "authorization proxy-authorization www-authenticate cookie set-cookie x-api-key x-api-token x-auth-token "
    "x-access-token x-csrf-token x-xsrf-token x-csrftoken x-goog-api-key x-vault-token private-token "
    "x-gitlab-token x-amz-security-token x-session-token x-refresh-token".split()
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
        "foobared",  # redis.conf's example requirepass
        # what a test logs in with to see a login fail
        "wrong",
        "invalid",
        "incorrect",
        "wrongpassword",
        "wrong-password",
        "badpassword",
        "bad-password",
        "invalid-password",
        # "password" in other languages, as an i18n file's label writes it ("password": "Passwort"): no more a
        # secret than the English word (as rules._SECRET_NAMES and scriptnames.NAMES spell them)
        *"passwort kennwort senha contrasena contraseña wachtwoord haslo hasło salasana losenord lösenord".split(),
        *"passord adgangskode heslo jelszo jelszó sifre şifre пароль motdepasse".split(),
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
SECRET_PARTS = frozenset(
    "token tokens secret secrets password passwords passwd pass pwd key keys apikey credential credentials "
    "passphrase auth".split()
)
_CASE_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
# A placeholder word and a few digits (password123, test1234, secret1): a test fixture's password, kept
# deliberately: it is in every list of common passwords, so it hides nothing.
_PLACEHOLDER_DIGITS = re.compile(r"([a-z]+)[0-9]{1,4}!?")
_PLACEHOLDER_DIGITS_LONGEST = max(len(word) for word in PLACEHOLDERS) + 5
_DIGITS_END = frozenset("0123456789!")
# A mask: a provider's prefix and stars or x's (ghp_xxxxxxxx, sk-proj-****abcd), most of the value.
_MASK_CHARS = frozenset("*xX•")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _ends_in_letter(value: str) -> bool:
    """What _WORD_PARTS and _NAME_PARTS match ends in an ASCII letter."""
    return value[-1:] in _LETTERS


_ELLIPSIS_ENDS = frozenset(".\u2026")
_ELLIPSES = ("...", "\u2026")


# A provider's prefix: words (the first of letters), each joined and ended by _ or - (sk_test_, sk-proj-,
# github_pat_, sk-ant-api03-): what comes before the random part, no part of it.
_PROVIDER_PREFIX = re.compile(r"[A-Za-z]{1,10}(?:[_-][A-Za-z]{1,10}[0-9]{0,2})*[_-]")


def _elided_prefix(value: str) -> bool:
    """A provider's prefix or a few characters, then an ellipsis: docs' ``sk_test_...``, ``AKIA...``, ``ghp_…``.
    Anything longer before the ellipsis (hunter2..., ghp_abcdefgh..., Tr0ub4dor...) may be a whole secret with
    an ellipsis after it in a sentence or a log, or a real one cut short: kept out."""
    if not value.endswith(_ELLIPSES):
        return False
    head = value.rstrip(".\u2026")
    return len(head) <= 4 or len(head) <= 16 and _PROVIDER_PREFIX.fullmatch(head) is not None


def is_placeholder(value: str) -> bool:
    """A value that stands in for a secret: a placeholder word (with digits), words saying "yours here",
    or a mask."""
    low = value.lower()
    if low in PLACEHOLDERS or value[-1:] in _ELLIPSIS_ENDS and _elided_prefix(value):
        return True
    # Each regex only where the value can match it (its last character, its length): a flood of long values
    # that pass every check otherwise reads each of them whole once per regex.
    digits = low[-1:] in _DIGITS_END and len(low) <= _PLACEHOLDER_DIGITS_LONGEST and _PLACEHOLDER_DIGITS.fullmatch(low)
    if digits and digits.group(1) in PLACEHOLDERS:
        return True
    # What _NAME_PARTS matches, _WORD_PARTS does: a value that is not words is no name either.
    if _ends_in_letter(value) and _WORD_PARTS.fullmatch(value):
        if _PLACEHOLDER_WORDS.intersection(re.split(r"[-_. ]", low)):
            return True
        if _NAME_PARTS.fullmatch(value):
            parts = _CASE_PARTS.findall(value)
            if len(parts) >= 2 and any(p.lower() in SECRET_PARTS for p in parts):
                return True
    # str.count: a flood of long values reads each once, in C
    masked = value.count("*") + value.count("x") + value.count("X") + value.count("•")
    # Or a short mask that shows its last (or first) four at most, as settings pages do: ****abcd, ••••1234
    shown = len(value) - masked
    return (masked >= 8 and 2 * masked >= len(value) or masked >= 4 and shown <= 4) and any(
        c * 4 in value for c in _MASK_CHARS
    )


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
_WORDS_NOT_SECRETS = _NOT_SECRETS | _SETTING_WORDS | _PROSE_WORDS | _HEADER_NAMES
_HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})")


@remembered
def plausible_secret(value: str) -> bool:
    """A value worth hiding: not a variable reference, template, placeholder or mask.

    ``$DB_PASS``, ``${{ secrets.X }}``, ``%(password)s``, ``<password>``,
    ``{{ token }}``, ``null``/``true``, ``****``, ``xxx`` and the
    placeholder words (``test``, ``changeme``, ...) are left alone.
    """
    v = value.strip()
    if len(v) < 3 or v[0] in "$<{[" or v.startswith("\\u003c") or _FORMAT.fullmatch(v):
        return False  # two characters hide nothing (r'...', b'...': a string's prefix)
    # Each shape is tried only where its first character (or a character it needs) is there: every
    # candidate of a flood pays for these checks.
    if v.lower() in _WORDS_NOT_SECRETS or is_placeholder(v):
        return False
    first = v[0]
    if first.isdigit() and (_DOTTED_NUMBER.fullmatch(v) or _GROUPED_NUMBER.fullmatch(v)):
        return False
    if "%" in v and _FORMAT_FIELDS.fullmatch(v) or first == "#" and _HEX_COLOUR.fullmatch(v):
        return False
    if v[-1] == "?" and v[:-1].lower() in TYPE_NAMES:
        return False  # an optional type in a schema: "password": "string?"
    if first.isupper() and CONSTANT_NAME.fullmatch(v) or "$" in v and _REFERENCE_INSIDE.search(v):
        return False  # the name of a variable that holds one: 'AWS_SECRET_ACCESS_KEY'; a $REFERENCE
    # Not made only of mask characters: strip stops at the first other one (a set of the value read it all). Nor
    # only of backslashes: those are the escaped opening quote of a string deeper than the view flattens (a quote
    # inside a string of JSON text three levels down is 15 of them), so the value is what follows the quote.
    return v.strip("*xX.•-_\\") != "" and not describes_a_secret(v)


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


def written_password(value: str) -> bool:
    """A value where the password stands as written (NuGet's ClearTextPassword, its source's -p): a secret even
    when it reads as words naming one (TestSourcePassword); not a reference ($VAR, %VAR%, $(Prop), <...>, {{...}})
    nor a mask."""
    v = value.strip()
    return len(v) >= 3 and v[0] not in "$%<{[" and v.strip("*xX.•-_") != ""
