"""What the nineteenth session left (h95, issue 16): winston's lower-case levels and log4j's and logback's thread
and logger before a line-start secret, a quote escaped inside a nested JSON string's word (a Read's numbered lines,
an Edit's patch), backtick values with a space, curl's -u with no user, the appends that join strings (PHP's .=,
VB's &=), and a header's name as a constant's value (kept). Each secret as plain text and inside the hook payloads
it arrives in, through the reference and the engine, which must agree. The fake secrets are built at run time.
"""

from __future__ import annotations

import base64
import json

import pytest
from recall_helpers import LINE_KINDS as KINDS
from recall_helpers import EVERY_KIND, apply, as_json, assert_gone_in, assert_kept, patch_lines
from test_redact_view_core import compare

from test_redact_properties import SECRETS  # (the property test's tokens, redacted wherever they stand)

PW = "Hunter" + "2xyz9Q"
GITHUB, JWT = (next(s for s in SECRETS if s.startswith(p)) for p in ("ghp_", "eyJ"))


# 1. A log line's prefix: winston's lower-case level (alone or after a time), log4j's and logback's level, thread in
# brackets and logger before " - ", log4j's padded [WARN ]. The line-start rules read the text after it.
LOGGED = [
    "warn: requirepass {pw}",
    "error: requirepass {pw}",
    "2026-12-05T10:00:00.000Z info: requirepass {pw}",
    "2026-12-05 10:00:01.123 INFO  [main] c.e.App - requirepass {pw}",
    "10:00:01.123 [http-nio-8080-exec-1] INFO  com.example.web.Controller - requirepass {pw}",
    "2026-12-05 10:00:01,123 [ForkJoinPool.commonPool-worker-1] WARN  o.s.b.Boot$Inner   - requirepass {pw}",
    "[WARN ] 2026-12-05 10:00:01 c.e.App - requirepass {pw}",
    "machine git.example.com\n  login bob\ndebug: password {pw}",
    "machine git.example.com\n  login bob\n2026-12-05 10:00:01.123 DEBUG [main] c.e.Netrc - password {pw}",
]


# (An Edit's patch too since h97: a diff's marker before a log's prefix.)
@pytest.mark.parametrize("line", LOGGED)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_secret_after_a_winston_or_log4j_prefix(line: str, kind: str) -> None:
    text = "starting\n" + line.format(pw=PW) + "\n"
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "warning: the password field is required\n",  # git's warning: is no winston level
        "info: the token is rotated daily\n",
        "2026-12-05 10:00:01.123 INFO  [main] c.e.App - password rotated for user bob\n",
        "[WARN ] 2026-12-05 10:00:01 c.e.App - token: ***\n",
        "debug: true\nerror: false\n",
    ],
)
def test_a_log_line_with_no_secret_is_kept(text: str) -> None:
    assert_kept("starting\n" + text)


@pytest.mark.parametrize(
    "line",
    [
        "2026-12-05 10:00:01.123 INFO  [{t}] c.e.App - started",  # a token's letters and digits mix: no thread
        "2026-12-05 10:00:01.123 INFO  {t}  - started",  # upper case or a dash in its parts: no package
        "2026-12-05 10:00:01.123 INFO  [main] c.{t} - started",
    ],
)
@pytest.mark.parametrize("token", [GITHUB, JWT])
def test_a_token_where_a_thread_or_a_logger_stands_is_read(line: str, token: str) -> None:
    out = apply(json.dumps(KINDS["stdout"]("starting\n" + line.format(t=token) + "\n")))
    assert token not in out, out


# 2. A quote escaped inside a nested JSON string's word (p4ss\"w0rd): the view kept it as written where a line's
# prefix built the view (a Read's numbered lines, an Edit's patch), and the value ran over it as it does elsewhere.
ESCAPED_QUOTE = [
    '{"password": "p4ss\\"' + PW + '"}',
    '{"user": "bob", "api_key": "ab\\"' + PW + '", "port": 5432}',
    '  "client_secret": "x1\\"' + PW + '",',
]


