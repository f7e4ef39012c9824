"""Where settings come from, read into plain values: the config file (refused unless only the
user could have written it, and the way to it), and the HOOKD_<NAME> environment variables.

config.load merges them with the command line's flags and checks them against Config; the
fields it passes in are Config's, so that this module need not know the table.
"""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import msgspec

from hookd_client.hook_send import ROUTE_VARS

from hookd.config_errors import MAX_CONFIG_BYTES, ConfigError, SettingError

Fields = tuple[msgspec.inspect.Field, ...]

# Settings that hold a secret: masked in output, never a flag (process arguments are public), and
# kept only in a config file no one else can read.
SECRET_SETTINGS = frozenset({"redis_password", "redis_sentinel_password"})


def read_file(path: str, must_exist: bool) -> dict[str, Any]:
    """The config file's settings (none for a missing file, unless ``must_exist``: one named by
    --config or HOOKD_CONFIG); a ConfigError says why one cannot be read or trusted."""
    try:
        # O_NONBLOCK: a FIFO (nobody writing) reads as empty instead of hanging the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fd)
            _check_config_file(path, info, fd)
            data = fh.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file {path} is over {MAX_CONFIG_BYTES} bytes: not a config file")
        values = tomllib.loads(data.decode("utf-8"))
        _refuse_open_secret(path, info, values)
        return values
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"config file {path} does not exist; create it or drop --config") from None
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}; text goes in quotes "
            '(redis_url = "redis://127.0.0.1:6379/0"), a list in brackets (redact_disable = ["jwt"])'
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise ConfigError(f"config file {path} nests arrays or tables too deeply to be read") from None


def _check_config_file(path: str, info: os.stat_result, fd: int) -> None:
    """Refuse a config file another user could have written, or could swap: its settings say
    where every event goes (redis_url) and whether it is redacted. The file opened (``info``,
    its fstat) is judged as the other files that decide whom hookd trusts are
    (trust.check_trusted_file), and so is the way to it (the link's and its target's)."""
    from hookd.paths import UnsafePathError, check_way_to, refuse_untrusted

    if stat.S_ISCHR(info.st_mode):
        return  # /dev/null and the like: nothing anyone could write into it is kept
    if not stat.S_ISREG(info.st_mode):  # a FIFO: whoever writes into it would choose the settings
        raise ConfigError(f"config file {path} is not a regular file; point --config / HOOKD_CONFIG at one")
    try:
        what = "decide where hookd sends events (redis_url) and whether they are redacted"
        refuse_untrusted(path, info, what, fd=fd)
        check_way_to(path)  # the link itself too: one in a sticky directory is its owner's to replace
    except UnsafePathError as exc:
        raise ConfigError(f"config file {exc} (or point --config / HOOKD_CONFIG at a file of your own)") from None


