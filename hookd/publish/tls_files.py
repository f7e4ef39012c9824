"""What redis-py's TLS connections are given of the redis_tls_* files: the bytes hookd read and judged.

Python's ssl loads a certificate chain only from a path (SSLContext.load_cert_chain), and
redis-py loads it anew at each connection. Given the path of the user's file, ssl would read
whatever stands there then, long after hookd checked it (trusted_files.read_tls_file). So it is
given a private copy of the bytes judged instead, which no one else can reach or change:

- Linux: an anonymous memory file (memfd_create), sealed against writes, named by
  /proc/self/fd/N; it never touches a disk and goes with the process.
- elsewhere (macOS): a file made 0600 in a directory made 0700 (tempfile.mkdtemp), removed at
  exit; a kill -9 leaves it, private, in the system's temporary directory.

One copy per distinct content, kept for the life of the process (redis-py reads it at each
connection): a rotated certificate adds one.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from hookd.config_errors import SettingError
from hookd.paths import write_all
from hookd.publish.ca_alone import SystemCas
from hookd.publish.trusted_files import read_system_cas, read_tls_file, refuse_url_tls_files, verifies

if TYPE_CHECKING:
    from hookd.publish.settings import RedisSettings

_lock = threading.Lock()
_copies: dict[bytes, str] = {}
_directory: list[str] = []  # the private directory of the fallback, once made


def tls_kwargs(settings: RedisSettings) -> dict[str, object]:
    """redis-py's ssl_ arguments from the redis_tls_* settings (for rediss://, or TLS sentinels).

    Each file is read here, once, through the descriptor it is judged by (read_tls_file), and
    ssl is given what was read: the CA's PEM text as ssl_ca_data, the certificate and key as
    private copies (private_copy), never the user's path, which ssl would open at each connection
    and could find another file at. With no CA named, the system's CA file is read here too, the
    same way (read_system_cas), and given as ssl_ca_data with its CA directories (ca_alone.SystemCas):
    replaced while hookd runs, it is read again only by a client made after (a restart). A file
    that became unfit since the start's check raises the SettingError here, as a password file
    does (login)."""
    refuse_url_tls_files(settings)  # a client made without the start's check (check_settings) too
    kwargs: dict[str, object] = dict(
        ssl_cert_reqs="required" if settings.tls_verify else "none",
        ssl_check_hostname=settings.tls_verify,
    )
    if settings.tls_ca_file:
        # PEM is ASCII; bytes outside it can only be in the text between certificates, which OpenSSL skips.
        pem = read_tls_file(settings.tls_ca_file, "redis_tls_ca_file", secret=False)
        text = pem.decode("ascii", "ignore")
        if "-----BEGIN CERTIFICATE-----" not in text:  # ssl would raise a bare ValueError
            raise SettingError(
                f"redis_tls_ca_file {settings.tls_ca_file} holds no PEM certificate; point it at the CA "
                "certificate (PEM) that signed the server's certificate",
                setting="redis_tls_ca_file",
            )
        kwargs["ssl_ca_data"] = text
    elif verifies(settings, query := parse_qs(urlsplit(settings.url).query)) and not query.get("ssl_ca_data"):
        system_pem, directories = read_system_cas()
        kwargs["ssl_ca_data"] = SystemCas.of(system_pem, directories)
    if settings.tls_cert_file:
        cert = read_tls_file(settings.tls_cert_file, "redis_tls_cert_file", secret=not settings.tls_key_file)
        kwargs["ssl_certfile"] = private_copy(cert)
    if settings.tls_key_file:
        kwargs["ssl_keyfile"] = private_copy(read_tls_file(settings.tls_key_file, "redis_tls_key_file", secret=True))
    return kwargs


def private_copy(data: bytes) -> str:
    """A path ssl can load ``data`` from, that only this process can reach or change."""
    digest = hashlib.sha256(data).digest()
    with _lock:
        path = _copies.get(digest)
        if path is None:
            path = _memory_copy(data) if _has_memfd() else _file_copy(data)
            _copies[digest] = path
        return path


def _has_memfd() -> bool:
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


def _memory_copy(data: bytes) -> str:
    fd = os.memfd_create("hookd-tls", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    write_all(fd, data)
    seals = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    # /proc/self/fd/N opens the memory file itself anew (its own offset), not a dup of fd.
    return f"/proc/self/fd/{fd}"


def _file_copy(data: bytes) -> str:
    if not _directory:
        made = tempfile.mkdtemp(prefix="hookd-tls-")  # 0700, made by this call (O_EXCL semantics)
        atexit.register(shutil.rmtree, made, True)
        _directory.append(made)
    fd, path = tempfile.mkstemp(dir=_directory[0], suffix=".pem")  # 0600
    try:
        write_all(fd, data)
    finally:
        os.close(fd)
    return path
