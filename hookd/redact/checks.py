"""What a candidate must also be, beyond its shape: a value rather than code (checksums and card
numbers: checksums.py).

Each check sees the candidate (and, for the context checks, the match with
the text around it) and answers whether it is a secret worth hiding. They
cost a bounded amount per candidate: none looks further than a fixed number
of characters from the match.
"""

from __future__ import annotations

import re

from hookd.redact.codecontext import bare_value_in_code, regex_literal
from hookd.redact.codeforms import code_of_other_languages, instance_variable
from hookd.redact.memo import remembered
from hookd.redact.references import FILE_EXTENSION, store_or_file_reference
from hookd.redact.namecontext import in_template_action, name_says_not_secret, value_on_next_line
from hookd.redact.signatures import quoted_annotation
from hookd.redact.values import CONSTANT_NAME, SECRET_PARTS, TYPE_NAMES, is_placeholder, plausible_secret


# --- values, not code ----------------------------------------------------------

_CREDENTIAL_PUNCT = frozenset("._~+=")
# A variable's name or attribute: {'Authorization': auth_token}, "authorization": self.authorization
_SNAKE_NAME = re.compile(r"[a-z]+(?:_[a-z]+)+|(?:self|this)\.[a-z_]+")


def looks_like_credential(value: str) -> bool:
    """A Bearer/Basic value rather than prose ("basic authentication", "Bearer tokens").

    At least 6 characters, not an ALL_CAPS_NAME, and one of: a digit next
    to letters, credential punctuation (``. _ ~ + =``), or a long mixed-case
    run (base64 of ``user:pass``), which ordinary words never are.
    """
    v = value.rstrip("=")
    if len(v) < 6 or CONSTANT_NAME.fullmatch(v) or _SNAKE_NAME.fullmatch(v):
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


# A type expression: Optional[str], str | None, list[str], typing.Optional[SecretStr], Mapped[str]. Each name
# begins with a letter or _ (Tr0ub4dor|3xQz is a password).
# Each run is taken whole (*+, ++): what follows it is never in its class, and a long value that fails at its
# last character was otherwise given back one character at a time.
_TYPE_EXPR = re.compile(
    r"[A-Za-z_][\w.]*+(?:\[[\w\[\]., |]*\])?(?:\s*+\|\s*+[A-Za-z_][\w.]*+(?:\[[\w\[\]., |]*\])?)*+\??"
)
# A type (PKCS7PrivateKeyTypes: capitals and digits, then capitalised words), a camelCase name.
_CAMEL = re.compile(
    r"[A-Z][A-Za-z_]*(?:\.[A-Z][A-Za-z_]*)*|[A-Z][A-Z0-9]*(?:[A-Z][a-z]{2,}){3,}|[a-z]+(?:[A-Z][a-z]+)+"
)
_GRAPHQL_TYPE = re.compile(r"\[?[A-Z][A-Za-z_]*!?\]?!")  # GraphQL's non-null and list types: String!, [ID!]!
# process.env.X, os.environ, self.password, settings.SECRET_KEY: a reference in code, not a value.
# t.token, exports2.X, err?.body, TOKEN_LOCAL.token
_CODE_PATH = re.compile(r"(?:[a-z_][A-Za-z_]{0,30}[0-9]?|[A-Z][A-Z0-9_]{1,30})(?:\??\.[A-Za-z_]\w*)+")
# But a short prefix, a dot and 20 or more letters and digits of both cases is a token: Vault's legacy service
# and batch tokens (s.<24>, b.<...>), as random as hvs.'s; no member is named so.
_DOTTED_TOKEN = re.compile(r"[a-z]{1,3}\.(?=[A-Za-z]*[0-9])(?=[a-z0-9]*[A-Z])(?=[A-Z0-9]*[a-z])[A-Za-z0-9]{20,}")
# Code that begins where a value would: a regular expression (/^...), a comment (/* or //), a small
# hexadecimal constant (0xff; a 32-byte hex key is longer).
_CODE_START = re.compile(r"/[\^*/].*|0[xX][0-9A-Fa-f]{1,16}")
# A relative path (aws/credentials, secrets/prod/app.enc.yaml, ./keys/age.txt): where a setting names the file
# that holds the secret. Lower case only (base64 with a slash mixes cases); segments taken whole.
_RELATIVE_PATH = re.compile(
    r"(?:\.{1,2}/|~/)?[a-z0-9_-]++(?:\.[a-z0-9_-]++)*+(?:/[a-z0-9_-]++(?:\.[a-z0-9_-]++)*+)++/?"
)
_SECRET_WORD = re.compile(r"(?i)pass(?:word|wd)?|pwd|token|secret|key|credentials?|auth")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_IDENTIFIER_WITH_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*+(?:_[A-Za-z0-9]++)+|[a-z]++(?:[A-Z][a-z0-9]*+)+|[a-z]+")


