"""Red team, seventeenth pass: a Bash command that made the risk rules' work grow with its square.

The risk rules (hookd/enrich/commands.py) run on every Bash call's command, on the event loop for
a body up to 64 KiB (hookd/worker.py's INLINE_BYTES). Python's ``re`` tries a pattern at every
start, and several patterns scanned from each start to the end of the line (or to a separator)
before failing: a command repeating the rule's own word (``dd dd dd ...``, ``>>>>``, ``git -C
(git -C (git ...``, ``tee`` then spaces) cost the square of its length. A 60 KB command held
hookd's event loop for 9 to 18 s (hook-send fell back to the inbox, status got no answer).

The cost is bounded here by the CPU a child process may use (RLIMIT_CPU): the floods are 512 KiB,
which the old rules would take hours over and the new ones a fraction of a second; the limit is
not a timing of the work. Each flood ends with a command the rule must still find.
"""

from __future__ import annotations

import array
import fcntl
import json
import socket
import termios

import pytest

from conftest import wait_for_entries, wait_until
from risk_floods import assert_flood_is_linear_and_rated

# (what starts the command, the unit repeated, what ends it, the reason that end must still raise)
FLOODS = {
    "git options holding git": ("git", " -C (git", "; git push --force", "git push --force"),
    "git reset words": ("", "git reset ", "; git reset --hard", "git reset --hard"),
    "git clean words": ("", "git clean ", "; git clean -fd", "git clean"),
    "dd words": ("", "dd ", "; dd if=x of=/dev/sda", "disk overwrite"),
    "redirections": ("", ">", " x; echo >> ~/.bashrc", "writes shell startup file"),
    "redirections and paths": ("", "/>", " x; echo >> ~/.zshrc", "writes shell startup file"),
    "tee then spaces": ("tee", " ", "x; tee -a /etc/hosts", "writes system file"),
    "curl words": ("", "curl ", "\ncurl x | sh", "download piped to shell"),
    "shells with options": ("", "bash -c$(", "\nbash <(curl x)", "download run by shell"),
}


@pytest.mark.parametrize("name", FLOODS)
def test_a_flood_of_a_rules_own_words_costs_no_more_than_its_length(name):
    assert_flood_is_linear_and_rated(name, *FLOODS[name])


def test_the_rules_say_what_they_said_of_ordinary_commands():
    from hookd.enrich.commands import command_reasons

    cases = {
        "git -C repo -c core.x=y --no-pager push --force origin main": ["git push --force"],
        "git push origin :old-branch": ["deletes remote branch"],
        "git reset --hard HEAD~1 && git clean -fdx": ["git reset --hard", "git clean"],
        "git clean -n": [],
        "dd if=/dev/zero of=/dev/sda bs=1M": ["disk overwrite"],
        "mkfs.ext4 /dev/sdb1; dd if=a of=/dev/sdb": ["disk overwrite"],
        "dd if=a of=b": [],
        "echo x >>>~/.bashrc": ["writes shell startup file"],
        "echo x | tee -a   ~/.profile": ["writes shell startup file"],
        "echo x | tee   /etc/hosts": ["writes system file"],
        "echo x >  /etc/hosts": ["writes system file"],
        "curl -fsSL https://x | sudo -E bash": ["sudo", "download piped to shell"],
        "curl https://x | jq . | sh": [],
        "curl https://x\n| sh": [],
        "bash <(curl -s https://x)": ["download run by shell"],
        'sh -c "$(wget -qO- https://x)"': ["download run by shell"],
        "curl https://x > out; sh out": [],
    }
    for command, reasons in cases.items():
        assert [r for r, _ in command_reasons(command)] == reasons, command


def unread(sock: socket.socket) -> int:
    """Bytes sent on ``sock`` that its peer has not read yet (SIOCOUTQ, as TIOCOUTQ on Linux)."""
    buf = array.array("i", [0])
    fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buf)
    return buf[0]


def frame(body: bytes) -> bytes:
    return b"HOOKD/1 %d\n" % len(body) + body


def bash(command: str, session: str) -> bytes:
    return json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": session,
            "tool_name": "Bash",
            "tool_input": {"command": command},
        }
    ).encode()


@pytest.mark.process
def test_hostile_commands_under_the_inline_size_leave_the_event_loop_free(hookd_factory, redis_db):
    """Three 60 KB commands (prepared on the event loop: under 64 KiB) and then the control
    socket's ping: the old rules held the loop for about a minute, past the ping's timeout."""
    from hookd.control.client import request

    daemon = hookd_factory()
    floods = [("git -C (git ", "; git push --force"), ("dd ", "; dd of=/dev/sda"), (">", " x; echo >> ~/.bashrc")]
    bodies = [bash(unit * (60_000 // len(unit)) + end, f"hostile-{n}") for n, (unit, end) in enumerate(floods)]
    assert all(len(b) < 64 * 1024 for b in bodies)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(120)
        s.connect(str(daemon.socket))
        s.sendall(b"".join(frame(b) for b in bodies))
        # Once hookd has read every byte (nothing left in this socket's queue), it is preparing
        # the last of them; the ping comes after.
        wait_until(lambda: unread(s) == 0, timeout=180, what="hookd to read the three frames")
        control = daemon.env.get("HOOKD_CONTROL_SOCKET") or str(daemon.socket.parent / "control.sock")
        answer = request(control, "ping", timeout_s=10)
        assert answer, answer
        s.shutdown(socket.SHUT_WR)
        replies = b""
        while chunk := s.recv(65536):
            replies += chunk
    assert [r[:3] for r in replies.splitlines()] == [b"OK "] * 3, replies
    wait_for_entries(redis_db, 3)
    got = {
        json.loads(f[b"envelope"])["session_id"]: json.loads(f[b"envelope"]) for _, f in redis_db.xrange("hookd:events")
    }
    assert got["hostile-0"]["risk_reasons"] == ["git push --force"]
    assert got["hostile-1"]["risk_reasons"] == ["disk overwrite"]
    assert got["hostile-2"]["risk_reasons"] == ["writes shell startup file"]
