"""Claude Code's allowlists for HTTP hooks, which can keep hookd's from running or from its token.

``allowedHttpHookUrls``: once any settings file defines it, Claude Code runs an HTTP hook only if
its URL matches one of the patterns (``*`` a wildcard; the arrays of all files merged; an empty
array blocks every HTTP hook). ``httpHookAllowedEnvVars``: once defined, a hook's header gets a
variable only if this list names it too, else an empty string (settings reference, "Hook and
skill settings"; both apply to hooks from every source). Blocked, hookd's HTTP hooks never run;
without its variable, the token is empty and hookd refuses every event (401): lost either way.
"""

from __future__ import annotations

import fnmatch
import re

from hookd.hooks.entries import TOKEN_VAR
from hookd.hooks.layers import Layer


def _merged(layers: list[Layer], key: str) -> tuple[list[str] | None, list[str]]:
    """The merged array of ``key`` (None when no file defines it) and the files that define it."""
    values: list[str] | None = None
    where = []
    for layer in layers:
        block = layer.data.get(key)
        if isinstance(block, list):
            values = (values or []) + [v for v in block if isinstance(v, str)]
            where.append(layer.path)
    return values, where


def _matches(url: str, pattern: str) -> bool:
    """Through fnmatch's translation, which does not backtrack: ``*`` joined as ``.*`` took time
    exponential in the stars of a pattern that fails, and a checkout's settings can hold any pattern.
    Only ``*`` is a wildcard here: ``?`` and ``[`` are made literal."""
    literal = re.sub(r"([?\[])", r"[\1]", pattern)
    return re.fullmatch(fnmatch.translate(literal), url, re.IGNORECASE) is not None  # hostnames without case


def problems(url: str, layers: list[Layer]) -> list[str]:
    """What keeps Claude Code from sending hookd's HTTP hooks to ``url`` with the token."""
    found = []
    allowed, where = _merged(layers, "allowedHttpHookUrls")
    if allowed is not None and not any(_matches(url, p) for p in allowed):
        found.append(
            f"allowedHttpHookUrls is set in {', '.join(where)} and no pattern of it matches {url}: Claude Code "
            f"does not run hookd's HTTP hooks, every event is lost; fix: add {url} to allowedHttpHookUrls "
            "(in the managed settings, ask whoever manages this machine), or use command hooks "
            "(hookd hooks install --mode command)"
        )
    names, where = _merged(layers, "httpHookAllowedEnvVars")
    if names is not None and TOKEN_VAR not in names:
        found.append(
            f"httpHookAllowedEnvVars is set in {', '.join(where)} without {TOKEN_VAR}: Claude Code sends hookd's "
            f"HTTP hooks with an empty token, which hookd refuses (401), every event is lost; fix: add "
            f"{TOKEN_VAR} to httpHookAllowedEnvVars, or use command hooks (hookd hooks install --mode command)"
        )
    return found