_SECRET_WORDS = ("pass", "pwd", "token", "secret", "key", "credential", "auth")  # what _SECRET_WORD finds


def _holds_secret_word(name: str) -> bool:
    """``_SECRET_WORD.search(name)`` for an ASCII name (an _IDENTIFIER_WITH_WORD), by substring tests: the
    caseless regex tried all its words at each character of a long value."""
    low = name.lower()
    return any(word in low for word in _SECRET_WORDS)


# Words that begin an expression: token = await getToken(), password = new Secret(...), yield take(...).
# A statement's keyword after a label (TOKEN: while (@tokens) {) is code too.
_EXPRESSION_WORDS = frozenset(
    {"await", "new", "yield", "typeof", "lambda", "function", "async", "require"}
    | {"while", "for", "foreach", "if", "unless", "until", "return", "do", "not"}
)


@remembered
def is_type_or_reference(value: str) -> bool:
    """``str``, ``Optional[str]``, ``SecretStr``, ``process.env.X``, ``user_password``: code, not a value; nor
    ``op://vault/item/field`` or ``@password.txt`` (references.py)."""
    v = value.rstrip(";,")
    if v.lower() in TYPE_NAMES or v in _EXPRESSION_WORDS:
        return True
    # Each regex only where the value holds what it needs (a character test is cheaper): an upper-case
    # letter (_CAMEL: v.islower() holds none), a final "!", a ".", a leading "/" or "0".
    if ("[" in v or "|" in v or "?" in v) and _TYPE_EXPR.fullmatch(v):
        return True
    if not v.islower() and _CAMEL.fullmatch(v) or v[-1:] == "!" and _GRAPHQL_TYPE.fullmatch(v):
        return True
    if "." in v and _CODE_PATH.fullmatch(v) and not _DOTTED_TOKEN.fullmatch(v):
        return True
    if v[:1] in ("/", "0") and _CODE_START.fullmatch(v):
        return True
    if code_of_other_languages(v):
        return True
    if "/" in v and v.islower() and _path_of_words(v):
        return True
    if v[:1] in ("@", "o", "r", "v") and store_or_file_reference(v):
        return True
    # token = new_token, password = userPassword: a variable named for what it holds.
    return bool(
        v[-1:] in _ALNUM  # how every _IDENTIFIER_WITH_WORD match ends
        and _IDENTIFIER_WITH_WORD.fullmatch(v)
        and _holds_secret_word(v)
        and (
            v.lower() in TYPE_NAMES
            or "_" in v
            or any(c.isupper() for c in v[1:])
            or len(v) <= 8
            or _SECRET_WORD.fullmatch(v) is not None  # credentials
        )
    )


# What makes words with slashes a file's path rather than a passphrase (hunter/two/three, a lower-case base32
# key with a slash): a file's extension, a folder where secrets are kept first (secrets/prod/db), or a last
# name saying what the file holds (aws/credentials, k8s/prod/token, buildkite/npm-token).
_SECRETS_FOLDERS = frozenset(
    "secrets secret keys credentials creds certs certificates ssl tls private vault config configs conf etc run "
    "var home".split()
)
_HOLDS_SECRET = SECRET_PARTS | frozenset(("creds", "cred"))
_NAME_WORDS = re.compile(r"[-_.]")  # the words of a last name: npm-token, db_password, api.key


