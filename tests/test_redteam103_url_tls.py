"""Hundred-third red-team pass: TLS files and CAs named in redis_url's query.

redis-py's from_url hands each ssl_ query parameter of redis_url to ssl as it stands, over hookd's own
arguments: ssl_ca_certs, ssl_certfile, ssl_keyfile, ssl_ca_path were opened by their paths at each
connection, after (and apart from) the start's check by path, while the redis_tls_* settings naming the
same files are read once through the descriptor judged (tls_files.py). A CA given in the URL beside
redis_tls_ca_file was added to it: a server either vouched for was taken. Now a file named in the query
is refused, naming the setting to use instead, and two CA sources are refused.

A real rediss:// redis-server requiring a client certificate; the check and the connection are made
as a start makes them, in a process of their own (a change to a file made between them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from other_user import needs_root
from secure_redis import Certs
from secure_redis import certs, mutual_tls_redis, own_files  # noqa: F401 - fixtures

pytestmark = needs_root

# Checks the settings as a start does, makes the change (argv[2], Python), then connects.
CHECK_CHANGE_CONNECT = r"""
import json, os, sys
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
try:
    config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
    check_settings(config)
    exec(sys.argv[2])
    print("answered", connect_sync(config).ping())
except SettingError as exc:
    print("refused", exc.setting, exc)
"""


@pytest.fixture(scope="module")
def other_certs(tmp_path_factory) -> Certs:
    """Another CA, which signed nothing the server holds."""
    return Certs.make(tmp_path_factory.mktemp("other-certs"))


def connect(redis_server, query: str, files: dict[str, str], change: str = "pass") -> str:
    values = {"redis_url": f"{redis_server.tls_url}?{query}", "redis_connect_timeout_s": "2", **files}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_CHANGE_CONNECT, json.dumps(values), change], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def test_the_ca_file_as_a_setting_is_used(mutual_tls_redis, own_files):
    """A guard (it held before): the same CA as redis_tls_ca_file, beside a harmless query parameter."""
    assert connect(mutual_tls_redis, "ssl_cert_reqs=required", own_files) == "answered True"


@pytest.mark.parametrize("how", ["link", "group-writable", "others-writable"])
def test_a_ca_file_named_in_the_url_is_refused_naming_the_setting_to_use(mutual_tls_redis, own_files, tmp_path, how):
    """Before: answered True each time. A link of ours to the CA passed the check (links are followed)
    and ssl opened whatever it led to at each connection; a CA file made writable by the group or by
    others after the start's check was read by ssl all the same."""
    files = {k: v for k, v in own_files.items() if k != "redis_tls_ca_file"}
    ca = own_files["redis_tls_ca_file"]
    change = "pass"
    if how == "link":
        named = tmp_path / "ca-link.pem"
        named.symlink_to(ca)
    else:
        named = Path(ca)
        change = f"os.chmod({ca!r}, {0o664 if how == 'group-writable' else 0o646})"
    said = connect(mutual_tls_redis, f"ssl_ca_certs={named}", files, change)
    assert said.startswith("refused redis_url "), said
    assert f"redis_url names a TLS file in its query (ssl_ca_certs={named})" in said, said
    assert f'fix: remove ssl_ca_certs from redis_url and set redis_tls_ca_file = "{named}"' in said, said


@pytest.mark.parametrize(
    ("parameter", "setting"),
    [("ssl_certfile", "redis_tls_cert_file"), ("ssl_keyfile", "redis_tls_key_file"), ("ssl_ca_path", "")],
)
def test_the_other_tls_files_named_in_the_url_are_refused(mutual_tls_redis, own_files, parameter, setting):
    """Before: the certificate and key in the URL were used by path (answered True with the setting unset);
    a CA directory was read by OpenSSL a certificate at a time, as the server's chain asked."""
    files = {k: v for k, v in own_files.items() if k != setting}
    path = own_files.get(setting) or os.path.dirname(own_files["redis_tls_ca_file"])
    said = connect(mutual_tls_redis, f"{parameter}={path}", files)
    assert said.startswith("refused redis_url "), said
    assert f"redis_url names a TLS file in its query ({parameter}={path})" in said, said
    expected = f'set {setting} = "{path}"' if setting else "set redis_tls_ca_file to a PEM file of the CA"
    assert f"fix: remove {parameter} from redis_url and {expected}" in said, said


def test_a_ca_in_the_url_beside_redis_tls_ca_file_is_refused(mutual_tls_redis, own_files, other_certs):
    """Before: answered True, each CA trusted (ssl adds the URL's ssl_ca_data to redis_tls_ca_file's):
    a server the other CA vouched for would have been taken too."""
    pem = Path(other_certs.ca.cert).read_text()
    said = connect(mutual_tls_redis, f"ssl_ca_data={quote(pem)}", own_files)
    assert said.startswith("refused redis_url "), said
    assert "redis_url's ssl_ca_data and redis_tls_ca_file both name CA certificates" in said, said
    assert "fix: keep one" in said, said


def test_a_ca_in_the_url_alone_is_used(mutual_tls_redis, own_files):
    """A guard (it held before): PEM text in the URL is read from the config, not from a path."""
    files = {k: v for k, v in own_files.items() if k != "redis_tls_ca_file"}
    pem = Path(own_files["redis_tls_ca_file"]).read_text()
    assert connect(mutual_tls_redis, f"ssl_ca_data={quote(pem)}", files) == "answered True"
