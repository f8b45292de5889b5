# SPDX-License-Identifier: GPL-3.0-or-later
"""_lib.py - libtyche through ctypes: finding the shared library, the
transparent structs of lib/tyche/*.h, and the prototypes used.

What is easy to get wrong: the Structure classes must match the C
declarations field for field (types, array sizes, order), or every read is
silently wrong.  t/python/test_layout.py compiles a C program that prints
sizeof/offsetof of each and compares them with these classes.  Keep them in
the order of lib/tyche/*.h when a header changes.

The library is found, in order: $TYCHE_LIBRARY (a path to libtyche.so),
the build tree beside this source tree (../../build, for tests), the
libdir recorded at install time (_config.py, from pkg-config), then
`pkg-config --variable=libdir tyche`, then the loader's search path.
"""

import ctypes as C
import os
import subprocess

c_double_p = C.POINTER(C.c_double)
c_size_t = C.c_size_t


class Error(C.Structure):
    _fields_ = [("code", C.c_int), ("where", C.c_char * 256), ("line", C.c_int),
                ("col", C.c_int), ("msg", C.c_char * 768)]


class Diag(C.Structure):
    _fields_ = [("severity", C.c_int), ("where", C.c_char_p), ("line", C.c_int),
                ("col", C.c_int), ("msg", C.c_char_p)]


class Diags(C.Structure):
    _fields_ = [("n", c_size_t), ("cap", c_size_t), ("nerrors", c_size_t),
                ("nwarnings", c_size_t), ("v", C.POINTER(Diag))]


class LoadOpts(C.Structure):
    _fields_ = [("model_path", C.c_char_p), ("skip_models", C.c_int)]


class AnalysisOpts(C.Structure):
    _fields_ = [("seed", C.c_uint64), ("samples", c_size_t), ("threads", C.c_uint),
                ("cache_dir", C.c_char_p), ("nowait", C.c_int),
                ("design", C.c_int),  # enum tyche_design (issue 18)
                ("map_cache", C.c_int),  # 0 here: a study object keeps its surface
                ("memo", C.c_void_p)]  # tyche_eval_memo *: none


class Stat(C.Structure):
    _fields_ = [("kind", C.c_int), ("p", C.c_double), ("name", C.c_char * 48)]


class ExploreResult(C.Structure):
    _fields_ = [("ncategories", c_size_t), ("nmetrics", c_size_t),
                ("nsamples", c_size_t), ("nstats", c_size_t), ("nlevels", c_size_t),
                ("stats", C.POINTER(Stat)), ("amounts", c_double_p),
                ("outside", C.POINTER(C.c_int)), ("totals", c_double_p),
                ("by_cat", c_double_p), ("value", c_double_p)]


class OptLimitSpec(C.Structure):
    _fields_ = [("text", C.c_char_p), ("metric", C.c_char_p), ("sense", C.c_char_p),
                ("statistic", C.c_char_p), ("bound", C.c_double)]


class OptSpec(C.Structure):
    _fields_ = [("metric", C.c_char_p), ("sense", C.c_char_p),
                ("statistic", C.c_char_p), ("method", C.c_char_p),
                ("has_budget", C.c_int), ("budget", C.c_double),
                ("limits", C.POINTER(OptLimitSpec)), ("nlimits", c_size_t),
                ("upper", c_double_p), ("start", c_double_p), ("seed", C.c_uint64),
                ("max_time", C.c_double), ("max_eval", C.c_long),
                ("need_metric", C.c_int)]


class OptCheck(C.Structure):
    _fields_ = [("label", C.c_char * 128), ("metric", c_size_t), ("upper", C.c_int),
                ("value", C.c_double), ("bound", C.c_double), ("holds", C.c_int)]


class OptResult(C.Structure):
    _fields_ = [("status", C.c_int), ("message", C.c_char * 512), ("method", C.c_int),
                ("metric", c_size_t), ("stat", Stat), ("minimize", C.c_int),
                ("objective", C.c_double), ("ncategories", c_size_t),
                ("amounts", c_double_p), ("upper", c_double_p), ("nmetrics", c_size_t),
                ("metrics", c_double_p), ("nchecks", c_size_t),
                ("checks", C.POINTER(OptCheck)), ("seconds", C.c_double),
                ("evaluations", C.c_long), ("starts", C.c_long),
                ("outside", C.POINTER(C.c_int))]


class OptPoint(C.Structure):
    _fields_ = [("metric", c_size_t), ("minimize", C.c_int), ("budget", C.c_double),
                ("limit", C.c_double), ("result", C.POINTER(OptResult))]


class OptSweep(C.Structure):
    _fields_ = [("n", c_size_t), ("v", C.POINTER(OptPoint)), ("vs_metric", C.c_long),
                ("seconds", C.c_double)]


class TornadoBar(C.Structure):
    _fields_ = [("label", C.c_char * 256), ("low", C.c_double), ("high", C.c_double),
                ("swing", C.c_double)]


class Tornado(C.Structure):
    _fields_ = [("metric", C.c_char * 128), ("base", C.c_double), ("n", c_size_t),
                ("v", C.POINTER(TornadoBar))]


STRUCTS = {"tyche_error": Error, "tyche_diag": Diag, "tyche_diags": Diags,
           "tyche_load_opts": LoadOpts, "tyche_analysis_opts": AnalysisOpts,
           "tyche_stat": Stat, "tyche_explore_result": ExploreResult,
           "tyche_opt_limit_spec": OptLimitSpec, "tyche_opt_spec": OptSpec,
           "tyche_opt_check": OptCheck, "tyche_opt_result": OptResult,
           "tyche_opt_point": OptPoint, "tyche_opt_sweep": OptSweep,
           "tyche_tornado_bar": TornadoBar, "tyche_tornado": Tornado}

