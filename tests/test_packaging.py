"""The quick start from a built wheel: build, check, install into a fresh venv outside the
repository, run the console scripts as a new user would in a fresh terminal."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.packaging

# *.so: the checkout's own build of the redaction view's C core, which the wheel must build itself
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".pytest_cache", ".run", "*.so"
)


# The web UI's linter (make setup's npm ci, make lint's eslint): the checkout's, never the package's.
LINT_ONLY = {"node_modules", "package.json", "package-lock.json", ".npmrc", "eslint.config.js"}


def _lint_only(name: str) -> bool:
    return bool(LINT_ONLY & set(Path(name).parts))


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from a copy of the repository (the build writes beside it)."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(REPO, source, ignore=SKIP, symlinks=True)
    out = base / "dist"
    # No build isolation: the test extras hold setuptools, so building downloads nothing.
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


def test_twine_check_passes_and_the_license_is_in_both(dist):
    files = sorted(dist.iterdir())
    assert {f.suffix for f in files} == {".whl", ".gz"}
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        licence = [n for n in names if n.endswith("dist-info/licenses/LICENSE")]
        assert licence and "MIT License" in archive.read(licence[0]).decode()
        assert "hookd/service/templates/hookd.service" in names
        assert "hookd/publish/publish_batch.lua" in names  # the publish script, read when script.py imports
        assert "hookd/publish/stream_identity.lua" in names  # its first part, shared with the idle check
        assert "hookd_client/hook_send.py" in names
        assert "hookd/ui/static/app.js" in names and "hookd/ui/static/index.html" in names
        assert not [n for n in names if _lint_only(n)], names
        # The redaction view's C core, compiled for this platform (make setup installs cc and Python's headers).
        assert any(n.startswith("hookd/redact/_viewcore.") and n.endswith(".so") for n in names), names
    assert "-any.whl" not in wheel.name, wheel.name
    [sdist] = dist.glob("*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames())
        assert any(n.endswith("/hookd/redact/_viewcore.c") for n in archive.getnames())
        assert not [n for n in archive.getnames() if _lint_only(n)], archive.getnames()
        # and the parts it includes (pyproject.toml's depends): without one, the wheel built from the sdist
        # has no C core (the extension is optional, so the build goes on without it)
        parts = {path.name for path in (REPO / "hookd" / "redact").glob("_viewcore*.[ch]")}
        assert parts <= {Path(n).name for n in archive.getnames()}, parts


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel installed (not editable).

    hookd's dependencies come from this test run's own environment (a path file),
    so the test downloads nothing; hookd itself comes only from the wheel.
    """
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    [wheel] = dist.glob("*.whl")
    purelib = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if os.path.isdir(p)]
    (purelib / "zz-test-dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and "no such option: --python" in done.stderr:
        pytest.skip("this pip cannot install into another environment (pip 22.3 or later can)")
    assert done.returncode == 0, done.stderr
    return venv


def fresh_terminal(tmp_path: Path, venv: Path) -> dict[str, str]:
    """A new user's shell: the venv's bin on PATH, a new HOME, nothing of hookd's."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }


def run(env: dict[str, str], cwd: Path, *argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), env=env, cwd=cwd, input=stdin, capture_output=True, timeout=120)


def test_the_console_scripts_work_from_the_wheel_in_a_fresh_terminal(installed, tmp_path):
    env = fresh_terminal(tmp_path, installed)
    where = run(
        env, tmp_path, "python", "-c", "import hookd, hookd_client; print(hookd.__file__); print(hookd_client.__file__)"
    )
    assert where.returncode == 0, where.stderr
    assert all(str(installed) in line for line in where.stdout.decode().splitlines())
    assert str(REPO) not in where.stdout.decode()
    compiled = run(env, tmp_path, "python", "-c", "from hookd.redact import view; print(view.View.__name__)")
    assert compiled.stdout == b"CompiledView\n", compiled.stderr

    version = run(env, tmp_path, "hookd", "--version")
    assert version.returncode == 0 and version.stdout.startswith(b"hookd ")

    printed = run(env, tmp_path, "hookd", "print-hook-command", "PreToolUse", "--hook-client", "python")
    assert printed.returncode == 0, printed.stderr
    command = printed.stdout.decode()
    assert str(installed) in command and "-I -S" in command and str(REPO) not in command

    # hook-send with an event on stdin and no daemon: exit 0, nothing on stdout, kept in the inbox.
    sent = run(env, tmp_path, "hook-send", stdin=b'{"hook_event_name": "Stop", "session_id": "w"}')
    assert (sent.returncode, sent.stdout) == (0, b"")
    inbox = tmp_path / "home" / ".local" / "state" / "hookd" / "inbox"
    assert len(list(inbox.glob("*.hookd"))) == 1
    # The printed hook command does the same, as Claude Code runs it.
    hooked = run(env, tmp_path, "/bin/sh", "-c", command, stdin=b'{"session_id": "w2"}')
    assert (hooked.returncode, hooked.stdout) == (0, b"")
    assert len(list(inbox.glob("*.hookd"))) == 2

    # The wheel carries the native client's source: with a compiler, the hooks would run it.
    dry = run(env, tmp_path, "hookd", "hooks", "install", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert b"+++" in dry.stdout and b"/.local/state/hookd/bin/hook-send-" in dry.stdout, dry.stdout
    dry = run(dict(env, HOOKD_HOOK_CLIENT="python"), tmp_path, "hookd", "hooks", "install", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert b"+++" in dry.stdout and str(installed).encode() in dry.stdout
    assert not (tmp_path / "home" / ".claude").exists()

    service = run(env, tmp_path, "hookd", "service", "install", "--dry-run", "--manager", "systemd")
    assert service.returncode == 0, service.stderr
    assert b"UMask=0077" in service.stdout and str(installed).encode() in service.stdout

    status = run(env, tmp_path, "hookd", "status", "--json")
    assert status.returncode == 2 and json.loads(status.stdout)["inbox"]["events"] == 2
