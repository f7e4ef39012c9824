"""The settings the command being run uses, from its parsed arguments, and the config file it reads.

The flags on the command line (console/options.py) go to console/settings.py, which loads the
settings and checks those of the parts this command uses.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

from hookd.config import Config, load_sourced
from hookd.config_errors import SettingError
from hookd.console import settings
from hookd.console.options import USES, chosen, settings_from


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    from hookd.publish.access import password_flag_warning

    given = settings_from(args)
    warning = password_flag_warning(given)
    if warning and args.command == "run":  # a daemon's arguments stay in the process list
        raise SettingError(f"refusing to run: {warning}", setting="redis_url", source="--redis-url on the command line")
    if warning:
        print(f"hookd: warning: {warning}", file=sys.stderr)
    return given


def load(args: argparse.Namespace) -> Config:
    """The settings, with those of the parts this command uses checked (console/settings.py)."""
    return settings.load(_settings(args), uses=chosen(USES.get(args.command, ())))


def load_unchecked(args: argparse.Namespace) -> tuple[Config, Callable[[], None]]:
    """The settings, each value checked on its own, and the call that checks them as load() does:
    `hookd run` binds its first socket between the two (daemon/first_socket.py)."""
    config, sources = load_sourced(_settings(args))
    return config, functools.partial(settings.check, config, sources, chosen(USES.get(args.command, ())))


def config_file_of(args: argparse.Namespace) -> str | None:
    """The config file this command reads, when one was named or exists in the default place."""
    from hookd.home import default_config_path

    named = getattr(args, "config", None) or os.environ.get("HOOKD_CONFIG")
    if named:
        return os.path.abspath(named)
    default = default_config_path(os.environ)
    return default if default and os.path.exists(default) else None
