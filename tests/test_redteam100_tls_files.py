"""Red team, hundredth pass: the TLS files are read once, by the descriptor they are judged by.

hookd checked redis_tls_ca_file, redis_tls_cert_file and redis_tls_key_file by path at the start,
and handed redis-py the paths, which Python's ssl opened at each connection: a file swapped, made
writable by others (or, the key, readable), or turned into a FIFO after the check was used (or held
the connection for ever). Now each is opened once per client, judged by fstat of that descriptor
(and the way to it checked to lead to that same file), and ssl is given the bytes read.

A real rediss:// redis-server requiring a client certificate; the change to a file is made after
the start's check (check_settings), in the process that then connects. A second user is uid 65534
(nobody); we are root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from other_user import NOBODY, make_dir_as_nobody, needs_root
from secure_redis import certs, mutual_tls_redis, own_files  # noqa: F401 - fixtures

pytestmark = needs_root

# Checks the settings as a start does, makes the change (argv[2], Python), then connects.
CHECK_CHANGE_CONNECT = r"""
import json, os, stat, sys
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
check_settings(config)
files = {name: getattr(config, name) for name in ("tls_ca_file", "tls_cert_file", "tls_key_file")}
exec(sys.argv[2])
try:
    print("answered", connect_sync(config).ping())
except SettingError as exc:
    print("refused", exc)
"""


@pytest.fixture
def nobodys_dir():
    path = make_dir_as_nobody(tempfile.mktemp(prefix="hktls", dir="/tmp"), 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def connect_after(redis_server, files: dict[str, str], change: str, **env: str) -> str:
    values = {"redis_url": redis_server.tls_url, "redis_connect_timeout_s": "2", **files}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_CHANGE_CONNECT, json.dumps(values), change],
        capture_output=True,
        timeout=60,  # before: the FIFO held ssl's read past it
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().strip()


def test_the_files_as_they_are_are_used(mutual_tls_redis, own_files):
    assert connect_after(mutual_tls_redis, own_files, "pass") == "answered True"


def test_a_ca_file_reached_through_a_link_of_ours_is_used(mutual_tls_redis, own_files, tmp_path):
    link = tmp_path / "ca-link.pem"
    link.symlink_to(own_files["redis_tls_ca_file"])
    assert connect_after(mutual_tls_redis, {**own_files, "redis_tls_ca_file": str(link)}, "pass") == "answered True"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("os.chmod(files['tls_ca_file'], 0o666)", "redis_tls_ca_file {ca} is writable by other users"),
        (f"os.chown(files['tls_cert_file'], {NOBODY}, {NOBODY})", "redis_tls_cert_file {cert} belongs to another user"),
        ("os.chmod(files['tls_key_file'], 0o644)", "redis_tls_key_file {key} is open to other users"),
        (
            "os.unlink(files['tls_ca_file']); os.mkfifo(files['tls_ca_file'], 0o644)",
            "redis_tls_ca_file {ca} is not a regular file",
        ),
        (  # /dev/zero's numbers
            "os.unlink(files['tls_key_file']); os.mknod(files['tls_key_file'], 0o600 | stat.S_IFCHR, os.makedev(1, 5))",
            "redis_tls_key_file {key} is not a regular file",
        ),
    ],
    ids=["ca-others-write", "cert-nobodys", "key-others-read", "ca-fifo", "key-dev-zero"],
)
def test_a_tls_file_made_unfit_after_the_starts_check_is_refused_not_read(
    mutual_tls_redis, own_files, change, expected
):
    """Before: answered True for the first three (ssl read the file by path, unjudged); the FIFO held
    the connection until the subprocess's timeout; /dev/zero as the key, ssl's traceback."""
    names = {
        "ca": own_files["redis_tls_ca_file"],
        "cert": own_files["redis_tls_cert_file"],
        "key": own_files["redis_tls_key_file"],
    }
    said = connect_after(mutual_tls_redis, own_files, change)
    assert said.startswith("refused " + expected.format(**names)), said
    assert "fix:" in said, said


def test_a_ca_file_swapped_for_a_link_into_nobodys_directory_is_refused(mutual_tls_redis, own_files, nobodys_dir):
    """What nobody can change, reached by a link of ours: the way to the file is judged too."""
    theirs = os.path.join(nobodys_dir, "ca.pem")
    shutil.copyfile(own_files["redis_tls_ca_file"], theirs)
    os.chown(theirs, 0, 0)  # root's file: only its directory is nobody's
    os.chmod(theirs, 0o644)
    change = f"os.unlink(files['tls_ca_file']); os.symlink({theirs!r}, files['tls_ca_file'])"
    said = connect_after(mutual_tls_redis, own_files, change)
    assert said.startswith("refused redis_tls_ca_file"), said
    assert nobodys_dir in said and "another user" in said, said


# The CA file is swapped for one others can write at the moment hookd opens it (an audit hook on the
# open does the swap, as a racing rename would): what ssl is given must be the file judged.
SWAP_AT_OPEN = r"""
import json, os, stat, sys
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.tls_files import tls_kwargs
from hookd.publish.settings import RedisSettings
config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
path, other = config.tls_ca_file, sys.argv[2]
swapped = []
def swap(event, args):
    if event == "open" and not swapped and args and args[0] == path:
        swapped.append(path)
        os.rename(other, path)
