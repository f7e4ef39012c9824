"""How hookd gets into Redis: the user and password it logs in with, and the TLS settings.

Checked when the settings load, so that a mistake stops hookd at once with a
message naming the setting, rather than showing up later as a Redis outage.
The password is read here and handed to redis-py only; it never goes into a
message.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from hookd.config_errors import ConfigError

if TYPE_CHECKING:
    from hookd.config import Config

TLS_FILES = ("redis_tls_ca_file", "redis_tls_cert_file", "redis_tls_key_file")
TLS_SETTINGS = TLS_FILES + ("redis_tls_server_name",)


class AccessError(ConfigError, ValueError):
    """A credential or TLS setting cannot be used; the message names it and the fix.

    A ValueError for config.load, which names the setting's source; a ConfigError
    when the password file goes wrong after that, as hookd connects.
    """


def uses_tls(config: Config) -> bool:
    return urlsplit(config.redis_url).scheme == "rediss"


def url_credentials(url: str) -> tuple[str | None, str | None]:
    """The user and password a Redis URL carries itself (userinfo or ?password=), as redis-py reads them."""
    parts = urlsplit(url)
    password = parts.password
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "password" and value:
            password = value
    return (unquote(parts.username) if parts.username else None,
            unquote(password) if password else None)


def read_password_file(path: str, setting: str = "redis_password_file") -> str:
    """The password in ``path``: its first line. Refused if other users can read or change the file.

    ``setting`` is the name messages give the file by."""
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise AccessError(
                    f"{setting} {path} is open to other users (mode "
                    f"{stat.S_IMODE(mode):04o}); make it readable by its owner only: chmod 600 {path}")
            text = fh.read(64 * 1024)
    except OSError as exc:
        raise AccessError(f"cannot read {setting} {path}: {exc.strerror}") from None
    try:
        password = text.decode("utf-8").splitlines()[0] if text.strip() else ""
    except UnicodeDecodeError:
        raise AccessError(f"{setting} {path} is not UTF-8 text") from None
    if not password:
        raise AccessError(f"{setting} {path} is empty; its first line must be the password")
    return password


def login(config: Config) -> dict[str, str]:
    """The ``username`` and ``password`` arguments for redis-py, from the settings.

    A user or password in redis_url is left to redis-py, which reads it there;
    check_settings makes sure a setting does not say otherwise.
    """
    return credentials(config.redis_username, config.redis_password, config.redis_password_file,
                       "redis_password_file")


def credentials(username: str, password: str, password_file: str, file_setting: str) -> dict[str, str]:
    """redis-py's ``username`` and ``password`` arguments from one set of login settings."""
    values = {}
    if username:
        values["username"] = username
    if password:
        values["password"] = password
    elif password_file:
        values["password"] = read_password_file(password_file, file_setting)
    return values


def check_settings(config: Config) -> None:
    """Raise AccessError (a ValueError naming the setting, for config.load) for a setting that cannot work."""
    user, password = url_credentials(config.redis_url)
    if config.redis_password and config.redis_password_file:
        _fail("redis_password_file", "the password is given twice, by redis_password "
              "(HOOKD_REDIS_PASSWORD) and by redis_password_file; keep one")
    given = "redis_password" if config.redis_password else "redis_password_file"
    if password and (config.redis_password or config.redis_password_file):
        _fail(given, f"the password is given twice, in redis_url and by {given}; keep one")
    if user and config.redis_username and user != config.redis_username:
        _fail("redis_username", f"redis_url logs in as {user!r} but redis_username says "
              f"{config.redis_username!r}; keep one")
    if config.redis_password_file:
        try:
            read_password_file(config.redis_password_file)
        except AccessError as exc:
            _fail("redis_password_file", str(exc))
    tls_given = [name for name in TLS_SETTINGS if getattr(config, name)]
    if tls_given and not uses_tls(config) and config.redis_sentinel_tls != "on":
        # Most likely a forgotten rediss://, which would send the password in clear text.
        _fail(tls_given[0], f"{tls_given[0]} is set but redis_url does not start with rediss://; "
              "use rediss:// to connect with TLS")
    if config.redis_tls_key_file and not config.redis_tls_cert_file:
        _fail("redis_tls_key_file", "redis_tls_key_file is set without redis_tls_cert_file; "
              "set the client certificate too")
    for name in TLS_FILES:
        path = getattr(config, name)
        if path and not os.access(path, os.R_OK):
            reason = "does not exist" if not os.path.exists(path) else "cannot be read"
            _fail(name, f"{name} {path} {reason}")


def tls_kwargs(config: Config) -> dict[str, object]:
    """redis-py's ssl_ arguments from the redis_tls_* settings (for rediss://, or TLS sentinels)."""
    return dict(
        ssl_cert_reqs="required" if config.redis_tls_verify else "none",
        ssl_check_hostname=config.redis_tls_verify,
        ssl_ca_certs=config.redis_tls_ca_file or None,
        ssl_certfile=config.redis_tls_cert_file or None,
        ssl_keyfile=config.redis_tls_key_file or None,
    )


