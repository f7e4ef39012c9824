"""The service manager's files, rendered from the templates in ``templates/`` with this
installation's paths.

systemd/ and launchd/ at the top of the repository are links to the same
templates, so there is one copy of each. Every value is escaped for the file it
lands in: systemd specifiers (%) and variables ($), quotes for words with
spaces, XML for the plist. What no escaping can carry is refused before anything is
rendered (``UnitValueError``): a control character (a newline would end the line and
start a directive of the path's choosing), a backslash at the end (systemd joins the
next line), text that is not UTF-8.
"""

from __future__ import annotations

import os
import re
import string
import sys
from collections.abc import Mapping
from importlib import resources
from typing import NamedTuple
from xml.sax.saxutils import escape as xml_escape

from hookd.config import Config

SYSTEMD_UNITS = ("hookd.socket", "hookd.service")
LAUNCHD_LABEL = "com.hookd.agent"
LAUNCHD_PLIST = f"{LAUNCHD_LABEL}.plist"
_PLAIN_WORD = re.compile(r"[A-Za-z0-9/._+:=@%,-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnitValueError(ValueError):
    """A path that cannot be written into a unit file or plist as it is; the message names it."""


def check_value(setting: str, value: str) -> None:
    """Refuse a value no unit file can hold as one value: ``setting`` names where it came from."""
    problem = None
    if match := _CONTROL.search(value):
        problem = f"holds a control character ({match.group()!r})"
    elif value.endswith("\\"):
        problem = "ends with a backslash"
    else:
        try:
            value.encode()
        except UnicodeEncodeError:
            problem = "is not valid UTF-8"
    if problem:
        raise UnitValueError(
            f"{setting} {value!r} {problem}, which a systemd unit or launchd plist cannot hold as "
            f"one path (it could add lines of its own); fix: choose a {setting} without it"
        )


class Template(string.Template):
    delimiter = "@"


class Installation(NamedTuple):
    """The paths a unit needs: where hookd runs from and what it serves."""

    python: str
    socket: str
    control_socket: str
    state_dir: str
    config_file: str | None  # None: hookd looks in its default place
    runtime_dir: str | None  # $XDG_RUNTIME_DIR, written as %t in systemd units
    http_addr: str = ""  # HOST:PORT the manager holds for HTTP hooks too, when set

    @classmethod
    def of(cls, config: Config, config_file: str | None, environ: Mapping[str, str] | None = None) -> Installation:
        environ = os.environ if environ is None else environ
        runtime = environ.get("XDG_RUNTIME_DIR", "")
        installation = cls(
            python=os.path.abspath(sys.executable),
            socket=config.socket,
            control_socket=config.control_socket,
            state_dir=config.state_dir,
            config_file=config_file,
            runtime_dir=runtime.rstrip("/") if runtime.startswith("/") else None,
            http_addr=config.http_addr,
        )
        installation.check(environ.get("HOME"))
        return installation

    def check(self, home: str | None = None) -> None:
        """UnitValueError naming the first value that no unit file can hold (HOME: the plist's
        log directory)."""
        values = {
            "socket": self.socket,
            "control_socket": self.control_socket,
            "state_dir": self.state_dir,
            "config file (--config, HOOKD_CONFIG)": self.config_file,
            "Python interpreter (the one hookd runs with)": self.python,
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "HOME": home,
        }
        for setting, value in values.items():
            if value is not None:
                check_value(setting, value)

    def run_arguments(self) -> list[str]:
        """hookd run with every path the service manager and hookd must agree on."""
        args = [
            self.python,
            "-m",
            "hookd",
            "run",
            "--socket",
            self.socket,
            "--control-socket",
            self.control_socket,
            "--state-dir",
            self.state_dir,
        ]
        if self.config_file:
            args += ["--config", self.config_file]
        return args + ["--log-format", "json"]


def template_text(name: str) -> str:
    return resources.files("hookd.service").joinpath("templates", name).read_text()


def render(name: str, values: Mapping[str, str]) -> str:
    return Template(template_text(name)).substitute(values)


# -- systemd ----------------------------------------------------------------------------


def systemd_path(path: str, installation: Installation) -> str:
    """A path as a unit file writes it: under the runtime directory as %t, % doubled elsewhere."""
    runtime = installation.runtime_dir
    if runtime and path.startswith(runtime + "/"):
        return "%t" + path[len(runtime) :].replace("%", "%%")
    return path.replace("%", "%%")


def systemd_word(word: str, expand_variables: bool = True) -> str:
    """One word of ExecStart= (or a path list): quoted when it needs to be, $ doubled."""
    if expand_variables:
        word = word.replace("$", "$$")
    if _PLAIN_WORD.fullmatch(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_units(installation: Installation) -> dict[str, str]:
    """hookd.socket and hookd.service, by file name."""
    paths = {installation.socket, installation.control_socket}
    words = []
    for arg in installation.run_arguments():
        text = systemd_path(arg, installation) if arg in paths else arg.replace("%", "%%")
        words.append(systemd_word(text))
    values = {
        "socket": systemd_path(installation.socket, installation),
        "control_socket": systemd_path(installation.control_socket, installation),
        "exec_start": " ".join(words),
        "http_listen": (
            f"# HTTP hooks (http_addr): requests made while hookd restarts wait here.\n"
            f"ListenStream={listen_address(installation.http_addr)}"
            if installation.http_addr
            else "# No http_addr: no HTTP socket."
        ),
    }
    return {name: render(name, values) for name in SYSTEMD_UNITS}


def listen_address(http_addr: str) -> str:
    """http_addr as the socket unit's ListenStream= takes it: an IP address (systemd resolves
    no names), so localhost is 127.0.0.1, and an IPv6 address in brackets."""
    from hookd.ingest.http_setup import split_addr

    host, port = split_addr(http_addr)
    if host == "localhost":
        host = "127.0.0.1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# -- launchd ----------------------------------------------------------------------------


def launchd_log_dir(home: str) -> str:
    return os.path.join(home, "Library", "Logs", "hookd")


def launchd_plist(installation: Installation, home: str) -> str:
    values = {
        "program_arguments": "\n".join(
            f"    <string>{xml_escape(arg)}</string>" for arg in installation.run_arguments()
        ),
        "socket": xml_escape(installation.socket),
        "control_socket": xml_escape(installation.control_socket),
        "log_dir": xml_escape(launchd_log_dir(home)),
        "http_socket": _launchd_http_socket(installation.http_addr),
    }
    return render(LAUNCHD_PLIST, values)


def _launchd_http_socket(http_addr: str) -> str:
    """The plist's Sockets entry for HTTP hooks (Http), or nothing without http_addr."""
    if not http_addr:
        return ""
    host, _, port = listen_address(http_addr).rpartition(":")
    return (
        "    <key>Http</key>\n    <dict>\n"
        f"      <key>SockNodeName</key>\n      <string>{xml_escape(host.strip('[]'))}</string>\n"
        f"      <key>SockServiceName</key>\n      <string>{port}</string>\n"
        "      <key>SockType</key>\n      <string>stream</string>\n"
        "    </dict>"
    )
