"""Switch expressions: patterns, their bindings, and the coverage checks (a pattern
that can never match because an earlier one covers it)."""

from ..syntax import nodes as N
from .scopes import Scope
from .types import PRIMITIVES, _type_name
from .classes import _is_sub
from .shared import _err


class SwitchMixin:
    """The switch part of Resolver (see the module docstring)."""

    # ------------------------------------------------------------------ switch

    def _e_SwitchExpr(self, e):
        if e.subject is not None:
            st = self._expr(e.subject)
        else:
            subj = N.Ident("it", line=e.line, col=e.col)
            sym = self.scope.lookup("it")
            if sym is None:
                self.errors.append(_err("Reference to unknown variable 'it'", e, self.source))
            self._expr(subj)
            e.subject = subj
            st = subj.stype
        saved = self.scope
        self.scope = Scope(saved, self.func)
        e.scope = self.scope
        e.it_sym = self._declare("it", "def", e)
        if isinstance(e.subject, N.Ident) and e.subject.sym.inferred_type:
            st = "def"
        subject_type = st if st in PRIMITIVES or st in ("List", "Map") or st.endswith("[]") \
            or st in self.classes else "def"
        ndefault = 0
        seen_lits = set()
        prev = []
        catch_all = wild_seen = False
        for case in e.cases:
            if case.is_default:
                ndefault += 1
                if ndefault > 1:
                    self.errors.append(_err("Cannot have multiple 'default' cases", case,
                                            self.source))
            self.scope = Scope(e.scope, self.func)
            case.scope = self.scope
            if case.is_default and wild_seen:
                self.errors.append(_err("Default case is never applicable (previous case "
                                        "matches everything)", case, self.source))
            for pat, guard in case.patterns:
                bound = set()
                self._pattern(pat, bound, subject_type, top=True)
                if catch_all:
                    self.errors.append(_err("Unreachable switch case: covered by a previous "
                                            "pattern that matches everything", pat, self.source))
                    catch_all = False
                key = _lit_key(pat)
                if key is not None and guard is None and key in seen_lits:
                    self.errors.append(_err("Literal match occurs multiple times in switch",
                                            pat, self.source))
                elif any(_covers(q, pat, self.classes) for q in prev):
                    self.errors.append(_err("Unreachable switch case: covered by a previous "
                                            "pattern", pat, self.source))
                if key is not None and guard is None:
                    seen_lits.add(key)
                if guard is not None:
                    self._expr(guard)
                else:
                    prev.append(pat)
                    if _matches_all(pat, subject_type):
                        catch_all = True
                    if _wild(pat):
                        wild_seen = True
            if isinstance(case.result, N.Block):
                self._block(case.result)
            else:
                self._expr(case.result)
            self.scope = e.scope
        self.scope = saved
        return "def"

    def _pattern(self, p, bound, stype, top=False):
        k = p.kind
        if k == "lit":
            t = self._expr(p.value)
            if stype in PRIMITIVES and t != "null":
                if t != stype and not (stype == "byte" and t == "int"):
                    self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                            self.source))
                elif stype == "byte" and isinstance(p.value, N.Literal) and \
                        not 0 <= p.value.value <= 255:
                    self.errors.append(_err(f"Type {stype} can never match pattern type {t} "
                                            f"(value out of range)", p, self.source))
            elif stype.endswith("[]") and t not in ("List", "null"):
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
            elif stype in ("List", "Map") and t != stype and t != "null":
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
        elif k == "type":
            t = p.tname
            if stype != "def" and not _type_may_match(stype, t):
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
        elif k in ("bind", "star"):
            if p.name is None:
                return
            if k == "bind" and p.tname is not None and stype != "def" and \
                    not _type_may_match(stype, p.tname):
                self.errors.append(_err(f"Type of binding variable not compatible: type "
                                        f"{stype} can never match pattern type {p.tname}",
                                        p, self.source))
            sym = self.scope.names.get(p.name)
            if sym is None and k == "bind" and p.tname is None:
                other = self.scope.lookup(p.name)
                if other is not None and other.kind == "local" and other.is_const:
                    p.kind = "lit"
                    p.value = N.Ident(p.name, line=p.line, col=p.col)
                    self._pattern(p, bound, stype, top)
                    return
            if sym is None:
                other = self.scope.lookup(p.name)
                if other is not None and other.kind == "local" and other.owner is self.func \
                        and p.name != "it":
                    self.errors.append(_err(f"Binding variable '{p.name}' shadows another variable",
                                            p, self.source))
                tname = p.tname or "def"
                if k == "star":
                    tname = "List"
                sym = self._declare(p.name, tname, p)
                sym.assigned_after_decl = True
            elif p.tname is not None:
                self.errors.append(_err(f"Binding variable '{p.name}' already declared", p,
                                        self.source))
            p.sym = sym
            p.first = p.name not in bound
            bound.add(p.name)
        elif k == "list":
            if stype not in ("def", "List") and not stype.endswith("[]"):
                self.errors.append(_err(f"Type {stype} can never match pattern type List", p,
                                        self.source))
            et = stype[:-2] if stype.endswith("[]") else "def"
            for x in p.items:
                self._pattern(x, bound, et)
        elif k == "map":
            if stype not in ("def", "Map"):
                self.errors.append(_err(f"Type {stype} can never match pattern type Map", p,
                                        self.source))
            for _, x in p.entries:
                self._pattern(x, bound, "def")
        elif k == "ctor":
            ci = self.classes.get(p.tname)
            if ci is None:
                self.errors.append(_err(f"Unknown class '{p.tname}'", p, self.source))
                return
            sc = self.classes.get(stype)
            if stype not in ("def", "var", "Object") and (
                    sc is None or not (_is_sub(sc, p.tname) or _is_sub(ci, stype))):
                self.errors.append(_err(f"Type {stype} can never match pattern type "
                                        f"{p.tname}", p, self.source))
                return
            if p.entries:
                fields = []
                for name, sub in p.entries:
                    f = ci.field(name)
                    if f is None:
                        self.errors.append(_err(f"No such field '{name}' in class {p.tname}",
                                                sub, self.source))
                        return
                    fields.append((f, sub))
            else:
                mand = [f for f in ci.all_fields if f[2] is None]
                if len(mand) != len(p.items):
                    self.errors.append(_err(f"Number of sub-patterns ({len(p.items)}) does not "
                                            f"match mandatory field count ({len(mand)}) for "
                                            f"class {p.tname}", p, self.source))
                    return
                fields = list(zip(mand, p.items))
            p.fields = [f[0] for f, _ in fields]
            for f, sub in fields:
                ft = _type_name(f[1]) if f[1] is not None else "def"
                # (a number matches a numeric field of any type by value: X(3) for a long)
                self._pattern(sub, bound, "def" if ft in _NUM_TYPES else ft)
        elif k == "regex":
            if stype not in ("def", "String"):
                self.errors.append(_err(f"Type {stype} can never match pattern type String", p,
                                        self.source))
            self._expr(p.value)
            p.match_sym = self._match_sym(p)
        elif k == "expr":
            self._expr(p.value)


