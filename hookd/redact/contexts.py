"""Contexts an outside test set found missing (ninth session): each a class of place secrets sit.

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

from hookd.redact.checks import (
    is_type_or_reference,
    looks_like_credential,
    option_value_ok,
    plausible_secret,
)
from hookd.redact.files import AT_VALUE
from hookd.redact.patterns import B1, HS_KV_SEP, HS_WS, KV_SEP, VALUE, VALUE_REACH
from hookd.redact.rule import Rule

_CMD = r"""(?:[^"\\\n;|&]|\\["\\/ t])"""  # a character of one command in JSON text (as rules.py)
_NOT_WORD = r"""(?:^|[^A-Za-z0-9_\\-]|\\[nrt])"""


# Short options that take a password, and the commands they do so for. Hyperscan reads the option and
# the value's first character (a pattern from each command word over the rest of its line ran at 40-90
# MB/s on a flood of "zip " or "7z "); the check reads the command back from the option.
_SHORT_OPTIONS = {
    "-w": (
        "ldapsearch",
        "ldapmodify",
        "ldapadd",
        "ldapdelete",
        "ldapwhoami",
        "ldappasswd",
        "ldapcompare",
        "ldapmodrdn",
        "ldapexop",
    ),
    "-P": ("sqlcmd", "bcp", "osql", "zip", "unzip", "ssh-keygen"),
    "-p": (
        "mongo",
        "mongosh",
        "mongodump",
        "mongorestore",
        "mongoexport",
        "mongoimport",
        "mongostat",
        "mongotop",
        "twine",
        "az",
        "7z",
        "7za",
    ),
    "-N": ("ssh-keygen",),
    "-k": ("nuget",),
    "-apikey": ("nuget",),
    "/p:": ("xfreerdp", "wlfreerdp"),
}
_GLUED = ("7z", "7za")  # -pSECRET, no space
_SHORT_TRIGGER = r"\s(?:(?:-[wPpNk]|-(?i:apikey))\s{1,4}|/p:|-p)"
CLI_MORE_TRIGGER = (
    "(?:"
    + "|".join(
        (
            _SHORT_TRIGGER,
            _NOT_WORD + r"gh\s{1,4}secret\s{1,4}set" + _CMD + r"*\s(?:-b|--body)(?:=|\s{1,4})",
            _NOT_WORD + r"(?i:configure\s{1,4}set\s{1,4}(?:[A-Za-z0-9_-]{1,40}\.)?"
            r"(?:aws_secret_access_key|aws_session_token|[A-Za-z0-9_-]{0,40}(?:password|token|secret)))\s{1,4}",
            r"\s-pass(?:in|out)?\s{1,4}pass:",
            r"\s-(?:store|key|srcstore|deststore|srckey|destkey)pass\s{1,4}",
            r"--(?:[A-Za-z0-9]{1,20}-){0,3}(?i:account-?key|auth-?key|secret-?key|access-?key|storage-?key|master-?key"
            r"|license-?key|signing-?key|bearer)(?:=|\s{1,4})",
        )
    )
    + r")[^\s\-]"
)
_KEY_FILE = re.compile(r"(?i).*\.(?:pem|key|crt|cer|p12|pfx|jks|json|txt)|[~/.].*")
_SHORT_BEFORE = re.compile(r"\s(-[wPpNk]|-(?i:apikey)|/p:)\s{0,4}\Z")
# Where a command begins: a separator, a subshell, a line (raw or escaped), a JSON string's quote.
_COMMAND_START = re.compile(r'.*(?:[;|&(`\n]|\\n|(?<!\\)")', re.S)
_COMMAND_REACH = 400


def _short_option_ok(match: re.Match[str]) -> bool:
    """For a short option (-P, -w, -p...): the command it belongs to takes a password there."""
    text, start = match.string, match.start()
    head = text[max(0, start - _COMMAND_REACH) : start]
    option = _SHORT_BEFORE.search(head)
    if option is None:
        return True  # not a short option: the trigger's other contexts name their command
    flag = option.group(1).lower() if option.group(1).lower() == "-apikey" else option.group(1)
    glued = option.end(1) == len(head)
    before = head[: option.start()]
    begin = _COMMAND_START.match(before)
    words = before[begin.end() if begin else 0 :].split()
    names = {word.rsplit("/", 1)[-1] for word in words}
    commands = _SHORT_OPTIONS[flag]
    if glued and flag == "-p":
        commands = _GLUED
    elif not glued and flag == "-p":
        commands = tuple(c for c in commands if c not in _GLUED)
    if "az" in names and "login" not in names:
        names.discard("az")
    return not names.isdisjoint(commands)


def _option_ok(match: re.Match[str]) -> bool:
    """A password, not a file that holds one (--secret-key ./key.pem), given to a command that takes it."""
    return option_value_ok(match) and not _KEY_FILE.fullmatch(match.group("value")) and _short_option_ok(match)


# Any scheme but Bearer, Basic, Token and Bot (authorization_header's): not a second report per header, which
# a flood of them would spend its chunk's budget on.
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
    r"|license|service)[_.-]?key)"
)
_FIRST = r"""(?:\\"[^"\\]|'[^'"\\])"""  # the value's opening quote and first character
_USER_ARG = _Q + r"""[^"'\\]{1,64}""" + _Q + r"\s{0,4},\s{0,4}(?:Some\()?"
ARGUMENT_TRIGGER = (
    "(?:"
    # define('DB_PASSWORD', '...'), setenv("TOKEN", "..."), os.environ["API_KEY"] = "...", ENV['X'] = '...':
    # the name opens a call's arguments or an index ("token": "Token", "next": ... is a dict's entries)
    + r"[(\[{]\s{0,4}"
    + _Q
    + _ARG_NAME
    + _Q
    + r"\s{0,4}(?:,|[\])]\s{0,4}=)\s{0,4}"
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
_NAME_WORD = re.compile(r"_*[A-Za-z]+(?:[_.-]?[A-Za-z]+)*")


def _argument_ok(match: re.Match[str]) -> bool:
    """A literal that may be a secret: not a label, a name, an option, a path or a number; and the last
    argument (set_password('service', 'user', ...) and readFile('/etc/passwd', 'utf8', cb) name other
    things first)."""
    value = match.group("value")
    close = match.end("value") + (2 if match.group("dq") is not None else 1)  # past the closing quote
    after = match.string[close : close + 8].lstrip()
    if after.startswith(","):
        return False
    return (
        value[0] not in "(/~."
        and plausible_secret(value)
        and not value.startswith("-")
        and not value.isdigit()
        and (not _LABEL.fullmatch(value) or _APP_PASSWORD.fullmatch(value) is not None)
        and not _NAME_WORD.fullmatch(value)
        and not is_type_or_reference(value)
    )


def _token_user_ok(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


_PROSE_NAME = r"(?i:password|passphrase|passwd|pwd|secret|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key)"
_PROSE_CHAR = r"""[^\s"'\\<>()\[\]{},;`$]"""
# (not "=": that is code, secret_assignment's, which knows types and references)
PROSE_TRIGGER = _PROSE_NAME + r"(?:[ \t]{1,2}(?i:is|was):?|[ \t]{0,2}:)[ \t]{1,4}" + _PROSE_CHAR + "{8}"
_PROSE_BACK = 8
_VERSION = re.compile(r"[vV]?\d+(?:\.\d+)+[-+\w.]*")
_PATH_LIKE = re.compile(r".*/.*\.\w{1,5}|[~/.].*|.*://.*|[^@]+@[^@]+\.[A-Za-z]{2,}")


def random_looking(value: str) -> bool:
    """A value that only a machine or a password manager writes: 8 or more characters with letters and
    digits, and mixed case, a symbol or 20 characters; not a word, a path, a URL, an address, a
    version, code or a placeholder. For prose, where the name alone says little."""
    if len(value) < 8 or _PATH_LIKE.fullmatch(value) or _VERSION.fullmatch(value):
        return False
    if not plausible_secret(value) or is_type_or_reference(value):
        return False
    lower = any(c.islower() for c in value)
    upper = any(c.isupper() for c in value)
    digit = any(c.isdigit() for c in value)
    other = any(not c.isalnum() for c in value)
    if not digit or not (lower or upper):
        return False
    return (lower and upper) or other or len(value) >= 20


def _prose_ok(match: re.Match[str]) -> bool:
    end = match.end("value")
    return random_looking(match.group("value")) and match.string[end : end + 1] not in ("(", "[")


# A URL query's parameter that carries a credential under a short name the assignment rules do not read
# (?auth=, &pass=, ?key=, X-Amz-Signature=): only a random-looking value (not ?key=value, ?code=US).
QUERY_TRIGGER = (
    r"[?&](?i:auth|pass|pwd|passwd|key|signature|x-amz-signature|x-goog-signature|x-amz-security-token)="
    r"[A-Za-z0-9%_.~+/-]{8}"
)
_QUERY_BACK = 8


# A command that prints a secret, and its output: the Bash tool's stdout after the command in the payload
# (tool_input comes before tool_response). Hyperscan reads from the command to the stdout's first character
# (at most 2000 characters between); the regex takes the stdout when it is one token on one line.
_PRINTS_SECRET = (
    r"(?:base64(?:\s{1,4}-w\s{0,4}0)?\s{1,4}(?:-d|-D|--decode)|get-secret-value|gh\s{1,4}auth\s{1,4}token"
    r"|print-(?:access|identity)-token|op\s{1,4}read|vault\s{1,4}(?:kv\s{1,4}get|read)\s{1,4}-field"
    r"|find-generic-password|auth:token|get-access-token|secrets\s{1,4}versions\s{1,4}access"
    r"|--with-decryption)"
)
PRINTED_TRIGGER = _PRINTS_SECRET + r'[^\n]{0,2000}"stdout"\s{0,4}:\s{0,4}"[^"\\\s]'


def _printed_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    return len(value) >= 6 and plausible_secret(value) and not is_type_or_reference(value)


# A YAML list under a plural secret name (api_keys:, tokens:, passwords:): every item, one per line.
# (Only the name's last word: a class of name characters before it cost Hyperscan a third of its speed on
# a flood of "api_keys:", and the match's end is the same.)
_LIST_NAME = (
    r"(?i:(?:api[_-]?key|token|secret|password|passwd|credential|access[_-]?key|auth[_-]?key|private[_-]?key)s)"
)
_ITEM = r"\\n[ \t]{0,24}-[ \t]{1,4}"  # a line of the string (an escaped newline), indentation, "- "
LIST_TRIGGER = _LIST_NAME + r":[ \t]{0,4}(?:" + _ITEM + r'[^\s\\"]{1,200}[ \t]{0,4})*' + _ITEM + r"""[^\s\\"'$<{\[#-]"""


CONTEXT_MORE_RULES: tuple[Rule, ...] = (
    Rule(
        name="cli_secret_option",
        replaces="a password given to more commands' options (ldapsearch -w, sqlcmd -P, openssl -passin pass:, "
        "keytool -storepass, aws configure set ..., --account-key, gh secret set --body)",
        pattern=VALUE,
        group="value",
        trigger=CLI_MORE_TRIGGER,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_option_ok,
        example="`ldapsearch -D cn=admin -w <password>`, `openssl ... -passout pass:<password>`",
    ),
    Rule(
        name="authorization_scheme",
        replaces="the credential after Authorization: and any scheme (SSWS, Api-Token, Splunk, ...; scheme kept)",
        pattern=(
            r"[aApP](?:(?<![A-Za-z0-9_\\-].)|(?<=\\[nrt].))"
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
    Rule(
        name="prose_secret",
        replaces="a random-looking value after a secret's name in prose (the api key is ..., Password: ...)",
        pattern=r"(?P<value>" + _PROSE_CHAR + r"{8,200}(?<![.!?:]))",
        group="value",
        trigger=PROSE_TRIGGER,
        anchored=True,
        back=_PROSE_BACK,
        reach=210,
        check=_prose_ok,
        example="`here is the db password: <value>`, `the api key is <value>` (not `the token is expired`)",
    ),
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
    Rule(
        name="secret_list_item",
        replaces="a random-looking item of a YAML list under a plural secret name (api_keys:, tokens:)",
        pattern=r"""(?P<value>[^\s\\"',#]{1,200})""",
        group="value",
        trigger=LIST_TRIGGER,
        anchored=True,
        back=1,
        reach=200,
        check=_prose_ok,
        example="`api_keys:` then `- <value>` lines (not `secrets:` / `- db_password`)",
    ),
    Rule(
        name="url_query_secret",
        replaces="a random-looking value of a URL query parameter named auth, pass, pwd, key or signature",
        pattern=r"(?P<value>[A-Za-z0-9%_.~+/-]{8,2048})",
        group="value",
        trigger=QUERY_TRIGGER,
        anchored=True,
        back=_QUERY_BACK,
        reach=2050,
        check=_prose_ok,
        example="`https://x.firebaseio.com/a.json?auth=<value>`, `?user=u&pass=<value>` (not `?key=value`)",
    ),
    Rule(
        name="printed_secret",
        replaces="the output of a command that prints a secret (kubectl ... | base64 -d, op read, "
        "gcloud auth print-access-token, aws secretsmanager get-secret-value), when it is one token",
        pattern=r"""(?P<value>(?:[^"\\\s]|\\["\\/]){1,1000}+)(?:\\n)?(?=")""",
        group="value",
        trigger=PRINTED_TRIGGER,
        anchored=True,
        back=1,
        reach=2010,
        check=_printed_ok,
        example="`kubectl get secret db -o jsonpath={.data.password} | base64 -d` and its stdout `<value>`",
    ),
)
