"""Every TLS context hookd's connections use is built here: a CA named for Redis's TLS is trusted
alone, as redis-cli --cacert trusts it, and no context writes its session keys anywhere.

redis-py builds each connection's TLS context with ssl.create_default_context(), which loads
OpenSSL's default CAs (and SSL_CERT_FILE, SSL_CERT_DIR) by path as it builds the context, then adds
the CA it is given (ssl_ca_data: redis_tls_ca_file's text, tls_files.py): a server certificate that
any CA of the system's store signed for the Redis host was taken too, though the user named one
CA. It also opens the file SSLKEYLOGFILE names, by path, following links, creating it with the
umask's mode, and appends every TLS session's secrets to it: whoever can read it (or set the
variable, or place a link where it points) reads every event and password hookd sends. Here each
context is built from what it is given alone: the named CA, or the system's CAs as tls_files.py
read them when the client was made; SSLKEYLOGFILE is never honoured (say_keylog_ignored says so
once, at start). Mixed into every connection class hookd's clients make (replies.bounded): the blocking
and asyncio ones, Sentinel's (the master's and the sentinels'), each Cluster node's.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import structlog
from redis.asyncio.connection import RedisSSLContext
from redis.connection import SSLConnection

# The two methods overridden here: a redis-py without them would build its own contexts, the system's
# CAs trusted beside the named one with nothing said. Refused at import, loudly, instead.
if not (
    callable(getattr(SSLConnection, "_build_ssl_context", None)) and callable(getattr(RedisSSLContext, "_build", None))
):
    raise ImportError(
        "hookd needs redis-py >= 8.2 (its TLS contexts are built by SSLConnection._build_ssl_context and "
        "RedisSSLContext._build, which hookd overrides to trust redis_tls_ca_file alone); "
        "fix: pip install 'redis>=8.2'"
    )


class SystemCas(str):
    """The system's CAs, as ssl_ca_data: the PEM text of its CA file, read when the client was made
    (tls_files.tls_kwargs, trusted_files.read_system_cas), and its CA ``directories`` (':'-joined,
    or None), which OpenSSL reads a certificate at a time as a chain asks for one, by the hash of
    its issuer's name. A str, so redis-py carries it as it carries any ssl_ca_data."""

    directories: str | None = None

    @classmethod
    def of(cls, pem: str, directories: list[str]) -> SystemCas:
        made = cls(pem)
        made.directories = os.pathsep.join(directories) or None
        return made


def context_alone(
    ca_data: Any,
    *,
    cert_reqs: ssl.VerifyMode,
    check_hostname: bool,
    certfile: str | None,
    keyfile: str | None,
    password: Any,
    include_flags: Any,
    exclude_flags: Any,
    min_version: Any,
    ciphers: str | None,
    ca_certs: str | None = None,
    ca_path: str | None = None,
) -> ssl.SSLContext:
    """redis-py's context for these settings (its _build_ssl_context, RedisSSLContext._build), on a
    context that holds no CA but those given: not ssl.create_default_context(), which loads the
    system's whenever it is not handed one itself."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = check_hostname  # first: ssl refuses CERT_NONE while the name is checked
    context.verify_mode = cert_reqs
    for flag in include_flags or ():
        context.verify_flags |= flag
    for flag in exclude_flags or ():
        context.verify_flags &= ~flag
    if certfile or keyfile:
        context.load_cert_chain(certfile=certfile, keyfile=keyfile, password=password)  # type: ignore[arg-type]
    if isinstance(ca_data, SystemCas):
        ca_path, ca_data = ca_data.directories, str(ca_data) or None
    if ca_certs is not None or ca_path is not None or ca_data is not None:
        context.load_verify_locations(cafile=ca_certs, capath=ca_path, cadata=ca_data)
    if min_version is not None:
        context.minimum_version = min_version
    if ciphers:
        context.set_ciphers(ciphers)
    return context


def say_keylog_ignored() -> None:
    """Log, once at start, that SSLKEYLOGFILE is set and not honoured (context_alone)."""
    if path := os.environ.get("SSLKEYLOGFILE"):
        structlog.get_logger("hookd").warning(
            "tls_keylog_ignored",
            variable="SSLKEYLOGFILE",
            path=path,
            reason="hookd never writes TLS session keys, which would let whoever reads the file read every "
            "event and password it sends; fix: unset SSLKEYLOGFILE in hookd's environment",
        )


class SyncCaAlone:
    """Mixed into redis-py's blocking SSLConnection (or a subclass): its context is context_alone's.
    redis-py shares the context it builds between connections of the same settings."""

    def _build_ssl_context(self) -> ssl.SSLContext:
        conn: Any = self
        return context_alone(
            conn.ca_data,
            cert_reqs=conn.cert_reqs,
            check_hostname=conn.check_hostname,
            certfile=conn.certfile,
            keyfile=conn.keyfile,
            password=conn.certificate_password,
            include_flags=conn.ssl_include_verify_flags,
            exclude_flags=conn.ssl_exclude_verify_flags,
            min_version=conn.ssl_min_version,
            ciphers=conn.ssl_ciphers,
            ca_certs=conn.ca_certs,
            ca_path=conn.ca_path,
        )


class CaAloneSSLContext(RedisSSLContext):
    """redis-py's asyncio RedisSSLContext, built by context_alone."""

    __slots__ = ()

    @classmethod
    def of(cls, given: RedisSSLContext) -> CaAloneSSLContext:
        made = cls.__new__(cls)
        for name in RedisSSLContext.__slots__:
            setattr(made, name, getattr(given, name))
        return made

    def _build(self) -> ssl.SSLContext:
        return context_alone(
            self.ca_data,
            cert_reqs=self.cert_reqs,
            check_hostname=self.check_hostname,
            certfile=self.certfile,
            keyfile=self.keyfile,
            password=self.password,
            include_flags=self.include_verify_flags,
            exclude_flags=self.exclude_verify_flags,
            min_version=self.min_version,
            ciphers=self.ciphers,
            ca_certs=self.ca_certs,
            ca_path=self.ca_path,
        )


class AsyncCaAlone:
    """Mixed into redis-py's asyncio SSLConnection (or a subclass): its context is context_alone's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conn: Any = self
        conn.ssl_context = CaAloneSSLContext.of(conn.ssl_context)