@pytest.mark.parametrize(
    "text",
    [
        '"     1\\t{\\"password\\": \\"p4ss\\\\\\"w0rd\\"}"',
        '"+{\\"a\\": \\"b\\\\\\"c\\", \\"d\\": \\"\\\\\\"e\\\\\\"\\"}"',
        '"\\n+x\\\\\\"y \\\\\\\\\\\\\\"z\\\\\\\\\\\\\\"w"',
        'a\\\\\\"b',
        'echo\\u00a0\\\\\\"pw1\\\\\\"\\u00a0| x',  # after an escape's last digit: a nested string opens
        '\\n\\\\\\"b1\\\\\\"',
    ],
)
def test_the_compiled_view_keeps_a_quote_inside_a_word_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)


# 3. A backtick value with a space: a literal after :=, " = " or a colon (Go's raw string, a template literal,
# Markdown's inline code); not a shell's command substitution after a bare =.
SPACED = [
    "`password`: `correct horse battery staple`",
    "password := `my pass " + PW + "`",
    "const token = `Bearer " + PW + "`;",
    "- **API key**: `" + PW + " x`",
    "\tdbPassword := `correct horse battery staple`",
]


@pytest.mark.parametrize("text", SPACED)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_backtick_value_with_a_space(text: str, kind: str) -> None:
    secret = PW if PW in text else "battery staple"
    assert_gone_in(text, secret, kind, rule="backtick_secret")


@pytest.mark.parametrize(
    "text",
    [
        "TOKEN=`vault read -field=token secret/ci`",
        "export API_KEY=`echo " + PW + "`",
        "- `token`: `the session token`",
        "`password`: `openssl rand -base64 32`",
        "`api_key`: `Your API key from the dashboard`",
        "password: `docker run -e FOO=Bar1234x img`",
        "`client_secret`: `OAuth client secret`",
        "`password`: `str | None`",
    ],
)
def test_a_backtick_command_or_description_with_a_space_is_kept(text: str) -> None:
    assert_kept(text)


# 4. curl's -u with no user (a token as the password), quoted or not; what held before (user:pw, wget, mysql -p,
# sshpass, PGPASSWORD) is checked beside it.
COMMANDS = [
    'curl -u ":' + PW + '" https://api.example.com',
    "curl -u :" + PW + " https://api.example.com",
    "curl -sS --user ':" + PW + "' https://api.example.com",
    'curl -u "bob:' + PW + '" https://api.example.com',
    "wget --http-password=" + PW + " https://example.com/f",
    "mysql -u root -p" + PW + " shop",
    "sshpass -p " + PW + " ssh bob@host",
    "PGPASSWORD=" + PW + " psql -h db -U app",
]


@pytest.mark.parametrize(
    "text", ["curl --negotiate -u : https://x", 'curl -u ":" https://x', 'curl -u "$USER:$PASS" https://x']
)
def test_curl_with_no_password_is_kept(text: str) -> None:
    assert_kept(text)


# 5. The appends that join strings: PHP's and Perl's .=, VB's &= (+= was read before); a random-looking value only.
APPENDS = ['$password .= "' + PW + '";', '$this->apiKey .= "' + PW + '";', 'clientSecret &= "' + PW + '"']


@pytest.mark.parametrize(
    "text",
    ["$password .= $salt;", '$token .= "abc";', '$password .= "suffix";', "flags_token &= ~MASK", "token &= 0xff"],
)
def test_code_that_appends_is_kept(text: str) -> None:
    assert_kept(text)


# 7. A header's name as a constant's value: the header, not its credential.
@pytest.mark.parametrize(
    "text",
    [
        'public static final String TOKEN = "Authorization";',
        'const AUTH_HEADER_TOKEN = "X-Api-Key"',
        "API_KEY_HEADER: 'x-api-key'",
        'CSRF_TOKEN = "X-CSRF-Token"',
        'private const val TOKEN = "Proxy-Authorization"',
    ],
)
def test_a_header_name_as_the_value_is_kept(text: str) -> None:
    assert_kept(text)


