"""The files the Redis settings name that decide whom hookd trusts or what secret it sends.

A CA file or directory decides which server hookd takes for its Redis (and so who sees every
event and the password); a password file, a client key or certificate decide what hookd proves
itself with. Each must be one that only the user or root could have written, reached through
directories and links no one else can change, as the config file is (paths.check_trusted_file);
the key and password files must not be readable by others either. Checked by access.py before a
command that uses Redis starts, and again each time one is read (through the descriptor it is
read from: read_trusted). None may be named in redis_url's query, where redis-py would read it by
its path at each connection (refuse_url_tls_files).
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from hookd.config_errors import SettingError
from hookd.paths import UnsafePathError, check_trusted_file, check_way_to_opened, refuse_untrusted

if TYPE_CHECKING:
    from hookd.publish.settings import RedisSettings

# What whoever can change each TLS file could do, by redis-py's argument for it.
_TLS_TRUST = {
    "ssl_ca_certs": "pose as the Redis server, and see every event and the password hookd sends",
    "ssl_certfile": "choose the client certificate hookd presents to Redis",
    "ssl_keyfile": "choose the key hookd proves itself with to Redis",
}

# A CA bundle is some hundreds of KiB at most.
TLS_FILE_LIMIT = 16 << 20


def check_file(path: str, setting: str, what: str, secret: bool = False) -> None:
    """Refuse, naming ``setting``, a file that
    decides whom hookd trusts or what secret it sends unless only the user or root could have
    written it (paths.check_trusted_file); a ``secret`` must not be readable by others either.
    ``what`` is what whoever can change it could do. A missing file raises the OSError."""
    try:
        check_trusted_file(path, what, secret)
    except UnsafePathError as exc:
        raise SettingError(f"{setting} {exc}", setting=setting) from None


def read_trusted(path: str, setting: str, what: str, limit: int, secret: bool = True) -> bytes:
    """Up to ``limit`` bytes of the file ``path`` (a password file, a TLS file), judged as
    check_file judges one but by the descriptor it is read through: checked by path and then
    opened by path, it could be another file by the open. Links are followed, as check_file follows
    them, and the way to the file checked to reach the one opened. Only a regular file is read (a
    FIFO or a device could hold the read for ever; O_NONBLOCK keeps the open from waiting on one).
    A missing file raises the OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        try:
            refuse_untrusted(os.path.abspath(path), info, what, secret, fd=fd)
            if not stat.S_ISREG(info.st_mode):  # refuse_untrusted takes a CA directory
                raise UnsafePathError(f"{path} is not a regular file; fix: point the setting at a regular file")
            check_way_to_opened(os.path.abspath(path), info)
        except UnsafePathError as exc:
            raise SettingError(f"{setting} {exc}", setting=setting) from None
        return fh.read(limit)


def read_tls_file(path: str, setting: str, secret: bool) -> bytes:
    """The CA file, client certificate or key a redis_tls_* ``setting`` names, read once through
    read_trusted: what ssl is given is the bytes judged, not a path it would open later (at each
    connection, when the file could be another). A ``secret`` (the key, or a certificate holding
    it) must not be readable by others."""
    arg = {"redis_tls_ca_file": "ssl_ca_certs", "redis_tls_cert_file": "ssl_certfile"}.get(setting, "ssl_keyfile")
    try:
        data = read_trusted(path, setting, _TLS_TRUST[arg], TLS_FILE_LIMIT + 1, secret)
    except OSError as exc:
        raise SettingError(
            f"cannot read {setting} {path}: {exc.strerror}; fix the file or unset {setting}", setting=setting
        ) from None
    if len(data) > TLS_FILE_LIMIT:
        raise SettingError(
            f"{setting} {path} is larger than {TLS_FILE_LIMIT >> 20} MiB: not a PEM file; point {setting} at one",
            setting=setting,
        )
    return data


# redis_url's query parameters that name a TLS file, and the setting that names it instead.
_URL_FILES = {
    "ssl_ca_certs": "redis_tls_ca_file",
    "ssl_ca_path": "redis_tls_ca_file",
    "ssl_certfile": "redis_tls_cert_file",
    "ssl_keyfile": "redis_tls_key_file",
}


def refuse_url_tls_files(settings: RedisSettings) -> None:
    """Refuse a TLS file named in redis_url's query, and a CA given there beside redis_tls_ca_file.

    redis-py's from_url hands each ssl_ query parameter to ssl as it stands, over hookd's own
    arguments: a file named there is opened by its path at each connection, whatever stands there
    then, long after any check of hookd's (a CA directory, ssl_ca_path, is even read a certificate
    at a time as the server's chain asks). The redis_tls_* settings name the same files and are
    read once, through the descriptor judged (tls_files.py). And a CA in the URL (ssl_ca_data)
    beside redis_tls_ca_file is added to it by ssl: a server either vouches for is taken, which
    neither setting says."""
    query = parse_qs(urlsplit(settings.url).query)
    for arg, setting in _URL_FILES.items():
        for path in query.get(arg, []):
            fix = (
                f"set {setting} to a PEM file of the CA certificates that sign the server's (a directory is not read)"
                if arg == "ssl_ca_path"
                else f'set {setting} = "{path}"'
            )
            raise SettingError(
                f"redis_url names a TLS file in its query ({arg}={path}), which redis-py would open by that "
                f"path at each connection, unchecked; fix: remove {arg} from redis_url and {fix}, which hookd "
                "checks and reads once",
                setting="redis_url",
            )
    if settings.tls_ca_file and query.get("ssl_ca_data"):
        raise SettingError(
            "redis_url's ssl_ca_data and redis_tls_ca_file both name CA certificates, and a server either "
            "vouches for would be taken; fix: keep one, redis_tls_ca_file (remove ssl_ca_data from redis_url)",
            setting="redis_url",
        )


