"""The built-in redaction rules: one table, specific formats first, generic ones last.

Every rule runs over the payload's JSON text exactly as received, so the
patterns see secrets as they sit inside JSON strings: a newline is the two
characters backslash and n, a quote inside a string is backslash-quote, and a
string embedded in a string doubles its escapes. Three conventions keep the
result valid JSON and make redaction idempotent:

* The replaced part (the rule's ``group``) never contains a raw ``"``, never
  starts right after a backslash (it would split an escape such as ``\\n``)
  and never ends on a lone backslash: value classes exclude ``"`` and ``\\``,
  or take backslashes only as whole escape pairs.
* A token is recognised only at a boundary: not right after a letter, digit,
  ``_`` or backslash, except right after an escaped ``\\n``, ``\\r`` or ``\\t``
  (a token at the start of a line of a file that a tool read).
* Value classes never start with ``[``, or the engine sees the marker at the
  start of the group, so a second pass leaves markers alone.

Every repetition is bounded (or possessive) and every rule has cheap literal
keywords, so a 2 MB payload costs one linear scan per rule that can apply.

Ordering matters: a provider's key is named by its own rule before the
generic Authorization, URL, command-line, assignment and JSON-key rules see
it; payment cards come last.
"""

from __future__ import annotations

import re

from hookd.redact.rule import Rule

# --- validators --------------------------------------------------------------