def _fail(setting: str, message: str) -> None:
    raise AccessError(f"{message} - at `$.{setting}`")


def password_flag_warning(flags: dict[str, object]) -> str | None:
    """What to say about a password given in a --redis-url flag, which every user can see in ps."""
    url = flags.get("redis_url")
    if not isinstance(url, str) or url_credentials(url)[1] is None:
        return None
    return ("the password in --redis-url is visible to every user of this machine in the process "
            "list; put redis_url in the config file or HOOKD_REDIS_URL, or the password in "
            "redis_password_file")


# -- what a failure to get in means ---------------------------------------------


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and those it was raised from or during, the first ten."""
    seen = 0
    while exc is not None and seen < 10:
        yield exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


def refused(exc: BaseException) -> bool:
    """Whether a connection refusal lies anywhere in the exception's chain."""
    return any(isinstance(link, ConnectionRefusedError) or getattr(link, "errno", None) == errno.ECONNREFUSED
               or f"Error {errno.ECONNREFUSED} " in str(link) for link in exception_chain(exc))


def was_reset(exc: BaseException) -> bool:
    """Whether the server reset the connection: what a TLS-only port does to plain text, and a
    server that refuses the client's certificate to TLS."""
    return any(isinstance(link, ConnectionResetError) for link in exception_chain(exc))


def login_user(config: Config) -> str:
    return url_credentials(config.redis_url)[0] or config.redis_username or "default"


def explain(config: Config, exc: BaseException, text: str) -> str | None:
    """The cause and the fix of a failure that comes from the login, the ACL or TLS; None for others."""
    import ssl

    import redis.exceptions

    user = login_user(config)
    if isinstance(exc, redis.exceptions.NoPermissionError) or text.startswith("NOPERM"):
        return (f"the Redis user '{user}' lacks a permission hookd needs ({text}); give it the "
                "rule in the 'Redis ACL' section of docs/redis.md (`ACL SETUSER` takes effect at once)")
    if isinstance(exc, redis.exceptions.AuthenticationError):
        if "required" in text.lower():
            return ("it requires a password: set redis_password_file (or HOOKD_REDIS_PASSWORD, or "
                    "put it in redis_url)")
        return (f"it refused the credentials of user '{user}' ({text}); check the user and "
                f"the password in {_password_source(config)}")
    for link in exception_chain(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            reason = (link.verify_message or str(link)).rstrip(".")
            if "mismatch" in reason:
                return (f"TLS certificate verify failed: {reason}; connect by a name the "
                        "server's certificate holds, or set redis_tls_server_name to one")
            if "expired" in reason or "not yet valid" in reason:
                return f"TLS certificate verify failed: {reason}; the server needs a valid certificate"
            now = (f" ({config.redis_tls_ca_file} did not sign it)" if config.redis_tls_ca_file
                   else " (the system's CAs did not sign it)")
            return (f"TLS certificate verify failed: {reason}; set redis_tls_ca_file to the CA "
                    f"certificate (PEM) that signed the server's certificate{now}")
        if isinstance(link, ssl.SSLError):
            return _explain_ssl(config, link)
    if uses_tls(config) and was_reset(exc):
        if config.redis_tls_cert_file:
            return (f"it closed the TLS connection ({text}); check that it trusts the CA that "
                    f"signed redis_tls_cert_file {config.redis_tls_cert_file}")
        return (f"it closed the TLS connection ({text}); a server that requires client "
                "certificates does that: set redis_tls_cert_file and redis_tls_key_file")
    return None


def _explain_ssl(config: Config, exc: BaseException) -> str:
    text = str(exc)
    upper = text.upper()
    if "CERTIFICATE_REQUIRED" in upper or "CERTIFICATE REQUIRED" in upper:
        return (f"it requires a client certificate ({text}); set redis_tls_cert_file and "
                "redis_tls_key_file")
    if any(s in upper for s in ("BAD_CERTIFICATE", "BAD CERTIFICATE", "UNKNOWN_CA", "UNKNOWN CA")):
        return (f"it refused hookd's client certificate {config.redis_tls_cert_file} ({text}); "
                "it must be signed by a CA the server trusts (its tls-ca-cert-file)")
    if "WRONG_VERSION_NUMBER" in upper or "RECORD_LAYER_FAILURE" in upper:
        return f"that port does not speak TLS ({text}); use redis:// for it, or the server's tls-port"
    if any(s in upper for s in ("PEM", "KEY_VALUES_MISMATCH", "NO_START_LINE")):
        return (f"cannot use the client certificate {config.redis_tls_cert_file} and key "
                f"{config.redis_tls_key_file or '(in the same file)'}: {text}")
    return f"TLS failed: {text}"


def _password_source(config: Config) -> str:
    if url_credentials(config.redis_url)[1]:
        return "redis_url"
    if config.redis_password:
        return "redis_password (HOOKD_REDIS_PASSWORD)"
    if config.redis_password_file:
        return f"redis_password_file {config.redis_password_file}"
    return "redis_url, redis_password_file or HOOKD_REDIS_PASSWORD (none is set)"
