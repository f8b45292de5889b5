# SPDX-License-Identifier: GPL-3.0-or-later
"""import_model.py - translate a reference-style Python technology model
(the four functions over numpy arrays) into the model language (.yml).

Usage: import_model.py MODEL.py [-o MODEL.yml] [--context DIR] [--technology T]
(also `tyche-run import-model ...` and `python3 -m tyche_c.import_model`).

The translation reads the module with Python's ast module and never runs it.
Every construct it cannot translate is reported as FILE:LINE:COL with what was
expected, all at once; nothing is written then.  Standard library only, so it
runs with any python3.

What is easy to get wrong (each is a silent wrong answer if missed):
 - grouping: the model language never reassociates, so parentheses are
   emitted from the Python tree exactly (a - (b - c), (a / b) / c);
 - numpy's scalar-power fast path: array ** 2 is square (x * x), ** 0.5 is
   sqrt, ** -1 is reciprocal; pow() differs in the last bit, so those are
   translated to what numpy computes;
 - booleans: numpy's bool + bool is a logical or (translated to max), and
   np.where treats NaN as true (the model's if() treats it as false, so a
   non-comparison condition becomes `c != 0`);
 - whole arrays used as a value (emp / output) only make sense when the set
   has one element: checked with --context, a located warning without;
 - np.sum(list) without axis sums over every scenario and sample in numpy
   (utility_pv.py's bug); it is translated per sample, with a warning.
"""

import argparse
import ast
import csv
import math
import os
import sys
import tempfile

RESERVED = {"scale", "cost", "p", "capital", "lifetime", "fixed", "input",
            "input_raw", "input_price", "output_raw", "output", "min", "max",
            "abs", "exp", "log", "sqrt", "pow", "if", "sum", "let"}

# Role functions: the reference's positional arguments, and what each is.
ROLE_ARGS = {
    2: ["scale", "p"],
    6: ["scale", "capital", "lifetime", "fixed", "input", "p"],
    11: ["scale", "capital", "lifetime", "fixed", "input_raw", "input",
         "input_price", "output_raw", "output", "cost", "p"],
}
ARRAY_SET = {"p": "Parameter", "capital": "Capital", "lifetime": "Capital",
             "fixed": "Fixed", "input": "Input", "input_raw": "Input",
             "input_price": "Input", "output_raw": "Output",
             "output": "Output"}
ROLE_SET = {"capital": "Capital", "fixed": "Fixed", "production": "Output",
            "metrics": "Metric"}
DEFAULT_ROLES = {"capital_cost": "capital", "fixed_cost": "fixed",
                 "production": "production", "metrics": "metrics"}

# precedence of the model language, loosest first
P_CMP, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM = 1, 2, 3, 4, 5, 6


class Untranslatable(Exception):
    def __init__(self, node, msg):
        super().__init__(msg)
        self.node = node
        self.msg = msg


class Reported(Exception):
    """Errors already recorded (one per bad element of a list)."""


class Expr:
    """A per-sample value: model-language text with its precedence."""

    def __init__(self, text, prec=P_ATOM, kind="num", const=None):
        self.text, self.prec, self.kind, self.const = text, prec, kind, const


class Vec:
    """A stacked list of values (np.stack([...]) or a list literal)."""

    def __init__(self, items, node):
        self.items, self.node = items, node


class Arr:
    """A built-in array indexed by a set (p, capital, input, ...)."""

    def __init__(self, name):
        self.name = name


def num_text(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int) and abs(v) < 2 ** 53:
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return None
    r = repr(v)
    if r.endswith(".0"):
        r = r[:-2]
    return r


def const_expr(v):
    t = num_text(abs(v)) if not isinstance(v, bool) else num_text(v)
    if t is None:
        return None
    if not isinstance(v, bool) and (v < 0 or (v == 0 and math.copysign(1, v) < 0)):
        return Expr("-" + t, P_UNARY, "num", v)
    return Expr(t, P_ATOM, "bool" if isinstance(v, bool) else "num", v)


def wrap(e, need):
    """e's text, parenthesised when its precedence is below `need`."""
    return e.text if e.prec >= need else "(" + e.text + ")"


