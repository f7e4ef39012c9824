"""What the eighteenth session left (h93, issue 16): Python repr()'s escaped quote inside a value, backtick values
(Go's raw strings, JavaScript's template literals, Markdown's inline code), CJK secret names escaped or before a
fullwidth sign, a private key's body over an Edit's structuredPatch lines, and a sentence after a secret's name.
Each secret as plain text and inside the hook payloads it arrives in (a Bash command and its stdout, a Read's
content and its numbered lines, a Write, an Edit's new_string and structuredPatch, a prompt); each through the
reference and the engine, which must agree. The fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import LINE_KINDS as KINDS
from recall_helpers import EVERY_KIND, apply, as_json, assert_gone, assert_gone_in, assert_kept, assert_redacted

PW = "Hunter" + "2xyz9Q"


# 1. Python's repr(): a quote escaped inside a single-quoted value ends it no more.
REPR = [
    "{'password': 'p4ss\\'" + PW + "', 'user': 'bob'}",
    "Config(api_key='ab\\'" + PW + "', debug=False)",
    "{'password': 'p4ss\\n" + PW + "'}",  # (a guard: an escaped line break inside a quoted value was read before)
]


@pytest.mark.parametrize("text", REPR)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_repr_escaped_quote_stays_inside_the_value(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind, rule="secret_assignment")


@pytest.mark.parametrize(
    "text",
    [
        "{'password': 'C:\\\\', 'user': 'bob'}",  # repr's escaped backslash, then the closing quote
        "password = ''",
        "{'token': None, 'name': 'x\\'y'}",
    ],
)
def test_a_repr_escaped_backslash_closes_the_value(text: str) -> None:
    out = apply(as_json(text))
    assert "'user': 'bob'" in out or "'name': 'x" in out or out == as_json(text), out


# 3. Backticks: Go's raw string, a template literal without ${}, Markdown's inline code after a name.
BACKTICKS = [
    f"password := `{PW}`",
    f"\tdbPassword := `{PW}`",
    f"const token = `{PW}`;",
    f"let apiKey = `{PW}`",
    f"export const CLIENT_SECRET = `{PW}`",
    f"`password`: `{PW}`",
    f"API key: `{PW}`",
    f"- **Password**: `{PW}`",
    f'{{"token": `{PW}`}}',
]


@pytest.mark.parametrize("text", BACKTICKS)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_backtick_value_after_a_secret_name(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind, rule="backtick_secret")


@pytest.mark.parametrize(
    "text",
    [
        "const token = `${prefix}${suffix}`",
        "const token = `Bearer ${jwt}`",
        "TOKEN=`uuidgen`",
        "export TOKEN=`vault read -field=token secret/ci`",
        "PASSWORD=`openssl rand -base64 32`",
        "- `token`: `string`, the session's token",
        "password := `changeme`",
        "| `api_key` | `API_KEY` |",
        "The `password` field: `hunter2` is rejected",
    ],
)
def test_a_backtick_command_type_or_template_is_kept(text: str) -> None:
    assert_kept(text)


# 4. CJK names: raw, escaped (a payload written with ensure_ascii), before a fullwidth or an ASCII sign.
CJK = ["密码", "密碼", "口令", "密钥", "令牌", "パスワード", "暗証番号", "비밀번호"]


@pytest.mark.parametrize("name", CJK)
@pytest.mark.parametrize("sign", ["：", "＝", " = ", ": "])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_cjk_name_before_a_fullwidth_or_ascii_sign(name: str, sign: str, ascii_only: bool) -> None:
    assert_redacted(f"{name}{sign}{PW}", PW, ascii_only=ascii_only)
    for kind in ("stdout", "read", "patch", "prompt"):
        assert_gone(f"{name}{sign}{PW}", PW, kind, ascii_only)


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_cjk_name_written_as_escapes_in_the_text(ascii_only: bool) -> None:
    """A JSON file Python's encoder wrote, read whole: its name and sign are escapes in the text itself."""
    content = json.dumps({"db": f"密码：{PW}"})
    assert "\\u5bc6" in content
    out = apply(
        json.dumps({"tool_name": "Read", "tool_response": {"file": {"content": content}}}, ensure_ascii=ascii_only)
    )
    assert PW not in out, out


