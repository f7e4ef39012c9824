"""An LD_PRELOAD library built from C source for a test (a system call made to fail or to stop a process where
the test says): shared by the tests that interpose on libc."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def build_shim(tmp_path_factory: pytest.TempPathFactory, source: str) -> str:
    """The path of a shared library built from ``source`` (skips the test without a C compiler)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the LD_PRELOAD library (make setup installs one)")
    d = tmp_path_factory.mktemp("shim")
    (d / "shim.c").write_text(source)
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(d / "shim.so"), str(d / "shim.c"), "-ldl"], check=True
    )
    return str(d / "shim.so")
