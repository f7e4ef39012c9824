"""What the seventeenth session left (h88, issue 16): secret names outside ASCII in upper case or written as JSON
escapes, tabs where a terminal writes them after punctuation, Rails' master key printed alone, and the forms a
probe of pasted credentials found. Each case runs through the reference and the engine, which must agree; the
look-alikes are kept. The fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import apply, assert_kept, assert_redacted

PW = "Tr0ub4dor" + "Q3xQz9"
MASTER_KEY = "3f9a1c0e5b7d" + "2468ace13579bdf02468"

# A name outside ASCII in each case (Hyperscan folds ASCII's case only).
OTHER_SCRIPT_NAMES = [
    "ПАРОЛЬ",
    "Пароль",
    "DB_ПАРОЛЬ",
    "CONTRASEÑA",
    "LÖSENORD",
    "HASŁO",
    "JELSZÓ",
    "ŞIFRE",
    "ŞİFRE",
    "Şifre",
    "Contraseña",
    "密码",
]


@pytest.mark.parametrize("name", OTHER_SCRIPT_NAMES)
@pytest.mark.parametrize("sign", ["=", ": "])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_name_outside_ascii_in_any_case_is_a_secret_name(name, sign, ascii_only):
    assert_redacted(f"{name}{sign}{PW}", PW, "secret_assignment", ascii_only)


@pytest.mark.parametrize("name", OTHER_SCRIPT_NAMES + ["пароль"])
@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_name_outside_ascii_in_a_json_file_two_levels_down(name, ascii_only):
    """A JSON file (Python's encoder: escapes unless told not to) read by the Read tool: its names are escaped
    one level down, a config line's quoted value inside it two."""
    for inner in ({name: PW}, {"cfg": f'{name} = "{PW}"'}):
        content = json.dumps(inner, ensure_ascii=ascii_only)
        payload = {"tool_name": "Read", "tool_response": {"file": {"content": content}}}
        out = apply(json.dumps(payload, ensure_ascii=ascii_only))
        assert PW not in out, out
        json.loads(out)


ESCAPED_ASCII_NAMES = ['{"pass\\u0077ord": "%s"}', '{"\\u0070assword": "%s"}', '{"api_\\u006bey": "%s"}']


@pytest.mark.parametrize("text", ESCAPED_ASCII_NAMES)
def test_an_ascii_name_written_as_escapes_is_a_secret_name(text):
    """(A guard: the view decodes escapes of printable ASCII; these were caught before.) One level down (a
    command's text) and at the payload's own level (its keys)."""
    for doc in (json.dumps({"tool_input": {"command": text % PW}}), '{"tool_input": %s}' % (text % PW)):
        out = apply(doc)
        assert PW not in out, out
    assert_redacted("P\\u0041SSWORD=" + PW, PW)


# "Key" alone is no secret name (KEY=, key:), in Russian as in English; a name that only begins like one.
@pytest.mark.parametrize(
    "text", [f"КЛЮЧ={PW}", f"ключ: {PW}", "ПАРОЛЬНЫЙ_РЕЖИМ=вкл", "Пароль: str", "ПАРОЛЬ=${DB_PASS}"]
)
def test_a_name_outside_ascii_that_says_no_secret_is_kept(text):
    assert_kept(text)
    assert_kept(text, ascii_only=False)


# Tabs where a terminal writes them in place of spaces, after punctuation and before a secret word.
TABBED = [
    (f'requests.get(url,\tauth=HTTPBasicAuth("ada",\t"{PW}"))', PW),
    (f'smtp.login("me@example.com",\t"{PW}")', PW),
    (f"tokens:\n\t-\t{PW}\n", PW),
    (f"auth:\n  api_keys:\n    -\t{PW}\n", PW),
    (f"echo\t'deploy:{PW}'\t|\tsudo\tchpasswd", PW),
    (f"<tr><td>DB\tpassword</td><td>{PW}</td></tr>", PW),
    (f'cat\t/etc/pgbouncer/userlist.txt\n"bob"\t"{PW}"', PW),
]


@pytest.mark.parametrize(("text", "secret"), TABBED)
@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_tab_after_punctuation_is_read_as_a_space(text, secret, ascii_only):
    assert_redacted(text, secret, ascii_only=ascii_only)


@pytest.mark.parametrize(
    "text",
    [
        'name\tsize\n"a.txt"\t"12"\n"b.txt"\t"40"\n',  # quoted tab-separated output
        "- item\n-\tother\n",
        "f(a,\t'b')\necho\thello\tworld\n",
        "DB\tpassword\treset\tat\t2024-01-02\n",
    ],
)
def test_tabs_without_a_secret_are_kept(text):
    assert_kept(text)


def _bash(command: str, stdout: str) -> str:
    return json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command, "description": "Show the key"},
            "tool_response": {"stdout": stdout, "stderr": "", "interrupted": False, "isImage": False},
        }
    )


