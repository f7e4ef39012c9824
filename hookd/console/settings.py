"""The settings a command runs with: loaded (hookd/config.py), then checked part by part.

config.py checks each value on its own (type, range, syntax). Whether a part's settings
work together, and whether the files they name can be used, is checked by that part's own
code (``check_settings`` in hookd/publish/access.py, ``check`` in topology.py, ...), here,
and only for the parts a command uses (options.USES): a Redis setting that cannot work
stops ``hookd run`` or ``hookd tail``, never ``hookd hooks status``. A check raises a
SettingError naming the setting; this adds where that setting came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hookd.config import Config, load_sourced, setting_names
from hookd.config_errors import SettingError
from hookd.publish.settings import RedisSettings


def _check_redis(config: Config) -> None:
    from hookd.publish import access, topology

    settings = RedisSettings.from_config(config)
    topology.check(settings)
    access.check_settings(settings)


def _check_stream(config: Config) -> None:
    from hookd.publish.script import check_stream

    check_stream(config.stream)


def _check_redaction(config: Config) -> None:
    if not (config.redact_disable or config.redact_allow or config.redact_rules):
        return  # nothing of the user's to check, and the built-in rules take a second to import
    from hookd.redact import check_settings

    check_settings(config.redact_disable, config.redact_allow, config.redact_rules)


def _check_http(config: Config) -> None:
    from hookd.ingest.http_setup import check_settings

    check_settings(config.http_addr, config.http_allow_public)


# Each part's check, and the settings it reads: it runs for a command that uses any of them.
CHECKS: tuple[tuple[frozenset[str], Callable[[Config], None]], ...] = (
    (frozenset({"stream"}), _check_stream),
    (frozenset(RedisSettings.setting_names()), _check_redis),
    (frozenset({"redact_disable", "redact_allow", "redact_rules"}), _check_redaction),
    (frozenset({"http_addr", "http_allow_public"}), _check_http),
)


def load(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None, uses: Iterable[str] | None = None
) -> Config:
    """The Config, with the settings in ``uses`` (default: all) checked by their parts.

    A SettingError names the setting, where it came from, and the fix.
    """
    config, sources = load_sourced(flags, environ)
    check(config, sources, uses)
    return config


def check(config: Config, sources: Any, uses: Iterable[str] | None = None) -> None:
    """The parts' checks of the settings in ``uses`` (default: all), each error located in ``sources``
    (config.load_sourced's). Apart from the load for `hookd run`, which answers status meanwhile: the
    checks import the parts' code (Redis's client: seconds on a loaded machine)."""
    used = set(setting_names() if uses is None else uses)
    for names, part in CHECKS:
        if names & used:
            try:
                part(config)
            except SettingError as exc:
                if exc.setting is None:
                    raise
                raise exc.located(sources.of(exc.setting)) from None
