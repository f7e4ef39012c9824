"""Credential lines and command forms h69's and h74's probes left (h75, issue 16): OCI's pass_phrase=, dbt's
pass:, .fetchmailrc's password mid-line, chap-secrets and pap-secrets lines near the file's name, an OpenVPN
auth-user-pass file, Jenkins' {AQAAAB...} secrets, isql's and DB2's positional passwords, restic's and borg's
echoing password commands. Each case runs through the reference and the engine, which must agree, as a
command and in every kind of hook payload; the look-alikes are kept. The fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import PAYLOAD_KINDS, REFERENCE, apply, assert_kept, assert_redacted, assert_redacted_in_payload

PW = "Tr0ub4dor" + "Q3xQz9"
JENKINS = "{AQAAABAAAAAQ" + PW + "x8Zq2LmN0pQ=}"

SECRETS = [
    (
        f"[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nkey_file=~/.oci/oci_api_key.pem\npass_phrase={PW}\nregion=us-ashburn-1\n",
        PW,
    ),
    (f"pass_phrase = {PW}", PW),
    (
        f"default:\n  outputs:\n    dev:\n      type: postgres\n      user: bob\n      pass: {PW}\n      dbname: app\n",
        PW,
    ),
    (f'poll mail.example.com protocol imap\n  user "bob" password "{PW}" is bob here\n', PW),
    (f"poll mail.example.com user bob there with password {PW}", PW),
    (f"cat /etc/ppp/chap-secrets\n# client server secret IP addresses\nbob * {PW} *\n", PW),
    (f'# /etc/ppp/pap-secrets\n"bob"\t*\t"{PW}"\t10.0.0.2\n', PW),
    (f"<username>bob</username>\n  <password>{JENKINS}</password>", PW),
    (f"<apiToken>{JENKINS}</apiToken>", PW),
    (f"isql -v MyDSN bob {PW}", PW),
    (f"echo 'select 1' | isql MyDSN bob '{PW}' -b", PW),
    (f"db2 connect to SAMPLE user db2inst1 using {PW}", PW),
    (f"db2 'CONNECT TO sample USER bob USING {PW}'", PW),
    (f"restic -r s3:x backup --password-command 'echo {PW}' /srv", PW),
    (f'restic --password-command="printf %s {PW}" snapshots', PW),
    (f"BORG_PASSCOMMAND='echo {PW}' borg list /srv/repo", PW),
]

KEPT = [
    "def f():\n    pass\npass: true\npass: ${DBT_PASSWORD}\npass_phrase=\n    pass: \"{{ env_var('DBT_PASS') }}\"",
    "the user bob password is required\nset user name password field",
    '# a username and password were specified\nAllow the user to pass data\nassert creds == "pass:word"',
    'info "User ${names[i]} password already updated"\nuser bob password changed',
    "bob * Tr0ub4dorQ3xQz9 *\nalice server1 Zk3mQ9pL2vX8 10.0.0.5",
    'chap-secrets holds one line per client\n# client server secret IP addresses\nbob * "" *\n',
    "isql -v MyDSN\nisql MyDSN bob < query.sql\nisql -U sa -P $PW -S srv",
    "connect to the server as user bob using ssh\nCONNECT TO sample USER bob USING $DB2PW",
    "restic --password-command 'cat /run/secrets/restic' backup\nBORG_PASSCOMMAND='pass show borg'\n"
    'BORG_PASSCOMMAND="echo $BORG_PW"',
    "{AQAAAB}\n{AQAAABC}",
]


def _read(path: str, content: str) -> str:
    payload = {"tool_name": "Read", "tool_input": {"file_path": path}}
    payload["tool_response"] = {"file": {"filePath": path, "content": content}}
    return json.dumps(payload)


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_credential_line_or_command_form_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_a_ppp_secrets_line_needs_the_file_s_name():
    assert PW not in apply(_read("/etc/ppp/chap-secrets", f"bob * {PW} *\n"))
    assert PW not in apply(_read("/etc/ppp/pap-secrets", f'"bob" * "{PW}"\n'))
    assert PW in apply(_read("/srv/app/table.txt", f"bob * {PW} *\n"))


def test_an_openvpn_auth_file_is_redacted_where_the_payload_names_it():
    assert PW not in apply(_read("/etc/openvpn/client/auth.txt", f"bob\n{PW}\n"))
    out = {"tool_name": "Bash", "tool_input": {"command": "cat creds.txt  # openvpn --auth-user-pass creds.txt"}}
    out["tool_response"] = {"stdout": f"bob\r\n{PW}", "stderr": ""}
    assert PW not in apply(json.dumps(out))
    assert "bob" in apply(_read("/etc/openvpn/client/auth.txt", f"bob\n{PW}\n"))
    assert PW in apply(_read("/srv/app/names.txt", f"bob\n{PW}\n"))
    assert_kept("openvpn notes\nbob\nalice")


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"pass_key_value", "fetchmail_password", "ppp_secret_line", "openvpn_auth_file"} <= names
    assert {"jenkins_secret", "positional_db_password", "password_command_echo"} <= names
