"""The built-in redaction rules: one table, specific formats first, generic ones last.

Provider tokens (providers.py) come first; then the rules that read a
secret from its context: a name that says secret, a header, a URL, a
command line; then decoded wrappers; payment cards last. Overlapping finds
are merged, named by the earlier rule, so a provider's key keeps its own
name inside an assignment. Pattern conventions: patterns.py. What a value
must also be (a value and not a type, a checksum that holds): checks.py.
"""

from __future__ import annotations

import re

from hookd.redact.codecontext import member_of_its_name, member_reference
from hookd.redact.checks import (
    assigned_value_ok,
    is_type_or_reference,
    looks_like_credential,
    option_value_ok,
    user_not_a_marker,
)
from hookd.redact.values import CONSTANT_NAME, plausible_secret
from hookd.redact.glue import aws_key_id_glue_ok
from hookd.redact.checksums import CARD_WORD_BEFORE, NON_ASCII_BEFORE, card_context_ok, card_issuer_ok, luhn_ok
from hookd.redact.patterns import (
    AFTER_ESCAPE,
    AFTER_ESCAPE_1,
    B1,
    E,
    E_DASH,
    E_UNDER,
    GLUED_LOWER,
    HS_KV_SEP,
    HS_SPACE,
    HS_SPACE_ESCAPED,
    HS_WS,
    JOINT_AHEAD,
    KV_SEP,
    U_SPACE_ESCAPE,
    VALUE,
    VALUE_REACH,
    WS_OR_ESCAPE,
    hyperscan_shape,
)
from hookd.redact.configcommands import CONFIG_COMMAND_RULES
from hookd.redact.toolpasswords import TOOL_PASSWORD_RULES
from hookd.redact.encoded import ENCODED_RULES
from hookd.redact.entities import ENTITY_RULES
from hookd.redact.fields import FIELD_RULES
from hookd.redact.keyfiles import KEY_FILE_RULES
from hookd.redact.keynames import KEY_NAME_RULES
from hookd.redact.pasted import PASTED_RULES
from hookd.redact.setargs import SET_ARGUMENT_RULES
from hookd.redact.stdinfed import STDIN_FED_RULES
from hookd.redact.snmpconf import SNMP_CONF_RULES
from hookd.redact.netsecrets import NET_SECRET_RULES
from hookd.redact.credfiles import CREDENTIAL_FILE_RULES
from hookd.redact.credlines import CREDENTIAL_LINE_RULES
from hookd.redact.authlines import AUTH_LINE_RULES
from hookd.redact.cookiepairs import COOKIE_PAIR_VALUE
from hookd.redact.declarations import DECLARED_SECRET
from hookd.redact.files import FILE_RULES
from hookd.redact.lines import LINE_RULES
from hookd.redact.marked import MARKED_RULES
from hookd.redact.k8ssecrets import K8S_SECRET_RULES
from hookd.redact.markup import MARKUP_RULES
from hookd.redact.backticks import BACKTICK_RULES
from hookd.redact.patchlines import PATCH_LINE_RULES
from hookd.redact.xmlpairs import XML_PAIR_RULES
from hookd.redact.nuget import NUGET_RULES
from hookd.redact.schemadefaults import SCHEMA_VALUE_RULES
from hookd.redact.providers import PROVIDER_RULES
from hookd.redact.providers_more import MORE_PROVIDER_RULES
from hookd.redact.providers_gitleaks import GITLEAKS_PROVIDER_RULES
from hookd.redact.providers_trufflehog import TRUFFLEHOG_PROVIDER_RULES
from hookd.redact.contexts import CONTEXT_MORE_RULES
from hookd.redact.formats import FORMAT_RULES
from hookd.redact.shapes import AUTHORIZATION_SHAPE, MAY_BE_ASSIGNED, MAY_BE_ASSIGNED_LENGTH
from hookd.redact import jsonkeys, namewords, scriptnames, wrappers
from hookd.redact.prose import PASSPHRASE_WORDS, begins_a_sentence, random_looking
from hookd.redact.rule import MARKER, Rule
from hookd.redact.postman import POSTMAN_RULES
from hookd.redact.csvexports import CSV_EXPORT_RULES

__all__ = ["BUILTIN_RULES", "looks_like_credential", "luhn_ok", "plausible_secret"]

