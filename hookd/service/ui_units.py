"""The user service files for `hookd ui` (hookd-ui.service, com.hookd.ui.plist), rendered from
the templates beside hookd's own with this installation's interpreter, config file and paths."""

from __future__ import annotations

import os
import sys
from xml.sax.saxutils import escape as xml_escape

from hookd.config import Config
from hookd.service.units import launchd_log_dir, render, systemd_word


def url_file(config: Config) -> str:
    """Where the service writes the URL to open (with its token): private, in the state directory."""
    return os.path.join(config.state_dir, "ui.url")


def ui_arguments(config: Config, config_file: str | None) -> list[str]:
    args = [os.path.abspath(sys.executable), "-m", "hookd", "ui", "--url-file", url_file(config)]
    if config_file:
        args += ["--config", config_file]
    return args + ["--log-format", "json"]


def systemd_unit(config: Config, config_file: str | None) -> str:
    words = [systemd_word(arg.replace("%", "%%")) for arg in ui_arguments(config, config_file)]
    return render("hookd-ui.service", {
        "exec_start": " ".join(words), "url_file": url_file(config),
        "state_dir": systemd_word(config.state_dir.replace("%", "%%"), expand_variables=False)})


def launchd_plist(config: Config, config_file: str | None, home: str) -> str:
    return render("com.hookd.ui.plist", {
        "program_arguments": "\n".join(f"    <string>{xml_escape(arg)}</string>"
                                       for arg in ui_arguments(config, config_file)),
        "url_file": xml_escape(url_file(config)), "log_dir": xml_escape(launchd_log_dir(home))})
