"""hookd: Claude Code hook events into a Redis Stream, fast and without loss."""

__version__ = "0.1.0"
