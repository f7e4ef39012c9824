"""The docs document what the code does, and hold together: tables generated from the code are
current, the README stays a short first page, and every link leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from hookd.cli import settings_reference
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