def _refuse_open_secret(path: str, info: os.stat_result, values: Mapping[str, Any]) -> None:
    """Refuse a config file others can read when it holds a password, as a password file is
    refused (trust.refuse_untrusted): whoever reads the Redis password reads every event in the
    stream, and can add their own. A file without one may stay readable (umask 022 makes it so)."""
    if not stat.S_ISREG(info.st_mode) or not info.st_mode & 0o077:
        return
    held = [name for name in sorted(SECRET_SETTINGS) if values.get(name)]
    url = values.get("redis_url")
    try:
        if isinstance(url, str) and mask_url(url) != url:
            held.insert(0, "a password in redis_url")
    except ValueError:
        pass  # not a URL (an unclosed '['): refused as malformed once the settings are checked
    if held:
        from hookd.paths import describe

        raise ConfigError(
            f"config file {path} holds {' and '.join(held)} and is open to other users ({describe(info)}): "
            f"they can read the password, and with it every event in the stream; fix: chmod 600 {path} "
            "(or keep the password in redis_password_file, a file only you can read)"
        )


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``****``, for logs and output.

    Only the password's text is replaced, so that the rest reads exactly as
    configured (urlunsplit would rewrite ``unix:///path`` as ``unix:/path``).
    A query parameter is judged by its name as redis-py reads it (parse_qs
    decodes ``p%61ssword`` and ``+``), so that every spelling redis-py sends
    as a password (or a key's, ``ssl_password``) is masked.
    """
    parts = urlsplit(url)
    masked_url = url
    if parts.password:
        userinfo, _, hostinfo = parts.netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:****@{hostinfo}"
        masked_url = masked_url.replace(parts.netloc, netloc, 1)
    if parts.query:
        pieces = []
        for piece in parts.query.split("&"):
            name, equals, _ = piece.partition("=")
            secret = equals and "password" in unquote_plus(name).lower()
            pieces.append(f"{name}=****" if secret else piece)
        masked_url = masked_url.replace("?" + parts.query, "?" + "&".join(pieces), 1)
    return masked_url


def check_routes(environ: Mapping[str, str], overridden: set[str]) -> None:
    """Refuse a relative HOOKD_STATE_DIR, HOOKD_SOCKET or HOOKD_SPARE_INBOX.

    hook-send ignores such a variable (it runs in the agent's working directory, where a
    relative path names a place in the project), so a daemon that took it relative to its
    own working directory would listen where no hook-send looks. A flag that sets the same
    setting wins over the variable, which is then not read.
    """
    for variable in ROUTE_VARS:
        value, name = environ.get(variable, ""), variable.removeprefix("HOOKD_").lower()
        if value and not value.startswith("/") and name not in overridden:
            raise SettingError(
                f"{variable} from the environment: {name} {value!r} is not an absolute path; hook-send "
                "ignores a relative one (it runs in the agent's working directory), so it would not find "
                f"this daemon; fix: give an absolute path, e.g. {os.path.abspath(os.path.expanduser(value))}",
                setting=name,
                source=f"{variable} from the environment",
            )


# hookd's variables that name no setting: the config file's path, hook-send's own, and the token
# HTTP hooks send (HOOKD_HTTP_TOKEN is a near miss of HOOKD_HTTP_TOKEN_FILE, and meant).
OTHER_VARIABLES = frozenset(
    {"HOOKD_CONFIG", "HOOKD_DEBUG", "HOOKD_SEND_TIMEOUT_MS", "HOOKD_INBOX_FSYNC", "HOOKD_HTTP_TOKEN"}
)


def read_environ(environ: Mapping[str, str], fields: Fields) -> dict[str, Any]:
    """The settings among ``fields`` given as HOOKD_<NAME> variables."""
    variables = {f"HOOKD_{field.name.upper()}": field.name for field in fields}
    values = {name: environ[variable] for variable, name in variables.items() if environ.get(variable)}
    _refuse_near_misses(environ, list(variables))
    return decode_lists(values, fields)


def _refuse_near_misses(environ: Mapping[str, str], variables: list[str]) -> None:
    """A HOOKD_ variable a letter or two from a setting's is a typo that would leave the setting at
    its default unseen, as a mistyped name in the config file would: refused alike. Others (tests',
    scripts') are not hookd's business."""
    for name in environ:
        if name.startswith("HOOKD_") and name not in OTHER_VARIABLES and name not in variables:
            close = difflib.get_close_matches(name, variables, n=1, cutoff=0.85)
            if close:
                raise SettingError(
                    f"{name} from the environment: {name} is not a setting's variable; did you mean "
                    f"{close[0]}? (rename it, or unset {name})",
                    source=f"{name} from the environment",
                )


def decode_lists(values: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """List settings given as text (environment, flags) are JSON: '["jwt", "payment_card"]'."""
    for field in fields:
        value = values.get(field.name)
        if isinstance(value, str) and isinstance(
            _unwrap(field.type), (msgspec.inspect.ListType, msgspec.inspect.DictType)
        ):
            try:
                values[field.name] = msgspec.json.decode(value)
            except msgspec.DecodeError:
                pass  # left as text, so that validation names the setting and its source
    return values


def _unwrap(info: msgspec.inspect.Type) -> msgspec.inspect.Type:
    return info.type if isinstance(info, msgspec.inspect.Metadata) else info
