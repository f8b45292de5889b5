# SPDX-License-Identifier: GPL-3.0-or-later
"""study.py - the notebook API over libtyche: Study (a decision context),
Results (rows x samples as numpy), Surface (explore, optimise, bounds,
Pareto) in the reference's vocabulary.

Every number comes from the library as doubles (no text round trip): the
results' values are a numpy view of the library's own block, kept alive by
the Results object that owns it.  Nothing here computes a statistic; it
reshapes what the library returns into long-form tables.

What is easy to get wrong:
 - ownership: every C object is freed exactly once (free() or the garbage
   collector); a numpy view holds a reference to its owner so the block
   cannot be freed under it;
 - the long form interleaves samples: rows sharing the keys before Sample
   (Technology, Scenario for scenarios) are written sample by sample, each
   sample listing those rows in order, as the CLI writer does;
 - errors: a non-zero code raises TycheError with the library's message
   and location; a context that fails to load raises with every
   diagnostic attached (.diagnostics).
"""

import ctypes as C
import weakref

import numpy as np

from ._lib import (lib, Error, Diags, LoadOpts, AnalysisOpts, Stat, ExploreResult,
                   OptSpec, OptLimitSpec, c_double_p)

try:
    import pandas as pd
except ImportError:     # pandas is optional: tables come as dicts of arrays
    pd = None

RESULTS_SCENARIOS, RESULTS_TRANCHES, RESULTS_INVESTMENTS = 0, 1, 2
CODES = {1: "data", 2: "usage", 3: "nomem", 4: "io", 5: "noent", 6: "internal",
         7: "infeasible", 8: "busy", 9: "timeout", 10: "perm"}
# Keys before the Sample column of each kind's long form (lib/results.c).
SAMPLE_POS = {RESULTS_SCENARIOS: 2, RESULTS_TRANCHES: 4, RESULTS_INVESTMENTS: 2}


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else None


def _b(s):
    return None if s is None else str(s).encode("utf-8")


class TycheError(Exception):
    """An error from libtyche: .code (TYCHE_E*), .kind ('data', 'usage',
    ...), .where, .line, .col (0 = unknown), .message, and for a context
    that did not load, .diagnostics (a table of every problem)."""

    def __init__(self, code, where, line, col, message, diagnostics=None):
        self.code, self.where, self.line, self.col = code, where, line, col
        self.kind = CODES.get(code, "error")
        self.message = message
        self.diagnostics = diagnostics
        super().__init__(self.location() + message)

    def location(self):
        parts = [p for p in (self.where, self.line or None, self.col or None) if p]
        return ":".join(str(p) for p in parts) + (": " if parts else "")

    @classmethod
    def from_error(cls, code, e):
        return cls(code or e.code, _s(e.where), e.line, e.col, _s(e.msg))


def _check(rc, err):
    if rc:
        raise TycheError.from_error(rc, err)


def _table(cols, index=None):
    """A DataFrame (index: the given columns) or, without pandas, a dict."""
    if pd is None:
        return cols
    df = pd.DataFrame(cols)
    return df.set_index(index) if index else df


def _diag_table(d):
    rows = {"Severity": [], "File": [], "Line": [], "Column": [], "Message": []}
    for i in range(d.n):
        x = d.v[i]
        rows["Severity"].append("error" if x.severity == 0 else "warning")
        rows["File"].append(_s(x.where) or "")
        rows["Line"].append(x.line)
        rows["Column"].append(x.col)
        rows["Message"].append(_s(x.msg))
    return rows


def _analysis_opts(samples, seed, threads=0, cache=None):
    if samples is None or int(samples) < 1:
        raise TycheError(2, "samples", 0, 0, "expected a number of samples >= 1")
    o = AnalysisOpts()
    o.seed = int(seed)
    o.samples = int(samples)
    o.threads = int(threads)
    o.cache_dir = None if cache is None else (b"" if cache is False else _b(cache))
    o.nowait = 0
    return o