class Translator:
    def __init__(self, path, source, sets=None, roles=None):
        self.path = path
        self.source = source
        self.sets = sets or {}          # set name -> list of index names
        self.roles = roles              # function name -> role, or None
        self.errors = []                # (line, col, msg)
        self.warnings = []
        self.np_names = set()           # aliases of numpy
        self.math_names = set()
        self.np_funcs = {}              # from numpy import x as y
        self.consts = {}                # module-level constants
        self.helpers = {}               # name -> (params, FunctionDef)
        self.helper_text = []           # (signature, body)
        self.sections = []              # (name, role, lets, components)

    # ------------------------------------------------------------ reporting
    def loc(self, node):
        return (getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)

    def error(self, node, msg):
        ln, col = self.loc(node)
        self.errors.append((ln, col, msg))

    def warn(self, node, msg):
        ln, col = self.loc(node)
        self.warnings.append((ln, col, msg))

    def format(self, items, kind):
        out = []
        for ln, col, msg in sorted(items):
            out.append("%s:%d:%d: %s%s" % (self.path, ln, col, kind, msg))
        return out

    # ------------------------------------------------------------ module
    def run(self):
        try:
            tree = ast.parse(self.source, filename=self.path)
        except SyntaxError as e:
            self.errors.append((e.lineno or 0, (e.offset or 0),
                                "invalid Python: %s" % e.msg))
            return
        funcs = []
        for st in tree.body:
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) \
                    and isinstance(st.value.value, str):
                continue
            if isinstance(st, ast.Import):
                for a in st.names:
                    if a.name == "numpy":
                        self.np_names.add(a.asname or "numpy")
                    elif a.name == "math":
                        self.math_names.add(a.asname or "math")
                    else:
                        self.error(st, "cannot translate 'import %s': expected only "
                                   "numpy and math" % a.name)
                continue
            if isinstance(st, ast.ImportFrom) and st.module in ("numpy", "math"):
                for a in st.names:
                    self.np_funcs[a.asname or a.name] = a.name
                continue
            if isinstance(st, ast.FunctionDef):
                funcs.append(st)
                continue
            if isinstance(st, ast.Assign) and len(st.targets) == 1 \
                    and isinstance(st.targets[0], ast.Name):
                try:
                    v = self.expr(st.value, {})
                    if not isinstance(v, Expr) or v.const is None:
                        raise Untranslatable(st.value, "a module-level name must be a "
                                             "numeric constant")
                    self.consts[st.targets[0].id] = v
                except Untranslatable as u:
                    self.error(u.node, "cannot translate: " + u.msg)
                continue
            self.error(st, "cannot translate a module-level %s: expected imports, "
                       "constants and functions" % stmt_name(st))
        # Which functions are sections: named by the functions table (with
        # --context), else every function no other function calls.
        called = set()
        for f in funcs:
            for n in ast.walk(f):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                    called.add(n.func.id)
        section_funcs, helper_funcs = [], []
        for f in funcs:
            if self.roles is not None:
                is_section = f.name in self.roles
            else:
                is_section = f.name not in called and len(f.args.args) in ROLE_ARGS
            (section_funcs if is_section else helper_funcs).append(f)
        for f in helper_funcs:
            self.helpers[f.name] = f
        self.bind_array_params(section_funcs, helper_funcs)
        for f in helper_funcs:
            self.helper(f)
        for f in section_funcs:
            self.section(f)
        if not section_funcs:
            self.errors.append((1, 1, "no model functions found: expected functions "
                                "capital_cost(scale, parameter), fixed_cost(...), "
                                "production(...) and metrics(...)"))

    # ------------------------------------------------------------ functions
    def bind_array_params(self, sections, helpers):
        """Helper parameters that receive a whole array (module_power(parameter)):
        the model language's helpers see the section's arrays directly, so
        such a parameter is dropped and bound to the array it always gets."""
        self.array_params = {}          # helper -> {position: builtin}
        params = {f.name: [a.arg for a in f.args.args] for f in helpers}
        indexed = {}
        for f in helpers:
            ps = params[f.name]
            indexed[f.name] = {i for i, a in enumerate(ps) for n in ast.walk(f)
                               if isinstance(n, ast.Subscript)
                               and isinstance(n.value, ast.Name) and n.value.id == a}
        binding = {}                    # (helper, position) -> {builtin: node}

        def scan(f, env_of):
            for n in ast.walk(f):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) \
                        and n.func.id in params:
                    for i, a in enumerate(n.args):
                        if isinstance(a, ast.Name) and env_of(a.id):
                            binding.setdefault((n.func.id, i), {}).setdefault(
                                env_of(a.id), a)
        for f in sections:
            names = ROLE_ARGS.get(len(f.args.args))
            if not names:
                continue
            m = {a.arg: b for a, b in zip(f.args.args, names) if b in ARRAY_SET}
            scan(f, m.get)
        for _ in range(len(helpers) + 1):       # through helpers calling helpers
            for f in helpers:
                ps = params[f.name]
                m = {}
                for (h, i), b in binding.items():
                    if h == f.name and len(b) == 1:
                        m[ps[i]] = next(iter(b))
                scan(f, m.get)
        for f in helpers:
            for i, a in enumerate(params[f.name]):
                b = binding.get((f.name, i), {})
                used_as_array = i in indexed[f.name] or len(b) > 0 and all(
                    True for _ in b)
                if not b and i not in indexed[f.name]:
                    continue
                if len(b) > 1:
                    nodes = sorted(b.values(), key=lambda x: (x.lineno, x.col_offset))
                    self.error(nodes[1], "cannot translate helper '%s': its parameter "
                               "'%s' receives different arrays (%s)" %
                               (f.name, a, ", ".join(sorted(b))))
                elif b and used_as_array:
                    self.array_params.setdefault(f.name, {})[i] = next(iter(b))

    def check_args(self, f):
        a = f.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or a.posonlyargs:
            self.error(f, "cannot translate the signature of '%s': expected plain "
                       "positional parameters" % f.name)

    def body(self, f, env, lets, on_return):
        """Translate f's statements; assignments become lets (via `lets`,
        a callback), the return goes to on_return.  Returns True if a
        return was found."""
        returned = False
        for st in f.body:
            if returned:
                self.warn(st, "unreachable code after the return of '%s' is ignored"
                          % f.name)
                break
            try:
                if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
                    continue
                if isinstance(st, ast.Pass):
                    continue
                if isinstance(st, ast.Assign):
                    if len(st.targets) != 1:
                        raise Untranslatable(st, "chained assignment: expected one "
                                             "name = expression")
                    t = st.targets[0]
                    if isinstance(t, ast.Name):
                        lets(t.id, self.expr(st.value, env), st)
                    elif isinstance(t, (ast.Tuple, ast.List)) and \
                            isinstance(st.value, (ast.Tuple, ast.List)) and \
                            len(t.elts) == len(st.value.elts) and \
                            all(isinstance(x, ast.Name) for x in t.elts):
                        vals = [self.expr(v, env) for v in st.value.elts]
                        for x, v in zip(t.elts, vals):
                            lets(x.id, v, st)
                    else:
                        raise Untranslatable(t, "assignment to %s: expected a name"
                                             % node_name(t))
                    continue
                if isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name):
                    tgt = ast.copy_location(ast.Name(id=st.target.id, ctx=ast.Load()),
                                            st.target)
                    b = ast.copy_location(ast.BinOp(left=tgt, op=st.op, right=st.value), st)
                    lets(st.target.id, self.expr(b, env), st)
                    continue
                if isinstance(st, ast.Return):
                    returned = True
                    if st.value is None:
                        raise Untranslatable(st, "a return without a value")
                    on_return(st.value, env)
                    continue
                raise Untranslatable(st, "a %s statement: the model language has no "
                                     "statements besides name = expression and return "
                                     "(use np.where for conditions, write sums out)"
                                     % stmt_name(st))
            except Untranslatable as u:
                self.error(u.node, "cannot translate " + u.msg)
            except Reported:
                pass
        if not returned:
            self.error(f, "function '%s' returns nothing: expected a return" % f.name)
        return returned

    def helper(self, f):
        self.check_args(f)
        params = []
        env = {}
        arrays = self.array_params.get(f.name, {})
        for i, a in enumerate(f.args.args):
            if i in arrays:
                env[a.arg] = Arr(arrays[i])
                continue
            nm = a.arg if a.arg not in RESERVED else a.arg + "_"
            params.append(nm)
            env[a.arg] = Expr(nm, P_ATOM)
        result = []

        def let(name, v, node):
            # a helper is one expression: locals are substituted
            env[name] = v

        def ret(node, env_):
            v = self.scalar(self.expr(node, env_), node)
            result.append(v)

        self.body(f, env, let, ret)
        if result:
            sig = f.name + ("(" + ", ".join(params) + ")" if params else "")
            self.helper_text.append((sig, result[0].text, f))

    def section(self, f):
        self.check_args(f)
        n = len(f.args.args)
        if n not in ROLE_ARGS:
            self.error(f, "function '%s' has %d parameters: expected 2 (capital_cost, "
                       "fixed_cost), 6 (production) or 11 (metrics) as the reference's "
                       "model functions" % (f.name, n))
            return
        role = (self.roles or {}).get(f.name) or DEFAULT_ROLES.get(f.name)
        if role is None:
            role = {2: "capital", 6: "production", 11: "metrics"}[n]
        env = {}
        for a, builtin in zip(f.args.args, ROLE_ARGS[n]):
            env[a.arg] = Arr(builtin) if builtin in ARRAY_SET else Expr(builtin)
        lets = []          # (name, text)
        used = set()
        comps = []

        def let(name, v, node):
            if isinstance(v, (Vec, Arr)):
                env[name] = v
                return
            if v.prec == P_ATOM and (v.const is not None or v.text in used
                                     or v.text in ("scale", "cost")):
                env[name] = v      # a number or a plain alias: substitute
                return
            base = name if name not in RESERVED and name not in self.helpers \
                else name + "_"
            nm, k = base, 2
            while nm in used:
                nm = "%s_%d" % (base, k)
                k += 1
            used.add(nm)
            lets.append((nm, v.text))
            env[name] = Expr(nm, P_ATOM, v.kind)

        def ret(node, env_):
            v = self.expr(node, env_)
            if isinstance(v, Arr):
                v = Vec([Expr("%s[%d]" % (v.name, i)) for i in
                         range(self.set_size(v.name, node) or 0)], node)
            if not isinstance(v, Vec):
                raise Untranslatable(node, "the return value of '%s': expected "
                                     "np.stack([...]) or a list of components" % f.name)
            items = []
            for i, it in enumerate(v.items):
                items.append(self.scalar(it, getattr(it, "node", node)))
            names = [item_label(x) for x in (node.args[0].elts if is_stack(node)
                                              and node.args and isinstance(
                                                  node.args[0], (ast.List, ast.Tuple))
                                              else [])]
            comps.extend(zip(range(len(items)), items))
            comps_names.extend(names)

        comps_names = []
        if self.body(f, env, let, ret):
            if role == "fixed":
                self.sets.setdefault("Fixed", [None] * len(comps))
            self.sections.append((f.name, role, lets, comps, comps_names, f))

    # ------------------------------------------------------------ sets
    def set_size(self, arr, node):
        s = self.sets.get(ARRAY_SET[arr])
        return None if s is None else len(s)

    def scalar(self, v, node):
        """v as a per-sample expression (whole one-element arrays allowed)."""
        if isinstance(v, Expr):
            return v
        if isinstance(v, Arr):
            n = self.set_size(v.name, node)
            if n is None:
                self.warn(node, "the whole array '%s' is used as a value: translated "
                          "as %s[0], right only if the %s set has one element "
                          "(give --context to check)" % (v.name, v.name, ARRAY_SET[v.name]))
            elif n != 1:
                raise Untranslatable(node, "the whole array '%s' used as a value: the "
                                     "%s set has %d elements, expected an index "
                                     "(%s[0] ... %s[%d])" % (v.name, ARRAY_SET[v.name],
                                                           n, v.name, v.name, n - 1))
            return Expr("%s[0]" % v.name)
        raise Untranslatable(node, "a stacked array used as a value: expected one "
                             "element of it (x[k])")

    # ------------------------------------------------------------ expressions
    def is_np(self, node):
        return isinstance(node, ast.Name) and node.id in self.np_names | self.math_names

    def func_name(self, node):
        """'exp' for np.exp / math.exp / exp (from numpy import exp), else None."""
        f = node.func
        if isinstance(f, ast.Attribute) and self.is_np(f.value):
            return f.attr
        if isinstance(f, ast.Name) and f.id in self.np_funcs:
            return self.np_funcs[f.id]
        return None

    def expr(self, node, env):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, complex):
                e = const_expr(node.value)
                if e is None:
                    raise Untranslatable(node, "the constant %r: expected a finite "
                                         "number" % node.value)
                return e
            raise Untranslatable(node, "the constant %r: expected a number"
                                 % (node.value,))
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in self.consts:
                return self.consts[node.id]
            if node.id in ("True", "False"):
                return const_expr(node.id == "True")
            raise Untranslatable(node, "the name '%s': it is not a parameter, a "
                                 "local defined before, or a module constant" % node.id)
        if isinstance(node, ast.Attribute):
            if self.is_np(node.value) and node.attr in ("pi", "e"):
                return const_expr(getattr(math, node.attr))
            raise Untranslatable(node, "the attribute '%s': expected np.pi, np.e or a "
                                 "numpy function call" % node.attr)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, env)
        if isinstance(node, (ast.List, ast.Tuple)):
            # each element on its own, so every bad component is reported
            items, failed = [], False
            for x in node.elts:
                try:
                    items.append(self.expr(x, env))
                except Untranslatable as u:
                    self.error(u.node, "cannot translate " + u.msg)
                    failed = True
            if failed:
                raise Reported()
            return Vec(items, node)
        if isinstance(node, ast.UnaryOp):
            v = self.scalar(self.expr(node.operand, env), node.operand)
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.USub):
                c = None if v.const is None else -v.const
                return Expr("-" + wrap(v, P_UNARY), P_UNARY, "num", c)
            if isinstance(node.op, ast.Invert) and v.kind == "bool":
                return Expr("1 - " + wrap(v, P_ADD + 1), P_ADD, "bool")
            raise Untranslatable(node, "the operator '%s': expected -, + or ~ on a "
                                 "comparison" % op_text(node.op))
        if isinstance(node, ast.BinOp):
            return self.binop(node, node.op, self.expr(node.left, env),
                              self.expr(node.right, env), node.left, node.right)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise Untranslatable(node, "a chained comparison: expected one "
                                     "comparison, e.g. (a < b) * (b < c)")
            ops = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=",
                   ast.Eq: "==", ast.NotEq: "!="}
            o = ops.get(type(node.ops[0]))
            if o is None:
                raise Untranslatable(node, "the comparison '%s': expected <, >, <=, "
                                     ">=, == or !=" % op_text(node.ops[0]))
            a = self.scalar(self.expr(node.left, env), node.left)
            b = self.scalar(self.expr(node.comparators[0], env), node.comparators[0])
            return Expr("%s %s %s" % (wrap(a, P_ADD), o, wrap(b, P_ADD)), P_CMP, "bool")
        if isinstance(node, ast.Call):
            return self.call(node, env)
        raise Untranslatable(node, "%s: expected arithmetic, numpy calls, constant "
                             "indexing and names" % node_name(node))

    def subscript(self, node, env):
        base = self.expr(node.value, env)
        idx = node.slice
        if isinstance(idx, ast.Index):      # Python < 3.9
            idx = idx.value
        k = self.expr(idx, env) if not isinstance(idx, (ast.Slice, ast.Tuple)) else None
        if k is None or k.const is None or not float(k.const).is_integer():
            raise Untranslatable(idx, "the index %s: expected a constant integer "
                                 "(the model language has no slices or computed "
                                 "indices)" % ast_text(self.source, idx))
        k = int(k.const)
        if isinstance(base, Arr):
            n = self.set_size(base.name, node)
            if k < 0:
                if n is None:
                    raise Untranslatable(idx, "a negative index: expected an offset "
                                         "from 0 (or give --context)")
                k += n
            if n is not None and not 0 <= k < n:
                raise Untranslatable(idx, "index %d of '%s': the %s set has %d "
                                     "elements" % (k, base.name, ARRAY_SET[base.name], n))
            return Expr("%s[%d]" % (base.name, k))
        if isinstance(base, Vec):
            if not -len(base.items) <= k < len(base.items):
                raise Untranslatable(idx, "index %d of a stack of %d" % (k, len(base.items)))
            return base.items[k]
        raise Untranslatable(node, "indexing a value that is not an array: expected "
                             "parameter[k], input[k], ... or a stacked list")

    def binop(self, node, op, a, b, na, nb):
        if isinstance(op, ast.Pow):
            a = self.scalar(a, na)
            b = self.scalar(b, nb)
            if a.const is not None and b.const is not None:
                try:
                    r = a.const ** b.const
                except (OverflowError, ZeroDivisionError):
                    r = None
                if isinstance(r, (int, float)) and not isinstance(r, complex):
                    e = const_expr(r)
                    if e is not None:
                        return e
            if a.const is None and b.const is not None and \
                    isinstance(node, ast.BinOp):
                # numpy's fast scalar power of an array (ndarray.__pow__)
                k = b.const
                if k == 2:
                    t = wrap(a, P_MUL + 1)
                    return Expr("%s * %s" % (t, t), P_MUL)
                if k == 0.5:
                    return Expr("sqrt(%s)" % a.text, P_ATOM)
                if k == -1:
                    return Expr("1 / " + wrap(a, P_MUL + 1), P_MUL)
                if k == 1:
                    return a
                if k == 0:
                    return const_expr(1)
            return Expr("%s^%s" % (wrap(a, P_POW + 1), wrap(b, P_POW)), P_POW)
        sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
               ast.BitAnd: "&", ast.BitOr: "|"}.get(type(op))
        if sym is None:
            raise Untranslatable(node, "the operator '%s': expected + - * / ** "
                                 "(and & | on comparisons)" % op_text(op))
        a = self.scalar(a, na)
        b = self.scalar(b, nb)
        both_bool = a.kind == "bool" and b.kind == "bool"
        if sym in ("&", "|"):
            if not both_bool:
                raise Untranslatable(node, "'%s' on numbers: expected it only between "
                                     "comparisons" % sym)
            sym = "*" if sym == "&" else "|"
        if sym == "|" or (sym == "+" and both_bool):
            # numpy: bool + bool and bool | bool are a logical or
            return Expr("max(%s, %s)" % (a.text, b.text), P_ATOM, "bool")
        if sym == "-" and both_bool:
            raise Untranslatable(node, "subtracting two comparisons (numpy refuses "
                                 "bool - bool): expected 1 * (a) - (b)")
        prec = P_ADD if sym in "+-" else P_MUL
        if a.const is not None and b.const is not None:
            try:
                r = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
                     "*": lambda x, y: x * y, "/": lambda x, y: x / y}[sym](a.const, b.const)
                e = const_expr(r)
                if e is not None:
                    return e
            except ZeroDivisionError:
                pass
        kind = "bool" if both_bool and sym == "*" else "num"
        return Expr("%s %s %s" % (wrap(a, prec), sym, wrap(b, prec + 1)), prec, kind)

    def call(self, node, env):
        name = self.func_name(node)
        f = node.func
        if name is None and isinstance(f, ast.Name):
            if f.id in self.helpers:
                if node.keywords:
                    raise Untranslatable(node, "keyword arguments to helper '%s'" % f.id)
                want = len(self.helpers[f.id].args.args)
                if len(node.args) != want:
                    raise Untranslatable(node, "helper '%s' takes %d arguments, got %d"
                                         % (f.id, want, len(node.args)))
                arrays = self.array_params.get(f.id, {})
                args = []
                for i, a in enumerate(node.args):
                    v = self.expr(a, env)
                    if i in arrays:
                        if not (isinstance(v, Arr) and v.name == arrays[i]):
                            raise Untranslatable(a, "argument %d of helper '%s': "
                                                 "expected the whole array '%s' as at "
                                                 "its other calls" % (i + 1, f.id,
                                                                      arrays[i]))
                        continue
                    args.append(self.scalar(v, a))
                if not args:
                    return Expr(f.id, P_ATOM)
                return Expr("%s(%s)" % (f.id, ", ".join(a.text for a in args)), P_ATOM)
            if f.id == "abs":
                name = "abs"
            elif f.id == "sum" and len(node.args) == 1 and not node.keywords:
                # builtin sum over the first axis: 0 + x[0] + x[1] + ...
                v = self.expr(node.args[0], env)
                if isinstance(v, Arr):
                    return Expr("sum(%s)" % v.name, P_ATOM)
                if isinstance(v, Vec) and v.items:
                    items = [self.scalar(x, node) for x in v.items]
                    e = items[0]
                    for x in items[1:]:
                        e = Expr("%s + %s" % (wrap(e, P_ADD), wrap(x, P_ADD + 1)), P_ADD)
                    return e
                raise Untranslatable(node, "sum() of a single value: expected an "
                                     "array such as capital or a list")
            elif f.id in ("float", "int") and len(node.args) == 1:
                v = self.expr(node.args[0], env)
                if isinstance(v, Expr) and v.const is not None:
                    return const_expr(float(v.const) if f.id == "float" else int(v.const))
                raise Untranslatable(node, "%s() of a non-constant" % f.id)
            elif f.id in ("min", "max"):
                raise Untranslatable(node, "the builtin %s(): expected np.%s (element "
                                     "by element)" % (f.id, f.id + "imum"))
            else:
                raise Untranslatable(node, "a call to '%s': expected a numpy function "
                                     "(np.exp, np.minimum, ...) or a helper defined "
                                     "in the module" % ast_text(self.source, f))
        if name is None:
            raise Untranslatable(node, "a call to '%s': expected a numpy function or a "
                                 "helper" % ast_text(self.source, f))
        kw = {k.arg: k.value for k in node.keywords}
        args = node.args

        def nargs(lo, hi=None):
            hi = lo if hi is None else hi
            if not lo <= len(args) <= hi:
                raise Untranslatable(node, "np.%s with %d arguments: expected %s" %
                                     (name, len(args), lo if lo == hi else
                                      "%d to %d" % (lo, hi)))

        def no_kw(allowed=()):
            for k in kw:
                if k not in allowed:
                    raise Untranslatable(kw[k], "the keyword '%s=' of np.%s: expected "
                                         "none" % (k, name))

        bins = {"multiply": ast.Mult(), "divide": ast.Div(), "true_divide": ast.Div(),
                "add": ast.Add(), "subtract": ast.Sub(), "power": ast.Pow()}
        if name in bins:
            no_kw()
            nargs(2)
            # np.power is the ufunc: pow() even for an exponent of 2
            return self.binop(node, bins[name], self.expr(args[0], env),
                              self.expr(args[1], env), args[0], args[1])
        if name in ("minimum", "maximum"):
            no_kw()
            nargs(2)
            a, b = (self.scalar(self.expr(x, env), x) for x in args)
            return Expr("%s(%s, %s)" % (name[:3], a.text, b.text), P_ATOM)
        if name in ("exp", "log", "sqrt", "abs", "absolute", "fabs"):
            no_kw()
            nargs(1)
            a = self.scalar(self.expr(args[0], env), args[0])
            fn = "abs" if name in ("absolute", "fabs") else name
            return Expr("%s(%s)" % (fn, a.text), P_ATOM)
        if name == "negative":
            no_kw()
            nargs(1)
            a = self.scalar(self.expr(args[0], env), args[0])
            return Expr("-" + wrap(a, P_UNARY), P_UNARY)
        if name == "square":
            no_kw()
            nargs(1)
            a = self.scalar(self.expr(args[0], env), args[0])
            t = wrap(a, P_MUL + 1)
            return Expr("%s * %s" % (t, t), P_MUL)
        if name == "where":
            no_kw()
            nargs(3)
            c, a, b = (self.scalar(self.expr(x, env), x) for x in args)
            if c.kind != "bool":
                # numpy: NaN is true; the model's if(): NaN is false
                c = Expr("%s != 0" % wrap(c, P_ADD), P_CMP, "bool")
            return Expr("if(%s, %s, %s)" % (c.text, a.text, b.text), P_ATOM)
        if name in ("stack", "array", "vstack", "asarray"):
            no_kw(("axis",) if name == "stack" else ())
            if "axis" in kw and not (isinstance(kw["axis"], ast.Constant)
                                     and kw["axis"].value == 0):
                raise Untranslatable(kw["axis"], "np.stack with an axis other than 0")
            nargs(1)
            v = self.expr(args[0], env)
            if isinstance(v, Arr):
                n = self.set_size(v.name, node)
                if n is None:
                    raise Untranslatable(node, "np.%s of the whole array '%s' (size "
                                         "unknown: give --context)" % (name, v.name))
                return Vec([Expr("%s[%d]" % (v.name, i)) for i in range(n)], node)
            if not isinstance(v, Vec):
                raise Untranslatable(node, "np.%s of a single value: expected a list "
                                     "[a, b, ...]" % name)
            return v
        if name in ("ones", "zeros", "ones_like", "zeros_like"):
            # shape arguments do not matter per sample (len(x) included)
            return const_expr(1 if name.startswith("ones") else 0)
        if name in ("float64", "float32", "double"):
            nargs(1)
            return self.expr(args[0], env)
        if name == "sum":
            nargs(1)
            no_kw(("axis",))
            v = self.expr(args[0], env)
            if "axis" in kw:
                if not (isinstance(kw["axis"], ast.Constant) and kw["axis"].value == 0):
                    raise Untranslatable(kw["axis"], "np.sum over an axis other than 0: "
                                         "expected axis=0 (over the set)")
            elif isinstance(v, Vec):
                self.warn(node, "np.sum without axis adds every scenario and sample "
                          "in numpy (the reference's utility_pv.py bug); translated as "
                          "the per-sample sum of the %d terms" % len(v.items))
            else:
                raise Untranslatable(node, "np.sum without axis=0 of an array: numpy "
                                     "sums over every scenario and sample; expected "
                                     "axis=0")
            if isinstance(v, Arr):
                return Expr("sum(%s)" % v.name, P_ATOM)
            if isinstance(v, Vec):
                items = [self.scalar(x, node) for x in v.items]
                if not items:
                    return const_expr(0)
                e = items[0]
                for x in items[1:]:
                    e = Expr("%s + %s" % (wrap(e, P_ADD), wrap(x, P_ADD + 1)), P_ADD)
                return e
            raise Untranslatable(node, "np.sum of a single value")
        raise Untranslatable(node, "np.%s: expected one of np.stack, np.array, "
                             "np.multiply, np.divide, np.add, np.subtract, np.power, "
                             "np.minimum, np.maximum, np.exp, np.log, np.sqrt, np.abs, "
                             "np.where, np.sum(..., axis=0)" % name)

    # ------------------------------------------------------------ output
    def labels(self, role, comps, names):
        set_names = self.sets.get(ROLE_SET[role]) if role in ROLE_SET else None
        out, seen = [], set()
        for i, _ in comps:
            lab = None
            if set_names and i < len(set_names) and set_names[i]:
                lab = set_names[i]
            elif i < len(names) and names[i] and names[i] not in all_index_names(self.sets):
                lab = names[i]
            if not lab:
                lab = "%s %d" % ({"capital": "Capital", "fixed": "Fixed cost",
                                  "production": "Output", "metrics": "Metric"}.get(role,
                                  "Component"), i)
            base, k = lab, 2
            while lab in seen or lab == "let":
                lab = "%s %d" % (base, k)
                k += 1
            seen.add(lab)
            out.append(lab)
        return out

    def yaml(self):
        src = os.path.basename(self.path)
        lines = ["# Translated from %s by tyche-run import-model (tyche_c.import_model)."
                 % src,
                 "# Component order is the Python return order (offset 0 first).",
                 "description: %s" % yq("translated from " + src), ""]
        if self.helper_text:
            lines.append("helpers:")
            for sig, body, f in self.helper_text:
                lines.append("  %s: %s" % (yq(sig), yq(body)))
            lines.append("")
        for name, role, lets, comps, names, f in self.sections:
            lines.append("%s:" % yq(name))
            if lets:
                lines.append("  let:")
                for nm, text in lets:
                    lines.append("    %s: %s" % (nm, yq(text)))
            for lab, (i, e) in zip(self.labels(role, comps, names), comps):
                lines.append("  %s: %s" % (yq(lab), yq(e.text)))
            lines.append("")
        return "\n".join(lines)


