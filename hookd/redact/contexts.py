"""Contexts an outside test set found missing (ninth session): each a class of place secrets sit.

The command-line rules are in commands.py, the ones that need a random-looking value (prose, YAML lists,
URL queries) in prose.py; this table holds them all, in order.

* more command-line options that take a password (ldapsearch -w, sqlcmd -P,
  openssl -passin pass:, keytool -storepass, aws configure set ..., --account-key);
* an Authorization header with any scheme (SSWS, Api-Token, Splunk, ...);
* a secret as the argument after its name in a call or an index
  (define('DB_PASSWORD', '...'), os.environ["API_KEY"] = "...",
  setProperty("db.password", "..."), HTTPBasicAuth("u", "..."), bearer_auth("..."));
* a token as a URL's user with no password (a Sentry DSN, https://<token>@host);
* a secret in prose ("the api key is ...", "Password: ..."), only when the value
  looks random;
* a Twilio auth token next to its account SID; the private lines of a PuTTY key;
* a random-looking item of a YAML list under a plural secret name (api_keys:), and a
  random-looking URL query value under a short name (?auth=, &pass=, X-Amz-Signature=).

Each anchored rule's trigger is its whole context up to the value's first character
(Hyperscan) and its regex reads just the value; the exact ones run their regex only
around a match of their whole shape. Every repetition is bounded.
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference, looks_like_credential
from hookd.redact.values import plausible_secret
from hookd.redact.commands import CLI_SECRET_OPTION
from hookd.redact.files import AT_VALUE
from hookd.redact.printed import PRINTED_SECRET, PRINTED_SECRET_LINE
from hookd.redact.positional import POSITIONAL_PASSWORD
from hookd.redact.patterns import AFTER_ESCAPE_1, B1, HS_KV_SEP, HS_WS, KV_SEP, VALUE_REACH
from hookd.redact.prose import PROSE_SECRET, SECRET_LIST_ITEM, URL_QUERY_SECRET
from hookd.redact.rule import Rule

_SCHEME = r"[AC-SU-Zac-su-z][A-Za-z0-9_-]{1,30}"
AUTHORIZATION_SCHEME_TRIGGER = (
    r"(?i:authorization|proxy-authorization)"
    + HS_KV_SEP
    + HS_WS
    + "{0,4}"
    + _SCHEME
    + HS_WS
    + r"{1,4}[A-Za-z0-9._~+/-]{8}"
)

_Q = r"""(?:\\"|')"""
_ARG_NAME = (
    r"[A-Za-z0-9_.:/-]{0,60}(?i:password|passwd|passphrase|secret|token|credentials?|[_.-]pass|[_.-]pwd|[_.-]pat"
    r"|(?:api|private|secret|access|client|signing|encryption|app|account|application|subscription|auth|master"
    r"|license|service)[_.-]?key|(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_SALT)"  # WordPress' salts are keys too
)
_FIRST = r"""(?:\\"[^"\\]|'[^'"\\])"""  # the value's opening quote and first character
# The value made a header's or a secret's type by a constructor: headers.insert("x-api-key",
# HeaderValue::from_static("...")) (Rust), SecretString.of("..."), Some("...").
_WRAPPED = r"(?:Some\(|[A-Z][A-Za-z0-9_]{0,40}(?:::|\.)(?:from_static|from_str|from|new|of|parse|valueOf)\(\s{0,4})?"
_USER_ARG = _Q + r"""[^"'\\]{1,64}""" + _Q + r"\s{0,4},\s{0,4}(?:Some\()?"
ARGUMENT_TRIGGER = (
    "(?:"
    # define('DB_PASSWORD', '...'), setenv("TOKEN", "..."), os.environ["API_KEY"] = "...", ENV['X'] = '...':
    # the name opens a call's arguments or an index ("token": "Token", "next": ... is a dict's entries)
    + r"[(\[{](?:\s|\\t){0,4}"
    + _Q
    + _ARG_NAME
    + _Q
    + r"(?:\s|\\t){0,4}(?:,|[\])](?:\s|\\t){0,4}=)(?:\s|\\t){0,16}"  # wp-config.php aligns its values (tabs too)
    + _WRAPPED
    # {"user": "ci", "pass": "..."}, 'pwd' => '...': a short name, whole between its quotes
    + "|"
    + _Q
    + r"(?:pass|pwd|pw|Pass|Pwd)"  # (not PWD: the shell's working directory)
    + _Q
    + r"\s{0,4}(?::|=>)\s{0,4}"
    # bearer_auth("..."), setPassword("..."), withToken('...')
    r"|(?:bearer_?[Aa]uth|set_?(?i:password|api_?key|token|secret|access_?token|auth_?token|bearer_?token)"
    r"|with_?(?i:password|api_?key|token|bearer_?token))\(\s{0,4}"
    # HTTPBasicAuth("user", "..."), basic_auth("user", Some("...")), auth=("user", "...")
    # HTTPBasicAuth("user", "..."), basic_auth("user", Some("...")), auth=("user", "..."), smtp.login("me", "..."),
    # NetworkCredential("svc", "..."), PasswordAuthentication("u", "...".toCharArray())
    r"|(?:(?:HTTP)?Basic_?Auth|basic_?[Aa]uth|set_?[Bb]asic_?[Aa]uth|(?:^|[^A-Za-z0-9_])auth\s{0,2}=\s{0,2}"
    r"|\.login|NetworkCredential|PasswordAuthentication|UsernamePasswordCredentials)\(\s{0,4}"
    + _USER_ARG
    + ")"
    + _FIRST
)
_LABEL = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)+")  # "API Key", "Enter your password": a label, not a secret
_APP_PASSWORD = re.compile(r"[a-z]{4}(?: [a-z]{4}){3}")  # Google's app passwords: four groups of four letters
# A name, not a secret, in code's call arguments, tuples and types: ("next_token", "position"),
# Union["_RSAPrivateKey", "_RSAPublicKey"]
# (letters only: a literal secret in code has a digit or a symbol; the rules that read names say more)
# One way only to read a name: a separator between its runs of letters, each run taken whole. With the
# separator optional ([_.-]?), a run of letters could be split anywhere, and a long one that failed at its
# end ('a' * 24 + '1') was tried at every split: exponential time.
_NAME_WORD = re.compile(r"_*+[A-Za-z]++(?:[_.-][A-Za-z]++)*+")


