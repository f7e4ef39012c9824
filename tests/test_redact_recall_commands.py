"""Commands that take a password as a plain argument (oscommands.py), and the same commands without one.

Each case runs through the reference and the engine, which must agree. Fakes are built at run time.
"""

from __future__ import annotations

import pytest
from recall_helpers import assert_kept, assert_redacted

PW = "Tr0ub4dor" + "&3xQcMz9"

COMMANDS = [
    ("htpasswd_password", f"htpasswd -b .htpasswd bob {PW}"),
    ("htpasswd_password", f"htpasswd -c -b /etc/nginx/.htpasswd bob '{PW}'"),
    ("htpasswd_password", f"htpasswd -bcB -C 10 /etc/apache2/.htpasswd admin {PW}"),
    ("htpasswd_password", f"htpasswd -nbB bob {PW} > creds"),
    ("chpasswd_password", f"echo 'bob:{PW}' | chpasswd"),
    ("chpasswd_password", f'echo "root:{PW}" | sudo chpasswd'),
    ("passwd_stdin_password", f"echo '{PW}' | passwd --stdin bob"),
    ("passwd_stdin_password", f"echo -e '{PW}\\n{PW}' | passwd bob"),
    ("securestring_password", f'ConvertTo-SecureString "{PW}" -AsPlainText -Force'),
    ("securestring_password", f"$p = ConvertTo-SecureString -String '{PW}' -AsPlainText -Force"),
    ("securestring_password", f"ConvertTo-SecureString -AsPlainText -Force -String '{PW}'"),
    ("net_use_password", f"net use Z: \\\\srv\\share /user:bob {PW}"),
    ("net_use_password", f"net use \\\\srv\\share {PW} /user:CORP\\bob"),
    ("net_use_password", f"net user bob {PW} /add"),
    ("oracle_connect_password", f"sqlplus scott/{PW}@orcl"),
    ("oracle_connect_password", f"sqlplus -s system/{PW}@//db:1521/XE @script.sql"),
    ("oracle_connect_password", f"expdp userid=system/{PW} schemas=hr"),
    ("oracle_connect_password", f"rman target sys/{PW}@prod"),
    ("tool_password_argument", f"rabbitmqctl add_user bob {PW}"),
    ("tool_password_argument", f"rabbitmqctl change_password admin '{PW}'"),
    ("password_word_argument", f"mysqladmin -u root password '{PW}'"),
    ("password_word_argument", f"nmcli dev wifi connect Home password {PW}"),
    ("tool_password_argument", f"wpa_passphrase HomeNet {PW}"),
    ("cli_secret_option", f"ipmitool -I lanplus -H 10.0.0.9 -U admin -P {PW} chassis power status"),
    ("cli_secret_option", f"cf login -a https://api.cf.example -u bob -p {PW}"),
    ("cli_secret_option", f"oc login https://api.ocp.example:6443 -u bob -p {PW}"),
    ("tool_password_argument", f"db.createUser({{user: 'bob', pwd: '{PW}', roles: ['readWrite']}})"),
    ("tool_password_argument", f'mongosh --eval \'db.changeUserPassword("bob", "{PW}")\''),
]


@pytest.mark.parametrize(("rule", "text"), COMMANDS, ids=[f"{c[0]}-{i}" for i, c in enumerate(COMMANDS)])
def test_command_password_argument(rule, text):
    assert_redacted(text, PW, rule)


COMMANDS_KEPT = [
    "htpasswd -c /etc/nginx/.htpasswd bob",  # prompts
    "htpasswd -D .htpasswd bob",
    "htpasswd -v .htpasswd bob",
    "cat /etc/passwd | grep bob",
    "echo 'bob:x:1000:1000::/home/bob:/bin/bash' >> /etc/passwd",
    "passwd bob",
    "sudo passwd -l bob",
    "chpasswd < users.txt",
    "ConvertTo-SecureString $plain -AsPlainText -Force",
    "ConvertTo-SecureString -String $env:PW -AsPlainText -Force",
    "net use Z: \\\\srv\\share /user:bob *",
    "net use Z: /delete",
    "net user bob /delete",
    "net user bob /active:yes",
    "sqlplus / as sysdba",
    "sqlplus -L scott@orcl",
    "rabbitmqctl list_users",
    "rabbitmqctl add_user bob",
    "nmcli connection show",
    "cf push myapp -p build/libs/app.jar",
    "oc process -f template.yaml -p DATABASE_NAME=orders",
    "ipmitool -I lanplus -H 10.0.0.9 -U admin -p 623 sensor list",
    "db.createUser({user: 'bob', pwd: passwordPrompt(), roles: []})",
    "the internet user, password reset flow",
    "the password given to net use (after /user:name or the share)",  # prose (this module's own doc)
]


@pytest.mark.parametrize("text", COMMANDS_KEPT)
def test_commands_without_a_password_are_kept(text):
    assert_kept(text)
