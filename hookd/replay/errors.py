"""Errors of ``hookd replay``."""


class ReplayError(Exception):
    """Something the user must fix; the message names the problem and the fix."""