@pytest.mark.parametrize(
    "text",
    ["密码：请输入您的密码", "密钥：由管理员分配", "令牌：见上文", "パスワード：忘れた場合", "公钥：ssh-ed25519"],
)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_cjk_prose_after_a_name_is_kept(text: str, ascii_only: bool) -> None:
    assert_kept(text, ascii_only)


# 5. A PEM key as a YAML block scalar, each line its own string in an Edit's structuredPatch.
BODY = [
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw",
    "q1w2e3r4t5y6u7i8" * 4,
    "Zm9vYmFy" + "q1w2",
]


def _yaml_key(kind: str = "RSA") -> str:
    return "\n".join(
        ["ssh:", "  key: |", f"    -----BEGIN {kind} PRIVATE KEY-----"]
        + ["    " + line for line in BODY]
        + [f"    -----END {kind} PRIVATE KEY-----", "  user: deploy"]
    )


@pytest.mark.parametrize("marker", ["+", " ", "-"])
@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("kind", ["RSA", "OPENSSH", "EC"])
def test_a_private_key_over_patch_lines(marker: str, compact: bool, kind: str) -> None:
    lines = [" a:"] + [marker + line for line in _yaml_key(kind).split("\n")]
    payload = {"tool_name": "Edit", "tool_response": {"filePath": "/x/a.yaml", "structuredPatch": [{"lines": lines}]}}
    out = apply(json.dumps(payload, separators=(",", ":") if compact else None))
    for line in BODY:
        assert line not in out, out
    assert "user: deploy" in out and "-----END" in out, out
    json.loads(out)


@pytest.mark.parametrize("kind", ["numbered", "read", "edit", "write", "stdout"])
def test_a_private_key_as_a_yaml_block_elsewhere(kind: str) -> None:
    for line in BODY:
        assert_gone(_yaml_key(), line, kind)


def test_base64_patch_lines_after_a_public_key_or_an_end_are_kept() -> None:
    for head in ("-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----"):
        lines = [" a:", "+  " + head, "+  " + BODY[1], "+  -----END X-----"]
        doc = json.dumps({"tool_name": "Edit", "tool_response": {"structuredPatch": [{"lines": lines}]}})
        assert apply(doc) == doc
    lines = [" a:", "-  -----BEGIN RSA PRIVATE KEY-----", "-  -----END RSA PRIVATE KEY-----", "+  " + BODY[1]]
    doc = json.dumps({"tool_name": "Edit", "tool_response": {"structuredPatch": [{"lines": lines}]}})
    assert apply(doc) == doc


# 6. A sentence after a secret's name is prose; a passphrase of words is still one.
@pytest.mark.parametrize(
    "text",
    [
        "passphrase: used to unlock the key",
        "password: the one in the vault.",
        "token: set when you log in\nnext: 1",
        "secret: not used by this service",
    ],
)
@pytest.mark.parametrize("kind", ["plain", "read", "stdout", "patch"])
def test_a_sentence_after_a_name_is_kept(text: str, kind: str) -> None:
    doc = as_json(text) if kind == "plain" else json.dumps(KINDS[kind](text))
    assert apply(doc) == doc


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        ("passphrase: correct horse battery staple", "battery", "passphrase_words"),
        ("password: hunter two three", "hunter", "secret_assignment"),
        ("password: Tr0ub4dor 3xQz to the door", "Tr0ub4dor", "secret_assignment"),
        ("password: 'used to unlock the key'", "unlock", "secret_assignment"),
    ],
)
def test_words_that_are_no_sentence_are_still_a_value(text: str, secret: str, rule: str) -> None:
    assert_redacted(text, secret, rule=rule)


