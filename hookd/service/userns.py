"""The unit options that put a systemd *user* unit's process in a user namespace, and finding them
in a unit file (an older hookd's, or a drop-in of the user's).

A user manager can map nothing but the user's own uid into a unit's user namespace (systemd PR
#25233: "it requires privileges to set up an id map of more than the current uid"), so root and
every other user read there as the overflow uid, 65534. hookd's owner checks need real uids: who
owns ``/`` and the state directory's parents, who runs the local Redis. In such a namespace they
refuse all of them, and hookd does not start (docs/security.md, thirty-sixth pass).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from hookd import user_files

# A unit file (or drop-in) is a few hundred bytes; past this, what is there is not one of hookd's.
MAX_UNIT_BYTES = 1 << 20
UNIT_FIX = "remove it (hookd service install writes hookd's own), then run this again"

# systemd's exec_context_need_unprivileged_private_users() (src/core/exec-invoke.c; before v255 in
# src/core/execute.c; since v254, NEWS "user units: implicitly enable PrivateUsers="): in a user
# manager each of these, set, makes systemd set up the user namespace first. PrivatePIDs= is its
# exec_needs_pid_namespace(), ProtectControlGroups= its exec_needs_cgroup_mount(); the
# *Directories= spellings are the older names of the *Paths= options.
IMPLY_PRIVATE_USERS = (
    "PrivateUsers",
    "PrivateTmp",
    "PrivateDevices",
    "PrivateNetwork",
    "NetworkNamespacePath",
    "PrivateIPC",
    "IPCNamespacePath",
    "PrivateMounts",
    "MountAPIVFS",
    "BindLogSockets",
    "BindPaths",
    "BindReadOnlyPaths",
    "TemporaryFileSystem",
    "RootDirectory",
    "ExtensionDirectories",
    "ProtectSystem",
    "ProtectHome",
    "PrivatePIDs",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectKernelLogs",
    "ProtectControlGroups",
    "ProtectClock",
    "ProtectHostname",
    "ReadWritePaths",
    "ReadOnlyPaths",
    "InaccessiblePaths",
    "ExecPaths",
    "NoExecPaths",
    "ReadWriteDirectories",
    "ReadOnlyDirectories",
    "InaccessibleDirectories",
)
# exec_needs_mount_namespace() (src/core/execute.c): these need a mount namespace, which a user
# manager can only make inside such a user namespace; without one systemd skips or fails them.
NEED_MOUNT_NAMESPACE = (
    "ProtectProc",
    "ProcSubset",
    "RootImage",
    "MountImages",
    "ExtensionImages",
    "MountFlags",
    "LogNamespace",
)
USER_NAMESPACE_OPTIONS = frozenset(IMPLY_PRIVATE_USERS + NEED_MOUNT_NAMESPACE)

# The values that leave an option off (an empty value resets a list option).
_OFF = {"", "no", "false", "off", "0"}
_OFF_BY_OPTION = {"ProtectProc": {"default"}, "ProcSubset": {"all"}, "MountFlags": {"shared"}}


def namespace_settings(texts: Iterable[str]) -> list[str]:
    """The settings that would run the unit in a user namespace, as ``Option=value``, from the unit
    file's text and then its drop-ins' (later ones win, as systemd reads them); [] if none."""
    return [f"{option}={value}" for option, (value, _) in _left_on(("", text) for text in texts).items()]


def _left_on(files: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Option -> (value, the file that last set it) of each option left on once ``files`` (path, text)
    are read in order, as systemd reads a unit and its drop-ins: a later assignment replaces an earlier
    one, an off value or an empty one (a list's reset) turns it off. In the order they were last set."""
    found: dict[str, tuple[str, str]] = {}
    for path, text in files:
        for option, value in _service_settings(text):
            if option not in USER_NAMESPACE_OPTIONS:
                continue
            found.pop(option, None)
            if value.strip().lower() not in _OFF | _OFF_BY_OPTION.get(option, set()):
                found[option] = (value.strip(), path)
    return found


def _service_settings(text: str) -> list[tuple[str, str]]:
    """(option, value) of each assignment in the [Service] section, in order."""
    settings, section = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and "=" in line:
            option, _, value = line.partition("=")
            settings.append((option.strip(), value))
    return settings


def drop_ins(unit_path: str) -> list[str]:
    """The unit's drop-in files (``<unit>.d/*.conf`` beside it), in the order systemd reads them."""
    directory = unit_path + ".d"
    try:
        names = sorted(name for name in os.listdir(directory) if name.endswith(".conf"))
    except OSError:  # none, or not readable: systemd reads none there either
        return []
    return [os.path.join(directory, name) for name in names]


def findings(unit_path: str, unit_text: str | None) -> list[tuple[str, list[str]]]:
    """(file, its settings) for each file that sets an option that would run the unit in a user
    namespace, the unit (its text as installed, None to leave it out) and its drop-ins judged together
    as systemd reads them: each option left on at the end is named once, with the file that last set
    it; [] if none is left on."""
    files = [] if unit_text is None else [(unit_path, unit_text)]
    files += [(path, text) for path in drop_ins(unit_path) if (text := _read(path)) is not None]
    by_file: dict[str, list[str]] = {path: [] for path, _ in files}
    for option, (value, path) in _left_on(files).items():
        by_file[path].append(f"{option}={value}")
    return [(path, settings) for path, settings in by_file.items() if settings]


WHY = (
    "which make systemd run the service in a user namespace that maps only your uid, where root and "
    "every other user read as uid 65534 and hookd's owner checks refuse them all (it does not start)"
)


def _read(path: str) -> str | None:
    """A drop-in's text; None for one systemd cannot read either. A FIFO, a device or another
    user's file there is refused (UserFileError, naming it), not waited on or passed over."""
    try:
        data, _ = user_files.read(path, MAX_UNIT_BYTES, UNIT_FIX)
        return data.decode("utf-8")
    except user_files.UserFileError:
        raise
    except (OSError, UnicodeDecodeError):
        return None