# The fresh probe: a Kubernetes Secret's data under a name that says nothing, as written by hand (kind before the
# data) and as kubectl prints it (keys sorted: data before kind).
B64 = base64.b64encode(PW.encode()).decode()
URL64 = base64.b64encode(f"postgres://app:{PW}@db:5432/app".encode()).decode()
SECRET_YAML = [
    f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  DB_URL: {URL64}\n  smtp: {B64}\n",
    f"apiVersion: v1\ndata:\n  relay: {B64}\n  username: YWRtaW4=\nkind: Secret\nmetadata:\n  name: mail\ntype: Opaque\n",
    f"items:\n- apiVersion: v1\n  data:\n    relay: {B64}\n  kind: Secret\n",
]


@pytest.mark.parametrize("text", SECRET_YAML)
@pytest.mark.parametrize("kind", EVERY_KIND)  # (an Edit's patch too since h97)
def test_a_kubernetes_secrets_data_under_any_name(text: str, kind: str) -> None:
    out = assert_gone_in(text, B64, kind, rule="k8s_secret_data")
    assert URL64 not in out


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  PORT: ODA4MA==\n  mode: cHJvZHVjdGlvbg==\n",
        f"kind: Secret\nmetadata:\n  name: x\n---\nkind: ConfigMap\ndata:\n  relay: {B64}\n",
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {B64}\n  namespace: default\n",
        "kind: Secret\ndata:\n  greeting: cGFzc3dvcmQ=\n",  # "password": a placeholder
        # (a Secret's stringData: is read since h101, by k8s_secret_string_data: test_redact_recall_h101)
        # kubectl's List: a ConfigMap after a Secret (kind sorted after data: the item's own decides)
        f"items:\n- apiVersion: v1\n  data:\n    pw: {B64}\n  kind: Secret\n- apiVersion: v1\n  data:\n    LOG: ZGVidWctbGV2ZWwteDE=\n"
        "  kind: ConfigMap\nkind: List\n",
    ],
)
def test_what_is_no_secrets_data_is_kept(text: str) -> None:
    if "kind: List" in text:  # the Secret's value goes, the ConfigMap's stays
        out = apply(as_json(text))
        assert B64 not in out and "ZGVidWctbGV2ZWwteDE=" in out, out
        return
    assert_kept(text)


# The fresh probe: a Kubernetes env entry's name and value over an Edit's patch lines (each line a string).
NAME_VALUE = [
    f"        env:\n        - name: DB_PASSWORD\n          value: {PW}",
    f'        - name: API_TOKEN\n          value: "{PW}"',
    f"  - name: stripe_secret_key\n    value: '{PW}'",
]

# Every secret of ESCAPED_QUOTE, COMMANDS, APPENDS and NAME_VALUE, as text and in every payload kind.
GONE = [
    *(pytest.param(text, None, id=f"escaped_quote{i}") for i, text in enumerate(ESCAPED_QUOTE)),
    *(pytest.param(text, None, id=f"command{i}") for i, text in enumerate(COMMANDS)),
    *(pytest.param(text, "secret_assignment", id=f"append{i}") for i, text in enumerate(APPENDS)),
    *(pytest.param(text, None, id=f"name_value{i}") for i, text in enumerate(NAME_VALUE)),
]


@pytest.mark.parametrize(("text", "rule"), GONE)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_the_secret_is_gone(text: str, rule: str | None, kind: str) -> None:
    assert_gone_in(text, PW, kind, rule=rule)


def test_a_name_value_pair_over_patch_lines_with_a_reference_is_kept() -> None:
    payload = json.dumps(patch_lines("        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:"))
    assert apply(payload) == payload
    payload = json.dumps(patch_lines("        - name: DB_PASSWORD\n          value: $(DB_PASSWORD)"))
    assert apply(payload) == payload
