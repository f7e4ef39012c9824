"""A CA named for Redis's TLS is trusted alone, as redis-cli --cacert trusts it: not the system's CAs beside it.

redis-py builds each connection's TLS context with ssl.create_default_context(), which loads
OpenSSL's default CAs (and SSL_CERT_FILE, SSL_CERT_DIR: paths read by OpenSSL as it builds the
context, unchecked since the start), and then adds the CA it is given (ssl_ca_data:
redis_tls_ca_file's text, tls_files.py). A server certificate that any CA of the system's store
signed for the Redis host was taken too, though the user named one CA. Here a context given a CA
is built from that CA alone; one given none is redis-py's own, the system's CAs being then the only
trust there is. Mixed into every connection class hookd's clients make (replies.bounded): the
blocking and asyncio ones, Sentinel's (the master's and the sentinels'), each Cluster node's.
"""

from __future__ import annotations

import ssl
from typing import Any

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
    context.load_verify_locations(cafile=ca_certs, capath=ca_path, cadata=ca_data)
    if min_version is not None:
        context.minimum_version = min_version
    if ciphers:
        context.set_ciphers(ciphers)
    return context


class SyncCaAlone:
    """Mixed into redis-py's blocking SSLConnection (or a subclass): a CA given is trusted alone.
    redis-py shares the context it builds between connections of the same settings."""

    def _build_ssl_context(self) -> ssl.SSLContext:
        conn: Any = self
        if conn.ca_data is None:
            return super()._build_ssl_context()  # type: ignore[misc, no-any-return]
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
    """redis-py's asyncio RedisSSLContext, built from the CA it was given alone."""

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
    """Mixed into redis-py's asyncio SSLConnection (or a subclass): a CA given is trusted alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conn: Any = self
        if conn.ssl_context.ca_data is not None:
            conn.ssl_context = CaAloneSSLContext.of(conn.ssl_context)
