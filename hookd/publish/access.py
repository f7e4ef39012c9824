"""How hookd gets into Redis: the user and password it logs in with, and the TLS settings.

Checked before a command that uses Redis starts (``check_settings``, run by
hookd/console/settings.py), so that a mistake stops hookd at once with a message
naming the setting, rather than showing up later as a Redis outage.
The password is read here and handed to redis-py only; it never goes into a
message.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from hookd.config_errors import SettingError
from hookd.policies import SentinelTls
from hookd.publish.trusted_files import check_tls_files, read_trusted, refuse_url_tls_files

if TYPE_CHECKING:
    from hookd.publish.settings import RedisSettings

# RedisSettings' fields (the settings are redis_ and the name).
TLS_FILES = ("tls_ca_file", "tls_cert_file", "tls_key_file")
TLS_FIELDS = TLS_FILES + ("tls_server_name",)


def uses_tls(settings: RedisSettings) -> bool:
    return urlsplit(settings.url).scheme == "rediss"


def url_credentials(url: str) -> tuple[str | None, str | None]:
    """The user and password a Redis URL carries itself (userinfo, else ?username= and ?password=),
    read as redis-py's parse_url reads them: query names decoded by parse_qs (``p%61ssword`` is
    ``password``), the first value taken, userinfo before the query."""
    user, password, _ = _url_logins(url)
    return user, password


def url_secrets(url: str) -> list[str]:
    """Every secret redis-py takes from the URL: the password, and a TLS key's (``ssl_password``)."""
    return [secret for secret in _url_logins(url)[1:] if secret]


