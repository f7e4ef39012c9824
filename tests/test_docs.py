"""The docs document what the code does, and hold together: tables generated from the code are
current, the README stays a short first page, and every link leads somewhere."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from conftest import REPO
from hookd.cli import build_parser, main, settings_reference
from hookd.console import exits
from hookd.refusals import Reason

DOCS = REPO / "docs"
README_MAX_LINES = 250  # the README is a newcomer's page; the reference is in docs/


def markdown_files() -> list[Path]:
    return [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]


def test_settings_table_matches_the_config():
    assert settings_reference() in (DOCS / "settings.md").read_text(), (
        "docs/settings.md's settings table is stale: run scripts/update-readme-settings"
    )


def test_the_built_in_redaction_rules_are_listed():
    from hookd.redact import rules_reference

    assert rules_reference() in (DOCS / "redaction-reference.md").read_text(), (
        "docs/redaction-reference.md's rule table is stale: run scripts/update-readme-settings"
    )


def test_every_refusal_reason_is_documented():
    protocol = (DOCS / "protocol.md").read_text()
    for reason in Reason:
        assert f"| `{reason.value}`" in protocol, reason


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / "README.md").read_text()
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_the_readme_stays_a_first_page():
    lines = (REPO / "README.md").read_text().count("\n")
    assert lines < README_MAX_LINES, (
        f"README.md has {lines} lines: keep it under {README_MAX_LINES}, move the reference into docs/"
    )


def prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where a link is a link."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def links(text: str) -> list[str]:
    return re.findall(r"\[[^\]\n]*\]\(([^)\s]+)\)", prose(text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        base = slug(heading)
        name, n = base, 0
        while name in found:  # a repeated heading gets -1, -2...
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def broken_links(path: Path) -> list[str]:
    broken = []
    for link in links(path.read_text()):
        if re.match(r"[a-z]+:", link):  # https:, mailto:: not ours to check
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(f"{link} (no such file)")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{link} (no such heading there)")
    return broken


def test_every_relative_link_leads_to_a_file_and_heading():
    broken = {str(path.relative_to(REPO)): found for path in markdown_files() if (found := broken_links(path))}
    assert not broken, f"broken links: {broken}"


def test_the_link_check_can_fail(tmp_path):
    (tmp_path / "there.md").write_text("# A heading: with `code`\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok](there.md#a-heading-with-code) [ok](there.md#twice-1)\n"
        "[gone](missing.md) [no heading](there.md#nope) [web](https://example.com/x)\n"
        "`[not a link](nowhere.md)`\n```\n[in code](nowhere.md)\n```\n"
    )
    assert broken_links(page) == ["missing.md (no such file)", "there.md#nope (no such heading there)"]


# What docs/cli.md shows a wrong setting printing, and how each line is brought about: the file's
# path stands for the one the test writes.
SETTING_ERRORS = [
    ({"file": 'stream = "x"\n\nredis_ulr = "redis://127.0.0.1:6379/0"\n'}, []),
    ({"HOOKD_SPOOL_FSYNC": "always"}, []),
    ({"HOOKD_REDIS_ULR": "redis://127.0.0.1:6379/0"}, []),
    ({}, ["--stream-maxlen", "lots"]),
    ({}, ["--redis-url", "127.0.0.1:6379"]),
    ({}, ["--redis-url", "redis://127.0.0.1:6379/events"]),
]


@pytest.mark.parametrize(("environ", "flags"), SETTING_ERRORS)
def test_the_documented_setting_errors_are_what_hookd_prints(environ, flags, tmp_path, monkeypatch, capsys):
    for name in [name for name in os.environ if name.startswith("HOOKD_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    config = tmp_path / ".config" / "hookd" / "config.toml"
    environ = dict(environ)
    if "file" in environ:
        config.parent.mkdir(parents=True, mode=0o700)
        config.write_text(environ.pop("file"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["config", *flags]) == exits.CONFIG
    printed = capsys.readouterr().err.strip().replace(str(config), "/home/me/.config/hookd/config.toml")
    shown = (DOCS / "cli.md").read_text().splitlines()
    assert printed in shown, f"docs/cli.md's example of a wrong setting is not what hookd prints: {printed}"


def shell_lines(text: str) -> list[str]:
    """The command lines a reader may copy: shell code blocks' lines and inline code."""
    found = []
    for block in re.finditer(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        if block.group(1) in ("sh", "bash", "shell", "console", ""):
            found += block.group(2).splitlines()
    return found + re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    return next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _wrong_in(line: str, words: list[str]) -> list[str]:
    """What a `hookd` command (its words after hookd) names that the parser does not have."""
    parser, wrong = build_parser(), []
    while (commands := _subcommands(parser)) is not None:
        if not words or not re.fullmatch(r"\[?[a-z][a-z-]*(\|[a-z][a-z-]*)*\]?", words[0]):
            return []  # `hookd --version`, `hookd COMMAND --help`: no command named
        names = words.pop(0).strip("[]").split("|")  # `hooks install|uninstall|status`: each
        missing = [name for name in names if name not in commands]
        if missing:
            return [f"{line!r}: no command {missing[0]!r}"]
        parser = commands[names[0]]
    by_flag = {flag: action for action in parser._actions for flag in action.option_strings}
    positional = [a for a in parser._actions if not a.option_strings and a.choices]
    for n, word in enumerate(words):
        flag = re.match(r"\[?(--[a-z][a-z0-9-]*)", word)
        value = words[n + 1].strip("[]") if n + 1 < len(words) else ""
        if flag and flag.group(1) not in by_flag:
            wrong.append(f"{line!r}: {parser.prog} has no {flag.group(1)}")
        elif flag and by_flag[flag.group(1)].choices and "=" not in word:
            wrong += [
                f"{line!r}: {parser.prog} {flag.group(1)} takes no {choice!r}"
                for choice in value.split("|")
                if re.fullmatch(r"[a-z][a-z0-9_-]*", choice) and choice not in by_flag[flag.group(1)].choices
            ]
        elif n == 0 and positional and re.fullmatch(r"[a-z][a-z|-]*", word):
            wrong += [
                f"{line!r}: {parser.prog} takes no {c!r}" for c in word.split("|") if c not in positional[0].choices
            ]
    return wrong


def wrong_commands(text: str) -> list[str]:
    """Every `hookd ...` command line in ``text`` whose command, flags or choices hookd lacks."""
    wrong = []
    for line in shell_lines(text):
        for command in re.split(r"\s(?:\|\|?|;|&&)\s|\$\(", line.replace("\\|", "|")):
            words = re.split(r"\s(?:>|<|2>)\s|\s#", command)[0].split()
            while words and (words[0] in ("$", "sudo", "env", "exec") or re.fullmatch(r"[A-Z_]+=\S*", words[0])):
                words.pop(0)
            if words and re.fullmatch(r"(?:[\w.~/-]*/)?hookd", words[0]):
                wrong += _wrong_in(line, words[1:])
    return wrong


def test_every_hookd_command_in_the_docs_has_its_command_flags_and_choices():
    wrong = {
        str(path.relative_to(REPO)): found for path in markdown_files() if (found := wrong_commands(path.read_text()))
    }
    assert not wrong, f"commands the docs show that hookd does not have: {wrong}"


def test_the_command_check_can_fail():
    page = (
        "`hookd status --json` `hookd hooks install --scope project` `hookd completion bash|zsh`\n"
        "```sh\n.venv/bin/hookd tail --since 5m | head  # fine\nhookd hooks instal\n```\n"
        "`hookd status --jason` `hookd hooks install --scope global` `hookd completion tcsh`\n"
        "`the user 'hookd' lacks` `hookd COMMAND --help`\n"
    )
    assert [w.split(": ", 1)[1] for w in wrong_commands(page)] == [
        "no command 'instal'",
        "hookd status has no --jason",
        "hookd hooks install --scope takes no 'global'",
        "hookd completion takes no 'tcsh'",
    ]


def test_every_prometheus_metric_is_documented():
    from hookd.control import metrics

    source = Path(metrics.__file__).read_text()
    served = set(re.findall(r'Family\(\s*"(hookd_[a-z0-9_]+)"|_per\(\s*"(hookd_[a-z0-9_]+)"', source))
    names = {name for pair in served for name in pair if name}
    assert len(names) > 10, names  # the pattern still finds the collector's families
    documented = set(re.findall(r"`(hookd_[a-z0-9_]+)", (DOCS / "status.md").read_text()))
    missing = sorted(n for n in names if n not in documented and f"{n}_total" not in documented)
    assert not missing, f"metrics hookd serves that docs/status.md does not list: {missing}"
