"""Switch expressions: cases, results and the pattern tests with their bindings."""

from ..errors import CompileError
from ..syntax import nodes as N
from .dynamic import switch_literal
from .shared import _ScopeHolder


class SwitchMixin:
    """The switch part of FuncGen (see the module docstring)."""

    # switch ----------------------------------------------------------------

    def e_SwitchExpr(self, e):
        res = self.temp()
        ok = self.temp()
        subj = self.expr(e.subject)
        self.store_sym(e.it_sym, subj)
        it = self.read_sym(e.it_sym)
        self.step(f"{res} = None")
        if self.switch_chain(e, it, res):
            return res
        cases = [c for c in e.cases if not c.is_default]
        default = next((c for c in e.cases if c.is_default), None)
        # each case is the else branch of the one before (no "matched" flag tested per
        # case); groups of cases bound the nesting depth, a flag joins the groups
        groups = [cases[i:i + _SWITCH_NEST] for i in range(0, len(cases), _SWITCH_NEST)]
        done = self.temp() if len(groups) > 1 else None
        if done:
            self.step(f"{done} = False")

        def chain(group, k):
            if k == len(group):
                if default is not None and done is None:
                    self.case_result(default.result, res)
                return
            case = group[k]
            self.block_prologue(_ScopeHolder(case.scope, []))
            has_rx = any(_has_regex(pt) for pt, _ in case.patterns)
            for j, (pat, guard) in enumerate(case.patterns):
                def alt(pat=pat, guard=guard):
                    bound = set()
                    if has_rx:     # (groups of an alternative that did not match)
                        for m in _regex_match_syms(*(pt for pt, _ in case.patterns)):
                            self.store_sym(m, "None")
                    self.pattern_into(pat, it, bound, ok)
                    if guard is not None:
                        self.if_stmt_raw(ok, lambda: self.step(f"{ok} = {self.cond(guard)}"))
                if j == 0:
                    alt()       # (it sets ok whatever it finds)
                else:
                    self.if_stmt_raw(f"not {ok}", alt)

            def then():
                if done:
                    self.step(f"{done} = True")
                self.case_result(case.result, res)
            rest = len(group) > k + 1 or (default is not None and done is None)
            self.if_stmt_raw(ok, then, (lambda: chain(group, k + 1)) if rest else None)

        for n, group in enumerate(groups):
            if n == 0:
                chain(group, 0)
            else:
                self.if_stmt_raw(f"not {done}", lambda group=group: chain(group, 0))
        if not groups and default is not None:
            self.case_result(default.result, res)
        elif done and default is not None:
            self.if_stmt_raw(f"not {done}", lambda: self.case_result(default.result, res))
        return res

    def switch_chain(self, e, it, res):
        """A switch whose cases are all literals without guards: one ``if/elif/else``
        chain of the literal tests (what the general form's done/ok flags compute, one test
        per case). In a resumable function a case holding resume points is entered by its
        range of ``_pc`` on a resume (as if_stmt_raw does); the first-entry copy drops
        those ranges (dynamic.add_fast_variant). True when emitted."""
        if not all(
                case.is_default or all(pat.kind == "lit" and guard is None and
                                       isinstance(pat.value, N.Literal)
                                       for pat, guard in case.patterns)
                for case in e.cases):
            return False
        cases = [c for c in e.cases if not c.is_default]
        default = next((c for c in e.cases if c.is_default), None)
        mark = self.resume.mark()
        for k, case in enumerate(cases):
            test = " or ".join(self.pattern(pat, it, set()) for pat, _ in case.patterns)
            start = self.npc
            saved = self.em.push()
            self.block_prologue(_ScopeHolder(case.scope, []))
            self.case_result(case.result, res)
            self.resume.release(mark)
            buf = self.em.pop(saved)
            if self.susp:
                test = f"({start + 1} <= _pc <= {self.npc} if _pc else {test})" \
                    if self.npc > start else f"(not _pc and {test})"
            self.em.emit(f"{'if' if k == 0 else 'elif'} {test}:")
            self.em.splice(buf, 1) if buf.lines else self.em.emit("    pass")
        if default is not None:
            saved = self.em.push()
            self.case_result(default.result, res)
            self.resume.release(mark)
            buf = self.em.pop(saved)
            if buf.lines:
                self.em.emit("else:" if cases else "if True:")
                self.em.splice(buf, 1)
        return True

    def case_result(self, r, res):
        if isinstance(r, N.Block):
            self.block_value(r, "assign", res)
        elif isinstance(r, N.Assign):
            self.step(f"{res} = {self.assign(r, want_value=True)}")
        else:
            self.step(f"{res} = {self.expr(r)}")

    def bind_text(self, sym, v):
        if sym.captured:
            return f"_sw_cset({self.name_of(sym)}, {v})"
        return f"_sw_t({self.name_of(sym)} := {v})"

    def pattern_into(self, p, v, bound, ok):
        """Set ``ok`` to whether v matches p. A pattern with ``${...}`` code (``${++a}``,
        a block, a suspending call) is tested part by part, in order: its code sees the
        variables bound before it and runs only if everything before it matched, as in
        Jactl. Other patterns are one boolean expression (``pattern``)."""
        if not _has_code(p) or p.kind not in ("list", "map", "ctor"):
            self.step(f"{ok} = {self.pattern(p, v, bound)}")
            return

        def then(x, xv):
            self.if_stmt_raw(ok, lambda: self.pattern_into(x, xv, bound, ok))

        if p.kind == "ctor":
            self.step(f"{ok} = {_inst_test(v, _tn_s(p.tname))}")
            subs = [x for _, x in p.entries] if p.entries else p.items
            for fname, sub in zip(p.fields, subs):
                fv = f"_field({v}, {fname!r})"
                if sub.kind == "lit":   # a field matches a literal by value, as with ==
                    self.if_stmt_raw(ok, lambda sub=sub, fv=fv: self.step(
                        f"{ok} = _eq({fv}, {self.expr(sub.value)})"))
                else:
                    then(sub, fv)
            return
        if p.kind == "map":
            n = len(p.entries)
            self.step(f"{ok} = type({v}) is dict and len({v}) {'>=' if p.star else '=='} {n} "
                      f"and {' and '.join(f'{k!r} in {v}' for k, _ in p.entries) or 'True'}")
            for key, x in p.entries:
                then(x, f"{v}[{key!r}]")
            return
        items = p.items
        n = len(items)
        star = next((i for i, x in enumerate(items) if x.kind == "star"), None)
        islist = f"(type({v}) is list or _sw_islist({v}))"
        if star is None:
            self.step(f"{ok} = {islist} and len({v}) == {n}")
            for i, x in enumerate(items):
                then(x, f"{v}[{i}]")
            return
        self.step(f"{ok} = {islist} and len({v}) >= {n - 1}")
        after = n - 1 - star
        for i, x in enumerate(items[:star]):
            then(x, f"{v}[{i}]")
        for j, x in enumerate(items[star + 1:]):
            then(x, f"{v}[{j - after}]")
        sp = items[star]
        if sp.name is not None:
            sl = f"list({v}[{star}:{'' if after == 0 else -after}])"
            if sp.sym.name in bound:
                test = f"_sw_eq({sl}, {self.read_sym(sp.sym)})"
            else:
                bound.add(sp.sym.name)
                test = self.bind_text(sp.sym, sl)
            self.if_stmt_raw(ok, lambda: self.step(f"{ok} = {test}"))

    def pattern(self, p, v, bound):
        """Python boolean expression testing v (a side-effect-free text) against p; binding
        variables are assigned as the test proceeds."""
        k = p.kind
        if k == "any":
            return "True"
        if k == "lit":
            return switch_literal(v, self.expr(p.value))
        if k == "expr":
            return f"_sw_eq({v}, {self.expr(p.value)})"
        if k == "type":
            if p.tname in ("def", "Object"):
                return "True"
            return _inst_test(v, _tn_s(p.tname))
        if k == "bind":
            sym = p.sym
            tests = []
            if sym.type not in ("def", "var"):
                tests.append(_inst_test(v, _tn_s(sym.type)))
            if sym.name in bound:
                tests.append(f"_sw_eq({v}, {self.read_sym(sym)})")
            else:
                bound.add(sym.name)
                tests.append(self.bind_text(sym, v))
            return "(" + " and ".join(tests) + ")"
        if k == "ctor":
            tests = [_inst_test(v, _tn_s(p.tname))]
            subs = [x for _, x in p.entries] if p.entries else p.items
            for fname, sub in zip(p.fields, subs):
                fv = f"_field({v}, {fname!r})"
                if sub.kind == "lit":   # a field matches a literal by value, as with ==
                    tests.append(f"_eq({fv}, {self.expr(sub.value)})")
                else:
                    tests.append(self.pattern(sub, fv, bound))
            return "(" + " and ".join(tests) + ")"
        if k == "regex":
            r = p.value
            pt = self.expr(r.pattern)
            m = self.store_groups(p.match_sym, f"_rx_find({v}, {pt}, {r.flags!r})")
            return f"(type({v}) is str and ({m} is not None))"
        if k == "list":
            items = p.items
            n = len(items)
            star = next((i for i, x in enumerate(items) if x.kind == "star"), None)
            if star is None:
                tests = [f"(type({v}) is list or _sw_islist({v}))", f"len({v}) == {n}"]
                for i, x in enumerate(items):
                    tests.append(self.pattern(x, f"{v}[{i}]", bound))
            else:
                tests = [f"(type({v}) is list or _sw_islist({v}))", f"len({v}) >= {n - 1}"]
                after = n - 1 - star
                for i, x in enumerate(items[:star]):
                    tests.append(self.pattern(x, f"{v}[{i}]", bound))
                for j, x in enumerate(items[star + 1:]):
                    tests.append(self.pattern(x, f"{v}[{j - after}]", bound))
                sp = items[star]
                if sp.name is not None:
                    sl = f"list({v}[{star}:{'' if after == 0 else -after}])"
                    if sp.sym.name in bound:
                        tests.append(f"_sw_eq({sl}, {self.read_sym(sp.sym)})")
                    else:
                        bound.add(sp.sym.name)
                        tests.append(self.bind_text(sp.sym, sl))
            tests = [t for t in tests if t != "True"]
            return "(" + " and ".join(tests) + ")"
        if k == "map":
            n = len(p.entries)
            tests = [f"type({v}) is dict", f"len({v}) {'>=' if p.star else '=='} {n}"]
            for key, x in p.entries:
                tests.append(f"{key!r} in {v}")
                t = self.pattern(x, f"{v}[{key!r}]", bound)
                if t != "True":
                    tests.append(t)
            return "(" + " and ".join(tests) + ")"
        raise CompileError("Unsupported switch pattern", p.line, p.col)