def _url_logins(url: str) -> tuple[str | None, str | None, str | None]:
    """The URL's user, password and TLS key password, from one parse of it (url_credentials)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    user = unquote(parts.username) if parts.username else next(iter(query.get("username", [])), None)
    password = unquote(parts.password) if parts.password else next(iter(query.get("password", [])), None)
    key_password = next(iter(query.get("ssl_password", [])), None)
    return user or None, password or None, key_password or None


def read_password_file(path: str, setting: str = "redis_password_file") -> str:
    """The password in ``path``: its first line. Refused if other users can read or change the file
    (trusted_files.read_trusted), since whoever writes it chooses the password hookd sends.

    ``setting`` is the name messages give the file by; a SettingError names it."""
    try:
        text = read_trusted(path, setting, "choose the password hookd sends", 64 * 1024)
    except OSError as exc:
        raise SettingError(
            f"cannot read {setting} {path}: {exc.strerror}; point {setting} at the "
            "file that holds the password (its first line), or unset it",
            setting=setting,
        ) from None
    try:
        password = text.decode("utf-8").splitlines()[0] if text.strip() else ""
    except UnicodeDecodeError:
        raise SettingError(f"{setting} {path} is not UTF-8 text", setting=setting) from None
    if not password:
        raise SettingError(f"{setting} {path} is empty; its first line must be the password", setting=setting)
    return password


def secrets_in_use(settings: RedisSettings) -> list[str]:
    """The passwords hookd logs in to Redis and the sentinels with (redis_url's, the settings', their
    files'): hookd's own secrets, redacted by their value (redact/known.py). A file that cannot be read
    gives none here: check_settings says it."""
    found = [*url_secrets(settings.url), settings.password, settings.sentinel_password]
    for path, setting in (
        (settings.password_file, "redis_password_file"),
        (settings.sentinel_password_file, "redis_sentinel_password_file"),
    ):
        if path:
            try:
                found.append(read_password_file(path, setting))
            except SettingError:
                pass
    return [secret for secret in found if secret]


def login(settings: RedisSettings) -> dict[str, str]:
    """The ``username`` and ``password`` arguments for redis-py, from the settings.

    A user or password in redis_url is left to redis-py, which reads it there;
    check_settings makes sure a setting does not say otherwise.
    """
    return credentials(settings.username, settings.password, settings.password_file, "redis_password_file")


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


def check_settings(settings: RedisSettings) -> None:
    """Raise SettingError, naming the setting, for a login or TLS setting that cannot work."""
    user, password = url_credentials(settings.url)
    if settings.password and settings.password_file:
        raise SettingError(
            "the password is given twice, by redis_password (HOOKD_REDIS_PASSWORD) "
            "and by redis_password_file; keep one",
            setting="redis_password_file",
        )
    given = "redis_password" if settings.password else "redis_password_file"
    if password and (settings.password or settings.password_file):
        raise SettingError(f"the password is given twice, in redis_url and by {given}; keep one", setting=given)
    if user and settings.username and user != settings.username:
        raise SettingError(
            f"redis_url logs in as {user!r} but redis_username says {settings.username!r}; keep one",
            setting="redis_username",
        )
    if settings.password_file:
        read_password_file(settings.password_file)
    refuse_url_tls_files(settings)  # first: a file there is half of what the checks below look at
    tls_given = ["redis_" + name for name in TLS_FIELDS if getattr(settings, name)]
    if tls_given and not uses_tls(settings) and settings.sentinel_tls is not SentinelTls.ON:
        # Most likely a forgotten rediss://, which would send the password in clear text.
        raise SettingError(
            f"{tls_given[0]} is set but redis_url does not start with rediss://; use rediss:// to connect with TLS",
            setting=tls_given[0],
        )
    if settings.tls_key_file and not settings.tls_cert_file:
        raise SettingError(
            "redis_tls_key_file is set without redis_tls_cert_file; set the client certificate too",
            setting="redis_tls_key_file",
        )
    for name in TLS_FILES:
        path = getattr(settings, name)
        if path and not os.access(path, os.R_OK):
            reason = "does not exist" if not os.path.exists(path) else "cannot be read"
            raise SettingError(f"redis_{name} {path} {reason}", setting=f"redis_{name}")
    check_tls_files(settings, uses_tls(settings) or settings.sentinel_tls is SentinelTls.ON)


def password_flag_warning(flags: dict[str, object]) -> str | None:
    """What to say about a password given in a --redis-url flag, which every user can see in ps."""
    url = flags.get("redis_url")
    if not isinstance(url, str) or not url_secrets(url):
        return None
    return (
        "the password in --redis-url is visible to every user of this machine in the process "
        "list; put redis_url in the config file or HOOKD_REDIS_URL, or the password in "
        "redis_password_file"
    )


# -- what a failure to get in means ---------------------------------------------


def exception_chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and those it was raised from or during, the first ten."""
    seen = 0
    while exc is not None and seen < 10:
        yield exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


def refused(exc: BaseException) -> bool:
    """Whether a connection refusal lies anywhere in the exception's chain."""
    return any(
        isinstance(link, ConnectionRefusedError)
        or getattr(link, "errno", None) == errno.ECONNREFUSED
        or f"Error {errno.ECONNREFUSED} " in str(link)
        for link in exception_chain(exc)
    )


def was_reset(exc: BaseException) -> bool:
    """Whether the server reset the connection: what a TLS-only port does to plain text, and a
    server that refuses the client's certificate to TLS."""
    return any(isinstance(link, ConnectionResetError) for link in exception_chain(exc))


def login_user(settings: RedisSettings) -> str:
    return url_credentials(settings.url)[0] or settings.username or "default"


def explain(settings: RedisSettings, exc: BaseException, text: str) -> str | None:
    """The cause and the fix of a failure that comes from the login, the ACL or TLS; None for others."""
    import ssl

    import redis.exceptions

    user = login_user(settings)
    if isinstance(exc, redis.exceptions.NoPermissionError) or text.startswith("NOPERM"):
        return (
            f"the Redis user '{user}' lacks a permission hookd needs ({text}); give it the "
            "rule in the 'Redis ACL' section of docs/redis.md (`ACL SETUSER` takes effect at once)"
        )
    if isinstance(exc, redis.exceptions.AuthenticationError):
        if "required" in text.lower():
            return "it requires a password: set redis_password_file (or HOOKD_REDIS_PASSWORD, or put it in redis_url)"
        return (
            f"it refused the credentials of user '{user}' ({text}); check the user and "
            f"the password in {_password_source(settings)}"
        )
    for link in exception_chain(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            reason = (link.verify_message or str(link)).rstrip(".")
            if "mismatch" in reason:
                return (
                    f"TLS certificate verify failed: {reason}; connect by a name the "
                    "server's certificate holds, or set redis_tls_server_name to one"
                )
            if "expired" in reason or "not yet valid" in reason:
                return f"TLS certificate verify failed: {reason}; the server needs a valid certificate"
            if settings.tls_ca_file:
                now = f" ({settings.tls_ca_file} did not sign it)"
            elif "ssl_ca_data" in parse_qs(urlsplit(settings.url).query):  # trusted alone, as the file (ca_alone.py)
                now = " (the CA in redis_url's ssl_ca_data did not sign it)"
            else:
                now = " (the system's CAs did not sign it)"
            return (
                f"TLS certificate verify failed: {reason}; set redis_tls_ca_file to the CA "
                f"certificate (PEM) that signed the server's certificate{now}"
            )
        if isinstance(link, ssl.SSLError):
            return _explain_ssl(settings, link)
    if uses_tls(settings) and was_reset(exc):
        if settings.tls_cert_file:
            return (
                f"it closed the TLS connection ({text}); check that it trusts the CA that "
                f"signed redis_tls_cert_file {settings.tls_cert_file}"
            )
        return (
            f"it closed the TLS connection ({text}); a server that requires client "
            "certificates does that: set redis_tls_cert_file and redis_tls_key_file"
        )
    return None


def _explain_ssl(settings: RedisSettings, exc: BaseException) -> str:
    text = str(exc)
    upper = text.upper()
    if "CERTIFICATE_REQUIRED" in upper or "CERTIFICATE REQUIRED" in upper:
        return f"it requires a client certificate ({text}); set redis_tls_cert_file and redis_tls_key_file"
    if any(s in upper for s in ("BAD_CERTIFICATE", "BAD CERTIFICATE", "UNKNOWN_CA", "UNKNOWN CA")):
        return (
            f"it refused hookd's client certificate {settings.tls_cert_file} ({text}); "
            "it must be signed by a CA the server trusts (its tls-ca-cert-file)"
        )
    if "WRONG_VERSION_NUMBER" in upper or "RECORD_LAYER_FAILURE" in upper:
        return f"that port does not speak TLS ({text}); use redis:// for it, or the server's tls-port"
    if any(s in upper for s in ("PEM", "KEY_VALUES_MISMATCH", "NO_START_LINE")):
        return (
            f"cannot use the client certificate {settings.tls_cert_file} and key "
            f"{settings.tls_key_file or '(in the same file)'}: {text}"
        )
    return f"TLS failed: {text}"


def _password_source(settings: RedisSettings) -> str:
    if url_credentials(settings.url)[1]:
        return "redis_url"
    if settings.password:
        return "redis_password (HOOKD_REDIS_PASSWORD)"
    if settings.password_file:
        return f"redis_password_file {settings.password_file}"
    return "redis_url, redis_password_file or HOOKD_REDIS_PASSWORD (none is set)"
