"""Maintainer's aid, not a test: print what lang gives for a program, as an expected.json
draft. Usage: python gen_expected.py <program.jactl> [globals as JSON]. A draft is only a starting point: every value in it must be checked against the
language guide before it is saved (see test_programs.py)."""

import io
import json
import sys
from pathlib import Path

import lang

from jvalues import to_wire


def plain(value):
    w = to_wire(value)
    def conv(x):
        if isinstance(x, list):
            return [conv(v) for v in x]
        if isinstance(x, dict):
            if "$double" in x:
                return float(x["$double"])
            if "$decimal" in x:
                return float(x["$decimal"])
            if "$map" in x:
                return {str(k): conv(v) for k, v in x["$map"]}
            return x
        return x
    return conv(w)


if __name__ == "__main__":
    path = Path(sys.argv[1])
    globals_ = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    out = io.StringIO()
    outcome = lang.Context(output=out).compile(path.read_text(), globals=list(globals_)).start(
        dict(globals_))
    while isinstance(outcome, lang.Suspended):
        outcome = outcome.continuation.resume(outcome.request.value)
    draft = {"result": plain(outcome.value), "output": out.getvalue()}
    if globals_:
        draft["globals"] = globals_
    print(json.dumps(draft, indent=1))