def _argument_ok(match: re.Match[str]) -> bool:
    """A literal that may be a secret: not a label, a name, an option, a path or a number; and the last
    argument (set_password('service', 'user', ...) and readFile('/etc/passwd', 'utf8', cb) name other
    things first)."""
    value = match.group("value")
    quote = '\\"' if match.group("dq") is not None else "'"
    if not match.string.startswith(quote, match.end("value")):
        return False  # the literal does not end there: another quote inside it ('The "pass" statement')
    after = match.string[match.end("value") + len(quote) : match.end("value") + len(quote) + 8].lstrip()
    if after.startswith(","):
        return False
    return (
        value[0] not in "(/~."
        and "\\n" not in value  # a literal does not run over a line's end
        and plausible_secret(value)
        and not value.startswith("-")
        and not value.isdigit()
        and (not _LABEL.fullmatch(value) or _APP_PASSWORD.fullmatch(value) is not None)
        and not _NAME_WORD.fullmatch(value)
        and not is_type_or_reference(value)
    )


def _token_user_ok(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


CONTEXT_MORE_RULES: tuple[Rule, ...] = (
    CLI_SECRET_OPTION,
    Rule(
        name="authorization_scheme",
        replaces="the credential after Authorization: and any scheme (SSWS, Api-Token, Splunk, ...; scheme kept)",
        pattern=(
            r"[aApP](?:(?<![A-Za-z0-9_\\-].)|" + AFTER_ESCAPE_1 + r")"
            r"(?i:(?<=a)uthorization|(?<=p)roxy-authorization)"
            + KV_SEP
            + r"\s{0,4}"
            + _SCHEME
            + r"\s{1,4}(?P<value>[A-Za-z0-9._~+/-]{8,4096}(?<!\.)={0,3})(?=\.?(?:[\s\"'\\,;)\]}&|<>]|$))"
        ),
        group="value",
        keywords=("authorization",),
        ignore_case_keywords=True,
        trigger=AUTHORIZATION_SCHEME_TRIGGER,
        exact=True,
        short_trigger=True,
        reach=4200,
        ahead=4200,
        validate=looks_like_credential,
        example="`Authorization: SSWS <credential>`, `Authorization: Api-Token <credential>`",
    ),
    Rule(
        name="secret_argument",
        replaces="a quoted value passed after its secret name (define('DB_PASSWORD', ...), "
        'os.environ["API_KEY"] = ..., HTTPBasicAuth(user, ...), bearer_auth(...))',
        pattern=AT_VALUE,
        group="value",
        trigger=ARGUMENT_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_argument_ok,
        example='`define(\'DB_PASSWORD\', \'<value>\')`, `os.environ["API_KEY"] = "<value>"` (not `getenv("X")`)',
    ),
    POSITIONAL_PASSWORD,
    Rule(
        name="url_token_user",
        replaces="a token as a URL's user, with no password (Sentry DSN, https://<token>@host)",
        pattern=r":(?:\\?/){2}(?P<value>[A-Za-z0-9_-]{20,128})@(?=[A-Za-z0-9\[])",
        group="value",
        keywords=("://", ":\\/\\/"),
        trigger=r":(?:\\?/){2}[A-Za-z0-9_-]{20,128}@[A-Za-z0-9\[]",
        exact=True,
        reach=200,
        ahead=1,
        validate=_token_user_ok,
        example="`https://<32 hex>@o1.ingest.sentry.io/2` (not `https://git@host`)",
    ),
    PROSE_SECRET,
    Rule(
        name="twilio_auth_token",
        replaces="a Twilio auth token (32 hex) right after its account SID (AC + 32 hex)",
        pattern=(
            rf"A{B1}C[0-9a-f]{{32}}(?:\\?[\"'])?(?:[ \t,:]|\\[nt]){{1,6}}(?:\\?[\"'])?"
            r"(?P<value>(?=[0-9]{0,31}[a-f])[0-9a-f]{32})(?![A-Za-z0-9_])"
        ),
        group="value",
        trigger=r"AC[0-9a-f]{32}(?:\\?[\"'])?(?:[ \t,:]|\\[nt]){1,6}(?:\\?[\"'])?[0-9a-f]{32}(?:[^A-Za-z0-9_]|$)",
        exact=True,
        reach=120,
        example='`Client("AC…", "<32 hex>")`, `-u AC…:<32 hex>`',
    ),
    Rule(
        name="putty_private_key",
        replaces="the private lines of a PuTTY key file (Private-Lines: N, then base64)",
        pattern=(
            r"Private-Lines:\s{0,4}[0-9]{1,3}(?:\\r|\r)?(?:\\n|\n)"
            r"(?P<value>[A-Za-z0-9+/=]{1,128}(?:(?:\\r|\r)?(?:\\n|\n)[A-Za-z0-9+/=]{1,128}){0,256}+)"
        ),
        group="value",
        keywords=("Private-Lines:",),
        reach=256 * 134 + 40,
        example="`Private-Lines: 14` and the base64 lines after it",
    ),
    SECRET_LIST_ITEM,
    URL_QUERY_SECRET,
    PRINTED_SECRET,
    PRINTED_SECRET_LINE,
)
