"""Command lines that hand a secret over (ninth session): more commands' password options.

* ``cli_secret_option``: ldapsearch -w, sqlcmd -P, openssl -passin pass:, keytool -storepass,
  aws configure set ..., --account-key, gh secret set --body; a short option is read back to its command.

The output of commands that print one (``printed_secret``, ``printed_secret_line``) is printed.py's.
The trigger is the context up to the value's first character (Hyperscan); the regex reads the value.
"""

from __future__ import annotations

import re

from hookd.redact.checks import looks_like_credential, option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
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
        "security",  # macOS: security add-generic-password ... -w <password>
        "vsql",  # Vertica
    ),
    "-P": (
        "sqlcmd",
        "bcp",
        "osql",
        "isql",  # Sybase's isql -U sa -P <password>; FreeTDS' tsql, sqsh
        "tsql",
        "sqsh",
        "zip",
        "unzip",
        "ssh-keygen",
        "ipmitool",
        "mosquitto_pub",
        "mosquitto_sub",
        "mosquitto_rr",
    ),
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
        "cf",  # Cloud Foundry's cf login -p, OpenShift's oc login -p
        "oc",
        "nuget",  # dotnet nuget add source ... -u bob -p <password>
        "psexec",  # Sysinternals' psexec \\host -u admin -p <password>
        "psexec.exe",
        "paexec",
        "ncftp",  # NcFTP's ncftp, ncftpput, ncftpget, ncftpls: -u <user> -p <password>
        "ncftpput",
        "ncftpget",
        "ncftpls",
        "rdesktop",
        "cqlsh",  # Cassandra
        "hydra",  # a password tried against one's own host
        "crane",  # crane auth login, oras login: -p only for login, as az, cf and oc
        "oras",
        "rabbitmqadmin",  # rabbitmqadmin -u admin -p <password> list queues
    ),
    "-N": ("ssh-keygen",),
    "-k": ("nuget", "openssl"),  # openssl enc -k <password>
    "-apikey": ("nuget",),
    "/p:": ("xfreerdp", "wlfreerdp"),
    "/pass:": ("cmdkey", "cmdkey.exe"),  # Windows' cmdkey /add:<target> /user:<user> /pass:<password>
}
_GLUED = ("7z", "7za", "unrar", "rar")  # -pSECRET, no space (unrar's -p alone asks for it)
# -PSECRET: the SQL Server and Sybase clients read a glued -P as the password (Maven's -Pprofile does not).
_GLUED_P = ("sqlcmd", "bcp", "osql", "isql", "tsql", "sqsh")
_SPACED_P = tuple(c for c in _SHORT_OPTIONS["-p"] if c not in _GLUED)  # -p <password>, apart from its value
_SHORT_TRIGGER = r"\s(?:(?:-[wPpNk]|-(?i:apikey))\s{1,4}|/p:|/(?i:pass):|-[pP])"
# curl's -b and a cookie's name up to its =, in the trigger and in its check (_CURL_COOKIE).
_CURL_B = r"""\s-b\s{0,4}(?:\\?["'])?[A-Za-z0-9_.!#$%*+^|~-]{1,128}="""

