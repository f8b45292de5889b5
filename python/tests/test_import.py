# SPDX-License-Identifier: GPL-3.0-or-later
"""test_import.py - the model importer (tyche-run import-model): the seven
reference models convert and reproduce the golden medians (as t3000 checks,
and exactly), and match the hand-written library models bit for bit at
N=200; saf_v1.py converts (one located warning); a model with constructs
the language lacks fails with every one located."""

import os

import pytest

from tyche_c import import_model
from conftest import TOP, run, tool

TR = tool("tyche-run")
SEVEN = {"pv_residential_large": "pv-residential-large",
         "pv_residential_simple": "pv-residential-simple",
         "simple_electrolysis": "simple-electrolysis",
         "transport_model": "transport-model", "tutorial_basic": "tutorial-basic",
         "tutorial_biorefinery": "tutorial-biorefinery", "utility_pv": "utility-pv"}


@pytest.mark.parametrize("model", sorted(SEVEN))
def test_reference_model_round_trip(shared, tmp_path, model):
    ctx = SEVEN[model]
    src = os.path.join(shared, "python-models", model + ".py")
    golden = os.path.join(shared, "golden", ctx)
    out = tmp_path / (model + ".yml")
    run(TR, "import-model", src, "--context", os.path.join(golden, "inputs-median"),
        "-o", out)
    got = run(TR, "evaluate", "--samples", "1", "--models", tmp_path,
              os.path.join(golden, "inputs-median")).stdout
    (tmp_path / "actual.csv").write_text(got)
    exp = os.path.join(golden, "scenarios-median.csv")
    run(tool("tyche-csvcmp"), "--rel", "1e-9", "--abs", "1e-12", exp,
        tmp_path / "actual.csv")
    run(tool("tyche-csvcmp"), "--rel", "0", "--abs", "0", exp, tmp_path / "actual.csv")
    # the full context, 200 samples: byte for byte the hand-written model's
    full = os.path.join(shared, "tyche", ctx)
    mine = run(TR, "evaluate", "--samples", "200", "--models", tmp_path, full).stdout
    lib = run(TR, "evaluate", "--samples", "200", "--models",
              os.path.join(TOP, "models"), full).stdout
    assert mine == lib


def test_without_context_warns_about_whole_arrays(shared, tmp_path):
    src = os.path.join(shared, "python-models", "tutorial_biorefinery.py")
    p = run(TR, "import-model", src, "-o", tmp_path / "tutorial_biorefinery.yml")
    warn = [x for x in p.stderr.splitlines() if ":163:21: warning:" in x]
    assert warn and "whole array 'output'" in warn[0] and "--context" in warn[0]


def test_saf_v1_converts(shared, tmp_path):
    src = os.path.join(shared, "python-models", "saf_v1.py")
    out = tmp_path / "saf_v1.yml"
    p = run(TR, "import-model", src, "-o", out)
    assert p.stderr.splitlines() == [
        src + ":70:3: warning: unreachable code after the return of 'production' "
        "is ignored"]
    text = out.read_text()
    assert "mjsp: (br + cr) / output[0]" in text
    assert "df_tpi: dr * (1 + dr)^els / ((1 + dr)^els - 1)" in text


BAD = '''import numpy as np
import scipy

def capital_cost(scale, parameter):
    x = parameter[0:2]
    for k in range(3):
        x = x + 1
    return np.stack([parameter[0] % 2, np.fft.fft(scale)])

def fixed_cost(scale, parameter):
    return np.stack([parameter[1] if scale > 0 else 0, min(scale, 1)])
'''


def test_unsupported_constructs_are_listed(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(BAD)
    p = run(TR, "import-model", src, "-o", tmp_path / "bad.yml", check=False)
    assert p.returncode == 1
    assert not (tmp_path / "bad.yml").exists()
    s = str(src)
    assert p.stderr.splitlines() == [
        s + ":2:1: error: cannot translate 'import scipy': expected only numpy and math",
        s + ":5:19: error: cannot translate the index 0:2: expected a constant integer "
        "(the model language has no slices or computed indices)",
        s + ":6:5: error: cannot translate a 'for' loop statement: the model language "
        "has no statements besides name = expression and return (use np.where for "
        "conditions, write sums out)",
        s + ":8:22: error: cannot translate the operator '%': expected + - * / ** "
        "(and & | on comparisons)",
        s + ":8:40: error: cannot translate a call to 'np.fft.fft': expected a numpy "
        "function or a helper",
        s + ":11:22: error: cannot translate a conditional expression 'a if c else b' "
        "(use np.where): expected arithmetic, numpy calls, constant indexing and names",
        s + ":11:56: error: cannot translate the builtin min(): expected np.minimum "
        "(element by element)",
        "tyche-run import-model: 7 constructs cannot be translated; nothing written",
    ]


def test_translation_rules(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('''import numpy as np
def h(a, b):
    c = a * b
    return c / (a - b)
def capital_cost(scale, parameter):
    return np.stack([scale ** 2, parameter[0] ** 0.5, np.power(scale, 2),
                     (scale > 1) + (scale < 0), np.where(parameter[1], 1, 2),
                     h(scale, parameter[2]) - (parameter[3] - parameter[4])])
''')
    text, errs, warns = import_model.translate(str(src))
    assert errs == [] and warns == []
    comps = [ln.split(": ", 1)[1] for ln in text.splitlines() if ln.startswith("  ")]
    assert comps == ["a * b / (a - b)", "scale * scale", "sqrt(p[0])", "scale^2",
                     "max(scale > 1, scale < 0)", "if(p[1] != 0, 1, 2)",
                     "h(scale, p[2]) - (p[3] - p[4])"]