# type patterns whose instances are exactly one Python type (values.instance_of)
_EXACT_INSTANCE = {"int": "int", "long": "_Long", "byte": "_Byte", "double": "float", "Decimal": "_Dec",
                   "String": "str", "boolean": "bool"}


def _inst_test(v, tname):
    """``v instanceof tname`` for a switch pattern (v: a side-effect-free text)."""
    py = _EXACT_INSTANCE.get(tname)
    if py is not None:
        return f"(type({v}) is {py})"
    return f"_instanceof({v}, {tname!r})"


# cases of a switch nested as else branches before a flag joins the next group (Python
# allows at most 100 levels of indentation)
_SWITCH_NEST = 16


def _regex_match_syms(*patterns):
    """The ``$@`` locals regex patterns in switch patterns store their groups in."""
    out = []
    stack = list(patterns)
    while stack:
        x = stack.pop()
        if x.kind == "regex" and x.match_sym is not None and x.match_sym not in out:
            out.append(x.match_sym)
        stack.extend(x.items or ())
        stack.extend(v for _, v in (x.entries or ()))
    return out


def _tn_s(name):
    return "def" if name in ("Object", None) else name


def _has_code(p):
    """Does pattern p hold ``${...}`` code beyond a plain ``$name``?"""
    if p.kind == "expr":
        return not isinstance(p.value, N.Ident)
    return any(_has_code(x) for x in p.items) or any(_has_code(x) for _, x in p.entries)


def _has_regex(p):
    if p.kind == "regex":
        return True
    return any(_has_regex(x) for x in p.items) or any(_has_regex(x) for _, x in p.entries)