# Names that say "secret" by their last word. "pass"/"pwd" count only after a
# separator (DB_PASS, but not bypass, PWD or OLDPWD); "key" only after a word
# that makes it a secret (api_key, private_key; not cache_key, primary_key).
_KEY_PREFIXES = "(?:" + jsonkeys.KEY_PREFIX_WORDS + ")"
# What an assignment's name ends with, and what may stand between it and the = or :.
_SECRET_NAMES = ["password", "passwd", "passphrase", "secret", "token", "credential", "credentials"]
_SECRET_NAMES += [p + sep + "key" for p in _KEY_PREFIXES[3:-1].split("|") for sep in ("", "_", "-", ".")]
_SECRET_NAMES += [sep + w for w in ("pass", "pwd", "auth") for sep in "_-."] + [";pwd", "; pwd"]  # ODBC's ;Pwd=
_SECRET_NAMES += [sep + "pat" for sep in "_-"]  # a personal access token: GITHUB_PAT, AZURE_DEVOPS_EXT_PAT
# Words that end other names too (oauth, basalt): a name ending in one counts only when it is a word of the name
# (namewords.whole_word_ok). XML's pwd attribute (<add pwd="...">) is xmlpairs.py's: read only quoted.
_SECRET_NAMES += list(namewords.WHOLE_WORDS)
# "Password" in the languages developers name settings in, as ASCII writes them (not Italian's parola: "word").
_SECRET_NAMES += ["passwort", "kennwort", "senha", "contrasena", "wachtwoord", "haslo", "motdepasse", "mot_de_passe"]
_SECRET_NAMES += ["salasana", "losenord", "passord", "adgangskode", "heslo", "jelszo", "sifre"]
_SECRET_NAMES += scriptnames.FORMS  # contraseña, пароль, 密码...: raw and escaped, in each case
# One or two spaces before the = or :, Unicode ones too (password\u00a0= ...).
_SP = HS_SPACE + "{1,2}"
_NAME_SUFFIXES = ["", _SP, "'", '\\\\"', "'" + _SP, '\\\\"' + _SP]
_NAMES = "(?:" + "|".join(re.escape(w) for w in _SECRET_NAMES) + ")"
_SUFFIXES = "(?:" + "|".join(s for s in _NAME_SUFFIXES if s) + ")?"
# Not right after a word (or punctuation) and a space: "reset the password: ..." is prose. Only
# for ":": prose does not write "the password=", while a shell does, after a command word
# (export PASSWORD=..., env TOKEN=... cmd, Dockerfile's ENV API_KEY=..., set SECRET=...).
# A comma after a quote, bracket or digit is code: an object's earlier field ({ user: 'bob', password: ...).
# An escape's letter is no word: a line indented by one space (or a tab the view read as one) after \n.
_NOT_PROSE = r"(?:^|[^ ]|^ |[^A-Za-z0-9,.;:!?)] |[0-9'\"\]}], |\\[nrt] )"
# auth in quotes ('auth' =, as Python's dicts write it) is one of _NAMES since namewords: no form of its own.
_ASSIGNED_NAME = "(?:" + _NAMES + _SUFFIXES + ")"
# Make's ?= and += assign too (DB_PASSWORD ?= x; := is read as a colon, the confirm, and its =), and so do the
# appends that join strings (PHP's and Perl's $password .= "<v>", the ..= of Lua's dialects, VB's apiKey &= "<v>"):
# parts of their own, with ASCII spacing only (an optional sign in every part made Hyperscan verify at each escaped
# or Unicode space's bytes: a flood of U+200B went 117 -> 47 MB/s).
_ASSIGNMENT_TRIGGER = "(?i)(?:" + _ASSIGNED_NAME + "=|" + _NAMES + r"[ \t]?\.?[?+.&]=)"
# The names that begin with a separator (_pass, -pwd, ;pwd, _pat) apart from the words: in one set, the raw
# parts' literals were met at every `"pass":` of a flood of JSON-quoted `pass` (4.2 ms per MiB; apart, 0.9).
_WORD_NAMES = "(?:" + "|".join(re.escape(w) for w in _SECRET_NAMES if w[0] not in "_-.;") + ")"
_SEPARATED_NAMES = "(?:" + "|".join(re.escape(w) for w in _SECRET_NAMES if w[0] in "_-.;") + ")"
_MAKE_PARTS = tuple(
    ("(?i)" + names + spacing + r"\.?[?+.&]=", ())
    for names in (_WORD_NAMES, _SEPARATED_NAMES)
    for spacing in ("", " ", r"\t")
)
_QUOTE = r"(?:'|\\\")"