def _stats(statistics):
    if statistics is not None and not isinstance(statistics, str):
        statistics = ",".join(statistics)
    st = (Stat * 64)()
    n = C.c_size_t(0)
    err = Error()
    _check(lib.tyche_stat_parse_list(st, 64, C.byref(n), _b(statistics), C.byref(err)),
           err)
    return st, n.value


class Results:
    """Scenario, tranche or investment results as values: .values is a
    (rows, samples) numpy array viewing the library's memory (read-only),
    .amounts the sampled amounts (tranches, investments), .keys the key
    columns per row.  .frame() is the long-form table."""

    def __init__(self, ptr, kind):
        self._p = ptr
        self.kind = kind
        r = ptr
        self.nrows = lib.tyche_results_nrows(r)
        self.nsamples = lib.tyche_results_nsamples(r)
        self.seed = lib.tyche_results_seed(r)
        nk = lib.tyche_results_nkeys(r)
        self.key_names = [_s(lib.tyche_results_key_name(r, k)) for k in range(nk)]
        self.keys = {name: np.array([_s(lib.tyche_results_key(r, i, k))
                                     for i in range(self.nrows)], dtype=object)
                     for k, name in enumerate(self.key_names)}
        self.units = np.array([_s(lib.tyche_results_units(r, i))
                               for i in range(self.nrows)], dtype=object)
        self._vals = None
        self._views = []
        self.amounts = None
        if kind != RESULTS_SCENARIOS and self.nrows:
            a = np.empty((self.nrows, self.nsamples))
            for i in range(self.nrows):
                p = lib.tyche_results_amounts(r, i)
                if p:
                    a[i] = np.ctypeslib.as_array(p, shape=(self.nsamples,))
                else:
                    a[i] = np.nan
            self.amounts = a

    @property
    def values(self):
        """(rows, samples), read-only, viewing the library's block (no copy);
        the view keeps this object alive.  After free(): not available."""
        if self._vals is not None:
            return self._vals
        if not self._p:
            raise TycheError(2, "", 0, 0, "the results were freed")
        if not (self.nrows and self.nsamples):
            return np.zeros((self.nrows, self.nsamples))
        base = lib.tyche_results_values(self._p, 0)
        arr = np.ctypeslib.as_array(base, shape=(self.nrows, self.nsamples))
        arr.flags.writeable = False
        v = _View(arr, self)
        self._views[:] = [w for w in self._views if w() is not None]
        self._views.append(weakref.ref(v))
        return v

    def free(self):
        """Release the library's memory (views still alive keep it: then
        this only happens when the last view goes)."""
        if self._p and not _views_alive(self):
            lib.tyche_results_free(self._p)
            self._p = None

    def __del__(self):
        try:
            self.free()
        except Exception:
            pass

    def _order(self):
        """Row and sample index of each long-form line, in the CLI's order."""
        pos = SAMPLE_POS[self.kind]
        n, N = self.nrows, self.nsamples
        if n == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        prefix = list(zip(*[self.keys[k] for k in self.key_names[:pos]]))
        starts = [0] + [i for i in range(1, n) if prefix[i] != prefix[i - 1]] + [n]
        ri, si = [], []
        for a, b in zip(starts[:-1], starts[1:]):
            ri.append(np.tile(np.arange(a, b), N))
            si.append(np.repeat(np.arange(N), b - a))
        return np.concatenate(ri), np.concatenate(si)

    def frame(self, index=True):
        """The long-form table, as the CLI writes it: key columns with
        Sample (numbered from 1) after the first keys, then Amount
        (tranches, investments), Value, Units.  index=True puts the keys
        and Sample in a MultiIndex, as the reference's DataFrames."""
        ri, si = self._order()
        pos = SAMPLE_POS[self.kind]
        cols = {}
        for k in self.key_names[:pos]:
            cols[k] = self.keys[k][ri]
        cols["Sample"] = si + 1
        for k in self.key_names[pos:]:
            cols[k] = self.keys[k][ri]
        vals = np.asarray(self.values)
        if self.amounts is not None:
            cols["Amount"] = self.amounts[ri, si]
        cols["Value"] = vals[ri, si]
        cols["Units"] = self.units[ri]
        names = self.key_names[:pos] + ["Sample"] + self.key_names[pos:]
        if index and pd is not None:
            # the MultiIndex from codes: keys are factorised per row (few),
            # not per line (set_index would hash every line's strings)
            levels, codes = [], []
            for k in names:
                if k == "Sample":
                    levels.append(np.arange(1, self.nsamples + 1))
                    codes.append(si)
                    continue
                u, inv = np.unique(self.keys[k].astype(str), return_inverse=True)
                levels.append(u)
                codes.append(inv[ri])
            mi = pd.MultiIndex(levels=levels, codes=codes, names=names,
                               verify_integrity=False)
            data = {c: v for c, v in cols.items() if c not in names}
            return pd.DataFrame(data, index=mi)
        return _table(cols, names if index else None)