def all_index_names(sets):
    s = set()
    for v in sets.values():
        s.update(x for x in v if x)
    return s


def is_stack(node):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in ("stack", "array", "vstack", "asarray")


def item_label(n):
    return n.id if isinstance(n, ast.Name) else None


def yq(s):
    """s as a YAML scalar: plain when safe, else double-quoted."""
    s = str(s)
    plain = s and s[0] not in "-?:,[]{}#&*!|>'\"%@`" and ": " not in s \
        and " #" not in s and s == s.strip() and not s.endswith(":")
    if plain:
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stmt_name(st):
    return {ast.If: "'if'", ast.For: "'for' loop", ast.While: "'while' loop",
            ast.With: "'with'", ast.Try: "'try'", ast.FunctionDef: "nested 'def'",
            ast.Import: "'import'", ast.ImportFrom: "'import'",
            ast.Expr: "bare expression"}.get(type(st), type(st).__name__)


def node_name(n):
    return {ast.IfExp: "a conditional expression 'a if c else b' (use np.where)",
            ast.Lambda: "a lambda", ast.BoolOp: "'and'/'or' (use & and | on "
            "comparisons, or np.where)", ast.ListComp: "a list comprehension",
            ast.GeneratorExp: "a generator expression", ast.Dict: "a dict",
            ast.Starred: "a starred expression", ast.JoinedStr: "an f-string",
            ast.Attribute: "an attribute"}.get(type(n), "a %s" % type(n).__name__)


