"""`hookd ui` as a user service beside hookd's: its unit (hookd-ui.service) or plist
(com.hookd.ui.plist), rendered from the templates with this installation's interpreter, config
file and state directory, and the service manager's commands for it (`hookd service ... --ui`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from xml.sax.saxutils import escape as xml_escape

from hookd.paths import ensure_private_dir, makedirs_private
from hookd.service import units
from hookd.service.managers import Launchd, Systemd, UnitFile

SYSTEMD_UNIT = "hookd-ui.service"
LAUNCHD_LABEL = "com.hookd.ui"
LAUNCHD_PLIST = f"{LAUNCHD_LABEL}.plist"


def url_file(installation: units.Installation) -> str:
    """Where the service writes the URL to open (with its token): private, in the state directory."""
    return os.path.join(installation.state_dir, "ui.url")


def ui_arguments(installation: units.Installation) -> list[str]:
    args = [installation.python, "-m", "hookd", "ui", "--url-file", url_file(installation)]
    if installation.config_file:
        args += ["--config", installation.config_file]
    return args + ["--log-format", "json"]


def systemd_unit(installation: units.Installation) -> str:
    words = [units.systemd_word(arg.replace("%", "%%")) for arg in ui_arguments(installation)]
    return units.render(
        SYSTEMD_UNIT,
        {
            "exec_start": " ".join(words),
            "url_file": url_file(installation),
        },
    )


def launchd_plist(installation: units.Installation, home: str) -> str:
    return units.render(
        LAUNCHD_PLIST,
        {
            "program_arguments": "\n".join(
                f"    <string>{xml_escape(arg)}</string>" for arg in ui_arguments(installation)
            ),
            "log_dir": xml_escape(units.launchd_log_dir(home)),
        },
    )


class UiSystemd(Systemd):
    name = "systemd"

    def files(self) -> list[UnitFile]:
        return [UnitFile(os.path.join(self.unit_dir, SYSTEMD_UNIT), systemd_unit(self.installation))]

    def install_commands(self, states: dict[str, str]) -> list[list[str]]:
        ctl = ["systemctl", "--user"]
        commands = [ctl + ["daemon-reload"], ctl + ["enable", "--now", SYSTEMD_UNIT]]
        if states.get(SYSTEMD_UNIT) == "differs":
            commands.append(ctl + ["try-restart", SYSTEMD_UNIT])
        return commands

    def uninstall_commands(self) -> tuple[list[list[str]], list[list[str]]]:
        ctl = ["systemctl", "--user"]
        return [ctl + ["disable", "--now", SYSTEMD_UNIT]], [ctl + ["daemon-reload"]]

    def status_commands(self) -> list[list[str]]:
        return [["systemctl", "--user", "--no-pager", "status", SYSTEMD_UNIT]]


class UiLaunchd(Launchd):
    def __init__(self, installation: units.Installation, environ: Mapping[str, str]) -> None:
        super().__init__(installation, environ)
        self.plist = os.path.join(self.home, "Library", "LaunchAgents", LAUNCHD_PLIST)
        self.target = f"{self.domain}/{LAUNCHD_LABEL}"

    def files(self) -> list[UnitFile]:
        return [UnitFile(self.plist, launchd_plist(self.installation, self.home))]

    def prepare(self) -> None:
        ensure_private_dir(self.installation.state_dir)
        makedirs_private(units.launchd_log_dir(self.home))


def for_ui(manager: Systemd | Launchd, environ: Mapping[str, str]) -> UiSystemd | UiLaunchd:
    """The same service manager, for hookd ui's service instead of hookd's."""
    cls = UiLaunchd if isinstance(manager, Launchd) else UiSystemd
    return cls(manager.installation, environ)