def _views_alive(owner):
    # a live view (or anything derived from it, whose .base chain holds it)
    # still reads the block: then the last view's owner reference frees it
    return any(w() is not None for w in owner._views)


class _View(np.ndarray):
    """A numpy view that keeps its owner (a Results) alive."""

    def __new__(cls, arr, owner):
        obj = arr.view(cls)
        obj._owner = owner
        return obj

    def __array_finalize__(self, obj):
        self._owner = getattr(obj, "_owner", None)


class Study:
    """A decision context: a directory of the seven tables or a .xlsx
    workbook.  Study.load(path) validates it (every problem at once) and
    raises TycheError when there is an error; .check() lists warnings."""

    def __init__(self, path, models=None):
        self._p = None
        d = Diags()
        lo = LoadOpts()
        lo.model_path = _b(models)
        lo.skip_models = 0
        out = C.c_void_p()
        rc = lib.tyche_context_load(C.byref(out), _b(str(path)), C.byref(lo), C.byref(d))
        try:
            self._diags = _diag_table(d)
            first = None
            for i in range(d.n):
                if d.v[i].severity == 0:
                    first = d.v[i]
                    break
            if rc:
                if first is not None:
                    raise TycheError(rc, _s(first.where), first.line, first.col,
                                     _s(first.msg) + ("" if d.nerrors == 1 else
                                                     " (and %d more errors)"
                                                     % (d.nerrors - 1)),
                                     _table(self._diags))
                raise TycheError(rc, str(path), 0, 0, "cannot load the context",
                                 _table(self._diags))
        finally:
            lib.tyche_diags_release(C.byref(d))
        self._p = out
        self.path = str(path)
        self.name = _s(lib.tyche_context_name(out))
        self.hash = _s(lib.tyche_context_hash(out))

    @classmethod
    def load(cls, path, models=None):
        """Load and validate a context (directory or .xlsx); `models` is a
        model search path ("DIR:DIR")."""
        return cls(path, models)

    def close(self):
        if self._p:
            lib.tyche_context_free(self._p)
            self._p = None

    free = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _ctx(self):
        if not self._p:
            raise TycheError(2, "", 0, 0, "the study is closed")
        return self._p

    def check(self):
        """The located diagnostics of loading (warnings; errors raise at
        load): Severity, File, Line, Column, Message."""
        return _table(self._diags)

    def results(self, kind="scenarios", samples=1000, seed=1, threads=0):
        """Results as values (numpy): kind is scenarios, tranches or
        investments."""
        k = {"scenarios": 0, "tranches": 1, "investments": 2}.get(kind, kind)
        o = _analysis_opts(samples, seed, threads, cache=False)
        out = C.c_void_p()
        err = Error()
        _check(lib.tyche_results_compute(C.byref(out), self._ctx(), k, C.byref(o),
                                         C.byref(err)), err)
        return Results(out, k)

    def evaluate(self, samples=1000, seed=1, design=None, threads=0, index=True):
        """Every technology, scenario and sample in the reference's long
        form: index Technology, Scenario, Sample, Variable, Index; columns
        Value, Units (as `tyche-run evaluate`).  design: a technology name,
        or (technology, scenario), keeps only those rows (the library
        evaluates every scenario; selection is on the rows)."""
        r = self.results("scenarios", samples, seed, threads)
        try:
            if design is not None:
                tech, scen = (design, None) if isinstance(design, str) else design
                keep = r.keys["Technology"] == tech
                if scen is not None:
                    keep &= r.keys["Scenario"] == scen
                if not keep.any():
                    raise TycheError(2, "design", 0, 0, "no scenario matches %r: "
                                     "expected a technology or (technology, scenario)"
                                     % (design,))
                return _subset(r, keep).frame(index)
            return r.frame(index)
        finally:
            r.free()

    def tranches(self, samples=1000, seed=1, threads=0, index=True):
        """Tranche results: Category, Tranche, Scenario, Technology, Sample,
        Index, Amount, Value, Units (as `tyche-run tranches`)."""
        r = self.results("tranches", samples, seed, threads)
        try:
            return r.frame(index)
        finally:
            r.free()

    def investments(self, samples=1000, seed=1, threads=0, index=True):
        """Investment results: Investment, Technology, Sample, Index, Amount,
        Value, Units (as `tyche-run investments`)."""
        r = self.results("investments", samples, seed, threads)
        try:
            return r.frame(index)
        finally:
            r.free()

    def surface(self, samples=1000, seed=1, threads=0, cache=None):
        """The response surface (built, or read from the cache; cache=False:
        no cache, a path: that cache directory)."""
        return Surface(self, samples, seed, threads, cache)

    def sensitivity(self, metric, amounts=None, scenario=None):
        """The tornado (`tyche-run tornado`): each uncertain input at its q10
        and q90, the others at their median; rows sorted by swing.
        amounts: {category: amount} (others 0), or scenario: one scenario."""
        assign = ["%s=%r" % (k, float(v)) for k, v in (amounts or {}).items()]
        arr = (C.c_char_p * max(1, len(assign)))(*[_b(a) for a in assign])
        out = C.POINTER(_Tornado)()
        err = Error()
        _check(lib.tyche_tornado_build(C.byref(out), self._ctx(), _b(metric), arr,
                                       len(assign), _b(scenario), C.byref(err)), err)
        try:
            t = out.contents
            cols = {"Rank": [], "Input": [], "Low": [], "High": [], "Swing": [],
                    "Base": []}
            for i in range(t.n):
                b = t.v[i]
                cols["Rank"].append(i + 1)
                cols["Input"].append(_s(b.label))
                cols["Low"].append(b.low)
                cols["High"].append(b.high)
                cols["Swing"].append(b.swing)
                cols["Base"].append(t.base)
            return _table(cols)
        finally:
            lib.tyche_tornado_free(out)