def check_tls_files(settings: RedisSettings, tls: bool) -> None:
    """The CA, certificate and key files hookd's TLS connections read: the redis_tls_* settings
    (none may be named in redis_url: refuse_url_tls_files, before), and, when ``tls`` (rediss://, or
    sentinels spoken to with TLS) verifies the server with no CA named, the system's CAs, which are
    then what it trusts (a CA named is trusted alone: ca_alone.py)."""
    query = parse_qs(urlsplit(settings.url).query)
    named = [
        ("redis_tls_ca_file", settings.tls_ca_file, "ssl_ca_certs"),
        ("redis_tls_cert_file", settings.tls_cert_file, "ssl_certfile"),
        ("redis_tls_key_file", settings.tls_key_file, "ssl_keyfile"),
    ]
    for setting, path, arg in named:
        if not path:
            continue
        # The key, and a certificate that holds its key (no redis_tls_key_file), are secrets.
        secret = arg == "ssl_keyfile" or (arg == "ssl_certfile" and not settings.tls_key_file)
        try:
            check_file(path, setting, _TLS_TRUST[arg], secret)
        except OSError as exc:
            raise SettingError(f"cannot read {setting} {path}: {exc.strerror}", setting=setting) from None
    if tls and verifies(settings, query) and not (settings.tls_ca_file or query.get("ssl_ca_data")):
        for path, source in system_cas():
            _check_system_ca(path, source)


def _check_system_ca(path: str, source: str) -> None:
    """Refuse a CA file or directory of the system's store that another user could have changed."""
    try:
        check_trusted_file(path, _TLS_TRUST["ssl_ca_certs"])
    except UnsafePathError as exc:
        raise SettingError(
            f"the system's CA certificates ({source}), which rediss:// trusts when redis_tls_ca_file is not set: {exc}"
        ) from None
    except OSError as exc:  # a CA directory this user cannot list: which CAs it holds is unknown
        raise SettingError(
            f"cannot check the system's CA certificates ({source}) {path}, which rediss:// "
            f"trusts when redis_tls_ca_file is not set: {exc.strerror}; point SSL_CERT_FILE or "
            "SSL_CERT_DIR at CA certificates you can read, or set redis_tls_ca_file"
        ) from None


def verifies(settings: RedisSettings, query: dict[str, list[str]]) -> bool:
    """Whether TLS connections check the server's certificate (redis_url may say ssl_cert_reqs=none)."""
    return settings.tls_verify and query.get("ssl_cert_reqs", ["required"])[0].lower() not in ("none", "cert_none")


def system_cas() -> list[tuple[str, str]]:
    """The CA file and directories OpenSSL trusts by default -> (path, where it is named), those
    that exist; SSL_CERT_FILE and SSL_CERT_DIR (':'-separated) replace OpenSSL's defaults."""
    import ssl

    defaults = ssl.get_default_verify_paths()
    found = []
    env_file = os.environ.get(defaults.openssl_cafile_env)
    found.append(
        (env_file, f"{defaults.openssl_cafile_env} in the environment")
        if env_file
        else (defaults.openssl_cafile, "OpenSSL's default CA file")
    )
    env_dir = os.environ.get(defaults.openssl_capath_env)
    if env_dir:
        found += [(d, f"{defaults.openssl_capath_env} in the environment") for d in env_dir.split(os.pathsep)]
    else:
        found.append((defaults.openssl_capath, "OpenSSL's default CA directory"))
    return [(path, source) for path, source in found if path and os.path.exists(path)]


def read_system_cas() -> tuple[str, list[str]]:
    """The system's CAs as a TLS connection with no CA named trusts them: the PEM text of its CA file
    (SSL_CERT_FILE, else OpenSSL's default), read once through read_trusted, and its CA directories,
    which OpenSSL reads a certificate at a time as a chain asks (they cannot be read once), judged
    again here: the start's check passed over one that did not exist then, which another user may
    have made since (in /tmp, say)."""
    pem, directories = "", []
    for path, source in system_cas():
        if os.path.isdir(path):
            _check_system_ca(path, source)
            directories.append(path)
            continue
        try:
            data = read_trusted(
                path,
                f"the system's CA certificates ({source})",
                _TLS_TRUST["ssl_ca_certs"],
                TLS_FILE_LIMIT + 1,
                secret=False,
            )
        except OSError as exc:
            raise SettingError(
                f"cannot read the system's CA certificates ({source}) {path}: {exc.strerror}; point "
                "SSL_CERT_FILE at CA certificates you can read, or set redis_tls_ca_file"
            ) from None
        if len(data) > TLS_FILE_LIMIT:
            raise SettingError(
                f"the system's CA certificates ({source}) {path} are over {TLS_FILE_LIMIT >> 20} MiB; point "
                "SSL_CERT_FILE at a CA bundle, or set redis_tls_ca_file"
            )
        text = data.decode("ascii", "ignore")  # PEM is ASCII; OpenSSL skips the text between certificates
        pem = text if "-----BEGIN CERTIFICATE-----" in text else ""  # as OpenSSL's load, nothing trusted
    return pem, directories
