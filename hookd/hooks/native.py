"""The native hook-send: client/hook_send.c, built with the system's C compiler, once per source.

Claude Code waits for every command hook; the native client starts in well under a
millisecond where the Python one spends about 10 ms starting the interpreter. It is
built where it will run, from the source the installed package carries (a wheel
holds hook_send.c), into ``<state_dir>/bin/hook-send-<first 12 hex of the source's
sha256>``: a new source gets a new name, so hooks written for an older build keep
working until they are installed again. The build goes to a temporary name in a
private (0700) directory, must pass a self-test (``--version`` names the source;
one event handed to a throwaway socket; one left in a throwaway inbox), and only
then is renamed into place. A binary a distributor built from the same source
and put beside it (``hookd_client/hook-send-<hash>``) is used in place, after the
same self-test. Anything that fails gives ``Build(None, reason)`` and the hooks
use the Python client; ``python -m hookd.hooks.native`` does this for ``make setup``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from typing import Mapping, NamedTuple, Sequence

from hookd.paths import UnsafePathError, ensure_private_dir
from hookd.policies import HookClient

FLAGS = ("-O2", "-std=c99", "-Wall", "-Wextra", "-Werror")
NAME = re.compile(r"hook-send-[0-9a-f]{12}$")
_FRAME = re.compile(rb"HOOKD/1 (\d+) sent=\d+ pid=\d+ ppid=\d+ id=[0-9a-f]{16} hook=SelfTest\n")
_PAYLOAD = b'{"hook_event_name":"SelfTest","session_id":"native-self-test"}'


class Build(NamedTuple):
    path: str | None  # the tested binary, or None
    reason: str  # what was done, or why there is no binary


def source_path() -> str:
    import hookd_client

    return os.path.join(os.path.dirname(os.path.abspath(hookd_client.__file__)), "hook_send.c")


def source_id(source: str | None = None) -> str:
    with open(source or source_path(), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


def binary_path(state_dir: str, source: str | None = None) -> str:
    return os.path.join(state_dir, "bin", f"hook-send-{source_id(source)}")


def compiler(environ: Mapping[str, str] = os.environ) -> list[str] | None:
    """$CC (a command line, as make takes it), else cc on PATH."""
    path = environ.get("PATH", os.defpath)
    if environ.get("CC"):
        argv = shlex.split(environ["CC"])
        return argv if argv and shutil.which(argv[0], path=path) else None
    cc = shutil.which("cc", path=path)
    return [cc] if cc else None


def compile_to(
    out: str, extra_flags: Sequence[str] = (), source: str | None = None, environ: Mapping[str, str] = os.environ
) -> str | None:
    """Compile the client to ``out`` -> None, or why it could not be built."""
    source = source or source_path()
    if not os.path.isfile(source):
        return f"the client's source {source} is missing from this installation"
    cc = compiler(environ)
    if cc is None:
        return "no C compiler (cc, or $CC) on PATH"
    argv = [*cc, *FLAGS, *extra_flags, f'-DHOOK_SEND_SOURCE_ID="{source_id(source)}"', "-o", out, source]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{shlex.join(argv)} failed: {exc}"
    if done.returncode != 0 or not os.path.isfile(out):
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        return f"{' '.join(cc)} could not build {source} (exit {done.returncode}): {first}"
    return None


def _serve_once(listener: socket.socket, got: list[bytes]) -> None:
    try:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\n" not in data or len(data) < data.index(b"\n") + 1 + len(_PAYLOAD):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            got.append(data)
            conn.sendall(b"OK self-test\n")
    except OSError:
        pass


def self_test(binary: str, expected_id: str | None = None) -> str | None:
    """Run the binary as a hook would, three ways -> None, or what went wrong."""

    def run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([binary, *args], input=stdin, capture_output=True, env=env, timeout=20)

    try:
        version = run(["--version"], {})
        if version.returncode != 0 or (expected_id and expected_id.encode() not in version.stdout):
            return f"{binary} --version printed {version.stdout[:200]!r} (exit {version.returncode})"
        work = tempfile.mkdtemp(prefix="hks", dir="/tmp" if os.path.isdir("/tmp") else None)  # short: socket paths
        try:
            env = {
                "HOME": work,
                "HOOKD_STATE_DIR": os.path.join(work, "state"),
                "HOOKD_SPARE_INBOX": os.path.join(work, "spare"),
                "HOOKD_SEND_TIMEOUT_MS": "5000",
                "HOOKD_SOCKET": os.path.join(work, "hookd.sock"),
            }
            got: list[bytes] = []
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
                listener.bind(env["HOOKD_SOCKET"])
                listener.listen(1)
                listener.settimeout(10)
                server = threading.Thread(target=_serve_once, args=(listener, got), daemon=True)
                server.start()
                sent = run(["SelfTest"], env, _PAYLOAD)
                server.join(10)
            match = _FRAME.match(got[0]) if got else None
            if (
                (sent.returncode, sent.stdout, sent.stderr) != (0, b"", b"")
                or not match
                or got[0][match.end() :] != _PAYLOAD
                or int(match.group(1)) != len(_PAYLOAD)
            ):
                return (
                    f"{binary} did not hand a test event to a test socket as expected (exit "
                    f"{sent.returncode}, stdout {sent.stdout[:100]!r}, stderr {sent.stderr[:300]!r}, "
                    f"received {got[0][:200] if got else b''!r})"
                )
            os.unlink(env["HOOKD_SOCKET"])
            kept = run(["SelfTest"], env, _PAYLOAD)
            inbox = os.path.join(env["HOOKD_STATE_DIR"], "inbox")
            files = os.listdir(inbox) if os.path.isdir(inbox) else []
            data = open(os.path.join(inbox, files[0]), "rb").read() if len(files) == 1 else b""
            match = _FRAME.match(data)
            if (
                (kept.returncode, kept.stdout, kept.stderr) != (0, b"", b"")
                or not match
                or data[match.end() :] != _PAYLOAD
                or not files[0].endswith(".hookd")
            ):
                return (
                    f"{binary} did not keep a test event in a test inbox as expected (exit "
                    f"{kept.returncode}, stderr {kept.stderr[:300]!r}, files {files})"
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{binary} could not be run: {exc}"
    return None


def _ours(path: str, also_root: bool = False) -> bool:
    """A regular file of ours (or root's: a system package's), that nobody else can change, executable."""
    info = os.lstat(path)
    return (
        stat.S_ISREG(info.st_mode)
        and info.st_uid in ((os.getuid(), 0) if also_root else (os.getuid(),))
        and not info.st_mode & 0o022
        and os.access(path, os.X_OK)
    )


def ensure(state_dir: str, source: str | None = None, environ: Mapping[str, str] = os.environ) -> Build:
    """The native client for hooks, built and tested if it is not there yet."""
    try:
        source = source or source_path()
        ident = source_id(source)
    except OSError as exc:
        return Build(None, f"the client's source cannot be read: {exc}")
    prebuilt = os.path.join(os.path.dirname(source), f"hook-send-{ident}")  # a distributor's (docs/native-client.md)
    if os.path.isfile(prebuilt) and _ours(prebuilt, also_root=True) and self_test(prebuilt, ident) is None:
        return Build(prebuilt, f"native hook-send {prebuilt} (prebuilt, self-tested)")
    bin_dir = os.path.join(state_dir, "bin")
    final = os.path.join(bin_dir, f"hook-send-{ident}")
    try:
        ensure_private_dir(bin_dir)
        if os.path.lexists(final):
            if _ours(final) and self_test(final, ident) is None:
                return Build(final, f"native hook-send {final} (already built)")
            os.unlink(final)  # not ours, not private, or broken: build it again
    except (OSError, UnsafePathError) as exc:
        return Build(None, f"cannot use {bin_dir}: {exc}")
    tmp = os.path.join(bin_dir, f".tmp-hook-send-{ident}-{os.getpid()}")
    try:
        why = compile_to(tmp, source=source, environ=environ) or self_test(tmp, ident)
        if why:
            return Build(None, why)
        os.chmod(tmp, 0o700)
        os.rename(tmp, final)
    except OSError as exc:
        return Build(None, f"cannot install the native client in {bin_dir}: {exc}")
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return Build(final, f"native hook-send {final} (built from {source} and self-tested)")


def for_hooks(
    choice: HookClient | str, state_dir: str, dry_run: bool = False, environ: Mapping[str, str] = os.environ
) -> Build:
    """The client ``hookd hooks install`` writes (hook_client setting): a native path, or None.

    A dry run builds nothing: it names the binary a real install would build, if a compiler is there.
    """
    if choice == HookClient.PYTHON:
        return Build(None, "hook_client = python")
    if not dry_run:
        return ensure(state_dir, environ=environ)
    try:
        final = binary_path(state_dir)
    except OSError as exc:
        return Build(None, f"the client's source cannot be read: {exc}")
    if os.path.isfile(final) or compiler(environ):
        return Build(final, f"native hook-send {final} (dry run: not built or tested now)")
    return Build(None, "no C compiler (cc, or $CC) on PATH")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hookd.hooks.native [STATE_DIR]``: build it (for make setup); exit 0 either way."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        state_dir = args[0]
    else:
        try:
            from hookd.config import load

            state_dir = load().state_dir
        except Exception:  # noqa: BLE001 -- a broken config must not stop make setup
            from hookd_client.hook_send import default_state_dir

            found = default_state_dir(os.environ)
            if found is None:
                print("hookd: no state directory (HOME is not an absolute path); set HOOKD_STATE_DIR", file=sys.stderr)
                return 0
            state_dir = os.path.abspath(found)
    build = ensure(state_dir)
    if build.path:
        print(f"hookd: {build.reason}; `hookd hooks install` uses it", file=sys.stderr)
    else:
        print(
            f"hookd: the native hook-send was not built ({build.reason}); `hookd hooks install` "
            "will use the Python client",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
