"""The README documents what the code does."""

from __future__ import annotations

from conftest import REPO
from hookd.cli import settings_reference
from hookd.ingest.protocol import Reason


def test_readme_settings_table_matches_the_config():
    assert settings_reference() in (REPO / "README.md").read_text(), \
        "README settings table is stale: run scripts/update-readme-settings"


def test_readme_documents_every_refusal_reason():
    readme = (REPO / "README.md").read_text()
    for reason in Reason:
        assert f"| `{reason.value}`" in readme, reason


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / "README.md").read_text()
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_readme_lists_the_built_in_redaction_rules():
    from hookd.redact import rules_reference

    assert rules_reference() in (REPO / "README.md").read_text()