def _read(path: str, content: str) -> str:
    file = {"filePath": path, "content": content, "numLines": 1, "startLine": 1, "totalLines": 1}
    return json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Read",
            "tool_input": {"file_path": path},
            "tool_response": {"type": "text", "file": file},
        }
    )


@pytest.mark.parametrize(
    "payload",
    [
        _bash("cat config/master.key", MASTER_KEY),
        _bash("cat config/master.key", MASTER_KEY + "\n"),
        _bash("cat config/credentials/production.key", MASTER_KEY),
        _bash("ls config/credentials.yml.enc && cat config/m*.key", MASTER_KEY),
        _read("/app/config/master.key", MASTER_KEY),
    ],
)
def test_rails_master_key_printed_alone_is_redacted(payload):
    out = apply(payload)
    assert MASTER_KEY not in out and "[REDACTED:rails_master_key]" in out, out
    assert apply(out) == out


@pytest.mark.parametrize(
    "payload",
    [
        _bash("md5sum README.md | cut -c1-32", MASTER_KEY),  # an MD5 digest: no key file named
        _bash("uuidgen | tr -d -", MASTER_KEY),
        _bash("cat config/master.key.sample", "0" * 32),  # a placeholder
        _read("/app/checksums.txt", MASTER_KEY),
    ],
)
def test_32_hex_digits_alone_without_a_key_file_are_kept(payload):
    assert apply(payload) == payload


# A probe of pasted credentials (Terraform state, 1Password and Bitwarden's CLIs, Vault's legacy tokens): forms
# kept in clear on 9e491f7.
TOKEN24 = "k9Xq2LmN0pQ7" + "rS4tU8vW1yZ3"
OP_FIELD = '{\n  "id": "password",\n  "type": "CONCEALED",\n  "purpose": "PASSWORD",\n  "label": "password",\n'
PROBED = [
    (f"export VAULT_TOKEN=s.{TOKEN24}", TOKEN24),  # Vault's legacy service token: not a member s.attr
    (f"token: b.{TOKEN24}AAAA", TOKEN24),
    (f'export BW_SESSION="{TOKEN24}{TOKEN24}=="', TOKEN24),
    (f"$ op read op://Private/db/password\n{PW}\n$ ls", PW),  # a terminal's transcript
    (f"$ bw get password github.com\r\n{PW}\r\n", PW),
    (OP_FIELD + f'  "value": "{PW}",\n  "reference": "op://Private/db/password"\n}}', PW),
    (
        f'"outputs": {{\n  "db_pass": {{\n    "value": "{PW}",\n    "type": "string",\n    "sensitive": true\n  }}\n}}',
        PW,
    ),
    (f'{{"db_pass": {{"sensitive": true, "type": "string", "value": "{PW}"}}}}', PW),
]


@pytest.mark.parametrize(("text", "secret"), PROBED)
def test_a_probed_form_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize(
    "payload",
    [
        _bash("bw get password github.com", PW),
        _bash("bw unlock --raw", TOKEN24 + TOKEN24 + "=="),
        _bash("terraform output -json", f'{{"db": {{"sensitive": true, "type": "string", "value": "{PW}"}}}}\n'),
        _bash("op item get db --format json", OP_FIELD + f'  "value": "{PW}"\n}}'),
    ],
)
def test_a_command_that_prints_a_secret_is_redacted(payload):
    out = apply(payload)
    assert PW not in out and TOKEN24 not in out, out


def test_a_marked_value_is_redacted_in_an_edit_patch_too():
    """The state's value line in structuredPatch stands alone in its string: redacted as a copy of the value found
    in newString (repeats.py)."""
    state = f'{{\n  "value": "{PW}",\n  "type": "string",\n  "sensitive": true\n}}'
    lines = ["+" + line for line in state.split("\n")]
    response = {"filePath": "/x/terraform.tfstate", "newString": state, "structuredPatch": [{"lines": lines}]}
    out = apply(json.dumps({"tool_name": "Edit", "tool_input": {"new_string": state}, "tool_response": response}))
    assert PW not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "x = s.attribute_name_of_the_object\ntoken: self.token\nPHP_SESSION=abcdefabcdefabcdefabcdef\n",
        "USE_SESSION=true\nSESSION_KEY_PREFIX=myapp_sessions_\n",
        "$ op read --help\nUsage:\n$ echo aGVsbG8= | base64 -d\nhello\n",
        OP_FIELD.replace("CONCEALED", "STRING") + f'  "value": "{PW}"\n}}',
        OP_FIELD + '  "value": ""\n}',
        f'{{"db": {{"sensitive": false, "type": "string", "value": "{PW}"}}}}',
    ],
)
def test_a_probed_look_alike_is_kept(text):
    assert_kept(text)
