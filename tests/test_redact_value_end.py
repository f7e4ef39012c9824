"""Where an unquoted secret value ends (h73, issue 16): a symbol inside a password (Tr0ub4dor&3xQz) no longer
ends the value in a config line, while the symbols that are syntax (a query's &name=, a list's ,name=, a shell's
&& and ;, a call's parentheses, an object's braces) still do."""

from __future__ import annotations

import json

import pytest

from recall_helpers import PAYLOAD_KINDS, apply, assert_redacted, assert_redacted_in_payload

# What a password manager puts between value characters: each one ended the value before, and the tail leaked.
SYMBOLS = "&;|,)}]<>'`[{("
PASSWORD = "Tr0ub4dor{}3xQz"
TAIL = "3xQz"

# Config lines, each with {} for the password: .env, Makefile, YAML, .properties, INI, export, docker-compose.
CONFIG_FORMS = [
    "DB_PASSWORD={}",
    "DB_PASSWORD := {}",
    "DB_PASSWORD ?= {}",
    "DB_PASSWORD?={}",
    "API_TOKEN += {}",
    "password: {}",
    "  password: {}  # the staging one",
    "spring.datasource.password={}",
    "[db]\npassword = {}",
    "export API_TOKEN={}",
    "  - DB_PASSWORD={}",
    "--password={}",
]
CASES = [(form, PASSWORD.format(sym)) for form in CONFIG_FORMS for sym in SYMBOLS]
# A space inside, after a colon or = and a space (YAML, .properties, INI, Make's :=): to the end of the line or a
# ` #` comment, when the first word holds letters and digits.
SPACED_FORMS = ("password: {}", "  password: {}   # the staging one", "a: b\ntoken: {}", "[db]\npassword = {}")
CASES += [(form, "Tr0ub4dor 3xQz") for form in (*SPACED_FORMS, "DB_PASSWORD := {}", "spring.datasource.password = {}")]
# A quote inside a single-quoted value that closes at the end of its line.
CASES += [(form, "Tr0ub4dor'3xQz") for form in ("PASSWORD='{}'", "  password: '{}'", "export DB_PASSWORD='{}'")]
# An XML element's text with a space (its first word holds letters and digits) or an unescaped < before a digit.
CASES += [("<password>{}</password>", "Tr0ub4dor 3xQz"), ("<db><password>{}</password></db>", "Tr0ub4dor<3xQz")]
# A symbol after a symbol, and a value ending in a plain character after several.
CASES += [("DB_PASSWORD={}", "Tr0ub&&4dor;)3xQz"), ("password: {}", "a,b;c|d<e>f3xQz"), ("TOKEN={}", "x(y]z{3xQz")]


@pytest.mark.parametrize(("form", "secret"), CASES)
def test_value_with_a_symbol_is_redacted_whole(form: str, secret: str) -> None:
    text = "x\n" + form.format(secret) + "\ny"
    out = assert_redacted(text, secret)
    assert TAIL not in out and "Tr0ub" not in out, out
    assert "a: b" not in text or "a: b" in out  # the line before is kept


@pytest.mark.parametrize(("form", "secret"), CASES)
def test_value_with_a_symbol_is_redacted_as_plain_text(form: str, secret: str) -> None:
    text = form.format(secret)
    out = apply(text)
    assert TAIL not in out and "Tr0ub" not in out, out


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("form", "secret"), CASES[::5] + CASES[-9:])
def test_value_with_a_symbol_in_every_payload_kind(form: str, secret: str, kind: str) -> None:
    assert_redacted_in_payload("line one\n" + form.format(secret) + "\nline three", TAIL, kind)


# The symbol is syntax here: the value ends at it, and what follows is kept as it was.
ENDS_AT_SYMBOL = [
    ("GET /login?password=Tr0ub4dor&user=bob", "&user=bob"),
    ("https://x.io/cb?token=abc123XYZ&state=xyz&scope=read", "&state=xyz&scope=read"),
    ("user=bob,password=Tr0ub4dor,host=db", ",host=db"),
    ("mount -o username=u,password=Tr0ub4dor,vers=3.0 //h/s /mnt", ",vers=3.0 //h/s /mnt"),
    ("Server=db;Database=shop;User Id=sa;Password=Tr0ub4dor;Encrypt=true", ";Encrypt=true"),
    ("{user: bob,token: Tr0ub4dor3xQz,host: h}", ",host: h}"),
    ("DB_PASSWORD=Tr0ub4dor && make", " && make"),
    ("DB_PASSWORD=Tr0ub4dor; echo done", "; echo done"),
    ("DB_PASSWORD=Tr0ub4dor | tee x", " | tee x"),
    ("DB_PASSWORD=Tr0ub4dor& ./run", "& ./run"),
    ("connect(host=h, password=Tr0ub4dor)", ")"),
    ("connect(password=Tr0ub4dor, host=h)", ", host=h)"),
    ("cfg = {password: Tr0ub4dor}", "}"),
    ("args = [--password=Tr0ub4dor]", "]"),
    ("<a href=?token=Tr0ub4dor3xQz>x</a>", ">x</a>"),
    ("password: Tr0ub4dor3xQz # the staging one", " # the staging one"),
    ("DB_PASSWORD=Tr0ub4dor make", " make"),
    ("password = Tr0ub4dor if x else y", " if x else y"),
]