def _path_of_words(value: str) -> bool:
    """A relative path whose segments are words (a third of its characters digits at most: k8s/prod, not
    x7k2m/9qp4), none longer than a word runs, that says it is a path: it begins ./ ../ ~/ or ends /, its file
    has an extension, it begins in a folder for secrets or its last name says what it holds."""
    if not _RELATIVE_PATH.fullmatch(value):
        return False
    # Counted in C: the path holds no digit but 0-9, and a flood of long paths read each character in Python
    digits = sum(map(value.count, "0123456789"))
    parts = value.split("/")
    if 3 * digits > len(value) or max(map(len, parts)) > 40:
        return False
    if value[:1] in (".", "~") or value[-1:] == "/" or FILE_EXTENSION.search(value):
        return True
    return parts[0] in _SECRETS_FOLDERS or not _HOLDS_SECRET.isdisjoint(_NAME_WORDS.split(parts[-1]))


# A call or an index inside a bare value that runs over symbols (patterns.BARE_VALUE): a name right before
# ( or [ and the list it opens closed (cfg[key].value, f(x).y); Tr0ub4dor(3xQz, whose ( never closes, is a value.
_CALL_INSIDE = re.compile(r"(?<=[\w$])(?:\([^()]*+\)|\[[^\[\]]*+\])")
# Or a call whose first argument is a string literal, read as raw text: re.compile(r", b64encode(f".
_CALL_OF_A_STRING = re.compile(r"(?<=[\w$])\((?:[rRbBfFuU]{1,2})?\Z")


def not_a_call(match: re.Match[str]) -> bool:
    """A bare value right before ``(`` or ``[`` is code (``get_password()``, ``os.environ["X"]``), as is one
    that holds a call or an index (``cfg[key].value``)."""
    if match.group("dq") or match.group("sq"):
        return True
    end = match.end("value")
    if match.string[end : end + 1] in ("(", "["):
        return False
    value = match.group("value")
    if "(" not in value and "[" not in value:
        return True
    # the quote raw, or escaped as deep as the text is nested (re.compile(r\"...\") in a payload's string)
    if match.string[end : end + 9].lstrip("\\")[:1] in ('"', "'") and _CALL_OF_A_STRING.search(value):
        return False
    return _CALL_INSIDE.search(value) is None


_MARKER_HEAD = "[REDACTED:"


def user_not_a_marker(match: re.Match[str]) -> bool:
    """In scheme://user:password@, the user is not a marker (scheme://[REDACTED:rule]@host read again)."""
    start = match.start("value")
    head = match.string[max(0, start - 140) : start]
    return _MARKER_HEAD not in head[head.rfind("/") + 1 :]


def line_start(text: str, at: int, reach: int) -> int | None:
    """Where the line that ``at`` stands in begins, looking back at most ``reach`` characters: past a raw or
    escaped line break or the opening quote of its JSON string (not an escaped one). None when no line
    starts within reach."""
    low = max(0, at - reach)
    begin = max(text.rfind("\n", low, at), text.rfind("\r", low, at)) + 1
    escaped = max(text.rfind("\\n", low, at), text.rfind("\\r", low, at))
    quote = text.rfind('"', low, at)
    while quote > low and text[quote - 1] == "\\":
        quote = text.rfind('"', low, quote)
    begin = max(begin, escaped + 2 if escaped >= 0 else 0, quote + 1)
    return None if begin == 0 and low > 0 else begin


def word_near(text: str, start: int, end: int, words: tuple[str, ...], reach: int) -> bool:
    """Whether one of ``words`` (a file's name, as paths and settings write it) stands within ``reach``
    characters of text[start:end]. str.find: this runs at every candidate of a flood, where a
    case-insensitive regex search reads the whole reach character by character."""
    low, high = max(0, start - reach), end + reach
    return any(text.find(word, low, high) >= 0 for word in words)


