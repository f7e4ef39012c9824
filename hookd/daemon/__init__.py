"""The daemon: wires the parts of hookd together, starts them in order, and drains them at the stop.

``Daemon`` is imported when first asked for: `hookd run` binds its control socket (first_socket.py)
before the daemon's modules, slow to import, are loaded, and any module of this package imports this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hookd.daemon.daemon import Daemon


def __getattr__(name: str) -> Any:
    if name == "Daemon":
        from hookd.daemon.daemon import Daemon

        return Daemon
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Daemon"]