def _assigned_parts(head: str, tail: str, need: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``head`` + _ASSIGNED_NAME + ``tail`` as parts whose union it is, no two reporting at one end (what
    stands right before ``tail`` tells them apart), with the needs of each (Rule.trigger_parts): one per
    quote and raw spacing after the name, which Hyperscan expands into literals; the
    names with an escaped tab or a Unicode space among their spaces in three databases of their own, one
    per what stands between the last such space and ``need`` (nothing, a space, a tab), each scanned where
    that stands in the chunk (one need with an optional space or tab cost 0.13 ms per MiB of JSON, and
    Hyperscan 5.4 missed a class of both where it ended the data). As one expression, the optional spaces
    kept Hyperscan busy after every secret word of a flood (7-9 ms per MiB of `\\npassword ` for the
    confirm alone; bench/README.md, "tenth pass")."""
    name = head + _NAMES + _QUOTE + "?"
    return (
        *(
            (head + names + quote + spacing + tail, ())
            for names in (_WORD_NAMES, _SEPARATED_NAMES)
            for quote in ("", "'", r'\\"')
            for spacing in ("", " ", "  ", r"\t", r"\t\t", r" \t", r"\t ")
        ),
        (name + HS_SPACE + "?" + HS_SPACE_ESCAPED + tail, ("(?i)" + HS_SPACE_ESCAPED + need,)),
        (name + HS_SPACE_ESCAPED + " " + tail, ("(?i)" + HS_SPACE_ESCAPED + " " + need,)),
        (name + HS_SPACE_ESCAPED + r"\t" + tail, ("(?i)" + HS_SPACE_ESCAPED + r"\t" + need,)),
    )


# A type annotation between a name and its =: "password: str = ..." assigns what follows the =.
_ANNOTATION = (
    r"(?:(?:(?<=:)|(?<=:\s)|(?<=:\s\s))(?>[A-Za-z_][\w.]{0,40}(?:\[[\w\[\]., |]{0,60}\])?"
    r"(?:\s{0,2}\|\s{0,2}[\w.\[\]]{1,40}){0,3})\s{0,4}=(?![=~])\s{0,4})?"
)
# A YAML value's tag and anchor before it (password: !!str <v>, password: &db <v>): what follows is the value.
_YAML_PROPERTIES = (
    r"(?:(?:(?<=:)|(?<=:\s)|(?<=:\s\s))(?>(?:!!?[A-Za-z0-9_/.:-]{0,40}|&[A-Za-z0-9_-]{1,40})[ \t]{1,4}){1,2}"
    r"(?=[^\s&!*|>]))?+"  # possessive: after a tag, a marker (read again) is no value, nor is the tag
)

# A quoted value in parentheses, on the same line or the next (Python's long strings, API_KEY = (\n "<v>"\n);
# the view joins literals on adjacent lines, so a value split there reads whole): the value is the quoted one. In an
# Edit's structuredPatch the next line is the next string (the view has dropped its marker).
_PARENTHESIZED = r"(?:(?P<paren>\()(?:[ \t]|\\[nrt]|\", ?\"){0,40}(?=\\\"|'))?+"

# A variable joined to a literal (a long-hand append: $password = $password . "<v>", token = token .. "<v>",
# key = prefix + "<v>"): the value is the literal, taken only when it looks random (_assigned_ok), as after .=.
_JOINED_HEAD = r"""(?:(?P<joined>\$?[A-Za-z_][\w.>-]{0,64}[ \t]{1,4}(?:\.\.?|\+|~)[ \t]{1,4})(?=\\\"|'))?+"""

# Adjacent literals with no operator between them (C's and Python's implicit concatenation on one line: password =
# "a" "<v>"): after an assignment the pieces are one value, taken whole as one literal would be (_assigned_ok:
# not when joined they are a placeholder, a format or a mask). A shell's two quoted arguments (--password "x" "y") are an option's value and the next
# argument: the option rules read the first alone.
_ADJACENT_PIECES = (
    r"(?P<pieces>(?:(?(dq)[^\"\\]{1,256}+\\\"[ \t]{1,4}\\\"|(?(sq)[^'\"\\]{1,256}+'[ \t]{1,4}'|(?!)))){1,8}+)?+"
)
ASSIGNED_VALUE = VALUE.replace("(?P<value>", "(?P<value>" + _ADJACENT_PIECES, 1)
_PIECE_JOINTS = re.compile(r"\\\"[ \t]{1,4}\\\"|'[ \t]{1,4}'")

# A bare word and its colon with a value after it (token: Password: <v>, key: Authorization: Bearer <v>) is the
# next pair's label, not this one's value: no value begins here, so the label's own name is read next (a value
# taken here had hidden it, and a second pass, the first value a marker, took the label).
_NEXT_LABEL = r"(?![A-Za-z][A-Za-z_-]{0,40}:[ \t]+\S)"

# Python's string prefixes (b"<v>", r'<v>', rb"<v>"; an f-string's fields are references, which the check knows):
# the value is the quoted one.
_STRING_PREFIX = r"""(?:(?i:[rbuf]|rb|br|fr|rf)(?=\\\"|'))?+"""
# A YAML tag before a block scalar (password: !vault | and the lines after): the value is the block
# (yaml_block_secret's; Ansible's vault is ciphertext), not the tag.
_TAGGED_BLOCK = r"(?!" + WS_OR_ESCAPE + r"{0,4}!!?[A-Za-z0-9_/.:-]{0,40}[ \t]{1,4}[|>])"

# An annotation whose value is a marker: the value is redacted already, and the annotation is not one
# (without this, a second pass read "password= [REDACTED:...]" after "token: " as the value "password=").
_ANNOTATED_MARKER = r"(?!" + WS_OR_ESCAPE + "{0,4}" + _ANNOTATION.removesuffix("?") + r"\[REDACTED:)"

# Just after a digit that follows a raw newline (or tab) and indentation: a
# raw newline cannot be inside a JSON string, so this is pretty-printed JSON
# structure, not string content.
_AFTER_RAW_INDENT = "|".join(rf"(?<=[\n\r\t] {{{k}}}.)" for k in range(41))

# A PEM block ends at its END line, or (cut off) before the next BEGIN line or
# at the end of the JSON string.
_PEM_END = r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|(?=-----BEGIN )|(?=\"))"

# A character of one command in JSON text: no quote, no escaped newline (Hyperscan syntax).
# A numeric entity (&#97;) is a character: the text between the command and its option, once a pass redacted it
# (a marker over it), was read as one command.
_CMD = r"""(?:[^"\\\n;|&]|\\["\\/ t]|&#[0-9]{1,7};)"""  # and not past ; | && to the next command
_NOT_WORD = r"""(?:^|[^A-Za-z0-9_\\-]|\\[nrt])"""
# The command-line trigger's branches, each with the option its matches hold (in any case, after a
# space): a flood of "curl " or "mysql " starts the branch's engine at every repetition, so a branch is
# scanned only in the chunks that hold its option (scan.py). Short literals only: a needed literal costs
# a little at each occurrence, a needed pattern that starts an engine at each of its first words costs
# what the gate saves, and "-p" alone is in every other hyphenated word.
_CLI_BRANCHES = (
    (
        _NOT_WORD + r"(?:mysql(?:dump|admin|import|check|show|pump|sh)?|mariadb(?:-dump|-admin)?)" + _CMD + r"*\s-p"
        r"|" + _NOT_WORD + r"sshpass\s{1,4}-p\s{0,4}"
        r"|"
        + _NOT_WORD
        + r"(?:docker|podman|nerdctl|helm|buildah|skopeo)\s{1,4}(?:registry\s{1,4})?login"
        + _CMD
        + r"*\s(?:-p|--password)(?:\s{1,4}|=)",
        (r"(?i)\s--?p",),
    ),
    (_NOT_WORD + r"redis-cli" + _CMD + r"*\s-a\s{1,4}", (r"(?i)\s-a\s",)),
    (
        # curl's -u user:password; the user may be empty (-u ":<pw>"), a token that needs no user
        _NOT_WORD + r"curl" + _CMD + r"""*\s(?:-u|--user)\s{1,4}(?:\\?["'])?[^\s:"'\\]{0,128}:""",
        (r"(?i)\s--?u",),
    ),
    (
        # lftp's -u user,password (a comma), on its command line or in its own open command (-e, -c, a script)
        _NOT_WORD + r"(?:lftp" + _CMD + r"*\s|open\s{1,4})"
        r"""(?:-u|--user)\s{1,4}(?:\\?["'])?(?:[^\s,"'\\]|\\\\){1,128},""",
        (r"(?i)\s--?u",),
    ),
    (
        _NOT_WORD
        + r"(?:smbclient|rpcclient|smbmap|smbcacls)"
        + _CMD  # Samba's -U user%password
        + r"""*\s(?:-U|--user(?:name)?)(?:\s{1,4}|=)(?:\\?["'])?(?:[^\s%"'\\]|\\\\){1,128}%""",
        (r"(?i)\s--?u",),
    ),
    (
        namewords.OPTION_NAME + r"(?:=|\s{1,4})",
        (),  # starts on "--" and a secret word: cheap in the main database, as costly as any part apart
    ),
    (namewords.OPTION_NAME_CAMEL + r"(?:=|\s{1,4})", (namewords.OPTION_CAMEL_NEED,)),
)
_CLI_VALUE_START = r"[^\s\-]"  # the value's first character: not an option, not a prompt for the password
_CLI_TRIGGER = r"(?i)(?:" + "|".join(branch for branch, _ in _CLI_BRANCHES) + ")" + _CLI_VALUE_START
_CLI_PARTS = tuple((r"(?i)(?:" + branch + ")" + _CLI_VALUE_START, needs) for branch, needs in _CLI_BRANCHES)
_MARKER_START = MARKER.split("{", 1)[0]  # [REDACTED:
# The key ids that count are those the rule's trigger opens a window around on every pass: none glued before a
# word's character (a key id glued before another token, never a window's, counted once a pass had shortened the
# text between the value and a far key id that opened one: fresh seed 5,207,477), nor before a marker (that token,
# on the pass before).
_AWS_KEY_ID = re.compile(r"A(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9_]|" + re.escape(_MARKER_START) + ")")


def _near_key_id(match: re.Match[str]) -> bool:
    """A bare 40-character AWS secret counts within 250 characters of an access key id, with no marker
    between them: a pass redacts what stands between, shorter (a 40-character token becomes a 23-character
    marker), and a key id 300 characters off on the first pass was within 250 on the second."""
    value = match.group("value")
    if not (any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)):
        return False
    text = match.string
    start, end = match.start("value"), match.end("value")
    for key_id in _AWS_KEY_ID.finditer(text, max(0, start - 250), end + 250):
        low, high = (key_id.end(), start) if key_id.start() < start else (end, key_id.start())
        if text.find(_MARKER_START, low, high) < 0:
            return True
    return False


# A PEM block's lines: headers, line breaks (raw or escaped), and a documentation's mask of the body.
_PEM_NOT_BODY = re.compile(r"-----[A-Z0-9 ]{0,60}-----|\\[nr]|[\s\\Xx*.•…]")


def _pem_body_ok(match: re.Match[str]) -> bool:
    """The block holds key material, not an example's XXXX or ... between its headers."""
    return len(_PEM_NOT_BODY.sub("", match.group(0))) >= 16


def _not_its_own_member(match: re.Match[str]) -> bool:
    """Not a lambda's body reading its parameter (authorization => authorization.Tokens), nor a member read
    through an object (authorization = this.authorizationService): code."""
    if member_of_its_name(match):
        return False
    value = match.group("value")
    scheme = match.string[max(0, match.start("value") - 12) : match.start("value")].rstrip().lower()
    return scheme.endswith(_SCHEMES) or not member_reference(value)  # after Bearer it is the credential


_SCHEMES = ("bearer", "basic", "token", "bot")


# The values of the pairs in a Cookie: header's value (the first pair's name is before it).
_COOKIE_VALUES = re.compile(r"(?:^|;\s?[^=;]*=)([^;]*)")


def _assigned_ok(match: re.Match[str]) -> bool:
    """assigned_value_ok; after an append (``+=``, ``.=``, ``&=``, ``..=``, or a variable and a joint: ``token =
    token .. "<v>"``) the value must also look random: code appends there (token += chunk, $password .= $salt,
    url = base + "/login"), a Makefile rarely a secret."""
    if not assigned_value_ok(match):
        return False
    unquoted = match.group("dq") is None and match.group("sq") is None
    if unquoted and _repr_first_line_kept(match.group("value")):
        return False
    words_after = unquoted and _WORD_AFTER.match(match.string, match.end("value")) is not None
    if not namewords.whole_word_ok(
        match.string, match.start(), match.group("value"), match.group("paren") is not None, words_after
    ):
        return False
    if (
        match.group("dq") is None
        and match.group("sq") is None
        and begins_a_sentence(match.string, match.start("value"))
    ):
        return False  # passphrase: used to unlock the key
    at = match.start()
    if match.string[at - 1 : at] == ":" and _AFTER_MARKER.search(match.string, max(0, at - 128), at):
        return False
    if match.group("pieces") is not None:
        return plausible_secret(_PIECE_JOINTS.sub("", match.group("value")))
    appended = match.string[at - 2 : at] in _APPENDS or match.group("joined") is not None
    return not appended or random_looking(match.group("value"))


# An escaped line break inside a bare value (patterns._REPR_BREAKS: a repr's b'password=p4ss\\nw0rd'). JSON text one
# level down writes its string's next line and end as a repr's (password: str\\nabc\"): its first line is judged
# alone, so a type, a reference or a placeholder there is kept with the line after it.
_ESCAPED_BREAK = re.compile(r"(?<!\\)\\\\[nrt]")


def _repr_first_line_kept(value: str) -> bool:
    """The value goes on over an escaped line break and its first line alone is a type, a reference or a
    placeholder (not a piece too short to judge: a repr's 'api_key=ab\\t<rest>')."""
    if "\\" not in value:
        return False
    first = _ESCAPED_BREAK.split(value, 1)[0]
    return first != value and (is_type_or_reference(first) or len(first) > 2 and not plausible_secret(first))


_APPENDS = frozenset(("+=", ".=", "&="))
# A word after the value, or what a first pass made of one (idempotence: fresh seed 21,759,585)
_WORD_AFTER = re.compile(r" (?:[A-Za-z]|" + re.escape(_MARKER_START) + ")")


def _cli_value_ok(match: re.Match[str]) -> bool:
    """option_value_ok, and not a scheme's name after an auth option (--auth basic)."""
    value = match.group("value")
    return option_value_ok(match) and namewords.option_ok(match.string, match.start("value"), value)


# A name and its colon after a marker and a space: a secret was there, a word, and after a word and a space
# "name:" is prose (_NOT_PROSE), which a first pass left; a second pass read the marker's ] as code.
_AFTER_MARKER = re.compile(r"\[REDACTED:[a-z0-9_]{1,64}\] [^\s\]]{1,64}\Z")


# A header as a HAR file or a Postman collection writes it: {"name": "Cookie", "value": "<pairs>"}
# over lines (a Read of the file: its line breaks and indentation, escaped once or more; an Edit's structuredPatch:
# each line a string, the name's line closed and the value's opened, with its diff's + where the view keeps it)
_HAR_JOINT = r'\\{0,7}"[ \t]{0,4},[ \t]{0,4}\\{0,7}"[+-]?'
_HAR_SPACE = r"(?:\s|\\{1,8}[nrt]|" + _HAR_JOINT + "){0,24}"
_HAR_VALUE = r'\\?"' + _HAR_SPACE + "," + _HAR_SPACE + r'\\?"value\\?"' + _HAR_SPACE + ":" + _HAR_SPACE + r'\\?"'


def _cookie_ok(match: re.Match[str]) -> bool:
    """One of the cookies holds a credential-like value: a session id, a token; not theme=dark or a
    documentation's fig=newton."""
    value = match.group("value")
    return plausible_secret(value) and any(
        (len(v) >= 16 and not CONSTANT_NAME.fullmatch(v)) or looks_like_credential(v)  # not ROCKET_LAUNCHER_0001
        for v in _COOKIE_VALUES.findall(value)
    )


CONTEXT_RULES: tuple[Rule, ...] = (
    Rule(
        name="authorization_header",
        replaces="the credential after Authorization:, Bearer or Basic (scheme kept)",
        pattern=(
            r"[aApPbB](?:(?<![A-Za-z0-9_\\-].)|" + AFTER_ESCAPE_1 + r")"
            r"(?:(?i:(?<=a)uthorization|(?<=p)roxy-authorization)"
            + KV_SEP
            + r"\s{0,4}(?:(?i:bearer|basic|token|bot)\s{1,4})?"
            + r"|(?i:(?<=b)earer|(?<=b)asic)\s{1,4}(?=[A-Za-z0-9._~+/-]{16}))"
            r"(?P<value>[A-Za-z0-9._~+/-]{1,4096}(?<!\.)={0,3})"
            # (a backtick ends it too: a JavaScript template literal, `Bearer ${...}` or `Bearer <token>`; so does
            # an ellipsis, a log's preview or a sentence's: the credential before it goes, as it would without)
            r"(?=(?:\.{1,3}|\u2026)?(?:[\s\"'\\,;)\]}&|<>`]|$))"
        ),
        group="value",
        keywords=("authorization", "bearer", "basic"),
        ignore_case_keywords=True,
        trigger=AUTHORIZATION_SHAPE,
        exact=True,
        short_trigger=True,
        reach=4200,
        ahead=4200,
        validate=looks_like_credential,
        check=_not_its_own_member,
        example="`Authorization: Bearer <credential>`, `Basic dXNlcjpwYXNz`",
    ),
    Rule(
        name="cookie_header",
        replaces="cookie values in a Cookie: or Set-Cookie: header, or after --cookie (names kept)",
        pattern=(
            # Its first character as a class (s, S, the long s that (?i) reads as one; c, C) and the boundary
            # looked for behind it: re then skips to those characters in C. Begun with the lookbehind, it was
            # tried at every character of the stretches its trigger's 8,400-character reach merges.
            r"[sScC\u017f](?i:(?:(?<![A-Za-z0-9_].)|" + AFTER_ESCAPE_1 + r")(?:(?<=s)(?P<set>et-)cookie|(?<=c)ookie))"
            r"(?:(?:\\?[\"'])?\s{0,4}:\s{0,4}(?:\\?[\"'])?|" + _HAR_VALUE + r")[A-Za-z0-9_.!#$%&*+^`|~-]{1,128}="
            # Set-Cookie: one cookie, then its attributes (kept); Cookie: every pair.
            r"(?P<value>[^\s;\"'\\,]{1,4096}+(?(set)|(?:;\s?[A-Za-z0-9_.!#$%&*+^`|~-]{1,128}=[^\s;\"'\\,]{1,4096}+){0,32}+))"
        ),
        group="value",
        keywords=("cookie",),
        ignore_case_keywords=True,
        check=_cookie_ok,
        # Hyperscan reads up to the value's first character; the regex reads the rest around it.
        trigger=(
            r"(?i:cookie)(?:(?:\\?[\"'])?"
            + HS_WS
            + "{0,4}:"
            + HS_WS
            + r"{0,4}(?:\\?[\"'])?|"
            + _HAR_VALUE.replace(_HAR_SPACE, r"(?:" + HS_WS + r"|\\{1,8}[nrt]|" + _HAR_JOINT + "){0,24}")
            + r")[A-Za-z0-9_.!#$%&*+^`|~-]{1,128}=[^\s;\"'\\,]"
        ),
        exact=True,
        reach=160,
        ahead=8400,
        example="`Cookie: session=<value>; csrftoken=<value>`",
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
        validate=plausible_secret,
        check=user_not_a_marker,
        trigger=r":(?:\\?/){2}[^\s:/@\"\\?#]*:[^\s/\"\\?#]+@[A-Za-z0-9\[]",
        exact=True,
        reach=400,
        ahead=1,
        example="`postgres://app:<password>@db:5432/shop`",
    ),
    Rule(
        name="cli_password",
        replaces="a password given on a command line (mysql -p..., --password=..., curl -u user:..., "
        "smbclient -U user%..., lftp -u user,..., --cookie)",
        pattern=VALUE,
        group="value",
        trigger=_CLI_TRIGGER,
        trigger_parts=_CLI_PARTS,
        anchored=True,
        back=1,
        reach=VALUE_REACH,
        check=_cli_value_ok,
        example="`mysql -u root -p<password>`, `--password=<password>`, `curl -u user:<password>`",
    ),
    Rule(
        name="stdin_password",
        replaces="a password echoed into a login that reads it from stdin (echo ... | docker login --password-stdin, "
        "gh auth login --with-token)",
        pattern=(
            r"e(?:(?<![A-Za-z0-9_\\-].)|"
            + AFTER_ESCAPE_1
            + r")cho\s{1,4}"
            + VALUE
            + r"\s{0,4}\|\s{0,4}[A-Za-z0-9_./ -]{0,60}?login(?:[^\"\\]|\\[\"\\/]){0,300}?--(?:password-stdin|with-token)"
        ),
        group="value",
        keywords=("--password-stdin", "--with-token"),
        reach=VALUE_REACH + 400,
        check=option_value_ok,
        example="`echo <password> | docker login -u bob --password-stdin`",
    ),
    PASSPHRASE_WORDS,  # before secret_assignment, which takes the first word alone: the same start
    Rule(
        name="secret_assignment",
        replaces="the value assigned to a secret-named variable or key (.env, export, YAML, TOML, "
        "JSON inside a string), unless it is a type, a reference or a placeholder",
        # Hyperscan reads the name and the = or : (not after a word and a space: prose); the
        # regex starts after them. It matches empty where no value begins, so it never fails late.
        pattern=(
            r"(?:(?:(?<==)(?![=~])|(?<=:)(?=[\s=']|\\\"|"
            + U_SPACE_ESCAPE
            + r"))(?:(?<=:)=|(?<==)>)?"
            + _ANNOTATED_MARKER
            + WS_OR_ESCAPE
            + "{0,4}"
            + _TAGGED_BLOCK
            + _YAML_PROPERTIES
            + _ANNOTATION
            + _PARENTHESIZED
            + _JOINED_HEAD
            + _STRING_PREFIX
            + _NEXT_LABEL
            + ASSIGNED_VALUE
            + "|)"
        ),
        group="value",
        trigger=_ASSIGNMENT_TRIGGER,
        trigger_parts=_assigned_parts("(?i)", "=", "=") + _MAKE_PARTS,
        anchored=True,
        reach=VALUE_REACH + 200,
        confirm="(?i)" + _NOT_PROSE + _ASSIGNED_NAME + ":" + MAY_BE_ASSIGNED,
        confirm_parts=_assigned_parts("(?i)" + _NOT_PROSE, ":" + MAY_BE_ASSIGNED, ":"),
        confirm_after=":",
        confirm_reach=MAY_BE_ASSIGNED_LENGTH,
        check=_assigned_ok,
        example="`DB_PASSWORD=<value>`, `api_key: '<value>'` (not `password: str`)",
    ),
    DECLARED_SECRET,  # after secret_assignment, which names a value both read
    Rule(
        name="json_secret_key",
        replaces="the string value of a JSON field whose name says secret (quotes kept)",
        # The key, its colon and the value's opening quote, between raw quotes (structure, where JSON
        # allows only ASCII white space; jsonkeys.py); the value is read where that ends.
        pattern=r"(?P<value>(?:[^\"\\]|\\.){0,65536}+)\"",  # never fails once begun: costs its length
        # The trigger reads the key's last word to the value's first character (an empty value is no
        # secret, so a flood of '"token": "' reports nothing); key_ok checks the rest of the key.
        group="value",
        trigger=jsonkeys.KEY_TRIGGER,
        trigger_check=jsonkeys.key_ok,
        back=1,
        anchored=True,
        reach=2 * 65536 + 4,
        validate=plausible_secret,
        example='`{"password": "<value>"}`, `{"accessToken": "<value>"}`',
    ),
)

WRAPPER_RULES: tuple[Rule, ...] = (
    Rule(
        name="data_url",
        replaces="the payload of a data: URL (not an image, font, audio or video) that holds a secret",
        pattern=(
            r"data:(?!image/|font/|audio/|video/)[\w.+-]{0,40}/?[\w.+-]{0,80}(?:;[\w.+=-]{1,60}){0,3};base64,"
            r"(?P<value>[A-Za-z0-9+/]{4,65536}+={0,2})"
        ),
        group="value",
        keywords=(";base64,",),
        reach=65536 + 300,
        unwrap=wrappers.unwrap_data_url,
        example="`data:text/plain;base64,<base64 of an .env file>`",
    ),
    Rule(
        name="encoded_secret",
        replaces="a base64 or hex run that decodes to text holding a secret (the whole run)",
        pattern=(
            # Not after every escape AFTER_ESCAPE names: its prefilter (wrappers.ENCODED_PREFILTER) begins a
            # run where a character that cannot continue it stands, and \u0007 or \b end in run characters.
            r"(?:(?<![A-Za-z0-9+/_\\-])|(?<=\\[nrt]))"
            # Not a lockfile's integrity hash (sha512-<base64>: a digest, dozens to a page), nor a run
            # with no capital letter that is not hex (a path: base64 of text has capitals, its groups'
            # first characters among them).
            r"(?!sha(?:1|256|384|512)-)(?=[0-9A-Fa-f]{16,8192}+(?![A-Za-z0-9+/=_-])|[a-z0-9+/_-]*+[A-Z])"
            r"(?P<value>[A-Za-z0-9+/_-]{16,8192}+={0,2})(?![A-Za-z0-9+/=_\[-])"
        ),
        group="value",
        keywords=wrappers.keywords(),
        reach=8300,
        prefilter=(wrappers.ENCODED_PREFILTER, 0),
        unwrap=wrappers.unwrap_encoded,
        example="`Z2hwX…` (base64 of a GitHub token), `6768705f…` (hex), base64 of `PASSWORD=…`",
    ),
    Rule(
        name="base64_user_password",
        replaces="a bare base64 run of `name:secret` (Basic auth's credential with no header beside it)",
        pattern=wrappers.BASIC_PATTERN,
        group="value",
        trigger=wrappers.BASIC_TRIGGER,
        exact=True,
        reach=wrappers.BASIC_MAX + 8,
        ahead=wrappers.BASIC_MAX + 4,
        validate=wrappers.user_password,
        example="`YWxpY2U6…` (base64 of `alice:<password>`; not of `user:pass` or `Note: see…`)",
    ),
)

BUILTIN_RULES: tuple[Rule, ...] = (
    Rule(
        name="pem_private_key",
        replaces="a whole BEGIN ... END PRIVATE KEY block (also to the end of the string if cut off)",
        pattern=(
            r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[^\"\\-]|\\.|-(?!----(?:END|BEGIN) )){0,65536}+" + _PEM_END
        ),
        keywords=("PRIVATE KEY",),
        reach=2 * 65536 + 200,
        check=_pem_body_ok,
        example="`-----BEGIN RSA PRIVATE KEY-----` … `-----END RSA PRIVATE KEY-----`",
    ),
    Rule(
        name="aws_access_key_id",
        replaces="an AWS access key id (AKIA/ASIA...)",
        # Glued to a lower-case word (idAKIA..., accessKeyIdAKIA...): AKIA/ASIA and 16 of base32, the
        # alphabet AWS's ids use, is distinctive; the case change marks the join (XAKIA... is one word).
        # Glued after any letter or digit (a hash's or base64's end), where another token's prefix follows
        # (``<hash>05AKIA<16>lin_api_<40>``): two tokens' shapes back to back stand by no chance (glue.py).
        pattern=(
            rf"A(?:{B1}(?:KIA|SIA|BIA|CCA)[A-Z0-9]{{16}}|{GLUED_LOWER}(?:KIA|SIA)[A-Z2-7]{{16}}){E_UNDER}"
            rf"|A(?<=[A-Za-z0-9]A)(?:KIA|SIA)[A-Z2-7]{{16}}(?:\Z|{JOINT_AHEAD})"
        ),
        keywords=("AKIA", "ASIA", "ABIA", "ACCA"),
        reach=30,
        exact=True,
        trigger=hyperscan_shape(rf"A{B1}(?:KIA|SIA|BIA|CCA)[A-Z0-9]{{16}}{E_UNDER}"),  # no left boundary: both forms
        check=aws_key_id_glue_ok,
        example="`AKIA` + 16 of `[A-Z0-9]`",
    ),
    Rule(
        name="aws_secret_access_key",
        replaces="the 40-character value of an AWS secret access key",
        pattern=(
            r"[aAsS](?i:(?<=a)ws[_-]?secret[_-]?(?:access[_-]?)?key|(?<=s)ecret[_-]?access[_-]?key)"
            + KV_SEP
            + r"(?P<value>(?=[0-9]{0,39}[A-Za-z/+])[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        group="value",
        reach=100,
        exact=True,
        trigger=(
            r"(?i:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)"
            + HS_KV_SEP
            + r"[A-Za-z0-9/+]{40}(?:[^A-Za-z0-9/+=]|$)"
        ),
        example="`aws_secret_access_key = <40 characters>`",
    ),
    Rule(
        name="aws_secret_near_key_id",
        replaces="a bare 40-character AWS secret key within 250 characters of an access key id",
        pattern=(
            r"(?:(?<![A-Za-z0-9/+=\\])|" + AFTER_ESCAPE + r")"
            # Its end as a token's may be (patterns.JOINTS): a second pass, with the token glued after it a
            # marker, took the 40 characters, and the key id may stand farther than glued.py reads again.
            r"(?P<value>[A-Za-z0-9/+]{40})(?:(?![A-Za-z0-9/+=])|" + JOINT_AHEAD + ")"
        ),
        group="value",
        keywords=("AKIA", "ASIA"),
        reach=300,
        ahead=300,
        check=_near_key_id,
        exact=True,
        trigger=r"A(?:KIA|SIA)[A-Z0-9]{16}(?:[^A-Za-z0-9_]|$)",  # around each key id: 250 either side
        example="`AKIA…  <40 characters>` (two columns of a credentials CSV)",
    ),
    *PROVIDER_RULES,
    *MORE_PROVIDER_RULES,
    *GITLEAKS_PROVIDER_RULES,
    *TRUFFLEHOG_PROVIDER_RULES,
    Rule(
        name="twilio_key",
        replaces="a Twilio API key (SK + 32 hex), or 32 hex next to a TWILIO_... name",
        pattern=(
            r"(?:(?i:twilio)[A-Za-z0-9_-]{0,40}"
            + KV_SEP
            + rf"|(?=S{B1}K[0-9a-fA-F]{{32}}{E}))"
            + rf"(?P<value>(?:SK)?(?=[0-9]{{0,31}}[a-fA-F])[0-9a-fA-F]{{32}}){E}"
        ),
        group="value",
        # Hyperscan matches the whole shape (name, separator, 32 hex; or SK and 32 hex), so a flood of
        # TWILIO_TOKEN= or SKIPPED reports nothing.
        trigger=(
            r"(?:(?i:twilio)[A-Za-z0-9_-]{0,40}" + HS_KV_SEP + r"|SK)(?:SK)?[0-9a-fA-F]{32}"
            r"(?:[^A-Za-z0-9_]|$)"
        ),
        exact=True,
        reach=120,
        example="`SK` + 32 hex, `TWILIO_AUTH_TOKEN=<32 hex>`",
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
        # The name and the value's first 20 characters; the regex reads the rest around it.
        trigger=r"(?:(?i:accountkey|sharedaccesskey)|(?:[?&;]|\\u0026)sig)=(?:[A-Za-z0-9+/]|%2[BbFf]){20}",
        exact=True,
        reach=80,
        ahead=1200,
        example="`AccountKey=<base64>`, `?sv=…&sig=<signature>`",
    ),
    Rule(
        name="jwt",
        replaces="a JSON Web Token (eyJ....eyJ....signature)",
        pattern=(
            rf"e{B1}yJ[A-Za-z0-9_-]{{8,4096}}\.eyJ[A-Za-z0-9_-]{{8,8192}}\.[A-Za-z0-9_-]{{0,2048}}"
            rf"{E_DASH}"
        ),
        keywords=("eyJ",),
        reach=14400,
        example="`eyJ…` `.eyJ…` `.<signature>`",
    ),
    *CONTEXT_RULES,
    *CONTEXT_MORE_RULES,
    *KEY_FILE_RULES,
    *PATCH_LINE_RULES,
    *MARKED_RULES,
    *K8S_SECRET_RULES,
    *FILE_RULES,
    *FORMAT_RULES,
    *POSTMAN_RULES,
    *CSV_EXPORT_RULES,
    *XML_PAIR_RULES,
    *NUGET_RULES,
    *SCHEMA_VALUE_RULES,
    *ENCODED_RULES,
    *MARKUP_RULES,
    *BACKTICK_RULES,
    *CONFIG_COMMAND_RULES,
    *TOOL_PASSWORD_RULES,
    *FIELD_RULES,
    *PASTED_RULES,  # before the names of KEY_NAME_RULES: PresharedKey is WireGuard's, not any key's
    *KEY_NAME_RULES,
    *STDIN_FED_RULES,
    *CREDENTIAL_FILE_RULES,
    *CREDENTIAL_LINE_RULES,
    *AUTH_LINE_RULES,
    COOKIE_PAIR_VALUE,
    *SET_ARGUMENT_RULES,
    *SNMP_CONF_RULES,
    *NET_SECRET_RULES,
    *LINE_RULES,
    *WRAPPER_RULES,
    *ENTITY_RULES,
    Rule(
        name="payment_card",
        replaces="a payment card number: a card network's prefix and length, Luhn, and grouped digits "
        "or a card word just before",
        pattern=(
            # A bare run of digits right after ":", "[" or "," and before ",", "}"
            # or "]" may be a JSON number outside any string: it is left alone,
            # since a marker there would not be valid JSON.
            r"(?P<value>[2-6](?:(?<![0-9A-Za-z_.\\-].)|" + AFTER_ESCAPE_1 + r")"
            r"(?>(?P<jv>(?<=[:\[,].)|(?<=[:\[,] .)|" + _AFTER_RAW_INDENT + r")|)"
            r"(?:[0-9]{11,18}+(?(jv)(?!\s*[,}\]]|\s*$))"
            r"|[0-9]{3}(?P<s1>[ -])[0-9]{4}(?P=s1)[0-9]{4}(?P=s1)[0-9]{4}"
            r"|(?<=3)[0-9]{3}(?P<s2>[ -])[0-9]{6}(?P=s2)[0-9]{5}))"
            r"(?![0-9A-Za-z_]|[.,][0-9])"
        ),
        group="value",
        trigger=(
            CARD_WORD_BEFORE + r"[2-6][0-9]{11}|" + NON_ASCII_BEFORE + r"[2-6][0-9]{11}"
            r"|[2-6][0-9]{3}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}|3[0-9]{3}[ -][0-9]{6}[ -][0-9]{5}"
        ),
        reach=30,
        validate=card_issuer_ok,
        check=card_context_ok,
        example="`4111 1111 1111 1111`, `card: 4111111111111111` (not an 18-digit id)",
    ),
)