vp = C.c_void_p
P = C.POINTER
PROTOS = {
    # name: (restype, argtypes)
    "tyche_version": (C.c_char_p, []),
    "tyche_error_format": (C.c_char_p, [P(Error), C.c_char_p, c_size_t]),
    "tyche_diags_release": (None, [P(Diags)]),
    "tyche_context_load": (C.c_int, [P(vp), C.c_char_p, P(LoadOpts), P(Diags)]),
    "tyche_context_free": (None, [vp]),
    "tyche_context_name": (C.c_char_p, [vp]),
    "tyche_context_hash": (C.c_char_p, [vp]),
    "tyche_results_compute": (C.c_int, [P(vp), vp, C.c_int, P(AnalysisOpts), P(Error)]),
    "tyche_results_free": (None, [vp]),
    "tyche_results_nrows": (c_size_t, [vp]),
    "tyche_results_nsamples": (c_size_t, [vp]),
    "tyche_results_nkeys": (c_size_t, [vp]),
    "tyche_results_key_name": (C.c_char_p, [vp, c_size_t]),
    "tyche_results_key": (C.c_char_p, [vp, c_size_t, c_size_t]),
    "tyche_results_units": (C.c_char_p, [vp, c_size_t]),
    "tyche_results_values": (c_double_p, [vp, c_size_t]),
    "tyche_results_amounts": (c_double_p, [vp, c_size_t]),
    "tyche_results_seed": (C.c_uint64, [vp]),
    "tyche_surface_build": (C.c_int, [P(vp), vp, P(AnalysisOpts), P(C.c_int), P(Error)]),
    "tyche_surface_free": (None, [vp]),
    "tyche_surface_nsamples": (c_size_t, [vp]),
    "tyche_surface_ncategories": (c_size_t, [vp]),
    "tyche_surface_category": (C.c_char_p, [vp, c_size_t]),
    "tyche_surface_max_amount": (C.c_double, [vp, c_size_t]),
    "tyche_surface_ntranches": (c_size_t, [vp, c_size_t]),
    "tyche_surface_tranche": (C.c_char_p, [vp, c_size_t, c_size_t, c_double_p]),
    "tyche_surface_nmetrics": (c_size_t, [vp]),
    "tyche_surface_metric": (C.c_char_p, [vp, c_size_t]),
    "tyche_surface_metric_units": (C.c_char_p, [vp, c_size_t]),
    "tyche_surface_find_category": (C.c_long, [vp, C.c_char_p]),
    "tyche_surface_find_metric": (C.c_long, [vp, C.c_char_p]),
    "tyche_stat_parse_list": (C.c_int, [P(Stat), c_size_t, P(c_size_t), C.c_char_p,
                                        P(Error)]),
    "tyche_explore": (C.c_int, [P(P(ExploreResult)), vp, c_double_p, P(Stat), c_size_t,
                                C.c_int, P(Error)]),
    "tyche_explore_free": (None, [P(ExploreResult)]),
    "tyche_opt_problem_create": (C.c_int, [P(vp), vp, P(OptSpec), P(Error)]),
    "tyche_opt_problem_free": (None, [vp]),
    "tyche_optimize": (C.c_int, [P(P(OptResult)), vp, vp, P(Error)]),
    "tyche_opt_result_free": (None, [P(OptResult)]),
    "tyche_opt_status_name": (C.c_char_p, [C.c_int]),
    "tyche_opt_method_name": (C.c_char_p, [C.c_int]),
    "tyche_opt_bounds": (C.c_int, [P(P(OptSweep)), vp, vp, P(Error)]),
    "tyche_opt_pareto_budget": (C.c_int, [P(P(OptSweep)), vp, vp, P(c_size_t), c_size_t,
                                          c_double_p, c_size_t, P(Error)]),
    "tyche_opt_pareto_vs": (C.c_int, [P(P(OptSweep)), vp, vp, c_size_t, C.c_int,
                                      c_double_p, c_size_t, P(Error)]),
    "tyche_opt_sweep_free": (None, [P(OptSweep)]),
    "tyche_tornado_build": (C.c_int, [P(P(Tornado)), vp, C.c_char_p, P(C.c_char_p),
                                      c_size_t, C.c_char_p, P(Error)]),
    "tyche_tornado_free": (None, [P(Tornado)]),
}


def _candidates():
    env = os.environ.get("TYCHE_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "..", "..", "build", "libtyche.so")
    try:
        from . import _config
        if _config.LIBDIR:
            yield os.path.join(_config.LIBDIR, "libtyche.so")
    except ImportError:
        pass
    try:
        d = subprocess.run(["pkg-config", "--variable=libdir", "tyche"],
                           capture_output=True, text=True, check=True).stdout.strip()
        if d:
            yield os.path.join(d, "libtyche.so")
    except (OSError, subprocess.CalledProcessError):
        pass
    yield "libtyche.so"
    yield "libtyche.so.0"


def load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            lib = C.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        for name, (res, args) in PROTOS.items():
            fn = getattr(lib, name)
            fn.restype = res
            fn.argtypes = args
        lib.path = path
        return lib
    raise ImportError("tyche_c: libtyche not found (set TYCHE_LIBRARY to the path of "
                      "libtyche.so, or install it with `make install`); tried: "
                      + ", ".join(tried))


lib = load()