from ._lib import Tornado as _Tornado  # noqa: E402


def _subset(r, keep):
    s = Results.__new__(Results)
    s._p = None
    s._views = []
    s.kind = r.kind
    s.nrows = int(keep.sum())
    s.nsamples = r.nsamples
    s.seed = r.seed
    s.key_names = r.key_names
    s.keys = {k: v[keep] for k, v in r.keys.items()}
    s.units = r.units[keep]
    s._vals = np.asarray(r.values)[keep]
    s.amounts = None if r.amounts is None else r.amounts[keep]
    return s


class OptResult:
    """One optimisation: status ('optimal', 'local optimum', 'best found',
    'infeasible', 'limit', 'error'), message, objective, amounts
    {category: x}, metrics {metric: stat}, checks (the budget and limits
    at the solution), starts (local searches run) and extrapolated (the
    categories whose amount lies outside their tranche amounts)."""

    def __init__(self, s, r):
        self.status = _s(lib.tyche_opt_status_name(r.status))
        self.message = _s(r.message)
        self.method = _s(lib.tyche_opt_method_name(r.method))
        self.metric = s.metrics[r.metric] if r.metric < len(s.metrics) else None
        self.statistic = _s(r.stat.name)
        self.sense = "min" if r.minimize else "max"
        self.objective = r.objective
        self.amounts = {s.categories[c]: r.amounts[c] for c in range(r.ncategories)}
        self.upper = {s.categories[c]: r.upper[c] for c in range(r.ncategories)}
        self.metrics = {s.metrics[m]: r.metrics[m] for m in range(r.nmetrics)}
        self.checks = [{"constraint": _s(r.checks[i].label),
                        "sense": "<=" if r.checks[i].upper else ">=",
                        "value": r.checks[i].value, "bound": r.checks[i].bound,
                        "holds": bool(r.checks[i].holds)} for i in range(r.nchecks)]
        self.seconds = r.seconds
        self.evaluations = r.evaluations
        self.starts = r.starts
        self.extrapolated = [s.categories[c] for c in range(r.ncategories)
                             if r.outside and r.outside[c]]

    def __repr__(self):
        return "OptResult(%s, %s %s(%s) = %r, amounts=%r)" % (
            self.status, self.sense, self.statistic, self.metric, self.objective,
            self.amounts)


