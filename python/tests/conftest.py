# SPDX-License-Identifier: GPL-3.0-or-later
"""conftest.py - where the tests find the tools, the tree and the shared
reference: $TYCHE_BUILD (build dir, its bin/ has tyche-run), $TOP (the
source tree), $SHARED (../shared/reference, may be empty: those tests skip)."""

import os
import subprocess

import pytest

TOP = os.environ.get("TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                            "..", ".."))
BUILD = os.environ.get("TYCHE_BUILD") or os.path.join(TOP, "build")
SHARED = os.environ.get("SHARED") or ""
EXAMPLE = os.path.join(TOP, "examples", "electrolysis")


def tool(name):
    return os.path.join(BUILD, "bin", name)


def run(*args, check=True, **kw):
    """Run a tool; returns CompletedProcess (text)."""
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (args, p.returncode, p.stderr))
    return p


@pytest.fixture
def shared():
    if not SHARED or not os.path.isdir(os.path.join(SHARED, "golden")):
        pytest.skip("../shared/reference absent")
    return SHARED


@pytest.fixture
def cache(tmp_path):
    d = tmp_path / "cache"
    d.mkdir()
    return str(d)
