"""Passwords a tool takes as a plain argument or prints as its own output (h283, issue 16), beside oscommands.py:

* ``grafana-cli admin reset-admin-password <pw>`` (and ``grafana cli ...``): the new password, positional;
* ``bundle config [set] [--global|--local] <host> <user>:<pw>``: a private gem server's credentials, as Bundler
  stores them (BUNDLE_<HOST>=user:pw);
* ``elasticsearch-reset-password``'s report: ``Password for the [elastic] user successfully reset.`` then
  ``New value: <pw>`` on the next line (``-i``, interactive, prints no value).

Each rule is gated by its own words (a keyword) and reads a few hundred characters from them, then the value
(patterns.VALUE), as oscommands.py's rules do.
"""

from __future__ import annotations

from hookd.redact.oscommands import _SP, _rule
from hookd.redact.rule import Rule

# A host name of a gem server (gems.contribsys.com, rubygems.pkg.github.com): a dot and a top-level name.
_HOST = r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}"

TOOL_PASSWORD_RULES: tuple[Rule, ...] = (
    _rule(
        "admin_reset_password",
        "the new password given to grafana-cli admin reset-admin-password",
        # after its subcommand's group, as the CLI takes it: prose about "the reset-admin-password command" stays
        r"admin" + _SP + r"reset-admin-password" + _SP,
        ("reset-admin-password",),
        "`grafana-cli admin reset-admin-password <password>` (not `--password-from-stdin`)",
    ),
    _rule(
        "bundle_config_credentials",
        "the password in bundle config <gem server> <user>:<password>",
        r"bundle"
        + _SP
        + r"config(?:"
        + _SP
        + r"set)?(?:"
        + _SP
        + r"--(?:global|local))?"
        + _SP
        + _HOST
        + _SP
        + r"""(?:\\"|')?[^\s:"'\\]{1,128}:""",
        ("bundle config",),
        "`bundle config set --global gems.example.com <user>:<password>`",
    ),
    _rule(
        "reset_password_report",
        "the password elasticsearch-reset-password prints (New value: after the user's reset)",
        r"\[[A-Za-z0-9_.-]{1,64}\] user successfully reset\.(?:\\n|\\r|\s){1,4}New value:[ \t]{1,4}",
        ("user successfully reset.",),
        "`Password for the [elastic] user successfully reset.` / `New value: <password>`",
    ),
)