class Surface:
    """The response surface of a study: per category, metric and sample a
    piecewise-linear interpolant over the tranche amounts."""

    def __init__(self, study, samples=1000, seed=1, threads=0, cache=None):
        self._p = None
        self.study = study          # keeps the context alive
        o = _analysis_opts(samples, seed, threads, cache)
        out = C.c_void_p()
        fc = C.c_int(0)
        err = Error()
        _check(lib.tyche_surface_build(C.byref(out), study._ctx(), C.byref(o),
                                       C.byref(fc), C.byref(err)), err)
        self._p = out
        self.from_cache = bool(fc.value)
        s = out
        self.nsamples = lib.tyche_surface_nsamples(s)
        self.categories = [_s(lib.tyche_surface_category(s, c))
                           for c in range(lib.tyche_surface_ncategories(s))]
        self.metrics = [_s(lib.tyche_surface_metric(s, m))
                        for m in range(lib.tyche_surface_nmetrics(s))]
        self.units = {m: _s(lib.tyche_surface_metric_units(s, i))
                      for i, m in enumerate(self.metrics)}
        self.max_amounts = {c: lib.tyche_surface_max_amount(s, i)
                            for i, c in enumerate(self.categories)}

    def free(self):
        if self._p:
            lib.tyche_surface_free(self._p)
            self._p = None

    def __del__(self):
        try:
            self.free()
        except Exception:
            pass

    def tranche_amounts(self):
        """{category: [(tranche, mean amount), ...]} sorted by amount."""
        out = {}
        for c, name in enumerate(self.categories):
            lst = []
            for t in range(lib.tyche_surface_ntranches(self._p, c)):
                a = C.c_double()
                lst.append((_s(lib.tyche_surface_tranche(self._p, c, t, C.byref(a))),
                            a.value))
            out[name] = lst
        return out

    def _amounts(self, amounts):
        a = np.zeros(len(self.categories))
        if amounts is None:
            return a
        if isinstance(amounts, dict):
            for k, v in amounts.items():
                if k not in self.categories:
                    raise TycheError(2, "amounts", 0, 0, "unknown category '%s': "
                                     "expected one of %s" % (k, ", ".join(
                                         self.categories)))
                a[self.categories.index(k)] = float(v)
            return a
        a[:] = np.asarray(amounts, dtype=float)
        return a

    def explore(self, amounts=None, statistics=None, by_category=False,
                samples=False):
        """Statistics of each metric for the portfolio `amounts` ({category:
        amount}, others 0), as `tyche-run explore`: Level, Category, Metric,
        Statistic, Value, Units.  samples=True returns (table, totals) with
        totals a (metrics, samples) numpy array of the per-sample totals."""
        st, nst = _stats(statistics)
        a = self._amounts(amounts)
        out = C.POINTER(ExploreResult)()
        err = Error()
        _check(lib.tyche_explore(C.byref(out), self._p,
                                 a.ctypes.data_as(c_double_p), st, nst,
                                 1 if by_category else 0, C.byref(err)), err)
        try:
            r = out.contents
            M, K = r.nmetrics, r.nstats
            val = np.ctypeslib.as_array(r.value, shape=(r.nlevels * M * K,)).copy()
            cols = {"Level": [], "Category": [], "Metric": [], "Statistic": [],
                    "Value": [], "Units": []}
            for lv in range(r.nlevels):
                for m in range(M):
                    for k in range(K):
                        cols["Level"].append("portfolio" if lv == 0 else "category")
                        cols["Category"].append("" if lv == 0 else
                                                self.categories[lv - 1])
                        cols["Metric"].append(self.metrics[m])
                        cols["Statistic"].append(_s(r.stats[k].name))
                        cols["Value"].append(val[(lv * M + m) * K + k])
                        cols["Units"].append(self.units[self.metrics[m]])
            table = _table(cols)
            if samples:
                tot = np.ctypeslib.as_array(r.totals, shape=(M, r.nsamples)).copy()
                return table, tot
            return table
        finally:
            lib.tyche_explore_free(out)

    def _problem(self, metric=None, sense="max", statistic="mean", method="auto",
                 budget=None, limits=(), upper=None, start=None, seed=1, max_time=0,
                 max_eval=0, need_metric=True):
        spec = OptSpec()
        keep = []
        spec.metric = _b(metric)
        spec.sense = _b(sense)
        spec.statistic = _b(statistic)
        spec.method = _b(method)
        spec.has_budget = 0 if budget is None else 1
        spec.budget = 0.0 if budget is None else float(budget)
        if isinstance(limits, str):
            limits = [limits]
        lim = (OptLimitSpec * max(1, len(limits)))()
        for i, t in enumerate(limits):
            lim[i].text = _b(t)
        keep.append(lim)
        spec.limits = lim
        spec.nlimits = len(limits)
        for field, d in (("upper", upper), ("start", start)):
            if d is not None:
                v = np.full(len(self.categories), np.nan)
                for k, x in d.items():
                    if k not in self.categories:
                        raise TycheError(2, field, 0, 0, "unknown category '%s': "
                                         "expected one of %s" % (k, ", ".join(
                                             self.categories)))
                    v[self.categories.index(k)] = float(x)
                keep.append(v)
                setattr(spec, field, v.ctypes.data_as(c_double_p))
        spec.seed = int(seed)
        spec.max_time = float(max_time)
        spec.max_eval = int(max_eval)
        spec.need_metric = 1 if need_metric else 0
        out = C.c_void_p()
        err = Error()
        _check(lib.tyche_opt_problem_create(C.byref(out), self._p, C.byref(spec),
                                            C.byref(err)), err)
        return out

    def optimize(self, metric, sense="max", statistic="mean", method="auto",
                 budget=None, limits=(), upper=None, start=None, seed=1, max_time=0,
                 max_eval=0):
        """The portfolio that maximises (sense='min': minimises) a statistic
        of `metric` under an optional total budget and metric limits
        ('GHG>=40', 'q10(GHG)<=3'), as `tyche-run optimize`."""
        p = self._problem(metric, sense, statistic, method, budget, limits, upper,
                          start, seed, max_time, max_eval)
        out = C.POINTER(_OptResultC)()
        err = Error()
        try:
            _check(lib.tyche_optimize(C.byref(out), self._p, p, C.byref(err)), err)
        finally:
            lib.tyche_opt_problem_free(p)
        try:
            return OptResult(self, out.contents)
        finally:
            lib.tyche_opt_result_free(out)

    def _sweep(self, fn, *args):
        out = C.POINTER(_OptSweepC)()
        err = Error()
        _check(fn(C.byref(out), self._p, *args, C.byref(err)), err)
        try:
            sw = out.contents
            cols = {"Point": [], "Target": [], "Sense": [], "Budget": [], "Limit": [],
                    "Status": [], "Objective": [], "Result": []}
            for i in range(sw.n):
                pt = sw.v[i]
                r = OptResult(self, pt.result.contents)
                cols["Point"].append(i + 1)
                cols["Target"].append(self.metrics[pt.metric])
                cols["Sense"].append("min" if pt.minimize else "max")
                cols["Budget"].append(pt.budget)
                cols["Limit"].append(pt.limit)
                cols["Status"].append(r.status)
                cols["Objective"].append(r.objective)
                cols["Result"].append(r)
            return _table(cols)
        finally:
            lib.tyche_opt_sweep_free(out)

    def bounds(self, statistic="mean", method="auto", budget=None, limits=(),
               upper=None, seed=1, max_time=0, max_eval=0):
        """Each metric minimised and maximised alone (`tyche-run bounds`):
        one row per optimisation with its OptResult."""
        p = self._problem(None, "max", statistic, method, budget, limits, upper, None,
                          seed, max_time, max_eval, need_metric=False)
        try:
            return self._sweep(lib.tyche_opt_bounds, p)
        finally:
            lib.tyche_opt_problem_free(p)

    def pareto(self, metric=None, budgets=None, vs=None, vs_upper=False, points=None,
               sense="max", statistic="mean", method="auto", budget=None, limits=(),
               upper=None, seed=1, max_time=0, max_eval=0):
        """Pareto sweeps (`tyche-run pareto`).  budgets=[...]: the optimum of
        metric (None: every metric) at each total budget.  vs='OTHER': the
        optimum of metric with the limit OTHER >= x (vs_upper: <=) for x in
        points (None: 17 points over OTHER's range)."""
        if budgets is not None:
            p = self._problem(metric, sense, statistic, method, budget, limits, upper,
                              None, seed, max_time, max_eval, need_metric=False)
            b = np.asarray(budgets, dtype=float)
            ms = None
            nm = 0
            if metric is not None:
                ms = (C.c_size_t * 1)(self.metrics.index(metric))
                nm = 1
            try:
                return self._sweep(lib.tyche_opt_pareto_budget, p, ms, nm,
                                   b.ctypes.data_as(c_double_p), len(b))
            finally:
                lib.tyche_opt_problem_free(p)
        if vs is None:
            raise TycheError(2, "pareto", 0, 0, "expected budgets=[...] or vs='METRIC'")
        if vs not in self.metrics:
            raise TycheError(2, "vs", 0, 0, "unknown metric '%s': expected one of %s"
                             % (vs, ", ".join(self.metrics)))
        p = self._problem(metric, sense, statistic, method, budget, limits, upper, None,
                          seed, max_time, max_eval)
        pts = None if points is None or isinstance(points, int) else \
            np.asarray(points, dtype=float)
        n = (17 if points is None else points) if pts is None else len(pts)
        try:
            return self._sweep(lib.tyche_opt_pareto_vs, p, self.metrics.index(vs),
                               1 if vs_upper else 0,
                               None if pts is None else pts.ctypes.data_as(c_double_p),
                               n)
        finally:
            lib.tyche_opt_problem_free(p)


from ._lib import OptResult as _OptResultC, OptSweep as _OptSweepC  # noqa: E402
