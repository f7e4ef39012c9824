"""Red team, fourth pass: the files that decide whom hookd trusts, or what secret it sends.

The config file was refused when another user could write it or swap it; the files its Redis
settings name were not. The TLS CA, client certificate and key files needed only to be
readable, so a CA file another user could write let them pose as the Redis server (and see
every event and the password); the password files were refused when others could read them,
but root read a password from a file `nobody` owned. Each such file now passes the config
file's check (ours or root's, not writable by others, reached through links and directories
no one else can change), the secret ones unreadable by others too, wherever it is named: a
setting, a redis_url query parameter redis-py reads, or the system's CAs (SSL_CERT_FILE).
A second user is uid 65534 (nobody); we are root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import REPO, free_port
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.ingest.http_setup import HttpSetupError, load_or_create_token
from hookd.paths import UnsafePathError
from other_user import NOBODY, make_dir_as_nobody, needs_root, run_as_nobody

pytestmark = needs_root

TLS_URL = "rediss://127.0.0.1:6390/0"
SENTINEL = {"redis_sentinel": "127.0.0.1:26390", "redis_sentinel_master": "m"}


@pytest.fixture
def private(tmp_path):
    """A directory of ours (0700) for the files."""
    where = tmp_path / "private"
    where.mkdir(mode=0o700)
    return where


def put(path, text="x\n", mode=0o600, owner=None):
    path.write_text(text)
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, owner, owner)
    return str(path)


@pytest.fixture
def nobodys_dir():
    """A directory in /tmp that nobody owns (0755: they alone can change what is in it)."""
    path = make_dir_as_nobody(tempfile.mktemp(prefix="hktrust", dir="/tmp"), 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def nobodys_link():
    """-> a function making a link of nobody's in /tmp (sticky: they may re-point it) to a file."""
    made = []

    def make(target: str) -> str:
        link = tempfile.mktemp(prefix="hktrustl", dir="/tmp")
        run_as_nobody(os.symlink, target, link)
        made.append(link)
        return link

    yield make
    for link in made:
        os.unlink(link)


def in_nobodys_dir(directory: str, name: str, mode: int = 0o600) -> str:
    """A file of ours, but in a directory nobody owns: they can replace it."""
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.write(fd, b"x\n")
    os.close(fd)
    os.chmod(path, mode)
    return path


def refused(values, *expected, environ=None) -> str:
    with pytest.raises(SettingError) as caught:
        load(values, environ=environ or {})
    message = str(caught.value)
    for part in expected:
        assert part in message, message
    return message


# ---------------------------------------------------------------- the CA file


def test_a_ca_file_others_can_write_is_refused_with_the_fix(private):
    ca = put(private / "ca.pem", mode=0o600)
    os.chmod(ca, 0o666)
    refused(
        {"redis_url": TLS_URL, "redis_tls_ca_file": ca},
        "redis_tls_ca_file",
        "writable by other users",
        "pose as the Redis server",
        f"chmod go-w {ca}",
    )


def test_a_ca_file_nobody_owns_is_refused(private):
    ca = put(private / "ca.pem", mode=0o644, owner=NOBODY)
    refused({"redis_url": TLS_URL, "redis_tls_ca_file": ca}, "redis_tls_ca_file", "belongs to another user")


def test_a_ca_file_in_a_directory_nobody_owns_is_refused(nobodys_dir):
    ca = in_nobodys_dir(nobodys_dir, "ca.pem", 0o644)
    refused({"redis_url": TLS_URL, "redis_tls_ca_file": ca}, "redis_tls_ca_file", nobodys_dir, "another user owns")


def test_a_ca_file_reached_through_nobodys_link_is_refused(private, nobodys_link):
    link = nobodys_link(put(private / "ca.pem", mode=0o644))
    refused({"redis_url": TLS_URL, "redis_tls_ca_file": link}, "redis_tls_ca_file", f"symbolic link {link}")


def test_a_ca_file_of_ours_or_roots_and_links_of_ours_are_taken(private, tmp_path):
    """The controls: a private CA, one readable by all (it is no secret), our own link to it,
    and the system's bundle (root's, through root's links)."""
    ca = put(private / "ca.pem", mode=0o644)
    (private / "link.pem").symlink_to(ca)
    for path in (ca, str(private / "link.pem"), "/etc/ssl/certs/ca-certificates.crt"):
        if os.path.exists(path):
            assert load({"redis_url": TLS_URL, "redis_tls_ca_file": path}, environ={}).redis_tls_ca_file == path


