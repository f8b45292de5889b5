# SPDX-License-Identifier: GPL-3.0-or-later
"""setup.py - pip install ./python: the pure-Python package tyche_c.

Nothing is compiled (the package reaches libtyche with ctypes).  At build
time the directory of libtyche is recorded in tyche_c/_config.py so the
installed package finds the library without TYCHE_LIBRARY: $TYCHE_LIBDIR,
else `pkg-config --variable=libdir tyche` (an installed libtyche), else the
build tree beside this directory (../build, after `make`).  No network is
needed: install with `pip install --no-build-isolation ./python` (see
doc/python.md for Debian's pip).
"""

import os
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def libdir():
    d = os.environ.get("TYCHE_LIBDIR")
    if d:
        return d
    try:
        d = subprocess.run(["pkg-config", "--variable=libdir", "tyche"],
                           capture_output=True, text=True, check=True).stdout.strip()
        if d and os.path.exists(os.path.join(d, "libtyche.so")):
            return d
    except (OSError, subprocess.CalledProcessError):
        pass
    d = os.path.normpath(os.path.join(HERE, "..", "build"))
    return d if os.path.exists(os.path.join(d, "libtyche.so")) else ""


class BuildPy(build_py):
    def run(self):
        super().run()
        out = os.path.join(self.build_lib, "tyche_c", "_config.py")
        with open(out, "w") as fh:
            fh.write("# written by setup.py: where libtyche.so was at install time\n")
            fh.write("LIBDIR = %r\n" % libdir())


def version():
    try:
        with open(os.path.join(HERE, "..", "VERSION")) as fh:
            return fh.read().strip()
    except OSError:
        return "0.0.0"


setup(
    name="tyche_c",
    version=version(),
    description="Tyche in C for notebooks: a thin layer over libtyche",
    license="GPL-3.0-or-later",
    packages=["tyche_c"],
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"pandas": ["pandas"]},
    entry_points={"console_scripts": [
        "tyche-import-model=tyche_c.import_model:main"]},
    cmdclass={"build_py": BuildPy},
)
