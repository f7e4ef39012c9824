"""The user units and the user namespace (docs/security.md, thirty-sixth pass).

A systemd user manager can map only the user's own uid into a unit's user namespace, and
PrivateUsers= or any sandboxing option that implies it in a user unit (hookd/service/userns.py has
the list, from systemd's source) puts hookd there: root and every other user read as uid 65534, so
hookd's owner checks refuse `/` and the local Redis, and the service cannot start. The units carry
none of those options; in such a namespace the refusals stay (an overflow uid is no one's) and say
the cause and the fix; `service install` replaces an older unit that had them and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from conftest import REPO
from test_service_install import Home

from hookd.service import userns

UID = 4146  # a uid of no account: the second user, who runs hookd in the namespace
OLD_UNIT = """[Unit]
Description=hookd (as an older hookd wrote it)

[Service]
Type=notify
ExecStart=/usr/bin/python3 -m hookd run
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateUsers=yes
ProtectProc=invisible
SystemCallFilter=@system-service

[Install]
WantedBy=default.target
"""


def _settings(text: str) -> list[str]:
    return [line.split("=", 1)[0].strip() for line in text.splitlines() if "=" in line and not line.startswith("#")]


def _hookd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )


# ---------------------------------------------------------------- the units


def test_neither_user_unit_holds_an_option_that_makes_a_user_namespace(tmp_path):
    home = Home(tmp_path)
    service = _hookd("service", "install", "--dry-run", "--manager", "systemd", env=home.env())
    ui = _hookd("ui", "--print-service", "systemd", env=home.env())
    assert service.returncode == 0 and ui.returncode == 0, service.stderr + ui.stderr
    assert "[Service]" in service.stdout and "[Service]" in ui.stdout
    for name, text in (("hookd.service", service.stdout), ("hookd-ui.service", ui.stdout)):
        found = sorted(set(_settings(text)) & userns.USER_NAMESPACE_OPTIONS)
        assert not found, f"{name} sets {found}: a user manager would run it in a user namespace"
    # What works without a namespace stays.
    kept = set(_settings(service.stdout))
    for option in ("NoNewPrivileges", "UMask", "SystemCallFilter", "RestrictAddressFamilies", "MemoryDenyWriteExecute"):
        assert option in kept, option


def test_the_list_finds_the_options_an_older_unit_had_and_what_turns_them_off():
    assert userns.namespace_settings([OLD_UNIT]) == [
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "PrivateTmp=yes",
        "PrivateUsers=yes",
        "ProtectProc=invisible",
    ]
    off = "[Service]\nProtectSystem=no\nProtectHome=false\nPrivateTmp=no\nPrivateUsers=no\nProtectProc=default\n"
    assert userns.namespace_settings([OLD_UNIT, off]) == []
    assert userns.namespace_settings(["[Socket]\nPrivateTmp=yes\n"]) == []  # only [Service] runs hookd


# ---------------------------------------------------------------- install and status


def test_install_replaces_an_older_unit_with_namespace_options_and_says_so(tmp_path):
    home = Home(tmp_path)
    home.units.mkdir(parents=True)
    (home.units / "hookd.service").write_text(OLD_UNIT)
    before = home.hookd("status", "--manager", "systemd")
    assert before.returncode == 1
    assert "ProtectSystem=strict" in before.stdout and "PrivateUsers=yes" in before.stdout
    assert "user namespace that maps only your uid" in before.stdout
    done = home.hookd("install", "--files-only", "--manager", "systemd")
    assert done.returncode == 0, done.stderr
    assert "it replaces a unit that set ProtectSystem=strict" in done.stdout, done.stdout
    installed = (home.units / "hookd.service").read_text()
    assert userns.namespace_settings([installed]) == []
    after = home.hookd("status", "--manager", "systemd")
    assert "user namespace" not in after.stdout, after.stdout


def test_a_drop_in_that_puts_the_service_back_in_a_namespace_is_pointed_out(tmp_path):
    home = Home(tmp_path)
    drop_in = home.units / "hookd.service.d" / "override.conf"
    drop_in.parent.mkdir(parents=True)
    drop_in.write_text("[Service]\nProtectSystem=strict\n")
    done = home.hookd("install", "--files-only", "--manager", "systemd")
    assert done.returncode == 0, done.stderr
    assert f"hookd: {drop_in} sets ProtectSystem=strict, which make" in done.stderr
    assert "fix: remove them from it" in done.stderr
    status = home.hookd("status", "--manager", "systemd")
    assert f"{drop_in} sets ProtectSystem=strict" in status.stdout


# ---------------------------------------------------------------- in the namespace


def _userns_for_others() -> bool:
    try:
        probe = [
            "setpriv",
            f"--reuid={UID}",
            f"--regid={UID}",
            "--clear-groups",
            "unshare",
            "--user",
            f"--map-user={UID}",
            "true",
        ]
        return subprocess.run(probe, capture_output=True, timeout=10, cwd="/").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_userns = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not _userns_for_others(),
    reason="needs root (CI) and unprivileged user namespaces (unshare --user)",
)


def _link_or_copy(source: str | Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy does as well, only slower
        shutil.copy2(source, target)


@pytest.fixture(scope="module")
def interpreter():
    """This interpreter, reachable by the second uid: the tests' one may be under /root (0700), so
    its files are hard-linked (or copied) into a directory anyone can enter (the site-packages come
    from the project's .venv, on sys.path)."""
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["stdlib"])
    library = Path(sys.base_prefix) / "lib" / str(sysconfig.get_config_var("INSTSONAME"))
    root = Path(tempfile.mkdtemp(prefix="hk36py", dir="/tmp"))
    root.chmod(0o755)
    (root / "bin").mkdir()
    (root / "lib").mkdir()
    _link_or_copy(os.path.realpath(sys.executable), root / "bin" / "python3")
    if library.is_file():  # a shared libpython, found through LD_LIBRARY_PATH
        _link_or_copy(library, root / "lib" / library.name)
    for directory, names, files in os.walk(stdlib):
        names[:] = [n for n in names if n not in ("site-packages", "test", "__pycache__", "idlelib", "tkinter")]
        target = root / "lib" / stdlib.name / Path(directory).relative_to(stdlib)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            _link_or_copy(os.path.join(directory, name), target / name)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def in_namespace(interpreter: Path, place: Path, *args: str) -> subprocess.CompletedProcess:
    """`hookd <args>` as UID, in a user namespace mapping only UID (root reads as 65534 there), as a
    user manager sets one up for a unit with PrivateUsers= or the options that imply it."""
    site = next((REPO / ".venv" / "lib").glob("python3.*/site-packages"))
    code = (
        f"import site,sys; sys.path.insert(0, {str(REPO)!r}); site.addsitedir({str(site)!r}); "
        "sys.argv=['hookd']+sys.argv[1:]; from hookd.cli import main; sys.exit(main())"
    )
    argv = ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
    argv += ["unshare", "--user", f"--map-user={UID}", str(interpreter / "bin" / "python3"), "-c", code, *args]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(place), "LD_LIBRARY_PATH": str(interpreter / "lib")}
    return subprocess.run(argv, env=env, cwd=place, capture_output=True, text=True, timeout=60)