# ---------------------------------------------------------------- the client certificate and key


def test_a_key_file_others_can_read_or_nobody_owns_is_refused(private):
    cert = put(private / "client.crt", mode=0o644)
    key = put(private / "client.key", mode=0o644)
    values = {"redis_url": TLS_URL, "redis_tls_cert_file": cert, "redis_tls_key_file": key}
    refused(values, "redis_tls_key_file", "open to other users", f"chmod 600 {key}")
    os.chmod(key, 0o600)
    os.chown(key, NOBODY, NOBODY)
    refused(values, "redis_tls_key_file", "belongs to another user")
    os.chown(key, 0, 0)
    assert load(values, environ={}).redis_tls_key_file == key  # a certificate may be read by all


def test_a_certificate_holding_its_key_is_a_secret_and_one_nobody_owns_is_refused(private):
    cert = put(private / "client.pem", mode=0o644)
    values = {"redis_url": TLS_URL, "redis_tls_cert_file": cert}
    refused(values, "redis_tls_cert_file", "open to other users", f"chmod 600 {cert}")
    os.chmod(cert, 0o600)
    os.chown(cert, NOBODY, NOBODY)
    refused(values, "redis_tls_cert_file", "belongs to another user")


def test_a_key_file_in_a_directory_nobody_owns_is_refused(private, nobodys_dir):
    cert = put(private / "client.crt", mode=0o644)
    key = in_nobodys_dir(nobodys_dir, "client.key")
    refused(
        {"redis_url": TLS_URL, "redis_tls_cert_file": cert, "redis_tls_key_file": key},
        "redis_tls_key_file",
        nobodys_dir,
    )


# ---------------------------------------------------------------- the password files


def test_a_password_file_nobody_owns_is_refused_though_private(private):
    from hookd.publish.access import read_password_file

    password = put(private / "pw", "chosen-by-nobody\n", mode=0o600, owner=NOBODY)
    refused({"redis_password_file": password}, "redis_password_file", "belongs to another user")
    with pytest.raises(SettingError, match="another user"):  # and where it is read for the login
        read_password_file(password)


def test_a_password_file_in_a_directory_nobody_owns_or_behind_their_link_is_refused(private, nobodys_dir, nobodys_link):
    refused({"redis_password_file": in_nobodys_dir(nobodys_dir, "pw")}, "redis_password_file", nobodys_dir)
    link = nobodys_link(put(private / "pw", "ours\n"))
    refused({"redis_password_file": link}, "redis_password_file", f"symbolic link {link}")


def test_a_password_file_others_can_read_is_still_refused(private):
    password = put(private / "pw", "ours\n", mode=0o640)
    refused({"redis_password_file": password}, "redis_password_file", "0640", f"chmod 600 {password}")


def test_a_sentinel_password_file_nobody_owns_is_refused(private):
    password = put(private / "spw", "chosen-by-nobody\n", mode=0o600, owner=NOBODY)
    refused(
        {**SENTINEL, "redis_sentinel_password_file": password},
        "redis_sentinel_password_file",
        "belongs to another user",
    )


# ---------------------------------------------------------------- files named elsewhere


@pytest.mark.parametrize("parameter", ["ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_ca_path"])
def test_tls_files_named_in_the_redis_urls_query_are_refused_for_the_settings(private, parameter):
    """redis-py reads ssl_* parameters from the URL, over the settings, and opens those files by path at
    each connection: refused, even one of ours (tests/test_redteam103_url_tls.py connects with them)."""
    path = put(private / "f.pem", mode=0o644)
    refused(
        {"redis_url": f"{TLS_URL}?{parameter}={path}"},
        f"redis_url names a TLS file in its query ({parameter}={path})",
        f"fix: remove {parameter} from redis_url and set redis_tls_",
    )


def test_the_system_cas_named_by_ssl_cert_file_are_checked_when_tls_verifies(private, monkeypatch):
    """redis-py trusts the system's CAs as well as redis_tls_ca_file; SSL_CERT_FILE names them."""
    bundle = put(private / "bundle.pem", mode=0o644, owner=NOBODY)
    monkeypatch.setenv("SSL_CERT_FILE", bundle)
    refused({"redis_url": TLS_URL}, "SSL_CERT_FILE", "belongs to another user")
    assert load({"redis_url": TLS_URL, "redis_tls_verify": "false"}, environ={})  # nothing is verified
    assert load({"redis_url": "redis://127.0.0.1:6390/0"}, environ={})  # no TLS
    monkeypatch.delenv("SSL_CERT_FILE")
    assert load({"redis_url": TLS_URL}, environ={})  # the system's own: root's


