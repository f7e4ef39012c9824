"""Paths judged by their text alone: never resolved against the filesystem (no stat, no symlinks).

Tool paths come from the agent; looking them up would put disk I/O (and the
agent's choice of path) on the daemon's hot path, and would judge a path by
what the disk holds now rather than by what the agent asked for.
"""

from __future__ import annotations

import posixpath
import re

# Directories whose files are credentials (anywhere in a path: ~/.ssh, /root/.aws, ...).
CREDENTIAL_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".azure"})
# Files inside those directories that are not secret.
PUBLIC_IN_CREDENTIAL_DIRS = frozenset({"known_hosts", "known_hosts.old", "authorized_keys", "config"})
CREDENTIAL_FILES = frozenset(
    {
        ".netrc",
        "_netrc",
        ".pgpass",
        ".git-credentials",
        ".npmrc",
        ".pypirc",
        ".htpasswd",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "credentials.json",
        "service-account.json",
    }
)
# (parent directory, file name) pairs: ~/.kube/config, ~/.docker/config.json, gcloud's keys.
CREDENTIAL_PAIRS = frozenset(
    {
        (".kube", "config"),
        (".docker", "config.json"),
        ("gcloud", "credentials.db"),
        ("gcloud", "access_tokens.db"),
        ("gcloud", "application_default_credentials.json"),
    }
)
CREDENTIAL_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")
# .env.example and the like are templates, committed on purpose.
ENV_TEMPLATES = frozenset({"example", "sample", "template", "dist", "defaults", "tmpl"})

SYSTEM_DIRS = (
    "/etc/",
    "/usr/",
    "/bin/",
    "/sbin/",
    "/lib/",
    "/lib64/",
    "/boot/",
    "/sys/",
    "/proc/",
    "/dev/",
    "/var/lib/",
    "/System/",
    "/Library/",
)
# The same for Windows paths in their windows_form.
_WINDOWS_SYSTEM = re.compile(r"/[a-z]:/(?:windows|program files(?: \(x86\))?|programdata)/")
SHELL_STARTUP_FILES = frozenset(
    {
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        ".zlogin",
        ".cshrc",
        ".tcshrc",
        "config.fish",
    }
)
# PowerShell's profiles ($PROFILE), by name in any case: Windows paths come case folded.
POWERSHELL_PROFILES = frozenset(
    {"microsoft.powershell_profile.ps1", "microsoft.powershellise_profile.ps1", "microsoft.vscode_profile.ps1"}
)


# A Windows path, as Claude Code on Windows sends them: C:\\dir, C:/dir, \\\\server\\share.
_WINDOWS = re.compile(r"[A-Za-z]:[\\/]|\\\\")


def windows_form(path: str) -> str | None:
    """A Windows path in the form the rules read (``C:\\Users\\Me`` -> ``/c:/users/me``), case
    folded as Windows compares names; None for any other path."""
    if not _WINDOWS.match(path):
        return None
    folded = path.replace("\\", "/").casefold()
    # A share (\\\\server\\share) under a name no POSIX or drive path takes: never /etc/...
    return "/unc:/" + folded.lstrip("/") if folded.startswith("//") else "/" + folded


def absolute_dir(cwd: str | None) -> str | None:
    """The session's cwd in the rules' form, or None when it is not an absolute path."""
    if not cwd:
        return None
    return windows_form(cwd) or (cwd if cwd.startswith("/") else None)


def resolve(path: str, cwd: str | None) -> str | None:
    """The absolute, normalised form of ``path`` (relative paths against ``cwd``); a Windows
    path (or a relative one in a Windows cwd) in its ``windows_form``.

    ``~`` stays as written: the daemon does not know the agent's home. None
    when a relative path has no absolute cwd to be read against.
    """
    if path.startswith("~"):
        return posixpath.normpath(path)
    windows = windows_form(path)
    if windows is not None:
        path = windows
    elif not path.startswith("/"):
        base = absolute_dir(cwd)
        if base is None:
            return None
        if base != cwd:  # a Windows cwd: its relative paths are Windows ones
            path = path.replace("\\", "/").casefold()
        path = posixpath.join(base, path)
    resolved = posixpath.normpath(path)
    # POSIX keeps a leading '//' as written; the kernel treats it as '/'.
    return "/" + resolved.lstrip("/")


def is_inside(path: str, directory: str) -> bool:
    """Whether a resolved path is the directory or under it."""
    directory = posixpath.normpath(directory)
    if directory == "/":
        return path.startswith("/")
    return path == directory or path.startswith(directory + "/")


def is_env_file(name: str) -> bool:
    """``.env``, ``.env.production``, ``prod.env``; not ``.env.example`` or ``.envrc``."""
    if name == ".env" or (name.endswith(".env") and len(name) > 4):
        return True
    if name.startswith(".env."):
        return name.rsplit(".", 1)[-1].lower() not in ENV_TEMPLATES
    return False


def is_credential_path(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return False
    name = parts[-1]
    if name in CREDENTIAL_FILES or is_env_file(name) or name.endswith(CREDENTIAL_SUFFIXES):
        return True
    if len(parts) >= 2 and (parts[-2], name) in CREDENTIAL_PAIRS:
        return True
    dirs = parts[:-1]
    if any(d in CREDENTIAL_DIRS for d in dirs):
        return name not in PUBLIC_IN_CREDENTIAL_DIRS and not name.endswith(".pub")
    # A credential directory itself (Grep or Glob over ~/.ssh).
    return name in CREDENTIAL_DIRS


def is_system_path(path: str) -> bool:
    return path.startswith(SYSTEM_DIRS) or bool(_WINDOWS_SYSTEM.match(path))


def is_shell_startup_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in SHELL_STARTUP_FILES or name.casefold() in POWERSHELL_PROFILES


def in_credential_dir(path: str) -> bool:
    """Under ~/.ssh, ~/.aws, ...: writing there (authorized_keys included) plants access."""
    return any(p in CREDENTIAL_DIRS for p in path.split("/")[:-1])