def op_text(op):
    return {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
            ast.RShift: ">>", ast.BitXor: "^", ast.Not: "not", ast.In: "in",
            ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
            ast.Invert: "~"}.get(type(op), type(op).__name__)


def ast_text(src, node):
    t = ast.get_source_segment(src, node)
    return t if t else node_name(node)


def read_context(ctx, stem, technology, err):
    """Sets (type -> index names by offset) and roles of the technology
    whose functions-table Model is `stem`."""
    def rows(table):
        p = os.path.join(ctx, table + ".csv")
        with open(p, newline="", encoding="utf-8-sig") as fh:
            return list(csv.DictReader(fh))
    funcs = rows("functions")
    techs = [r for r in funcs if (technology and r.get("Technology") == technology)
             or (not technology and r.get("Model") == stem)]
    if not techs:
        err("%s: no technology in functions.csv has Model '%s'%s" %
            (os.path.join(ctx, "functions.csv"), stem,
             "" if not technology else " and Technology '%s'" % technology))
        return None, None
    tech = techs[0]["Technology"]
    roles = {}
    for col, role in (("Capital", "capital"), ("Fixed", "fixed"),
                      ("Production", "production"), ("Metrics", "metrics")):
        if techs[0].get(col):
            roles[techs[0][col]] = role
    sets = {}
    for r in rows("indices"):
        if r.get("Technology") != tech:
            continue
        try:
            off = int(float(r["Offset"]))
        except (ValueError, TypeError):
            continue
        lst = sets.setdefault(r["Type"], [])
        while len(lst) <= off:
            lst.append(None)
        lst[off] = r["Index"]
    offs = set()
    for r in rows("parameters"):
        if r.get("Technology") == tech:
            try:
                offs.add(int(float(r["Offset"])))
            except (ValueError, TypeError):
                pass
    if offs:
        sets["Parameter"] = [None] * (max(offs) + 1)
    return sets, roles


