"""Every package under hookd/ is listed in pyproject.toml, so the wheel carries it.

The list is written by hand (the client lives in client/ under another name); a package
added to the tree but not to the list installs from a checkout and is missing from the
wheel, which only an installed `hookd run` would notice.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_in_the_tree_is_listed_for_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    in_tree = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "hookd").rglob("__init__.py")}
    assert in_tree - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "hookd_client" in listed