# A probe of tool outputs (the Bash tool's stdout of env listings and secret stores, a Read, a Grep).
KEY40 = "wJalrXUtnFEMI9K7" + "MDENGbPxRfiCYq2Zx8aB3cD4"

TOOL_OUTPUTS = [
    (
        f"=== app Config Vars\nDATABASE_URL:          postgres://db/x\nSTRIPE_API_KEY:        {KEY40}\n",
        "aligned_colon_secret",
    ),
    (f"Data\n====\nca.crt:     1066 bytes\nnamespace:  7 bytes\ntoken:      {KEY40}\n", "aligned_colon_secret"),
    (f"X:     1\nSECRET_KEY_BASE:  {KEY40}\n", "framework_secret"),
    (f"│ NAME          │ VALUE          │\n│ DB_PASSWORD   │ {PW}   │\n", "box_cell_secret"),
    (f'1) "requirepass"\n2) "{PW}"\n', "redis_config_get"),
    (f"requirepass\n{PW}\n", "redis_config_get"),
]


@pytest.mark.parametrize(("text", "rule"), TOOL_OUTPUTS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_in_a_tool_output(text: str, rule: str, ascii_only: bool) -> None:
    secret = KEY40 if KEY40 in text else PW
    assert_redacted(text, secret, rule=rule, ascii_only=ascii_only)
    for kind in ("stdout", "read", "numbered", "bash"):
        assert_gone(text, secret, kind, ascii_only)


@pytest.mark.parametrize(
    "text",
    [
        "Data\n====\nca.crt:     1066 bytes\ntoken:      <none>\n",
        "password:       see the vault\nsecret:         none\n",
        "│ NAME          │ VALUE          │\n│ DB_PASSWORD   │ see vault      │\n",
        "requirepass\nmasterauth\nmaxmemory\n",
        '1) "requirepass"\n2) ""\n',
    ],
)
def test_a_tool_output_without_a_secret_is_kept(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "command",
    ["printenv DB_PASSWORD", 'echo "$STRIPE_SECRET_KEY"', "echo ${GITHUB_TOKEN}", "heroku config:get SECRET_KEY_BASE"],
)
def test_a_variable_printed_alone(command: str) -> None:
    payload = {
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_response": {"stdout": KEY40 + "\n", "stderr": ""},
    }
    out = apply(json.dumps(payload))
    assert KEY40 not in out and "[REDACTED:printed_secret]" in out, out


@pytest.mark.parametrize(
    ("command", "stdout"),
    [
        ("printenv TOKEN_URL", "https://auth.example.com/token"),
        ("echo $PASSWORD_FILE", "/run/secrets/db"),
        ("printenv API_KEY | wc -c", "41"),
    ],
)
def test_a_variable_that_holds_no_secret_printed_is_kept(command: str, stdout: str) -> None:
    doc = json.dumps(
        {
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_response": {"stdout": stdout + "\n", "stderr": ""},
        }
    )
    assert apply(doc) == doc


# 2. A page's </pre> or </code> glued after a line's value; HTML's inline code after a name.
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"<pre>\nrequirepass {PW}</pre>", "secret_line"),
        (f"<pre><code>\nmasterauth {PW}</code></pre>", "secret_line"),
        (f"<p>password: <code>{PW}</code></p>", "backtick_secret"),
        (f"<li>API key: <code>{PW}</code></li>", "backtick_secret"),
    ],
)
@pytest.mark.parametrize("kind", ["plain", "webfetch", "read", "stdout", "numbered"])
def test_a_value_before_a_closing_tag(text: str, rule: str, kind: str) -> None:
    assert_gone_in(text, PW, kind, rule=rule)


@pytest.mark.parametrize(
    "text",
    ["<pre>\nrequirepass foobared</pre>", "<code>requirepass</code> sets it", "<p>token: <code>string</code></p>"],
)
def test_a_closing_tag_after_no_secret_is_kept(text: str) -> None:
    assert_kept(text)
