"""Redis servers with TLS and ACL users for the tests, and what the tests read back from hookd."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from conftest import REPO, RedisServer, free_port, log_records, stream_entries
from test_status import wait_status
from tls_certs import CertificateAuthority, Issued


@dataclass
class Certs:
    ca: CertificateAuthority
    other_ca: CertificateAuthority  # signed nothing the servers use: the "wrong CA"
    server: Issued  # for 127.0.0.1 and localhost
    named_server: Issued  # for redis.test only: the URL's host does not match it
    client: Issued
    stranger: Issued  # a client certificate from the other CA

    @classmethod
    def make(cls, directory: Path) -> Certs:
        ca = CertificateAuthority("hookd-test-ca", directory / "ca")
        other = CertificateAuthority("unrelated-ca", directory / "other")
        return cls(
            ca=ca,
            other_ca=other,
            server=ca.issue("server", dns=("localhost",), ips=("127.0.0.1",)),
            named_server=ca.issue("named-server", dns=("redis.test",)),
            client=ca.issue("client", client=True),
            stranger=other.issue("stranger", client=True),
        )

    def client_settings(self) -> dict[str, str]:
        """hookd's settings for a server that requires a client certificate from our CA."""
        return {
            "redis_tls_ca_file": str(self.ca.cert),
            "redis_tls_cert_file": str(self.client.cert),
            "redis_tls_key_file": str(self.client.key),
        }

    def private_copies(self, where: Path) -> dict[str, str]:
        """client_settings' files copied into ``where`` (made 0700, a directory of ours): the key 0600, the
        rest 0644, for a test that changes them."""
        where.mkdir(mode=0o700)
        settings = {}
        for setting, source in self.client_settings().items():
            copy = where / Path(source).name
            shutil.copyfile(source, copy)
            os.chmod(copy, 0o600 if setting == "redis_tls_key_file" else 0o644)
            settings[setting] = str(copy)
        return settings


class TlsRedis(RedisServer):
    """A redis-server with a TLS port beside its plain one; the plain port is the tests' own."""

    def __init__(self, workdir: Path, certs: Certs, server: Issued, require_client_cert: bool) -> None:
        self.tls_port = free_port()
        super().__init__(
            workdir,
            extra_args=(
                "--tls-port",
                str(self.tls_port),
                "--tls-cert-file",
                str(server.cert),
                "--tls-key-file",
                str(server.key),
                "--tls-ca-cert-file",
                str(certs.ca.cert),
                "--tls-auth-clients",
                "yes" if require_client_cert else "no",
            ),
        )
        self.tls_url = f"rediss://127.0.0.1:{self.tls_port}/0"


# The TLS test modules' shared fixtures (each module imports those it takes, and gets its own: module scope).


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    return Certs.make(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def mutual_tls_redis(tmp_path_factory, certs):
    """Requires a client certificate signed by the test CA."""
    server = TlsRedis(tmp_path_factory.mktemp("mtls-redis"), certs, certs.server, require_client_cert=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_files(tmp_path, certs) -> dict[str, str]:
    """This test's copies of the CA, the client certificate and its key, in a directory of ours."""
    return certs.private_copies(tmp_path / "tls")


@pytest.fixture(scope="module")
def named(tmp_path_factory) -> Certs:
    """The CA redis_tls_ca_file names, and a server certificate it signed."""
    return Certs.make(tmp_path_factory.mktemp("named"))


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Certs:
    """The CA the system's store holds (SSL_CERT_FILE), and a server certificate it signed."""
    return Certs.make(tmp_path_factory.mktemp("system"))


def hookd_cli(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def wait_for_error(daemon, *parts: str, timeout: float = 20) -> dict:
    """The daemon's status once Redis is down with an error that says all of ``parts``."""
    return wait_status(
        daemon,
        lambda s: (
            s["redis"]["state"] == "down"
            and s["redis"]["last_error"]
            and all(p in s["redis"]["last_error"] for p in parts)
        ),
        f"redis down with an error saying {parts}",
        timeout,
    )


def event(n: int, session: str = "s1") -> bytes:
    hook = "PostToolUse" if n % 2 else "PreToolUse"
    return json.dumps(
        {
            "hook_event_name": hook,
            "session_id": session,
            "tool_name": "Bash",
            "tool_input": {"command": f"echo {n}"},
            "cwd": "/tmp",
        }
    ).encode()


def send_events(daemon, numbers) -> None:
    for n in numbers:
        result = daemon.send(event(n))
        assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def assert_exactly_once(client: redis.Redis, count: int) -> None:
    """The stream holds events 0..count-1 as send_events sent them, each once, in order."""
    entries = stream_entries(client)
    numbers = [int(json.loads(f[b"envelope"])["payload"]["tool_input"]["command"].split()[1]) for f in entries]
    assert numbers == list(range(count)), numbers
    seqs = [int(f[b"seq"]) for f in entries]
    assert seqs == sorted(set(seqs)), seqs


def warnings_logged(daemon) -> list[str]:
    return [r["error"] for r in log_records(daemon.log_text()) if r.get("event") == "redis_down"]


def assert_secret_hidden(daemon, secret: str) -> dict[str, subprocess.CompletedProcess]:
    """``secret`` is nowhere in hookd status and hookd config (text and JSON), in the
    daemon's process arguments, or in its log; the daemon is stopped to read the whole log.
    Returns the outputs, by command."""
    outputs = {
        " ".join(args): hookd_cli(daemon.env, *args)
        for args in (("status",), ("status", "--json"), ("config",), ("config", "--json"))
    }
    for name, result in outputs.items():
        assert result.returncode in (0, 1), (name, result.stderr)
        assert secret not in result.stdout + result.stderr, name
    with open(f"/proc/{daemon.proc.pid}/cmdline", "rb") as fh:
        assert secret.encode() not in fh.read()
    assert daemon.stop() == 0
    log = daemon.log_text()
    assert log.strip() and secret not in log
    return outputs
