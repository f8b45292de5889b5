# SPDX-License-Identifier: GPL-3.0-or-later
"""test_leak.py - no leak under a loop of 1,000 load/evaluate/free: the
resident set (from /proc/self/statm) and Python's traced allocations
(tracemalloc) must not grow between the first 200 iterations and the
end; a leak of even one result block per iteration would add megabytes."""

import gc
import os
import tracemalloc

import tyche_c as ty
from conftest import EXAMPLE


def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def once():
    s = ty.Study.load(EXAMPLE)
    r = s.results("scenarios", samples=100, seed=1, threads=1)
    v = r.values
    total = float(v[0].sum())
    del v
    r.free()
    df = s.evaluate(samples=20, seed=2, threads=1, index=False)
    s.close()
    return total + float(df["Value"].iloc[0])


def test_no_leak_over_1000_iterations():
    for _ in range(200):
        once()
    gc.collect()
    tracemalloc.start()
    base_rss = rss()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(800):
        once()
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    grown = sum(st.size_diff for st in snap1.compare_to(snap0, "filename"))
    tracemalloc.stop()
    # one leaked results block (6 rows x 100 doubles) per iteration would
    # be ~4 MB over 800 iterations; a leaked context far more
    assert rss() - base_rss < 2 * 1024 * 1024, "RSS grew by %d bytes" % (rss() - base_rss)
    assert grown < 256 * 1024, "Python allocations grew by %d bytes" % grown