CLI_MORE_TRIGGER = (
    "(?:"
    + "|".join(
        (
            _SHORT_TRIGGER,
            _NOT_WORD + r"gh\s{1,4}secret\s{1,4}set" + _CMD + r"*\s(?:-b(?:=|\s{1,4})?|--body(?:=|\s{1,4}))",
            _NOT_WORD + r"(?i:configure\s{1,4}set\s{1,4}(?:[A-Za-z0-9_-]{1,40}\.)?"
            r"(?:aws_secret_access_key|aws_session_token|[A-Za-z0-9_-]{0,40}(?:password|token|secret)))\s{1,4}",
            r"\s-pass(?:in|out)?\s{1,4}pass:",
            # HTTPie's and xh's -a/--auth user:password as their first option, one space apart (curl's pattern
            # over the command's words, or spaces repeated, kept Hyperscan busy on a flood of "http -a ")
            _NOT_WORD + r"""(?:https?|xhs?)\s(?:-a|--auth)\s(?:\\?["'])?[^\s:"'\\]{1,64}:""",
            # a token as the one argument: ngrok's authtoken, cargo's login (crates.io, or --registry <name>)
            _NOT_WORD + r"(?:ngrok\s{1,4}(?:config\s{1,4}add-)?authtoken"
            r"|cargo\s{1,4}login(?:\s{1,4}--registry(?:=|\s{1,4})[A-Za-z0-9_-]{1,64})?)\s{1,4}",
            # user:password: skopeo's --creds, --src-creds, --dest-creds; jenkins-cli's -auth (-auth @file: a file)
            r"""\s(?:--(?:src-|dest-)?creds(?:=|\s{1,4})|-auth\s{1,4})(?:\\?["'])?[^\s:@"'\\]{1,128}:""",
            r"\s-(?:store|key|srcstore|deststore|srckey|destkey)pass\s{1,4}",
            # every literal of a Kubernetes Secret is one (--from-literal=key=<value>, not only password=)
            _NOT_WORD + r"(?:kubectl|oc)\s{1,4}create\s{1,4}secret" + _CMD + r"""*\s--from-literal(?:=|\s{1,4})"""
            r"""(?:\\?["'])?[A-Za-z0-9._-]{1,253}=""",
            # curl's -b, the short --cookie, with a cookie after it (-b <file> names a jar, no = in it); the
            # command is read back in the check (curl and the command's words here cost a flood of "curl -b ")
            _CURL_B,
            # Composer's auth settings: a token after its host (composer config -g github-oauth.github.com <t>)
            _NOT_WORD + r"composer\s{1,4}config(?:\s{1,4}(?:--global|--auth|-g|-a)){0,2}\s{1,4}"
            r"(?:github-oauth|gitlab-oauth|gitlab-token|bearer)\.[A-Za-z0-9.-]{1,253}\s{1,4}",
            r"--(?:[A-Za-z0-9]{1,20}-){0,3}(?i:account-?key|auth-?key|secret-?key|access-?key|storage-?key|master-?key"
            r"|license-?key|signing-?key|bearer)(?:=|\s{1,4})",
        )
    )
    + r")[^\s\-]"
)
_KEY_FILE = re.compile(r"(?i).*\.(?:pem|key|crt|cer|p12|pfx|jks|json|txt)|[~/.].*")
_SHORT_BEFORE = re.compile(r"\s(-[wPpNk]|-(?i:apikey)|/p:|/(?i:pass):)\s{0,4}\Z")
_SHORT_BEFORE_LONGEST = 12  # " -apikey" and four spaces: searched for in the head's last 12 characters only
_COMMAND_REACH = 400


def command_start(text: str, low: int, end: int) -> int:
    """Where the command that ``end`` stands in begins, looking back no further than ``low``: past the
    last separator, subshell, line break (raw or escaped) or JSON string's quote (not an escaped one).
    Found by rfind: a regex from ``low`` would read the whole stretch again at each option of a flood."""
    begin = max(text.rfind(c, low, end) + 1 for c in ";|&(`\n")
    escaped = text.rfind("\\n", low, end)
    quote = text.rfind('"', low, end)
    while quote > low and text[quote - 1] == "\\":
        quote = text.rfind('"', low, quote)
    return max(begin, escaped + 2 if escaped >= 0 else 0, quote + 1, low)


def command_names(text: str, low: int, end: int) -> set[str]:
    """The words of the command that ``end`` stands in, up to ``end``, each without its directory and the
    quotes before it (sh -c \\"ldapsearch ...\\", or a command's string in JSON in a string)."""
    return {word.rsplit("/", 1)[-1].lstrip("\\\"'") for word in text[command_start(text, low, end) : end].split()}


def _short_option_ok(match: re.Match[str]) -> bool:
    """For a short option (-P, -w, -p...): the command it belongs to takes a password there."""
    text, start = match.string, match.start()
    low = max(0, start - _COMMAND_REACH)
    head = text[low:start]
    option = _SHORT_BEFORE.search(head, max(0, len(head) - _SHORT_BEFORE_LONGEST))
    if option is None:
        return True  # not a short option: the trigger's other contexts name their command
    flag = option.group(1).lower() if option.group(1).lower() in ("-apikey", "/pass:") else option.group(1)
    glued = option.end(1) == len(head)
    names = command_names(text, low, low + option.start())
    commands = _SHORT_OPTIONS[flag]
    if glued and flag == "-p":
        commands = _GLUED
    elif glued and flag == "-P":
        commands = _GLUED_P
    elif not glued and flag == "-p":
        commands = _SPACED_P
    if "login" not in names:  # their -p is a password only for login (cf push -p <path>, oc process -p K=V)
        names.difference_update(("az", "cf", "oc", "crane", "oras"))
    return not names.isdisjoint(commands)


