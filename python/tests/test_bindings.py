# SPDX-License-Identifier: GPL-3.0-or-later
"""test_bindings.py - every binding function against the CLI on the same
study, seed and settings: identical numbers (exact double equality, NaN
equal to NaN), identical keys and order; and the struct layouts against C."""

import io
import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import tyche_c as ty
from conftest import EXAMPLE, TOP, run, tool

TR = tool("tyche-run")


def cli_csv(*args):
    out = run(TR, *args).stdout
    return pd.read_csv(io.StringIO(out), float_precision="round_trip",
                       keep_default_na=False, na_values=["NaN"])


def same(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape
    ok = (a == b) | (np.isnan(a) & np.isnan(b))
    assert ok.all(), "first difference at %s: %r vs %r" % (
        np.argwhere(~ok)[0], a[~ok][0], b[~ok][0])


def same_table(df, cli, numeric=("Value",)):
    assert list(df.columns) == list(cli.columns)
    assert len(df) == len(cli)
    for c in df.columns:
        if c in numeric or c in ("Amount",):
            same(df[c], cli[c])
        else:
            assert [str(x) for x in df[c]] == [str(x) for x in cli[c]], c


@pytest.fixture(scope="module")
def study():
    s = ty.Study.load(EXAMPLE)
    yield s
    s.close()


@pytest.fixture(scope="module")
def surface(study):
    return study.surface(samples=300, seed=5, cache=False)


def test_evaluate_matches_cli(study):
    df = study.evaluate(samples=64, seed=7, index=False)
    same_table(df, cli_csv("evaluate", "--samples", "64", "--seed", "7", EXAMPLE))
    idx = study.evaluate(samples=3, seed=7)
    assert list(idx.index.names) == ["Technology", "Scenario", "Sample", "Variable",
                                     "Index"]
    assert list(idx.columns) == ["Value", "Units"]


def test_evaluate_reference_context(shared):
    ctx = os.path.join(shared, "tyche", "pv-residential-simple")
    s = ty.Study.load(ctx, models=os.path.join(TOP, "models"))
    df = s.evaluate(samples=200, seed=3, index=False)
    same_table(df, cli_csv("evaluate", "--samples", "200", "--seed", "3", "--models",
                           os.path.join(TOP, "models"), ctx))


def test_evaluate_design_selects_rows(study):
    df = study.evaluate(samples=4, seed=7, design=("Alkaline electrolysis", "Base"),
                        index=False)
    assert set(df["Scenario"]) == {"Base"}
    full = study.evaluate(samples=4, seed=7, index=False)
    same(df["Value"], full[full["Scenario"] == "Base"]["Value"])
    with pytest.raises(ty.TycheError) as e:
        study.evaluate(samples=4, design="No such technology")
    assert e.value.where == "design"


def test_tranches_and_investments_match_cli(study):
    same_table(study.tranches(samples=40, seed=2, index=False),
               cli_csv("tranches", "--samples", "40", "--seed", "2", EXAMPLE))
    same_table(study.investments(samples=40, seed=2, index=False),
               cli_csv("investments", "--samples", "40", "--seed", "2", EXAMPLE))


def test_results_are_a_view_of_the_library(study):
    r = study.results("scenarios", samples=50, seed=1)
    v = r.values
    assert v.shape == (r.nrows, 50)
    assert not v.flags.writeable
    p = ty._lib.lib.tyche_results_values(r._p, 0)
    assert v.ctypes.data == ctypes_addr(p)
    r.free()                        # a live view keeps the block
    assert float(np.asarray(v).sum()) == float(np.asarray(v).sum())
    del v


def ctypes_addr(p):
    import ctypes
    return ctypes.cast(p, ctypes.c_void_p).value


def test_explore_matches_cli(surface, cache):
    df = surface.explore({"Stack R&D": 1.2e6, "Efficiency R&D": 2.5e6},
                         "mean,std,q10,p>0.1", by_category=True)
    cli = cli_csv("explore", "--samples", "300", "--seed", "5", "--no-cache",
                  "--amount", "Stack R&D=1200000", "--amount", "Efficiency R&D=2500000",
                  "--statistic", "mean,std,q10,p>0.1", "--by-category", EXAMPLE)
    cli["Category"] = cli["Category"].astype(str)
    same_table(df, cli)


def opt_json(*args):
    return json.loads(run(TR, *args, "--samples", "300", "--seed", "5", "--no-cache",
                          "--format", "json", EXAMPLE).stdout)


def same_opt(r, j):
    assert r.status == j["status"]
    assert r.starts == j["starts"]
    assert r.extrapolated == sorted(j["extrapolated"]) or r.extrapolated == j["extrapolated"]
    assert r.objective == j["objective"]["value"]
    for k, v in j["amounts"].items():
        assert r.amounts[k] == v, k
    for k, v in j["metrics"].items():
        assert r.metrics[k] == v, k
    assert [(c["constraint"], c["value"], c["bound"], c["holds"]) for c in r.checks] \
        == [(c["constraint"], c["value"], c["bound"], c["holds"])
            for c in j["constraints"]]


@pytest.mark.parametrize("method", ["auto", "local", "global", "milp"])
def test_optimize_matches_cli(surface, method):
    r = surface.optimize("Cost", budget=4e6, limits=["GHG>=0.1"], method=method, seed=5)
    j = opt_json("optimize", "--metric", "Cost", "--budget", "4000000", "--limit",
                 "GHG>=0.1", "--method", method)
    same_opt(r, j)
    r = surface.optimize("GHG", sense="min", statistic="q10",
                         upper={"Stack R&D": 2e6}, method=method, seed=5)
    j = opt_json("optimize", "--metric", "GHG", "--sense", "min", "--statistic", "q10",
                 "--upper", "Stack R&D=2000000", "--method", method)
    same_opt(r, j)


def test_bounds_matches_cli(surface):
    df = surface.bounds(budget=3e6, seed=5)
    j = opt_json("bounds", "--budget", "3000000")
    assert len(df) == len(j)
    for r, p in zip(df["Result"], j):
        assert r.metric == p["metric"] and r.sense == p["sense"]
        same_opt(r, p["result"])


def test_pareto_matches_cli(surface):
    df = surface.pareto("Cost", budgets=[0, 1e6, 2.5e6, 6e6], seed=5)
    j = opt_json("pareto", "--metric", "Cost", "--budgets", "0:6000000:1000000")
    # the CLI sweeps a range: compare the common budgets
    byb = {p["budget"]: p for p in j}
    for b, r in zip(df["Budget"], df["Result"]):
        if b in byb:
            same_opt(r, byb[b]["result"])
    df = surface.pareto("Cost", vs="GHG", points=5, seed=5)
    j = opt_json("pareto", "--metric", "Cost", "--vs", "GHG")
    assert len(df) == 5 and len(j) == 17
    df = surface.pareto("Cost", vs="GHG", seed=5)
    for (lim, r), p in zip(zip(df["Limit"], df["Result"]), j):
        assert lim == p["limit"]
        same_opt(r, p["result"])


def test_sensitivity_matches_cli(study):
    df = study.sensitivity("Cost", {"Stack R&D": 4e6})
    cli = cli_csv("tornado", "--metric", "Cost", "--amount", "Stack R&D=4000000",
                  EXAMPLE)
    same_table(df, cli, numeric=("Low", "High", "Swing", "Base"))


def test_bad_context_raises_with_location(tmp_path):
    d = tmp_path / "ctx"
    run("cp", "-r", EXAMPLE, str(d))
    p = d / "designs.csv"
    lines = p.read_text().splitlines()
    cells = lines[3].split(",")
    cells[4] = "st.norm(1,"
    lines[3] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ty.TycheError) as e:
        ty.Study.load(str(d))
    err = e.value
    assert err.kind == "data"
    assert err.where.endswith("designs.csv") and err.line == 4 and err.col > 0
    cli = run(TR, "check", str(d), check=False)
    assert cli.returncode != 0
    first = cli.stderr.splitlines()[0]
    assert first.startswith("%s:%d:%d: error: " % (err.where, err.line, err.col))
    assert err.message.split(" (and ")[0] in first
    assert len(err.diagnostics) >= 1


