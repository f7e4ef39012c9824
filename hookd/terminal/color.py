"""Colour on a terminal only, as NO_COLOR (no-color.org) and FORCE_COLOR (force-color.org) say."""

from __future__ import annotations

import os
from typing import Mapping, TextIO


def enabled(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """NO_COLOR set and not empty: never; else FORCE_COLOR set and not empty: always;
    else only on a terminal that is not TERM=dumb."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a closed or odd stream
        return False