def translate(path, context=None, technology=None):
    """(yaml text or None, error lines, warning lines)."""
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    sets = roles = None
    pre = []
    if context:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            sets, roles = read_context(context, stem, technology, pre.append)
        except OSError as e:
            pre.append("%s: cannot read the context: %s" % (context, e.strerror))
        except KeyError as e:
            pre.append("%s: a table lacks the column %s" % (context, e))
        if pre:
            return None, pre, []
    t = Translator(path, source, sets, roles)
    t.run()
    errs = t.format(t.errors, "error: ")
    warns = t.format(t.warnings, "warning: ")
    if errs:
        return None, errs, warns
    return t.yaml(), [], warns


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tyche-run import-model",
        description="Translate a reference-style Python technology model "
        "(capital_cost, fixed_cost, production, metrics over numpy arrays) "
        "into the model language.")
    ap.add_argument("model", metavar="MODEL.py")
    ap.add_argument("-o", "--output", metavar="MODEL.yml",
                    help="write here (default: standard output)")
    ap.add_argument("--context", metavar="DIR",
                    help="a context whose functions table names this model: "
                    "checks set sizes and labels components with index names")
    ap.add_argument("--technology", help="the technology of --context to use")
    a = ap.parse_args(argv)
    try:
        text, errs, warns = translate(a.model, a.context, a.technology)
    except OSError as e:
        print("tyche-run import-model: %s: %s" % (a.model, e.strerror), file=sys.stderr)
        return 1
    for w in warns:
        print(w, file=sys.stderr)
    if errs:
        for e in errs:
            print(e, file=sys.stderr)
        print("tyche-run import-model: %d construct%s cannot be translated; nothing "
              "written" % (len(errs), "" if len(errs) == 1 else "s"), file=sys.stderr)
        return 1
    if not a.output:
        sys.stdout.write(text)
        return 0
    d = os.path.dirname(os.path.abspath(a.output))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".import-", dir=d)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, a.output)
    except OSError as e:
        print("tyche-run import-model: %s: %s" % (a.output, e.strerror), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