def test_usage_errors_name_the_field(study, surface):
    with pytest.raises(ty.TycheError) as e:
        surface.explore(statistics="mean,bogus")
    assert e.value.where == "statistics[1]" and e.value.kind == "usage"
    with pytest.raises(ty.TycheError) as e:
        surface.optimize("NoSuchMetric")
    assert e.value.where == "metric" and "Cost" in e.value.message
    with pytest.raises(ty.TycheError) as e:
        surface.optimize("Cost", limits=["GHG>>3"])
    assert e.value.where == "limits[0]"
    with pytest.raises(ty.TycheError):
        study.evaluate(samples=0)
    with pytest.raises(ty.TycheError) as e:
        ty.Study.load("/nonexistent/context")
    assert e.value.code == 5


def test_struct_layout_matches_c(tmp_path):
    """The ctypes Structures against the C compiler's sizeof/offsetof."""
    from tyche_c import _lib
    src = ['#include <stddef.h>', '#include <stdio.h>', '#include "tyche.h"',
           'int main(void) {']
    for cname, cls in _lib.STRUCTS.items():
        t = cname if cname not in ("tyche_opt_limit_spec",) else cname
        src.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, t))
        for f, _ in cls._fields_:
            src.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                       % (cname, f, t, f))
    src.append("return 0; }")
    c = tmp_path / "layout.c"
    c.write_text("\n".join(src) + "\n")
    exe = tmp_path / "layout"
    run("cc", "-std=c11", "-I", os.path.join(TOP, "lib"), "-o", str(exe), str(c))
    got = dict(line.split() for line in run(str(exe)).stdout.splitlines())
    for cname, cls in _lib.STRUCTS.items():
        import ctypes
        assert int(got[cname]) == ctypes.sizeof(cls), cname
        for f, _ in cls._fields_:
            assert int(got["%s.%s" % (cname, f)]) == getattr(cls, f).offset, (cname, f)


def test_indexed_frame_is_the_flat_one_indexed(study):
    for f, n in ((study.evaluate, 5), (study.tranches, 6), (study.investments, 4)):
        a = f(samples=30, seed=4)
        b = f(samples=30, seed=4, index=False).set_index(list(a.index.names))
        assert a.index.equals(b.index) and a.equals(b) and len(a.index.names) == n