# A Secret's literal that names no secret: a user, a host (--from-literal=root-user=USER in charts' READMEs).
_PLAIN_LITERAL = re.compile(
    r"(?i)--from-literal[= ](?:\\?[\"'])?[A-Za-z0-9._-]{0,240}(?:user|username|login|host|port)=\Z"
)


# curl -b's cookie, its name just before the value: a cookie of a session or a token, not theme=dark.
_CURL_COOKIE = re.compile(_CURL_B + r"\Z")


def _option_ok(match: re.Match[str]) -> bool:
    """A password, not a file that holds one (--secret-key ./key.pem), given to a command that takes it."""
    if _PLAIN_LITERAL.search(match.string, max(0, match.start() - 270), match.start()):
        return False
    cookie = _CURL_COOKIE.search(match.string, max(0, match.start() - 140), match.start())
    if cookie:
        value, low = match.group("value"), max(0, cookie.start() - _COMMAND_REACH)
        if "curl" not in command_names(match.string, low, cookie.start() + 1):
            return False  # git checkout -b a=b, tar -b 20
        return option_value_ok(match) and (len(value) >= 16 or looks_like_credential(value))
    return option_value_ok(match) and not _key_file(match.group("value")) and _short_option_ok(match)


def _key_file(value: str) -> bool:
    """``_KEY_FILE.fullmatch(value)``; a path (~, / or . first, one line) without the regex, whose first
    alternative reads a long one back from its end for an extension."""
    if value[:1] in ("~", "/", ".") and "\n" not in value:
        return True
    return _KEY_FILE.fullmatch(value) is not None


# net-snmp's SNMPv3 passphrases, -A (authentication) and -X (privacy), and the v1/v2c community, -c (what a
# device grants its reads and writes on; public and private are every device's defaults, kept). Every other
# command has its own -A, -X and -c (curl -X POST, bash -c), so the rule runs only near "snmp" (keywords) and
# reads the command back from the option.
_SNMP_COMMANDS = frozenset(
    "snmpwalk snmpbulkwalk snmpget snmpgetnext snmpbulkget snmpset snmptable snmpdelta snmpdf snmpstatus "
    "snmptrap snmpinform snmpusm snmpvacm snmptest net-snmp-create-v3-user".split()
)


_DEFAULT_COMMUNITIES = frozenset(("public", "private"))


def _snmp_ok(match: re.Match[str]) -> bool:
    text, start = match.string, match.start()
    names = command_names(text, max(0, start - _COMMAND_REACH), start)
    if match.group("flag") == "c" and match.group("value").strip("'\"\\") in _DEFAULT_COMMUNITIES:
        return False
    return not names.isdisjoint(_SNMP_COMMANDS) and option_value_ok(match)


SNMP_PASSPHRASE = Rule(
    name="snmp_passphrase",
    replaces="an SNMPv3 passphrase or an SNMP community given to net-snmp's commands (snmpwalk, snmpget, "
    "snmpset...: -A, -X, -c but public and private)",
    pattern=r"\s-(?P<flag>[AXc])\s{0,4}" + VALUE,
    group="value",
    keywords=("snmp",),
    reach=_COMMAND_REACH + VALUE_REACH,
    check=_snmp_ok,
    example="`snmpwalk -v3 -l authPriv -u bob -a SHA -A <passphrase> -x AES -X <passphrase> host`, "
    "`snmpwalk -v2c -c <community> host`",
)


# Any scheme but Bearer, Basic, Token and Bot (authorization_header's): not a second report per header, which
# a flood of them would spend its chunk's budget on.


CLI_SECRET_OPTION = Rule(
    name="cli_secret_option",
    replaces="a password given to more commands' options (ldapsearch -w, sqlcmd -P, openssl -passin pass:, "
    "keytool -storepass, aws configure set ..., --account-key, gh secret set --body), ngrok's authtoken, "
    "cargo login's token, http -a user:<password> (HTTPie, xh), kubectl create secret's --from-literal, "
    "composer config's github-oauth.<host> <token>",
    pattern=VALUE,
    group="value",
    trigger=CLI_MORE_TRIGGER,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_option_ok,
    example="`ldapsearch -D cn=admin -w <password>`, `openssl ... -passout pass:<password>`",
)