def option_value_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if match.string.endswith(_MARKER_HEAD, 0, match.start("value")):
        return False  # the name inside a marker (curl -u [REDACTED:stripe_key]:, read as user:password)
    return plausible_secret(value) and not_a_call(match)


def plausible_value(match: re.Match[str]) -> bool:
    """The match's ``value`` group is worth hiding (values.plausible_secret): a check for a rule whose context
    alone says secret."""
    return plausible_secret(match.group("value"))


# An ellipsis as JSON writes it ASCII-only (\u2026), at any depth of JSON inside JSON: the value stops at its
# backslash, so the value alone never shows the ellipsis that makes it a placeholder.
_ESCAPED_ELLIPSIS = re.compile(r"\\+u2026")


def elided_by_an_escape(match: re.Match[str]) -> bool:
    """``sk_live_\\u2026``: the value and the escaped ellipsis after it read as docs' ``sk_live_…``."""
    end = match.end("value")
    return (
        match.string[end : end + 1] == "\\"
        and _ESCAPED_ELLIPSIS.match(match.string, end) is not None
        and is_placeholder(match.group("value") + "\u2026")
    )


def assigned_value_ok(match: re.Match[str]) -> bool:
    """The value in ``name: value`` / ``name = value`` is a secret, not a type, reference or placeholder.

    A quoted value is a literal: a secret unless it is a placeholder. A bare
    one is code when it reads as a type or a reference to something else.
    """
    value = match.group("value")
    if not plausible_secret(value) or not not_a_call(match) or elided_by_an_escape(match):
        return False
    if value_on_next_line(match) or name_says_not_secret(match):
        return False
    if match.group("dq") or match.group("sq"):
        # credentials: "aws/credentials" names the file that holds the secret, as the bare path does
        names_a_file = "/" in value and value.islower() and _path_of_words(value)
        # "op://Private/github/token", "ref+vault://...": a store's reference, quoted where it is read (op inject)
        names_a_file = names_a_file or value[:1] in ("@", "o", "r", "v") and store_or_file_reference(value)
        return not names_a_file and not _closes_a_string(match) and not quoted_annotation(match)
    # A field number or a count (string password = 2; password:  16 bytes): no secret is 1-3 digits.
    if value.isdigit() and len(value) <= 3:
        return False
    if instance_variable(match) or in_template_action(match) or (value[0] == "/" and regex_literal(match)):
        return False
    return not is_type_or_reference(value) and not bare_value_in_code(match)


# In JSON text: an escape pair (\\n, \\"), a raw quote (where a JSON string begins or ends), a raw line break.
_JSON_TOKENS = re.compile(r'\\.|["\n\r]')
_LINE_ENDS = frozenset(('"', "\n", "\r", "\\n", "\\r"))
_CODE_AFTER_STRING = frozenset(" \t)];,+.:")


def _closes_a_string(match: re.Match[str]) -> bool:
    """The quote before the value closes a string that holds the name: ``input("Password: ")``,
    ``print('Token: ' + t)``, ``label = "Password:";``. What follows it is code: it begins with a space or
    punctuation that ends an expression, or runs over the end of a line of source. A marker inside the value
    may stand for such a line's end: a later find's value over lines (curl -u a:\"<pw> whose quote never
    closes) took it on the pass before, which read the string as closed there and kept it."""
    value = match.group("value")
    if value[0] in _CODE_AFTER_STRING or _MARKER_HEAD in value:
        return True
    if "\\" not in value:  # no escape pair: the search's only tokens are raw quotes and breaks (found in C)
        return '"' in value or "\n" in value or "\r" in value
    return any(t.group() in _LINE_ENDS for t in _JSON_TOKENS.finditer(value))


def not_a_mask(token: str) -> bool:
    """No character makes half of a provider token (a random token's most frequent one is a few percent of it):
    ``glpat-XXXXXXXXXXX-XXXXXXXX`` is a placeholder. A mask's character is found where a mask is: at three
    quarters, the middle, a quarter or the end."""
    n = len(token)
    return all(2 * token.count(token[i]) < n for i in {n * 3 // 4, n // 2, n // 4, n - 1})