def test_the_http_token_file_nobody_owns_or_in_their_directory_is_refused(private, nobodys_dir):
    """Held before this pass (kept as a test): the token file is read O_NOFOLLOW, must be ours
    and 0600, in a directory of ours alone."""
    token = put(private / "http.token", "t" * 32 + "\n", mode=0o600, owner=NOBODY)
    with pytest.raises(HttpSetupError, match="belongs to uid"):
        load_or_create_token(token)
    with pytest.raises(UnsafePathError, match=nobodys_dir):
        load_or_create_token(in_nobodys_dir(nobodys_dir, "http.token"))


# ---------------------------------------------------------------- a real hookd run


def run_hookd(tmp_path, **settings: str) -> tuple[int | None, str]:
    """`hookd run` with these settings -> (its exit status, None if still running after 60 s; stderr)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")},
        "HOOKD_CONFIG": os.devnull,
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SOCKET": f"/tmp/hookd-rt4t-{os.getpid()}-{free_port()}/hookd.sock",
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        **{f"HOOKD_{name.upper()}": value for name, value in settings.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "run"], env=env, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    try:  # a refusal ends it at once; the wait is long so that a loaded machine is not taken for one that runs on
        code: int | None = proc.wait(60)
    except subprocess.TimeoutExpired:
        code = None
        proc.kill()
        proc.wait()
    return code, proc.stderr.read().decode()


@pytest.mark.process
def test_hookd_run_refuses_a_ca_file_nobody_owns_at_startup(tmp_path, private):
    ca = put(private / "ca.pem", mode=0o644, owner=NOBODY)
    code, err = run_hookd(tmp_path, redis_url=f"rediss://127.0.0.1:{free_port()}/0", redis_tls_ca_file=ca)
    assert code == 78, err  # a bad setting (EX_CONFIG), as the others
    assert "HOOKD_REDIS_TLS_CA_FILE" in err and "redis_tls_ca_file" in err and "belongs to another user" in err, err


@pytest.mark.process
def test_hookd_run_refuses_a_password_file_nobody_owns_at_startup(tmp_path, private):
    password = put(private / "pw", "chosen-by-nobody\n", mode=0o600, owner=NOBODY)
    code, err = run_hookd(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_password_file=password)
    assert code == 78, err
    assert "redis_password_file" in err and "chown" in err and "chosen-by-nobody" not in err, err


# ---------------------------------------------------------------- the config file itself


def test_a_config_file_that_is_nobodys_link_in_a_sticky_directory_is_refused(private, nobodys_link):
    """The config file's own check judged the directories above the link and above its target,
    not the link: one of nobody's in /tmp (they may replace it) passed."""
    from hookd.config import load_sourced

    link = nobodys_link(put(private / "config.toml", 'stream = "s"\n'))
    with pytest.raises(SettingError, match=f"symbolic link {link}"):
        load_sourced({}, {"HOOKD_CONFIG": link})
    (private / "ours.toml").symlink_to(private / "config.toml")  # the control: our own link
    assert load_sourced({}, {"HOOKD_CONFIG": str(private / "ours.toml")})[0].stream == "s"


def _tls_check_as_caller(settings) -> str:
    from hookd.publish.trusted_files import check_tls_files

    try:
        check_tls_files(settings, tls=True)
    except SettingError as exc:
        return str(exc)
    return "taken"


def test_a_system_ca_directory_the_user_cannot_list_stops_startup_with_the_fix(monkeypatch):
    """SSL_CERT_DIR may name several directories; one whose files cannot be listed cannot be
    judged (checked as nobody, for whom a root directory of mode 0711 is such a one)."""
    from hookd.publish.settings import RedisSettings

    hidden = tempfile.mkdtemp(prefix="hkcas", dir="/tmp")
    try:
        os.chmod(hidden, 0o711)
        monkeypatch.setenv("SSL_CERT_DIR", f"/etc/ssl/certs:{hidden}")
        settings = RedisSettings.from_config(load({"redis_url": TLS_URL}, environ={}))
        said = run_as_nobody(_tls_check_as_caller, settings)
        assert "cannot check the system's CA certificates (SSL_CERT_DIR" in said and hidden in said, said
        os.chmod(hidden, 0o755)
        assert run_as_nobody(_tls_check_as_caller, settings) == "taken"
    finally:
        os.rmdir(hidden)
