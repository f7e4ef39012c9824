"""Hundred-tenth red-team pass: today's merged code (h249-h254).

The system's CA directories (SSL_CERT_DIR) were judged once, by the settings' check at the start,
and then handed to OpenSSL unjudged when a client was made (trusted_files.read_system_cas): a
directory SSL_CERT_DIR names that did not exist at the check (so was not checked) but did when the
client was made, another user's, was trusted. Here a process checks the settings as a start does,
another user (nobody, a real second uid) then makes that directory with its CA in it, and the
process makes its client and connects to a TLS redis-server that CA signed.
"""

from __future__ import annotations

import errno
import grp
import json
import os
import pwd
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import pytest

from other_user import NOBODY, needs_root, run_as_nobody
from secure_redis import TlsRedis
from secure_redis import certs  # noqa: F401 - fixture
from test_client import BODY, env, sockdir  # noqa: F401 -- env and sockdir are fixtures
from test_native_sanitizers import REPORTS, SAN_ENV, SANITIZE

pytestmark = needs_root

# Checks the settings as a start does, says so, waits for a line on stdin, then makes its client
# (the publisher's, asyncio) and pings.
CHECK_WAIT_CONNECT = r"""
import asyncio, json, sys
import redis
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect
from hookd.publish.failures import describe_failure
from hookd.publish.settings import RedisSettings

async def ping(config):
    client = connect(config)
    try:
        return await client.ping()
    finally:
        await client.aclose()

try:
    config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
    check_settings(config)
    print("checked", flush=True)
    sys.stdin.readline()
    print("answered", asyncio.run(ping(config)))
except SettingError as exc:
    print("refused", exc)
except (redis.exceptions.RedisError, OSError) as exc:
    print("failed", describe_failure(config, exc))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, certs):
    started = TlsRedis(tmp_path_factory.mktemp("redis"), certs, certs.server, require_client_cert=False)
    started.start()
    yield started
    started.stop()


def _hashed_ca_dir(directory: str, name: str, pem: str) -> str:
    """As nobody: a CA directory as OpenSSL reads one (the CA under its subject hash), open to all."""
    os.mkdir(directory, 0o755)
    with open(os.path.join(directory, name), "w") as fh:
        fh.write(pem)
    os.chmod(os.path.join(directory, name), 0o644)
    return directory


def _checked_then_planted(server, env: dict[str, str], plant) -> str:
    """What CHECK_WAIT_CONNECT says when ``plant()`` runs between its settings' check and its client."""
    settings = {"redis_url": server.tls_url, "redis_connect_timeout_s": "5"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHECK_WAIT_CONNECT, json.dumps(settings)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        first = proc.stdout.readline()
        assert first == "checked\n", first + proc.communicate(timeout=60)[1]
        plant()
        out, err = proc.communicate("go\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return out.strip() + err


@pytest.fixture
def shared():
    path = tempfile.mkdtemp(prefix="hk110", dir="/tmp")
    os.chmod(path, 0o1777)  # as /tmp: anyone may add a name, only its owner move it
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_system_ca_directory_another_user_made_after_the_check_is_refused(certs, server, shared):
    """Before: answered True (the directory, absent at the check, was given to OpenSSL unjudged)."""
    later = os.path.join(shared, "cas")
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(certs.ca.cert)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    said = _checked_then_planted(
        server,
        {"SSL_CERT_FILE": str(certs.other_ca.cert), "SSL_CERT_DIR": later},
        lambda: run_as_nobody(_hashed_ca_dir, later, f"{subject_hash}.0", certs.ca.cert.read_text()),
    )
    assert said.startswith("refused "), said
    assert "SSL_CERT_DIR" in said and later in said and "another user" in said, said


def test_a_system_ca_file_another_user_made_after_the_check_is_refused(certs, server, shared):
    """A guard (held before): the file is judged again as it is read (read_trusted)."""
    later = os.path.join(shared, "cas.pem")
    said = _checked_then_planted(
        server,
        {"SSL_CERT_FILE": later, "SSL_CERT_DIR": str(os.path.dirname(certs.other_ca.cert))},
        lambda: run_as_nobody(_own_file, later, certs.ca.cert.read_text()),
    )
    assert said.startswith("refused "), said
    assert later in said and "another user" in said, said


def _own_file(path: str, text: str) -> str:
    with open(path, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o644)
    return path


# The native hook-send's POSIX ACL parser (hook_send.c, acl_lets_others_write) given any bytes as the
# xattr: lgetxattr is wrapped at link time (-Wl,--wrap) in a build under ASan and UBSan, to hand back
# the bytes of the file HOOKD_TEST_ACL_BYTES names (or fail with HOOKD_TEST_ACL_ERRNO) as the kernel
# would, ERANGE past the caller's buffer. A read past the bytes lgetxattr returned (inside the
# buffer: no ASan report) is memcheck's, on a plain build of the same under valgrind: those bytes are
# undefined there.
ACL_WRAP = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

ssize_t __real_lgetxattr(const char *path, const char *name, void *value, size_t size);
ssize_t __wrap_lgetxattr(const char *path, const char *name, void *value, size_t size);

ssize_t __wrap_lgetxattr(const char *path, const char *name, void *value, size_t size)
{
    static unsigned char data[1 << 17];
    const char *file = getenv("HOOKD_TEST_ACL_BYTES"), *fail = getenv("HOOKD_TEST_ACL_ERRNO");
    if (strcmp(name, "system.posix_acl_access") != 0 || (!file && !fail))
        return __real_lgetxattr(path, name, value, size);
    if (fail) {
        errno = atoi(fail);
        return -1;
    }
    FILE *fh = fopen(file, "rb");
    if (!fh) {
        errno = EIO;
        return -1;
    }
    size_t n = fread(data, 1, sizeof data, fh);
    fclose(fh);
    if (size == 0)
        return (ssize_t)n;
    if (n > size) {
        errno = ERANGE;
        return -1;
    }
    memcpy(value, data, n);
    return (ssize_t)n;
}
"""

ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
NAMED = b"a POSIX ACL names them"


def _acl(*entries: tuple[int, int, int], version: int = 2) -> bytes:
    return struct.pack("<I", version) + b"".join(struct.pack("<HHI", *e) for e in entries)


def _base(*middle: tuple[int, int, int], mask: int = 0o7) -> bytes:
    return _acl(
        (ACL_USER_OBJ, 7, 0xFFFFFFFF),
        *middle,
        (ACL_GROUP_OBJ, 7, 0xFFFFFFFF),
        (ACL_MASK, mask, 0xFFFFFFFF),
        (ACL_OTHER, 5, 0xFFFFFFFF),
    )


@pytest.fixture(scope="module", params=["asan", "valgrind"])
def acl_client(request, tmp_path_factory) -> list[str]:
    """The argv of the client built under ASan and UBSan, or of a plain build run under valgrind."""
    from hookd.hooks import native

    if native.compiler() is None:
        pytest.skip("no C compiler (cc) here; `make setup` installs one")
    valgrind = shutil.which("valgrind")
    if request.param == "valgrind" and valgrind is None:
        pytest.skip("no valgrind here")
    d = tmp_path_factory.mktemp("aclwrap")
    (d / "wrap.c").write_text(ACL_WRAP)
    flags = SANITIZE if request.param == "asan" else ("-g",)
    why = native.compile_to(str(d / "client"), extra_flags=(*flags, "-Wl,--wrap=lgetxattr", str(d / "wrap.c")))
    if why:
        pytest.skip(f"cannot build the client with lgetxattr wrapped here: {why}")
    if request.param == "asan":
        return [str(d / "client")]
    return [str(valgrind), "-q", "--error-exitcode=99", str(d / "client")]


def _hook_send(argv: list[str], env: dict[str, str], extra: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, input=BODY, env={**env, **SAN_ENV, **extra}, capture_output=True, timeout=120)
    found = [r for r in (*REPORTS, b"uninitialised") if r in done.stderr]
    assert not found, f"{extra}: sanitizer report:\n{done.stderr.decode(errors='replace')[-4000:]}"
    assert done.returncode == 0 and done.stdout == b"", (extra, done)
    return done


def _fuzzed(rng: random.Random) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:  # any bytes, of any length up to past the client's buffer
        return rng.randbytes(rng.choice([0, 1, 3, 4, 5, 11, 12, 13, rng.randrange(70000)]))
    tags = [ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER, rng.randrange(1 << 16)]
    ids = [0, os.getuid(), os.getgid(), NOBODY, 0xFFFFFFFF, 0x7FFFFFFF, rng.randrange(1 << 32)]
    count = rng.choice([0, 1, 5, 1023, 1024, 1025, 8191, 8192, rng.randrange(9000)])
    data = _acl(
        *((rng.choice(tags), rng.randrange(1 << 16), rng.choice(ids)) for _ in range(count)),
        version=rng.choice([2, 2, 2, 0, 1, 3, 0x02000000, 0xFFFFFFFF]),
    )
    if kind == 1:  # cut anywhere
        data = data[: rng.randrange(len(data) + 1)]
    elif kind == 2:  # a few bytes flipped
        data = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
    return data


@pytest.mark.timeout(360)  # a build, and valgrind's runs (seconds each on a loaded machine)
def test_the_native_client_reads_any_acl_bytes_without_a_sanitizer_report(acl_client, env, sockdir):  # noqa: F811
    """Hostile xattr bytes (cut, long, unknown tags and versions, ids at 2**32-1, more entries than the
    client's buffer holds) and errors: every run exits 0, writes nothing to stdout, trips no sanitizer;
    what cannot be told is refused, a well-formed ACL is judged by its entries."""
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid())
    if group.gr_name != me or set(group.gr_mem) - {me}:  # as test_redteam109_acl's private_group
        pytest.skip("this user's primary group is not a private one here: the client reads no ACL")
    shared = str(sockdir / "shared")
    os.mkdir(shared, 0o770)
    os.chmod(shared, 0o770)  # our private group's: the client reads its ACL
    run = os.path.join(shared, "run")
    os.mkdir(run, 0o700)
    env = {**env, "HOOKD_SOCKET": os.path.join(run, "hookd.sock")}
    data = sockdir / "acl.bin"
    client = acl_client

    def verdict(value: bytes | None = None, err: int | None = None) -> bool:
        if err is not None:
            done = _hook_send(client, env, {"HOOKD_TEST_ACL_ERRNO": str(err)})
        else:
            data.write_bytes(value or b"")
            done = _hook_send(client, env, {"HOOKD_TEST_ACL_BYTES": str(data)})
        return NAMED in done.stderr  # refused for the ACL

    assert verdict(err=errno.ENODATA) is False  # no ACL
    assert verdict(err=errno.EIO) is True  # cannot be read: cannot be told
    assert verdict(_base()) is False
    assert verdict(_base((ACL_USER, 7, os.getuid()))) is False  # names only us
    assert verdict(_base((ACL_USER, 7, NOBODY))) is True
    assert verdict(_base((ACL_USER, 7, NOBODY), mask=0o5)) is False  # the mask takes its write away
    assert verdict(_base((ACL_GROUP, 2, 0xFFFFFFFF))) is True
    assert verdict(_base((ACL_USER, 2, 0xFFFFFFFF))) is True  # an id past any: not ours
    assert verdict(_base()[:-1]) is True and verdict(_base()[:3]) is True and verdict(b"") is True
    assert verdict(_acl((ACL_USER_OBJ, 7, 0), version=3)) is True
    assert verdict(_base(*[(ACL_USER, 5, NOBODY)] * 1021)) is False  # 1,025 entries: read whole (h261)
    assert verdict(_base(*[(ACL_USER, 5, NOBODY)] * 8187)) is False  # 8,191, the most an xattr holds
    assert verdict(_base(*[(ACL_USER, 5, NOBODY)] * 8186, (ACL_USER, 2, NOBODY))) is True  # the last one counts
    assert verdict(_base(*[(ACL_USER, 5, NOBODY)] * 8188)) is True  # past 64 KiB: ERANGE, cannot be told

    seed = int(os.environ.get("HOOKD_FUZZ_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    # valgrind's runs are slow: it gives the known cases above and a few fuzzed ones.
    asan = "valgrind" not in client[0]
    deadline = time.monotonic() + float(os.environ.get("HOOKD_FUZZ_SECONDS", "10")) * asan
    runs = 0
    while time.monotonic() < deadline or runs < (20 if asan else 4):
        value = _fuzzed(rng)
        try:
            verdict(value)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, input {value[:64].hex()}... ({len(value)} bytes): {exc}") from None
        runs += 1
