"""Generated Python names never change what a script means: a string literal cannot be
mistaken for a codegen placeholder, and distinct Jactl variables stay distinct Python
locals whatever their names."""

import lang


def test_string_literal_that_looks_like_the_locals_placeholder_is_kept():
    # the may-suspend function's locals placeholder used to be ``@L<id>@``, rewritten
    # everywhere in the generated text, string literals included
    assert lang.eval('sleep(0); "@L0@"') == "@L0@"
    assert lang.eval('def s = "@L0@"; s', checkpoint_each_statement=True) == "@L0@"


def test_placeholder_characters_in_strings_of_other_functions():
    src = 'def f(x) { sleep(0); "@L1@" + x }; def g() { "@L0@" }; f(g())'
    assert lang.eval(src) == "@L1@@L0@"


def test_local_named_like_a_renamed_shadow_stays_distinct():
    # the second ``x`` was renamed ``v_x_1``, the same Python local as a Jactl ``x_1``
    assert lang.eval("def x = 1; { def x = 2; def x_1 = 3; x }") == 2
    assert lang.eval("def x = 1; { def x_1 = 3; def x = 2; x_1 }") == 3
    assert lang.eval("def x_1 = 7; def f() { 1 }; { def x = 2; { def x = 3 } }; x_1") == 7


def test_shadow_rename_survives_suspension():
    src = "def x = 1; { def x = 2; def x_1 = 3; sleep(0); x + x_1 * 10 }"
    assert lang.eval(src) == 32
    assert lang.eval(src, checkpoint_each_statement=True) == 32


def test_fullwidth_identifier_is_not_the_ascii_one():
    # Python NFKC-normalises identifiers in compile(): ｘ and x were one variable
    assert lang.eval("def x = 1; def ｘ = 2; x") == 1
    assert lang.eval("def x = 1; def ｘ = 2; ｘ") == 2
    assert lang.eval("def ﬁ = 3; def fi = 4; ﬁ + fi * 10") == 43


def test_non_ascii_function_names_stay_distinct():
    assert lang.eval("def f() { 1 }; def ｆ() { 2 }; f() * 10 + ｆ()") == 12