def luhn_ok(text: str) -> bool:
    """A card number: 13 to 19 digits (spaces and dashes ignored) passing the Luhn check."""
    digits = [int(c) for c in text if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_CREDENTIAL_PUNCT = frozenset("._~+=")
# YOUR_TOKEN_HERE, or the name in NAME=value: a placeholder, not a credential.
_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def looks_like_credential(value: str) -> bool:
    """A Bearer/Basic value rather than prose ("basic authentication", "Bearer tokens").

    At least 6 characters, not an ALL_CAPS_NAME, and one of: a digit next
    to letters, credential punctuation (``. _ ~ + =``), or a long mixed-case
    run (base64 of ``user:pass``), which ordinary words never are.
    """
    v = value.rstrip("=")
    if len(v) < 6 or _CONSTANT_NAME.fullmatch(v):
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


_NOT_SECRETS = frozenset(
    {"null", "none", "nil", "true", "false", "undefined", "required", "optional", "empty"}
)


def plausible_secret(value: str) -> bool:
    """A value worth hiding: not a variable reference, template, placeholder or mask.

    ``$DB_PASS``, ``${{ secrets.X }}``, ``%(password)s``, ``<password>``,
    ``{{ token }}``, ``null``/``true``, ``****`` and ``xxx`` are left alone.
    """
    v = value.strip()
    if not v or v[0] in "$%<{" or v.startswith("\\u003c"):
        return False
    if v.lower() in _NOT_SECRETS:
        return False
    return not set(v) <= set("*xX.•-_")


# --- pattern pieces ----------------------------------------------------------

# Start of a token, checked just after its first character (a leading
# lookbehind would stop the regex engine from scanning fast for that
# character): the token is not inside a word and not right after a backslash
# (which would split an escape), but may follow an escaped newline, CR or tab.
_B1 = r"(?:(?<![A-Za-z0-9_\\].)|(?<=\\[nrt].))"
# End of a token: no further token character.
_E = r"(?![A-Za-z0-9_])"
_E_DASH = r"(?![A-Za-z0-9_-])"
# Key/value separators, with the key's closing quote possibly escaped (\")
# or single, as in TOML, YAML, JSON embedded in a string, or Python.
_KV_SEP = r"""(?:\\?["'])?\s{0,4}[:=]{1,2}>?\s{0,4}(?:\\?["'])?"""

# A quoted value in JSON text: \"...\" (escaped double quotes) or '...';
# otherwise an unquoted shell/env/YAML word. The value never starts with "["
# (a marker) or "$" (a variable reference) and stops at quotes, spaces,
# separators and lone backslashes; "\\" pairs (a real backslash) are kept.
_VALUE = (
    r"(?:(?P<dq>\\\")|(?P<sq>'))?"
    r"(?P<value>"
    r"(?(dq)(?:[^\"\\]|\\[^\"]){1,1024}+"
    r"|(?(sq)(?:[^'\"\\]|\\.){1,1024}+"
    r"|(?:[^\s\"'\\,;&|<>(){}\[\]`$]|\\\\)(?:[^\s\"'\\,;&|<>(){}\[\]`]|\\\\){0,1023}+(?![(\[])"
    r")))"
    r"(?(dq)\\\"|(?(sq)'))"
)

# Names that say "secret" by their last word. "pass"/"pwd" count only after a
# separator (DB_PASS, but not bypass, PWD or OLDPWD); "key" only after a word
# that makes it a secret (api_key, private_key; not cache_key, primary_key).
_KEY_PREFIXES = r"(?:api|private|secret|access|signing|encryption|client|master|app|account)"
_SECRET_WORDS = (
    r"pass(?:word|wd|phrase)"
    r"|(?<=[_.-])(?:pass|pwd)"
    r"|secret|token|credentials?"
    rf"|{_KEY_PREFIXES}[_.-]?key"
)

# JSON keys (the whole key is in view between raw quotes): the same last
# words, camelCase too (accessToken, apiKey, dbPass), plus auth, authorization
# and cookie as whole or separated words.
_JSON_KEY = (
    r"(?:"
    rf"[A-Za-z0-9_.-]{{0,60}}?(?i:{_SECRET_WORDS})"
    r"|(?:[A-Za-z0-9_.-]{0,60}[_.-])?(?i:auth|authorization|cookie)"
    r"|[a-z0-9]{1,60}(?:Pass|Pwd|Auth|Authorization|Cookie)"
    r")"
)


# What an assignment's name ends with, and what may stand between it and the = or :.
_SECRET_NAMES = ["password", "passwd", "passphrase", "secret", "token", "credential", "credentials"]
_SECRET_NAMES += [p + sep + "key" for p in _KEY_PREFIXES[3:-1].split("|") for sep in ("", "_", "-", ".")]
_SECRET_NAMES += [sep + w for w in ("pass", "pwd") for sep in "_-."]
_NAME_SUFFIXES = ["", " ", "'", '\\\\"', "' ", '\\\\" ']
_SECRET_NAME_TRIGGER = (
    "(?i)(?:" + "|".join(re.escape(w) for w in _SECRET_NAMES) + ")"
    "(?:" + "|".join(s for s in _NAME_SUFFIXES if s) + ")?[=:]"
)


def _after_secret_name() -> str:
    """Lookbehinds, checked just after an assignment's = or :, that the name before it says secret.

    The regex starts at the separator (a rare character the engine finds
    fast) and looks back: equal-width names share one lookbehind. The name
    may be followed by its closing quote (\\" or ') and one space, and must
    not follow a word and a space ("reset the password: ..." is prose).
    """
    by_width: dict[int, list[str]] = {}
    for w in _SECRET_NAMES:
        by_width.setdefault(len(w), []).append(re.escape(w))
    looks = [
        rf"(?<=(?<![A-Za-z0-9,.;:!?)] )(?i:{'|'.join(alts)}){suffix}.)"
        for alts in by_width.values()
        for suffix in _NAME_SUFFIXES
    ]
    return r"(?<=[A-Za-z\"' ].)(?:" + "|".join(looks) + ")"


# Just after a digit that follows a raw newline (or tab) and indentation: a
# raw newline cannot be inside a JSON string, so this is pretty-printed JSON
# structure, not string content.
_AFTER_RAW_INDENT = "|".join(rf"(?<=[\n\r\t] {{{k}}}.)" for k in range(41))

# A PEM block ends at its END line, or (cut off) before the next BEGIN line or
# at the end of the JSON string.
_PEM_END = r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?=-----BEGIN )|(?=\"))"

# Commands whose context says the next option is a password.
_CMD_TAIL = r"""(?:[^"\\]|\\["\\/]){0,300}?"""  # the rest of one command line (no \n)

# --- the table ---------------------------------------------------------------

BUILTIN_RULES: tuple[Rule, ...] = (
    Rule(
        name="pem_private_key",
        replaces="a whole BEGIN ... END PRIVATE KEY block (also to the end of the string if cut off)",
        pattern=(
            r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[^\"\\]|\\.){0,65536}?"
            + _PEM_END
        ),
        keywords=("PRIVATE KEY",),
        lead=64,
    ),
    Rule(
        name="aws_access_key_id",
        replaces="an AWS access key id (AKIA/ASIA...)",
        pattern=rf"A{_B1}(?:KIA|SIA|BIA|CCA)[A-Z0-9]{{16}}{_E}",
        keywords=("AKIA", "ASIA", "ABIA", "ACCA"),
        lead=6,
    ),
    Rule(
        name="aws_secret_access_key",
        replaces="the 40-character value of an AWS secret access key",
        pattern=(
            r"[aAsS](?i:(?<=a)ws[_-]?secret[_-]?key|(?<=s)ecret[_-]?access[_-]?key)"
            + _KV_SEP
            + r"(?P<value>(?=[0-9]{0,39}[A-Za-z/+])[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        group="value",
        trigger=r"(?i)aws[_-]?secret[_-]?key|secret[_-]?access[_-]?key",
        lead=20,
    ),
    Rule(
        name="github_token",
        replaces="a GitHub token (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_)",
        pattern=rf"g{_B1}(?:h[pousr]_[A-Za-z0-9]{{36,251}}|ithub_pat_[A-Za-z0-9_]{{22,255}}){_E}",
        keywords=("ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"),
        lead=12,
    ),
    Rule(
        name="gitlab_token",
        replaces="a GitLab token (glpat-, gldt-, glrt-, ...)",
        pattern=(
            rf"g{_B1}l(?:pat|dt|rt|ptt|cbt|imt|ft|soat|agent|oas)-[A-Za-z0-9_-]{{20,200}}"
            rf"(?:\.[A-Za-z0-9_-]{{2,100}}){{0,2}}{_E_DASH}"
        ),
        keywords=("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glimt-", "glft-", "glsoat-",
                  "glagent-", "gloas-"),
        lead=10,
    ),
    Rule(
        name="slack_webhook",
        replaces="the secret path of a Slack webhook URL (services/T.../B.../...)",
        pattern=(
            r"hooks\.slack\.com\\?/"
            r"(?P<value>(?:services|workflows|triggers)(?:\\?/[A-Za-z0-9_-]{1,64}){2,4})"
        ),
        group="value",
        keywords=("hooks.slack.com",),
        lead=16,
    ),
    Rule(
        name="slack_token",
        replaces="a Slack token (xoxb-, xoxp-, xoxa-, ..., xapp-)",
        pattern=rf"x{_B1}(?:ox[abposr]-|app-\d-)[A-Za-z0-9-]{{8,250}}[A-Za-z0-9]{_E_DASH}",
        keywords=("xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xapp-"),
        lead=6,
    ),
    Rule(
        name="stripe_key",
        replaces="a Stripe secret or restricted key, or a webhook secret",
        pattern=(
            rf"[srw]{_B1}(?:(?<=[sr])k_(?:live|test)_[A-Za-z0-9]{{10,247}}"
            rf"|(?<=w)hsec_[A-Za-z0-9+/=]{{20,100}}){_E}"
        ),
        keywords=("sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"),
        lead=9,
    ),
    Rule(
        name="anthropic_api_key",
        replaces="an Anthropic key (sk-ant-api03-..., sk-ant-admin01-...)",
        pattern=rf"s{_B1}k-ant-[a-z]{{2,10}}\d{{2}}-[A-Za-z0-9_-]{{20,300}}{_E_DASH}",
        keywords=("sk-ant-",),
        lead=8,
    ),
    Rule(
        name="openai_api_key",
        replaces="an OpenAI key (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-..., T3BlbkFJ)",
        pattern=(
            rf"s{_B1}k-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{{20,300}}"
            r"|[A-Za-z0-9]{48}"
            rf"|[A-Za-z0-9_-]{{0,100}}T3BlbkFJ[A-Za-z0-9_-]{{0,200}}){_E_DASH}"
        ),
        keywords=("sk-",),
        lead=4,
    ),
    Rule(
        name="google_api_key",
        replaces="a Google API key (AIza...)",
        pattern=rf"A{_B1}Iza[0-9A-Za-z_-]{{35}}{_E_DASH}",
        keywords=("AIza",),
        lead=5,
    ),
    Rule(
        name="npm_token",
        replaces="an npm access token (npm_...)",
        pattern=rf"n{_B1}pm_[A-Za-z0-9]{{36}}{_E}",
        keywords=("npm_",),
        lead=5,
    ),
    Rule(
        name="vault_token",
        replaces="a HashiCorp Vault token (hvs., hvb., hvr.)",
        pattern=rf"h{_B1}v[sbr]\.[A-Za-z0-9_-]{{24,512}}{_E_DASH}",
        keywords=("hvs.", "hvb.", "hvr."),
        lead=5,
    ),
    Rule(
        name="sendgrid_key",
        replaces="a SendGrid API key (SG.x.y)",
        pattern=rf"S{_B1}G\.[A-Za-z0-9_-]{{16,32}}\.[A-Za-z0-9_-]{{30,64}}{_E_DASH}",
        keywords=("SG.",),
        lead=4,
    ),
    Rule(
        name="twilio_key",
        replaces="a Twilio API key (SK + 32 hex), or 32 hex next to a TWILIO_... name",
        pattern=(
            r"(?:(?i:twilio)[A-Za-z0-9_-]{0,40}" + _KV_SEP
            + rf"|(?=S{_B1}K[0-9a-fA-F]{{32}}{_E}))"
            + rf"(?P<value>(?:SK)?(?=[0-9]{{0,31}}[a-fA-F])[0-9a-fA-F]{{32}}){_E}"
        ),
        group="value",
        # "SK" alone is in SKIPPED, TASK, ASK: the hex digit after it must follow.
        trigger=r"(?i:twilio)|SK[0-9a-fA-F]",
        lead=7,
    ),
    Rule(
        name="azure_storage_key",
        replaces="an Azure AccountKey=/SharedAccessKey= value or a SAS sig= signature",
        pattern=(
            r"=(?:(?<=(?i:accountkey)=)|(?<=(?i:sharedaccesskey)=)|(?<=[?&;]sig=)|(?<=\\u0026sig=))"
            r"(?P<value>(?:[A-Za-z0-9+/]|%2[BbFf]){20,400}(?:=|%3[Dd]){0,2})"
        ),
        group="value",
        keywords=("accountkey=", "sharedaccesskey=", "sig="),
        ignore_case_keywords=True,
        lead=2,
    ),
    Rule(
        name="jwt",
        replaces="a JSON Web Token (eyJ....eyJ....signature)",
        pattern=(
            rf"e{_B1}yJ[A-Za-z0-9_-]{{8,4096}}\.eyJ[A-Za-z0-9_-]{{8,8192}}\.[A-Za-z0-9_-]{{0,2048}}"
            rf"{_E_DASH}"
        ),
        keywords=("eyJ",),
        lead=4,
    ),
    Rule(
        name="authorization_header",
        replaces="the credential after Authorization:, Bearer or Basic (scheme kept)",
        pattern=(
            r"[aApPbB](?:(?<![A-Za-z0-9_\\-].)|(?<=\\[nrt].))"
            r"(?:(?i:(?<=a)uthorization|(?<=p)roxy-authorization)" + _KV_SEP
            + r"\s{0,4}(?:(?i:bearer|basic|token|bot)\s{1,4})?"
            + r"|(?i:(?<=b)earer|(?<=b)asic)\s{1,4}(?=[A-Za-z0-9._~+/-]{16}))"
            r"(?P<value>[A-Za-z0-9._~+/-]{1,4096}(?<!\.)={0,3})"
            r"(?=\.?(?:[\s\"'\\,;)\]}&|<>]|$))"
        ),
        group="value",
        keywords=("authorization", "bearer", "basic"),
        ignore_case_keywords=True,
        lead=21,
        validate=looks_like_credential,
    ),
    Rule(
        name="url_password",
        replaces="the password in scheme://user:password@host (user and host kept)",
        pattern=(
            r":(?:\\?/){2}[^\s:/@\"\\?#]{0,128}:"
            r"(?P<value>[^\s/\"\\?#]{1,256})@(?=[A-Za-z0-9\[])"
        ),
        group="value",
        keywords=("://", ":\\/\\/"),
        lead=6,
        validate=plausible_secret,
    ),
    Rule(
        name="cli_password",
        replaces="a password given on a command line (mysql -p..., --password=..., curl -u user:...)",
        pattern=(
            r"[msrc-](?:(?<![A-Za-z0-9_\\-].)|(?<=\\[nrt].))"
            r"(?:"
            r"(?:(?<=m)(?:ysql(?:dump|admin|import|check|show|pump|sh)?|ariadb(?:-dump|-admin)?)"
            + _CMD_TAIL + r"\s-p"
            + r"|(?<=s)shpass\s{1,4}-p\s{0,4}"
            + r"|(?<=r)edis-cli" + _CMD_TAIL + r"\s-a\s{1,4}"
            + r"|(?<=c)url" + _CMD_TAIL + r"""\s(?:-u|--user)\s{1,4}(?:\\?["'])?[^\s:"'\\]{1,128}:(?=[^\s"'\\])"""
            + r"|(?<=-)-(?:[A-Za-z0-9]{1,20}-){0,3}(?:password|passwd|passphrase|pass|token|secret|api-?key)"
            + r"(?:=|\s{1,4}(?![-\s]))))"
            + _VALUE
        ),
        group="value",
        keywords=("mysql", "mariadb", "sshpass", "redis-cli", "curl", "-pass", "-token", "-secret",
                  "-api"),
        ignore_case_keywords=True,
        lead=72,  # --a-b-c-password: three words of 20 before the keyword
        validate=plausible_secret,
    ),
    Rule(
        name="secret_assignment",
        replaces="the value assigned to a secret-named variable or key (.env, export, YAML, TOML, "
        "JSON inside a string)",
        pattern=(
            r"(?:=(?![=~])|:(?=[\s=']|\\\"))"
            + _after_secret_name()
            + r"(?:(?<=:)=|(?<==)>)?\s{0,4}"
            + _VALUE
        ),
        group="value",
        # The name and the separator: "key" or "token" alone is everywhere in code.
        trigger=_SECRET_NAME_TRIGGER,
        lead=2,
        validate=plausible_secret,
    ),
    Rule(
        name="json_secret_key",
        replaces="the string value of a JSON field whose name says secret (quotes kept)",
        pattern=(
            r"(?<!\\)\"" + _JSON_KEY + r"\"\s{0,4}:\s{0,4}\""
            r"(?P<value>(?:[^\"\\]|\\.){1,65536}+)\""
        ),
        group="value",
        # The end of the key, its colon and the value's opening quote, between raw quotes:
        # structure, where JSON allows only ASCII white space. Not "wd": every payload has cwd.
        trigger=(r'(?i)(?:password|passwd|passphrase|pass|pwd|secret|token|credentials?|key|auth'
                 r'|authorization|cookie)"\s{0,4}:\s{0,4}"'),
        lead=90,  # the key's 74 characters at most, its quotes, colon and spaces
        validate=plausible_secret,
    ),
    Rule(
        name="payment_card",
        replaces="a payment card number (13-19 digits passing Luhn, optionally grouped)",
        pattern=(
            # A bare run of digits right after ":", "[" or "," and before ",", "}"
            # or "]" may be a JSON number outside any string: it is left alone,
            # since a marker there would not be valid JSON.
            r"(?P<value>[2-6](?:(?<![0-9A-Za-z_.\\-].)|(?<=\\[nrt].))"
            r"(?>(?P<jv>(?<=[:\[,].)|(?<=[:\[,] .)|" + _AFTER_RAW_INDENT + r")|)"
            r"(?:[0-9]{12,18}+(?(jv)(?!\s*[,}\]]|\s*$))"
            r"|[0-9]{3}(?P<s1>[ -])[0-9]{4}(?P=s1)[0-9]{4}(?P=s1)[0-9]{4}"
            r"|(?<=3)[0-9]{3}(?P<s2>[ -])[0-9]{6}(?P=s2)[0-9]{5}))"
            r"(?![0-9A-Za-z_]|[.,][0-9])"
        ),
        group="value",
        trigger=(r"[2-6][0-9]{12}|[2-6][0-9]{3}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}"
                 r"|3[0-9]{3}[ -][0-9]{6}[ -][0-9]{5}"),
        lead=20,
        validate=luhn_ok,
    ),
)
