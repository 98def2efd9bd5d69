"""Every stage's facts about builtins come from the one table (runtime/builtin_facts.py),
and the runtime's registrations agree with it.

The resolver decides which calls may suspend from the table's closure-taking methods; a
method the runtime calls closures for but the table does not list would run its closure
as if it could not suspend, and a suspension inside it would drop the rest of the
script (as ``mapi``/``fmap`` once did)."""

import lang
from lang.codegen import codegen, dynamic
from lang.resolve import resolver
from lang.runtime import builtin_facts as facts
from lang.runtime import calls, fastcalls, iteration, iterators, methods


def _registered():
    from lang.runtime.exports import load_datetime
    load_datetime()
    return methods.METHOD_PARAMS


def test_every_runtime_method_taking_a_closure_is_a_closure_method_of_the_table():
    takes_closure = {name for (_, name), params in _registered().items()
                     if any(t == "Function" for _, t, _ in params)}
    assert takes_closure == set(facts.CLOSURE_METHODS)


def test_each_closure_method_is_registered_for_the_tables_receivers_and_parameters():
    reg = _registered()
    for name, fact in facts.CLOSURE_METHODS.items():
        keys = {k for (k, n) in reg if n == name}
        assert keys == set(fact.receivers), name
        for k in keys:
            got = tuple((p, t, d is methods.MISSING) for p, t, d in reg[(k, name)])
            assert got == fact.params, name
        assert methods.METHODS[(fact.receivers[0], name)] is iteration.CLOSURE_METHODS[name]
    assert set(iteration.CLOSURE_METHODS) == set(facts.CLOSURE_METHODS)


def test_an_alias_runs_the_same_implementation_as_its_method():
    aliases = {n: m.alias_of for n, m in facts.CLOSURE_METHODS.items() if m.alias_of}
    assert aliases == {"mapi": "mapWithIndex", "fmap": "flatMap"}
    for alias, name in aliases.items():
        assert iteration.CLOSURE_METHODS[alias] is iteration.CLOSURE_METHODS[name]
        assert facts.CLOSURE_METHODS[alias].lazy == facts.CLOSURE_METHODS[name].lazy


def test_the_consuming_methods_are_registered_builtins():
    names = {n for _, n in _registered()}
    assert facts.CONSUMING_METHODS <= names


def test_every_lazy_stage_makes_a_lazy_iterator_and_no_other_method_does():
    for name in facts.LAZY_STAGES:
        arg = 1 if name in facts.COUNT_STAGES else lang.eval("{ x -> x }")
        assert isinstance(iterators.stage([1, 2], name, (arg,)), iterators.LazyIter), name
    for name in set(facts.CLOSURE_METHODS) - facts.LAZY_STAGES:
        assert iterators.stage([1, 2], name, (lang.eval("{ x -> x }"),)) is None, name


def test_the_early_stopping_methods_are_registered_builtins():
    names = {n for _, n in _registered()}
    assert facts.EARLY_STOP_METHODS <= names
    # (limit over a lazy chain stops reading it: the chain's closures run twice, not 4 times)
    assert lang.eval("def seen = []; [1, 2, 3, 4].map{ seen.add(it); it }.limit(2); seen") \
        == [1, 2]


def test_the_builtin_functions_are_the_runtimes():
    assert set(facts.BUILTIN_FUNCTIONS) <= set(calls.BUILTINS)


def test_no_stage_keeps_its_own_copy():
    """The stages' names are the table's objects, not lists of their own."""
    assert resolver.LAZY_STAGES is facts.LAZY_STAGES
    assert resolver.MAY_SUSPEND_METHODS is facts.MAY_SUSPEND_METHODS
    assert resolver.BUILTIN_FUNCTIONS is facts.BUILTIN_FUNCTIONS
    assert codegen.LAZY_STAGES is facts.LAZY_STAGES
    assert codegen._EARLY_STOP is facts.EARLY_STOP_METHODS
    assert dynamic.CLOSURE_METHODS is facts.CLOSURE_METHODS
    assert iterators.LAZY_STAGES is facts.LAZY_STAGES
    assert calls.LAZY_STAGES is facts.LAZY_STAGES
    assert fastcalls.LAZY_STAGES is facts.LAZY_STAGES


def test_suspending_closures_under_the_aliases_keep_the_script_going():
    for src in ("def x = [1,2].mapi{ v, i -> sleep(0, v + i) }; 99",
                "def x = [1,2].fmap{ v -> sleep(0, [v]) }; 99",
                "def x = [1,2].mapWithIndex{ v, i -> sleep(0, v + i) }; 99"):
        assert lang.eval(src) == 99, src
    assert lang.eval("[1,2].mapi{ v, i -> sleep(0, v + i) }") == [1, 3]
    assert lang.eval("[1,2].fmap{ v -> sleep(0, [v, v]) }") == [1, 1, 2, 2]


def test_the_date_time_method_names_are_those_registered():
    from lang.runtime import methods
    from lang.runtime.exports import load_datetime
    load_datetime()
    registered = {k[1] for k in methods.METHODS}
    assert methods.DATETIME_METHOD_NAMES <= registered
    before = {k[1] for k in methods.METHODS if k[0] not in (
        "LocalDate", "LocalTime", "LocalDateTime", "ZonedDateTime", "Instant", "Duration",
        "Period", "ZoneId")}
    assert registered - before <= methods.DATETIME_METHOD_NAMES


def test_a_closure_in_a_map_entry_or_field_called_as_a_method_may_suspend():
    assert lang.eval("def m=[f:{x->sleep(0,x)+1}]; m.f(1)+10") == 12
    assert lang.eval("class X { def f = { x -> sleep(0,x)+1 } }; def x = new X(); "
                     "x.f(1) + 10") == 12