@pytest.mark.parametrize(("text", "kept_tail"), ENDS_AT_SYMBOL)
def test_syntax_after_the_value_is_kept(text: str, kept_tail: str) -> None:
    out = assert_redacted(text, "Tr0ub4dor")
    assert json.loads(out)["tool_input"]["command"].endswith(kept_tail), out


# Code: the value is a call, an index, a type or a name, as before; nothing is replaced.
KEPT_CODE = [
    "login(password=pw)",
    "f(password=pw).then(x)",
    "x = {password: pw}",
    "token=cfg[key].value",
    "token=cfg[key].value;",
    "password=os.environ[DB].strip()",
    "password = get_password()",
    "password=a[0]",
    "token = tokens[i+1]",
    "password: str | None = None",
    "token: Optional[str]",
    "password: string|null",
    "self.password = password",
    "token = await getToken(); foo()",
    "items.push({token: tok});",
    "return {password: hash(pw)}",
    "token += chunk",
    "password += ch",
    "password: ${DB_PASSWORD}",
    "export TOKEN=$(cat ~/.token)",
    "DB_PASSWORD=Tr0ub4dor(3xQz)",
    "<Password>Enter your password</Password>",
    "<token><value>abc</value></token>",
    ":param aws_session_token: AWS temporary session token",
    "i_next_token : i_next_token + DEFAULT_PAGE_SIZE",
    'OLDSTYLE_AUTH = re.compile(r"auth=(.*)", re.I)',
    '    token: str = "0",',
    "token = t1 or t2",
    "token = t1 + t2",
    "password: a1 or b",
    # found on real files after the merge (the thirteen public repositories): a statement's ;, a literal
    # followed by code, punctuation after a name in prose
    "proxy_pass http://loadbalancer;",
    'echo "##vso[task.setvariable variable=Helix_JobToken;issecret=true;]$Helix_JobToken"',
    "assert_blank new_user(password: nil).encrypted_password",
    "`ejbcaAdminPassword=secretPassword`, `mariadb.auth.password=dbPassword`.",
    "Run `helm upgrade` with `auth.updatePassword=true`.",
]


@pytest.mark.parametrize("text", KEPT_CODE)
def test_code_is_kept(text: str) -> None:
    for doc in (text, json.dumps({"tool_input": {"command": "x\n" + text + "\ny"}})):
        assert apply(doc) == doc


def test_a_parenthesis_that_never_closes_is_part_of_the_value() -> None:
    """``Tr0ub4dor(3xQz``: not a call (an identifier, then an argument list that closes), so a value."""
    assert_redacted("DB_PASSWORD=Tr0ub4dor(3xQz", "3xQz")
    assert_redacted("DB_PASSWORD=Tr0ub4dor[3xQz", "3xQz")


def test_a_token_that_straddles_a_windows_end_is_judged_whole() -> None:
    """An exact rule reads the stretch around its trigger's report; its regex took the stretch's end for the
    text's ($), so a token cut there by the window was redacted in part (authorization = OAuth2Author|ization
    .from(...), on spring-security's source)."""
    head = "\\t\\tAuthorization authorization = Bearer x1y2z3w4v5u6t7s8\\n"
    tail = "\\t\\t\\tauthorization = OAuth2Authorization.from(authorization)\\n\\t\\t\\t\\t.build();"
    for pad in range(4080, 4240, 3):
        doc = '{"c": "' + head + "/" * pad + "\\n" + tail + '"}'
        out = apply(doc)
        assert "[REDACTED:authorization_header]" in out and out.endswith(tail + '"}'), pad


@pytest.mark.parametrize(
    "text",
    [
        "OAuth2Authorization authorization = this.authorizationService\n\t.findByToken(state, TYPE);",
        "authorization = request.headers.authorization",
        "OpenIddictServerEndpointType.Authorization => context.Request.Nonce,",
    ],
)
def test_a_member_read_through_an_object_is_kept(text: str) -> None:
    for doc in (text, json.dumps({"tool_response": {"file": {"content": "x\n" + text + "\ny"}}})):
        assert apply(doc) == doc
