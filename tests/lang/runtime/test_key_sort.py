"""sort with a comparator that compares fields (codegen/sortkey.py, runtime key_sort): the
key sort must give exactly what calling the comparator gives, and leave every case it does
not cover (nulls, mixed types, instances, Strings past U+FFFF) to the comparator, with the
comparator's errors. The reference is the same comparator with a first statement added,
which the compiler does not recognise (blanks in its place in the fast one keep error
columns equal)."""

import pytest

import lang

RECORDS = ("def rs = [[n:'b', c:'x', a:3, s:2L], [n:'a', c:'y', a:3, s:7], [n:'c', c:'x', a:1, s:2],"
           " [n:'d', c:'x', a:3, s:-5L], [n:'e', c:'y', a:1, s:7]]\n")

COMPARATORS = [
    "a.c != b.c ? a.c <=> b.c : a.a != b.a ? b.a <=> a.a : a.n <=> b.n",
    "a.s == b.s ? a.n <=> b.n : b.s <=> a.s",
    "b.c <=> a.c",                                # descending, ties keep their order
    "a.a <=> b.a",
    "a.s != b.s ? a.s <=> b.s : b.c <=> a.c",     # ints and longs in one column
]


def _both(src_of):
    """(fast result, reference result) for a script made from a comparator body."""
    out = []
    for prefix in (" " * 11, "def z = 0; "):     # (same columns in both)
        try:
            out.append(("ok", lang.eval(src_of(prefix), {})))
        except lang.JactlError as e:
            out.append(("err", str(e).splitlines()[0]))     # (message @ line, column)
    return out


@pytest.mark.parametrize("cmp", COMPARATORS)
@pytest.mark.parametrize("cpe", [False, True])
def test_key_sort_matches_comparator(cmp, cpe):
    src = RECORDS + "rs.sort{ a, b -> %s" + cmp + " }.map{ it.n }.join()"
    fast = lang.eval(src % "", {}, checkpoint_each_statement=cpe)
    ref = lang.eval(src % "def z = 0; ", {}, checkpoint_each_statement=cpe)
    assert fast == ref


@pytest.mark.parametrize("data", [
    "[[k:1], [k:null], [k:0]]",                   # null: the comparator orders it
    "[[k:1], [j:2], [k:0]]",                      # missing entry
    "[[k:1], [k:'x']]",                           # mixed types: the comparator's error
    "[[k:1.5], [k:0.5D], [k:1]]",                 # doubles and Decimals
    "[[k:'\\uFFFF'], [k:'\\uD83D\\uDE00'], [k:'a']]",   # past U+FFFF: UTF-16 order
    "[[k:[1]], [k:[0]]]",
    "[1, 2]",                                     # not Maps
])
def test_key_sort_falls_back(data):
    fast, ref = _both(lambda p: f"def xs = {data}; xs.sort{{ a, b -> {p}b.k <=> a.k }}")
    assert fast == ref


def test_key_sort_instances_and_errors_carry_position():
    src = ("class P { int k }\n"
           "def xs = [new P(2), new P(1)]\n"
           "xs.sort{ a, b -> %sa.k <=> b.k }.map{ it.k }")
    assert lang.eval(src % "", {}) == lang.eval(src % "def z = 0; ", {}) == [1, 2]
    with pytest.raises(lang.JactlError) as ei:
        lang.eval("def xs = [[k:1],\n [k:'x']]\nxs.sort{ a, b ->\n  a.k <=> b.k }", {})
    assert "line 4" in str(ei.value)


def test_comparator_shapes_recognised():
    ctx = lang.Context()

    def gen(cmp):   # (the compiler's decision is in the generated code)
        return ctx.compile(f"[].sort{{ {cmp} }}", globals={}).py_source

    assert "sort_key=((('x', 'y'), True),)" in gen("a, b -> b.x.y <=> a.x.y")
    assert "sort_key=((('x',), False), (('n',), True))" in \
        gen("a, b -> a.x != b.x ? a.x <=> b.x : b.n <=> a.n")
    assert "sort_key=((('x',), False),)" in gen("a, b -> return a.x <=> b.x")
    for cmp in ("a, b -> a.x <=> b.y",                   # different fields
                "a, b -> a.x != b.y ? a.x <=> b.x : 0",  # test of another field
                "a, b -> a.x <=> a.x",                   # one parameter
                "int a, int b -> a <=> b",               # typed: arguments convert
                "a, b -> a?.x <=> b?.x",
                "it[0] <=> it[1]",
                "a, b -> (a.x <=> b.x) ?: 0"):
        assert "sort_key=" not in gen(cmp), cmp


@pytest.mark.parametrize("tail", ["", "[n:'z', c:null, a:0, s:0]", "[n:'z', c:'a', a:'1', s:0]"])
def test_key_sort_on_a_large_list_with_ties_and_a_hostile_last_record(tail):
    """20,000 records made by the script, few distinct keys (long runs of ties: stability
    shows), longs at the 64-bit edges and BMP Strings; the tail record puts a null or a
    mixed-type key after everything the key sort has already read, where it must hand the
    whole sort to the comparator (and its error, when the comparator meets one)."""
    data = ("def cs = ['', 'a', '\\u00e9', 'a\\uffff', '\\u4e2d', '\\uffff']\n"
            "def ss = [-9223372036854775807L - 1, 9223372036854775807L, 0, 2L, 7]\n"
            "long x = 7; def rs = []\n"
            "for (int i = 0; i < 20000; i++) {\n"
            "  x = (x * 1103515245L + 12345L) % 2147483648L\n"
            "  rs <<= [n:i, c:cs[x % 6], a:(x / 6) % 4, s:ss[(x / 24) % 5]]\n"
            "}\n" + (f"rs <<= {tail}\n" if tail else ""))
    cmp = "a.c != b.c ? a.c <=> b.c : a.s != b.s ? b.s <=> a.s : a.a <=> b.a"
    fast, ref = _both(lambda p: data + f"rs.sort{{ a, b -> {p}{cmp} }}.map{{ it.n }}")
    assert fast == ref
    assert fast[0] == ("err" if "'1'" in tail else "ok"), fast
