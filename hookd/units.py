"""Numbers as people read them, for every command's output."""

from __future__ import annotations


def format_age(seconds: float) -> str:
    """``45s``, ``3m12s``, ``2h05m``, ``3d04h``."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def format_bytes(n: float) -> str:
    """``512 B``, ``1.3 KiB``, ``2.0 GiB``."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 event``, ``2 events``, ``1,024 events``; ``words`` for a plural not made with an s
    (``plural(n, "batch", "batches")``). Every count a command prints with a noun goes through it."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {words or word + 's'}"
