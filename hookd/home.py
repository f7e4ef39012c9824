"""The user's home, as hookd's defaults take it: where Claude Code's user settings, the service
files and the default config file are, and why there is none.

Only an absolute $HOME, else the password database's home (hook-send's home_dir) counts: a
relative one names a place under the working directory, which may be someone's checkout.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping

from hookd_client.hook_send import home_dir

from hookd.config_errors import SettingError


def user_home(environ: Mapping[str, str]) -> str:
    """The user's home for Claude Code's user settings and the service files: an absolute $HOME,
    else the password database's (hook-send's home_dir). A relative HOME names a place under the
    working directory (a checkout): the user's settings written there would be the project's."""
    problem = home_problem(environ)
    if problem:
        raise SettingError(
            f"{problem}; fix: set HOME to the absolute path of your home directory",
            setting="HOME",
            source="the environment",
        )
    home = home_dir(environ)
    assert home is not None  # home_problem says why when there is none
    return str(home)


def home_problem(environ: Mapping[str, str]) -> str | None:
    """Why this user has no home for hookd's defaults, or None. An absolute HOME is taken as given;
    the password database's must be a directory of the user's: nobody's /nonexistent, or a
    service's /, is no place of theirs, and what was made under it failed half-way or landed in
    the wrong place (tests/test_redteam16_left_no_home.py)."""
    home = home_dir(environ)
    given = environ.get("HOME", "")
    if home is not None and home == given:
        return None
    unset = "HOME is not set" if not given else f"HOME ({given!r}) is not an absolute path"
    if home is None:
        return f"{unset} and the password database names no home for this user"
    problem = _not_a_home(str(home))
    return f"{unset}, and the password database's home for this user, {home}, {problem}" if problem else None


def _not_a_home(path: str) -> str | None:
    """Why ``path`` cannot be this user's home, or None."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"cannot be used ({exc.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.geteuid():
        return f"belongs to uid {info.st_uid}, not to you"
    return None


def default_config_path(environ: Mapping[str, str]) -> str | None:
    """$XDG_CONFIG_HOME/hookd/config.toml, else ~/.config/hookd/config.toml; None without a home.

    Only absolute paths count (a relative one names a place under the working directory, which
    may be someone's checkout: its config file would choose where the events go), as hook-send
    takes them (home_dir)."""
    xdg = environ.get("XDG_CONFIG_HOME", "")
    home = home_dir(environ)
    base = xdg if xdg.startswith("/") else os.path.join(home, ".config") if home else None
    return os.path.join(base, "hookd", "config.toml") if base else None
