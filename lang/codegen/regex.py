"""Regex matches and substitutions: the ``$@`` group locals, ``=~`` tests and
``s/p/r/`` replacements (a Python callback, or a loop when the replacement runs
statements)."""

from ..syntax import nodes as N
from .shared import _Item, _ScopeHolder


class RegexMixin:
    """The regex part of FuncGen (see the module docstring)."""

    def e_RegexLit(self, e):
        return self.expr(e.pattern)

    def match_local(self, name):
        """A function-local used by regex matching ($n groups, /g positions): starts as
        None and is saved with the frame like any local."""
        if name not in self.extra_locals:
            self.extra_locals.append(name)
            self.none_locals.append(name)
            self.resume.kind(name, "@groups" if name == "_m" else "@count" if name == "_lc"
                             else "@rx" if name.startswith("_g") else "@temp")
        return name

    def regex(self, e):
        r = e.right
        negate = e.op == "!~"
        if isinstance(r, N.RegexLit) and r.replace is not None:
            return self.substitution(e.left, r)
        flags = r.flags if isinstance(r, N.RegexLit) else ""
        pat_node = r.pattern if isinstance(r, N.RegexLit) else r
        l, p = self.exprs([e.left, pat_node])
        if "g" in flags:
            self.nq += 1
            st = self.match_local(f"_g{self.nq}")
            call = f"_rx_next(({st} := {st} or [None, 0]), {l}, {p}, {flags!r})"
        else:
            call = f"_rx_find({l}, {p}, {flags!r})"
        test = "is None" if negate else "is not None"
        return f"({self.store_groups(e.match_sym, call)} {test})"

    def store_groups(self, sym, call):
        """An expression storing a match's groups in the ``$@`` local sym; its value."""
        if sym.captured:
            return f"_cset({self.name_of(sym)}, {call})"
        return f"({self.name_of(sym)} := {call})"

    def substitution(self, target, r):
        """``x =~ s/p/r/f``: a replacement without statements is a Python callback of
        re.sub; one that runs statements (it may suspend) is a loop over the matches."""
        pat = self.expr(r.pattern)
        in_place = isinstance(target, (N.Ident, N.Field, N.Index)) and "r" not in r.flags and \
            not (isinstance(target, N.Ident) and target.sym.kind != "local"
                 and target.sym.kind != "global")
        if in_place:
            read, write, ttype = self.lvalue_parts(target)
            subject = read()
        else:
            subject = self.expr(target)
        self.block_prologue(_ScopeHolder(r.repl_scope, []))
        if r.replace.lower:
            res = self.substitution_loop(subject, pat, r)
        else:
            bind = self.store_groups(r.repl_sym, "_mm")
            fn = f"lambda _mm: ({bind}, {self.expr(r.replace)})[1]"
            res = f"_rx_subst({subject}, {pat}, {r.flags!r}, {fn})"
        if in_place:
            t = self.temp()
            self.step(f"{t} = {res}")
            self.step(write(t))
            return t
        return res

    def substitution_loop(self, subject, pat, r):
        """The matches are found first (plain values), then each replacement is evaluated
        as ordinary statements, so it can suspend and resume mid-way."""
        sv, found, parts, i = self.temp(), self.temp("@list"), self.temp("@list"), \
            self.temp("@int")
        self.step(f"{sv} = {subject}")
        self.step(f"{found} = _rx_matches({sv}, {pat}, {r.flags!r})")
        self.step(f"{parts} = []")
        self.step(f"{i} = 0")
        for t in (sv, found, parts, i):
            self.resume.define(t)

        def loop():     # (guarded as a whole: a resume after it must not enter it)
            self.em.emit("while True:")
            with self.indent():
                self.tick()
                self.guarded(_Item(r), header)
                self.guarded(_Item(r.replace), body)

        def header():
            self.step(f"if {i} >= len({found}): break")
            self.store_sym(r.repl_sym, f"{found}[{i}][2]")

        def body():
            v = self.expr(r.replace)
            self.step(f"_rx_text({v}, {parts})")
            self.step(f"{i} += 1")
        self.guarded(_Item(r), loop)
        return f"_rx_join({sv}, {found}, {parts})"
