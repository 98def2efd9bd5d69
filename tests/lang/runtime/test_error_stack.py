"""A run-time error carries the Jactl call stack: each frame's function and script line,
outermost first, and shows it under the message."""

import pytest

import lang

SRC = """def inner(x) {
  x / 0
}
def outer(y) { inner(y + 1) }
[1].map{ outer(it) }
"""


def test_the_stack_names_each_jactl_frame_and_line():
    with pytest.raises(lang.JactlRuntimeError) as info:
        lang.eval(SRC)
    err = info.value
    assert (err.line, err.column) == (2, 3)
    assert [(name, line) for name, line, _col in err.stack] == [
        ("script", 5), ("closure", 5), ("outer", 4), ("inner", 2)]
    text = str(err)
    assert text.startswith("Divide by zero @ line 2, column 3")
    assert "Jactl stack (most recent call last):" in text
    assert "  outer @ line 4, column 16" in text


def test_an_error_in_the_script_body_has_no_stack_section():
    with pytest.raises(lang.JactlRuntimeError) as info:
        lang.eval("def x = null\nx.size()")
    assert info.value.stack == ()
    assert "Jactl stack" not in str(info.value)
