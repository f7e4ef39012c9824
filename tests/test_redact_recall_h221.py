"""Issue 16 (h221): the misses the last session left.

* A terminal's colours one JSON level down: an escaped CSI's last letter before a nested quote kept the quote as
  written (a quote between two letters), so a password manager's CSV export with colours between its cells, and
  jq -C's output, read no cells once inside a JSON string; an OSC title's string terminator right before the
  header's quote two levels down read as no terminator at all.
* NuGet's password outside its XML: ``dotnet nuget add source ... -p <words>``, nuget.exe's ``-Password``, and
  ``NuGetPackageSourceCredentials_<feed>``.
* A JSON Schema's property whose name says secret giving its value as ``default``, ``const``, or in ``enum`` or
  ``examples`` (an MCP Elicitation's ``requested_schema``).

Each case through the reference and the engine, which must agree.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import EVERY_KIND, apply_twice, assert_gone_in, assert_kept, nested
from test_redact_recall_h179 import EXPORTS, assert_only_passwords_gone, password, quoted
from test_redact_recall_h186 import TERMINAL

# --- a CSV export's colours, one and two JSON levels down ------------------------------------------------------


@pytest.mark.parametrize("name", ["firefox", "keepassxc"])
@pytest.mark.parametrize("how", sorted(TERMINAL))
@pytest.mark.parametrize("levels", [1, 2])
def test_a_coloured_export_inside_a_json_string(name: str, how: str, levels: int) -> None:
    passwords = [password(f"h221-{name}-{how}-{levels}-{i}") for i in range(2)]
    head, row = EXPORTS[name]
    text = TERMINAL[how]("\n".join([head] + [row(quoted(p)) for p in passwords]) + "\n")
    out = apply_twice(nested(text, levels))
    assert_only_passwords_gone(out, passwords)


@pytest.mark.parametrize("kind", ["read", "write", "webfetch", "stdout"])
def test_a_coloured_export_in_a_json_file_in_every_payload(kind: str) -> None:
    passwords = [password(f"h221-file-{kind}-{i}") for i in range(2)]
    head, row = EXPORTS["firefox"]
    text = TERMINAL["sgr_between_cells"]("\n".join([head] + [row(quoted(p)) for p in passwords]) + "\n")
    for p in passwords:
        assert_gone_in(json.dumps({"log": text}), p, kind)


_E = "\x1b"
# jq -C's colours: each key and string value between an SGR and a reset
JQ_COLOURED = (
    f'{_E}[1;39m{{\n  {_E}[0m{_E}[34;1m"password"{_E}[0m{_E}[1;39m:{_E}[0;32m"{{secret}}"{_E}[0m{_E}[1;39m,\n'
    f'  {_E}[0m{_E}[34;1m"user"{_E}[0m{_E}[1;39m:{_E}[0;32m"alice"{_E}[0m{_E}[1;39m\n{_E}[1;39m}}{_E}[0m\n'
)


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_jq_coloured_output_at_any_level(levels: int) -> None:
    secret = "Xq3vT9mLp2Rk8sWz-h221"
    out = apply_twice(nested(JQ_COLOURED.replace("{secret}", secret), levels))
    assert secret not in out, out
    assert "alice" in out, out


@pytest.mark.parametrize("levels", [1, 2])
@pytest.mark.parametrize(
    "text",
    [
        '\x1b[32m"p4ss"w0rd\x1b[0m\n',  # a quote between letters after the colour stays a quote in a word
        '\x1b]0;title\x1b\\"name","url"\n"a","b"\n',  # a title, then a CSV with no password column
        '\x1b[1m"password"\x1b[0m: "string"\n',  # a type, coloured
    ],
)
def test_coloured_look_alikes_are_kept(text: str, levels: int) -> None:
    doc = nested(text, levels)
    assert apply_twice(doc) == doc


# --- NuGet's password outside XML --------------------------------------------------------------------------------

WORDS = ["SomeWordsPassword", "TestSourcePassword", "nuget-feed-password"]
NUGET_COMMANDS = [
    "dotnet nuget add source https://pkgs.example.com/v3/index.json -n feed -u user -p {pw}",
    "dotnet nuget add source https://pkgs.example.com/v3/index.json -n feed -u user --password {pw}",
    "dotnet nuget add source https://x/v3/index.json --name feed --username u --password {pw} "
    "--store-password-in-clear-text",
    "dotnet nuget update source feed -u user -p {pw}",
    "nuget sources add -Name feed -Source https://x/v3/index.json -Username u -Password {pw}",
    "NuGet.exe sources Update -Name feed -UserName u -Password {pw}",
    'dotnet nuget add source "https://x/v3/index.json" -n feed -u user -p "{pw}"',
]


@pytest.mark.parametrize("command", NUGET_COMMANDS)
@pytest.mark.parametrize("pw", WORDS)
def test_a_nuget_source_password_that_reads_as_words(command: str, pw: str) -> None:
    out = apply_twice(json.dumps({"tool_input": {"command": command.format(pw=pw)}}))
    assert pw not in out, out
    assert "nuget" in out.lower(), out


NUGET_ENV = [
    'export NuGetPackageSourceCredentials_feed="Username=u;Password={pw}"',
    "NuGetPackageSourceCredentials_MyFeed=Username=ci;Password={pw}",
    'ENV NuGetPackageSourceCredentials_feed="Username=u;Password={pw};ValidAuthenticationTypes=basic"',
    '  NuGetPackageSourceCredentials_feed: "Username=u;Password={pw}"',
    '{{"NuGetPackageSourceCredentials_feed": "Username=u;Password={pw}"}}',
]


@pytest.mark.parametrize("line", NUGET_ENV)
@pytest.mark.parametrize("pw", WORDS)
@pytest.mark.parametrize("levels", [0, 1])
def test_nuget_source_credentials_in_the_environment(line: str, pw: str, levels: int) -> None:
    out = apply_twice(nested(line.format(pw=pw), levels))
    assert pw not in out, out
    assert "NuGetPackageSourceCredentials_" in out, out


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_nuget_forms_in_every_kind_of_payload(kind: str) -> None:
    text = (
        "dotnet nuget add source https://x/v3/index.json -n feed -u user -p FeedPushPassword\n"
        'NuGetPackageSourceCredentials_feed="Username=u;Password=CiFeedPassword"\n'
    )
    for pw in ("FeedPushPassword", "CiFeedPassword"):
        assert_gone_in(text, pw, kind)


@pytest.mark.parametrize(
    "line",
    [
        "dotnet nuget add source https://x/v3/index.json -n feed -u user -p $NUGET_PASSWORD",
        "dotnet nuget add source https://x/v3/index.json -n feed -u user -p %NUGET_PASSWORD%",
        "dotnet nuget add source https://x/v3/index.json -n feed -u user --password ${{ secrets.NUGET_PW }}",
        "dotnet nuget add source https://x/v3/index.json -n feed -u user -p ********",
        "dotnet nuget add source --help\n  -p, --password <PASSWORD>  Password to be used.",
        "dotnet build -p Configuration=Release",  # not a NuGet source command
        "mysqldump -p SomeWordsPassword-is-not-read-here",  # not NuGet's (its own rules decide)
        'NuGetPackageSourceCredentials_feed="Username=u;Password=%NUGET_PW%"',
        'NuGetPackageSourceCredentials_feed="Username=u;Password=$NUGET_PW"',
        'NuGetPackageSourceCredentials_feed="Username=u;Password=${NUGET_PW}"',
        'NuGetPackageSourceCredentials_feed="Username=u;Password=***"',
    ],
)
def test_nuget_references_masks_and_other_commands_are_kept(line: str) -> None:
    if "mysqldump" in line:
        out = apply_twice(json.dumps({"tool_input": {"command": line}}))
        assert "nuget_source_password" not in out, out
        return
    assert_kept(line)


# --- a JSON Schema's secret value under a secret-named property ----------------------------------------------

SECRET = "Xq3vT9mLp2Rk8sWz-h221"
PROPERTIES = ["password", "api_token", "apiKey", "db_password", "client_secret", "passphrase", "access_key"]


def elicitation(prop: str, field: str, value: object) -> dict:
    schema = {"type": "string", "title": "Password", "description": "The database's password"}
    schema[field] = value
    return {
        "hook_event_name": "Elicitation",
        "mcp_server_name": "db",
        "message": "Enter the credentials",
        "requested_schema": {
            "type": "object",
            "properties": {"username": {"type": "string", "default": "alice"}, prop: schema},
            "required": [prop],
        },
    }


@pytest.mark.parametrize("prop", PROPERTIES)
@pytest.mark.parametrize(
    "field,value", [("default", SECRET), ("const", SECRET), ("enum", [SECRET]), ("examples", ["abc", SECRET])]
)
def test_an_elicitations_schema_value_under_a_secret_name(prop: str, field: str, value: object) -> None:
    out = apply_twice(json.dumps(elicitation(prop, field, value)))
    assert SECRET not in out, out
    kept = json.loads(out)["requested_schema"]["properties"]
    assert kept["username"]["default"] == "alice"
    assert kept[prop]["type"] == "string"


@pytest.mark.parametrize("levels", [1, 2])
@pytest.mark.parametrize("field", ["default", "const", "enum"])
def test_a_schema_in_a_json_file(levels: int, field: str) -> None:
    schema = elicitation("password", field, [SECRET] if field == "enum" else SECRET)["requested_schema"]
    out = apply_twice(nested(json.dumps(schema, indent=2), levels - 1 if levels > 1 else 0))
    assert SECRET not in out, out


@pytest.mark.parametrize(
    "prop,field,value",
    [
        ("password", "default", "changeme"),  # a placeholder
        ("password", "default", "${DB_PASSWORD}"),  # a reference
        ("password", "default", "********"),  # a mask
        ("username", "default", SECRET),  # no secret named
        ("token_type", "enum", ["bearer", SECRET]),  # a kind of token, not one
        ("passwordPolicy", "default", SECRET),  # what the password must be
        ("auth", "enum", ["basic", "oauth2-client-credentials"]),
    ],
)
def test_schema_values_that_are_no_secrets_are_kept(prop: str, field: str, value: object) -> None:
    doc = json.dumps(elicitation(prop, field, value))
    assert apply_twice(doc) == doc


# --- gitleaks' key words as an XML element's name --------------------------------------------------------------

XML_NAMES = [
    "credential", "credentials", "secret_key", "signing_key", "encryption_key", "master_key", "AccountKey",
    "SECRET_KEY", "DB_PASS", "pwd", "license_key", "hmac_key", "StorageKey",
]  # fmt: skip


@pytest.mark.parametrize("name", XML_NAMES)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_xml_element_named_by_gitleaks_key_words(name: str, levels: int) -> None:
    out = apply_twice(nested(f"<config>\n  <{name}>{SECRET}</{name}>\n</config>\n", levels))
    assert SECRET not in out, out
    assert f"<{name}>" in out, out


@pytest.mark.parametrize(
    "text",
    [
        f"<bypass>{SECRET}</bypass>",  # pass only after a separator
        f"<compass>{SECRET}</compass>",
        f"<PublicKey>{SECRET}</PublicKey>",
        f"<cacheKey>{SECRET}</cacheKey>",
        "<credentials>\n  <username>ci</username>\n</credentials>",
        "<credential>${env.DEPLOY_CREDENTIAL}</credential>",
        "<master_key>changeme</master_key>",
    ],
)
def test_xml_elements_that_hold_no_secret_are_kept(text: str) -> None:
    assert_kept(text)
