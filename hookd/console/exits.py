"""Exit codes shared by every command, and ending quietly when the reader goes away.

Usage errors exit 2 (argparse's), bad settings 78 (EX_CONFIG from sysexits.h), a
failure at run time 1; a closed pipe (``| head``) 141 and Ctrl-C 130, as a shell
reports a process killed by SIGPIPE or SIGINT, without a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

OK, FAILURE, USAGE, CONFIG = 0, 1, 2, 78
INTERRUPTED, BROKEN_PIPE = 130, 141

USAGE_TEXT = f"{USAGE} usage error (a bad flag or argument)"
CONFIG_TEXT = f"{CONFIG} bad setting (the message names the setting and where it came from)"
SIGNALS_TEXT = f"{INTERRUPTED} interrupted (Ctrl-C), {BROKEN_PIPE} output closed early (| head)"


def epilog(codes: str = f"{OK} success, {FAILURE} failure", config: bool = True) -> str:
    """The exit-code paragraph of a command's --help."""
    common = [USAGE_TEXT] + ([CONFIG_TEXT] if config else []) + [SIGNALS_TEXT]
    return f"exit status: {codes}; {', '.join(common)}."


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def quietly(run: Callable[[], int]) -> int:
    """Run a command; a closed pipe or Ctrl-C ends it with the conventional code, no traceback."""
    try:
        code = run()
        if sys.stdout is not None:  # None: started with stdout closed
            sys.stdout.flush()
        return code
    except BrokenPipeError:
        silence_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        try:
            sys.stderr.write("\n")
        except (OSError, ValueError):
            pass
        return INTERRUPTED
