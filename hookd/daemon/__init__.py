"""The daemon: wires the parts of hookd together, starts them in order, and drains them at the stop."""

from hookd.daemon.daemon import Daemon

__all__ = ["Daemon"]
