"""The resolver's facts about builtin methods agree with the runtime's.

The resolver decides which calls may suspend from its own list of closure-taking methods;
a method the runtime calls closures for but the resolver does not list runs its closure
as if it could not suspend, and a suspension inside it drops the rest of the script."""

import lang
from lang.resolve import resolver
from lang.runtime import iteration, iterators


def test_every_runtime_closure_method_is_known_to_the_resolver():
    missing = set(iteration.CLOSURE_METHODS) - resolver.CLOSURE_METHODS
    assert not missing


def test_lazy_stages_agree():
    assert resolver.LAZY_STAGES == iterators.LAZY_STAGES


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
