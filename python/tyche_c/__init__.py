# SPDX-License-Identifier: GPL-3.0-or-later
"""tyche_c - Tyche in C for notebooks: a thin layer over libtyche.

    import tyche_c as ty
    study = ty.Study.load("examples/electrolysis")
    df = study.evaluate(samples=1000, seed=1)      # the reference's long form
    s = study.surface(samples=1000)
    s.explore({"Stack R&D": 1.5e6}); s.optimize("Cost", budget=3e6)

Named tyche_c so that it never shadows the reference's own `tyche`.
The model importer is tyche_c.import_model (no libtyche needed).
"""

from .study import (Study, Results, Surface, OptResult, TycheError,  # noqa: F401
                    RESULTS_SCENARIOS, RESULTS_TRANCHES, RESULTS_INVESTMENTS)
from ._lib import lib as _cdll


def version():
    """libtyche's version."""
    return _cdll.tyche_version().decode()


def library_path():
    """The libtyche.so this package uses."""
    return _cdll.path


__all__ = ["Study", "Results", "Surface", "OptResult", "TycheError", "version",
           "library_path"]