@pytest.fixture
def place():
    """A directory of UID's own (0700), for its home and state directory."""
    path = Path(tempfile.mkdtemp(prefix="hk36", dir="/tmp"))
    os.chown(path, UID, UID)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_userns
def test_hookd_run_in_a_namespace_mapping_only_the_user_stops_naming_the_namespace(interpreter, place):
    state = place / "state"
    done = in_namespace(interpreter, place, "run", "--state-dir", str(state), "--redis-url", "redis://127.0.0.1:1/0")
    assert done.returncode != 0
    assert "is inside / (owner uid 65534" in done.stderr, done.stderr[-3000:]  # still refused
    assert "hookd runs in a user namespace that maps only your uid" in done.stderr, done.stderr[-3000:]
    assert "PrivateUsers=" in done.stderr and "run `hookd service install` again" in done.stderr
    assert not state.exists()


@needs_userns
def test_a_local_redis_of_roots_is_refused_in_that_namespace_naming_it(interpreter, place, redis_server):
    # hookd tail connects as hookd run's publisher does (the same connection class); the check is
    # on the connection's other end, which is root's redis-server, read as 65534 here.
    done = in_namespace(interpreter, place, "tail", "--redis-url", redis_server.url, "--count", "1")
    assert done.returncode != 0
    assert "SECURITY:" in done.stderr and "reads as 65534 here" in done.stderr, done.stderr[-3000:]
    assert "hookd runs in a user namespace that maps only your uid" in done.stderr
