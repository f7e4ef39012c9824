"""No core files: a crash must not write to disk what a hookd process holds in memory.

``hookd run`` holds every payload before it is redacted; ``hookd tail`` and ``hookd ui`` hold the
Redis password and the events they show; ``hookd redact`` the raw text it is given; ``config``,
``status`` and ``replay`` the password too. So every command turns them off as it starts (cli.main),
before it reads a setting. A core file (beside the process with the kernel's
``core_pattern`` of ``core``, or in systemd-coredump's store) would keep them, whatever
``ulimit -c`` or the service manager's ``LimitCORE`` the process got. The hard limit goes to 0
too, so nothing later in the process (or a child, which inherits it) turns core files back on.
hook-send does the same for itself (client/hook_send.py, hook_send.c).
"""

from __future__ import annotations

import resource


def turn_off() -> None:
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
