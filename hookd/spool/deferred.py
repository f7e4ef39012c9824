"""A read of a segment file that the event loop's caller makes in a thread, then asks again (reading.py)."""

from __future__ import annotations

from collections.abc import Callable


class ReadDeferred(Exception):
    """A read of a segment the caller makes off the event loop (``read``, in a thread), then asks again:
    the reader's state is as it was before the call that raised it, or as far on as it got without reading."""

    def __init__(self, read: Callable[[], None], path: str) -> None:
        super().__init__(path)
        self.read = read
        self.path = path