_NUM_TYPES = ("int", "long", "double", "Decimal", "byte")


def _type_may_match(stype, ptype):
    """Can a value of static type stype be an instance of ptype?"""
    if stype in ("def", "Object") or ptype in ("def", "Object"):
        return True
    if stype == ptype:
        return True
    if stype in PRIMITIVES or ptype in PRIMITIVES:
        if ptype == "Number" and stype in _NUM_TYPES:
            return True
        return False
    if stype.endswith("[]") or ptype.endswith("[]"):
        return stype.endswith("[]") and ptype.endswith("[]") and \
            _type_may_match(stype[:-2], ptype[:-2])
    if stype in ("List", "Map", "Function") or ptype in ("List", "Map", "Function"):
        return False
    return True


def _lit_key(p):
    if p.kind == "lit" and isinstance(p.value, N.Literal):
        return (p.value.kind, repr(p.value.value))
    if p.kind == "list":
        keys = [_lit_key(x) for x in p.items]
        return None if None in keys else ("list", tuple(keys))
    if p.kind == "map" and not p.star:
        keys = [(k, _lit_key(x)) for k, x in p.entries]
        return None if any(x is None for _, x in keys) else ("map", tuple(keys))
    return None


def _wild(p):
    """Matches any value at all (within a structure)."""
    if p.kind == "any":
        return True
    if p.kind == "type" and p.tname in ("def", "Object"):
        return True
    if p.kind == "bind" and p.tname is None and p.first:
        return True
    return False


def _matches_all(p, stype):
    if _wild(p):
        return True
    t = p.tname if p.kind in ("type", "bind") else None
    return t is not None and t == stype and stype != "def"


def _names(p, acc):
    if p.kind in ("bind", "star") and p.name is not None:
        acc[p.name] = acc.get(p.name, 0) + 1
    for x in p.items:
        _names(x, acc)
    for _, x in p.entries:
        _names(x, acc)
    return acc


def _covers(q, p, classes=None):
    """Does the (unguarded) earlier pattern q match everything p matches?"""
    counts = _names(q, {})
    return _cov(q, p, counts, classes or {})


def _is_class_or_sub(name, base, classes):
    """Is class name base, or a class extending it?"""
    ci = classes.get(name)
    while ci is not None:
        if ci.name == base:
            return True
        ci = ci.base
    return name == base


def _cov(q, p, counts, classes):
    if q.kind in ("any",) or (q.kind == "type" and q.tname in ("def", "Object")):
        return True
    if q.kind == "bind":
        if counts.get(q.name, 0) > 1:
            return False
        if q.tname is None:
            return True
        return _cov(N.Pattern("type", tname=q.tname), p, counts, classes)
    if q.kind == "type":
        if p.kind == "type" or (p.kind == "bind" and p.tname is not None) or p.kind == "ctor":
            return p.tname == q.tname or (q.tname in classes and
                                          _is_class_or_sub(p.tname, q.tname, classes))
        if p.kind == "lit" and isinstance(p.value, N.Literal):
            return p.value.stype == q.tname
        if p.kind == "list":
            return q.tname == "List"
        if p.kind == "map":
            return q.tname == "Map"
        return False
    if q.kind == "lit":
        k = _lit_key(q)
        return k is not None and k == _lit_key(p)
    if q.kind == "list":
        if p.kind != "list" or any(x.kind == "star" for x in p.items):
            return False
        star = next((i for i, x in enumerate(q.items) if x.kind == "star"), None)
        if star is None:
            return len(q.items) == len(p.items) and \
                all(_cov(a, b, counts, classes) for a, b in zip(q.items, p.items))
        if q.items[star].name is not None and counts.get(q.items[star].name, 0) > 1:
            return False
        pre, post = q.items[:star], q.items[star + 1:]
        if len(p.items) < len(pre) + len(post):
            return False
        return all(_cov(a, b, counts, classes) for a, b in zip(pre, p.items)) and \
            all(_cov(a, b, counts, classes) for a, b in zip(post, p.items[len(p.items) - len(post):]))
    if q.kind == "map":
        if p.kind != "map" or p.star:
            return False
        pk = dict(p.entries)
        if not q.star and len(pk) != len(q.entries):
            return False
        return all(k in pk and _cov(x, pk[k], counts, classes) for k, x in q.entries)
    return False