sys.addaudithook(swap)
try:
    given = tls_kwargs(config)
    print("given", sorted(given))
except SettingError as exc:
    print("refused", exc)
print("swapped", len(swapped))
"""


def test_a_ca_file_swapped_at_its_open_is_judged_as_opened(mutual_tls_redis, own_files, tmp_path):
    other = tmp_path / "other-ca.pem"
    shutil.copyfile(own_files["redis_tls_ca_file"], other)
    other.chmod(0o666)
    values = {"redis_url": mutual_tls_redis.tls_url, **own_files}
    done = subprocess.run(
        [sys.executable, "-c", SWAP_AT_OPEN, json.dumps(values), str(other)], capture_output=True, timeout=60
    )
    out = done.stdout.decode()
    # Before: "given [... 'ssl_ca_certs' ...]" and "swapped 0": the path went to ssl, never opened here.
    assert done.returncode == 0 and out.endswith("swapped 1\n"), (out, done.stderr.decode())
    assert out.startswith(f"refused redis_tls_ca_file {own_files['redis_tls_ca_file']} is writable by other users"), out


def test_ssl_is_given_private_copies_not_the_users_paths(own_files):
    """The key's copy: no one else can reach it, and it holds what was judged whatever the file becomes."""
    from hookd.console.settings import load
    from hookd.publish.tls_files import tls_kwargs
    from hookd.publish.settings import RedisSettings

    config = RedisSettings.from_config(load({"redis_url": "rediss://127.0.0.1:1/0", **own_files}, environ={}))
    given = tls_kwargs(config)
    assert "ssl_ca_certs" not in given and given["ssl_ca_data"].startswith("-----BEGIN CERTIFICATE-----")
    key_copy = given["ssl_keyfile"]
    assert key_copy not in own_files.values() and given["ssl_certfile"] not in own_files.values()
    with open(own_files["redis_tls_key_file"], "rb") as fh:
        judged = fh.read()
    with open(own_files["redis_tls_key_file"], "wb") as fh:
        fh.write(b"changed since\n")
    with open(key_copy, "rb") as fh:
        assert fh.read() == judged
    if key_copy.startswith("/proc/self/fd/"):  # Linux: a sealed memory file, that not even hookd can change
        with pytest.raises(PermissionError), open(key_copy, "r+b") as fh:
            fh.write(b"x")


def test_where_there_is_no_memfd_the_copy_is_a_private_file_ssl_loads(own_files, monkeypatch):
    """macOS's way, tried here: a 0600 file in a 0700 directory of its own, that ssl loads."""
    import ssl
    import stat

    from hookd.publish import tls_files

    monkeypatch.setattr(tls_files, "_has_memfd", lambda: False)
    monkeypatch.setattr(tls_files, "_copies", {})
    monkeypatch.setattr(tls_files, "_directory", [])
    with open(own_files["redis_tls_cert_file"], "rb") as cert, open(own_files["redis_tls_key_file"], "rb") as key:
        cert_copy, key_copy = tls_files.private_copy(cert.read()), tls_files.private_copy(key.read())
    try:
        for path in (cert_copy, key_copy):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(key_copy)).st_mode) == 0o700
        ssl.create_default_context(ssl.Purpose.SERVER_AUTH).load_cert_chain(cert_copy, key_copy)
    finally:
        shutil.rmtree(os.path.dirname(key_copy))
