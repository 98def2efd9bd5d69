"""Real multi-function Jactl programs with their expected value and printed output.

Each program is ``<name>.jactl`` beside ``<name>.expected.json``, which holds
``{"result": <JSON value>, "output": "<exact printed text>"}`` and optionally
``"globals": {...}`` (the script's global variables). jvalues.matches says how a Jactl
value compares with the JSON one; the printed output checks number formats exactly.

The expected values were worked out from the language guide and the semantics fact sheet
(../shared/research/jactl-semantics.md, beside the repository), not copied from this implementation. Where
lang disagrees with them the program is listed in KNOWN_BUGS (a bug report for lang) and
runs as a strict xfail, so a fix shows up as XPASS and the entry must go.

Every program runs twice:
* plainly, in this process;
* with a checkpoint after every statement: this process starts the script and saves the
  first checkpoint; restore_driver.py (one per program) forks into two restorers,
  connected by pipes, that take turns, each restoring the other's bytes, running to the
  next checkpoint and saving. So every continuation is restored in a process other than the one that saved
  it, no restore happens in the process that started the script, and state only ever
  travels through Checkpointer.save / Restorer.restore.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lang

from jvalues import b64, from_wire, matches, to_wire

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
PROGRAMS = sorted(p.stem for p in HERE.glob("*.jactl"))

# program name -> one line: what lang gets wrong (expected value kept as Jactl has it).
# "name" fails both runs; "name/checkpoint" only the checkpoint-each-statement run.
KNOWN_BUGS = {}


def _params(mode):
    params = []
    for name in PROGRAMS:
        reason = KNOWN_BUGS.get(name) or KNOWN_BUGS.get(f"{name}/{mode}")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _load(name):
    source = (HERE / f"{name}.jactl").read_text(encoding="utf-8")
    expected = json.loads((HERE / f"{name}.expected.json").read_text(encoding="utf-8"))
    return source, expected


def _check(name, expected, value, output):
    diff = matches(value, expected["result"])
    assert diff is None, f"{name}: {diff}"
    assert output == expected["output"], f"{name}: printed output differs"


def test_suite_size():
    assert len(PROGRAMS) >= 30
    for name in PROGRAMS:
        assert (HERE / f"{name}.expected.json").exists(), name
    for key in KNOWN_BUGS:   # a stale entry would silently mark nothing
        assert key.split("/")[0] in PROGRAMS, key


@pytest.mark.parametrize("name", _params("plain"))
def test_plain(name):
    source, expected = _load(name)
    globals_ = expected.get("globals", {})
    out = io.StringIO()
    ctx = lang.Context(output=out)
    script = ctx.compile(source, name=name, globals=list(globals_))
    outcome = script.start(dict(globals_))
    while isinstance(outcome, lang.Suspended):   # sleep(): the host resumes in place
        assert outcome.request.kind == "sleep", outcome.request
        outcome = outcome.continuation.resume(outcome.request.value)
    assert isinstance(outcome, lang.Completed), outcome
    _check(name, expected, outcome.value, out.getvalue())


def _resume_value(request):
    # as lang.eval: a checkpoint resumes with nothing, a sleep() with its value
    return request.value if request.kind == "sleep" else None


@pytest.mark.parametrize("name", _params("checkpoint"))
def test_checkpoint_each_statement_in_fresh_processes(name):
    source, expected = _load(name)
    globals_ = expected.get("globals", {})
    out = io.StringIO()
    ctx = lang.Context(output=out)
    script = ctx.compile(source, name=name, globals=list(globals_),
                         checkpoint_each_statement=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    # started first, so its start-up overlaps with the run up to the first checkpoint
    driver = subprocess.Popen(
        [sys.executable, str(HERE / "restore_driver.py"), str(HERE / f"{name}.jactl"),
         json.dumps(globals_)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        with driver.stdin:   # closed on any failure here, which ends the driver
            outcome = script.start(dict(globals_))
            if isinstance(outcome, lang.Completed):
                pytest.fail("the program never reached a checkpoint")
            driver.stdin.write(json.dumps({
                "state": b64(lang.Checkpointer.save(outcome.continuation)),
                "resume": to_wire(_resume_value(outcome.request)),
                "out": out.getvalue(), "hops": 0}) + "\n")
        line = driver.stdout.readline()
    finally:
        driver.wait(timeout=60)
        driver.stdout.close()
    reply = json.loads(line) if line else {"error": "the driver ended without a result",
                                           "hops": "?"}
    assert "error" not in reply, f"after {reply['hops']} restores: {reply['error']}"
    assert reply["hops"] > 0
    _check(name, expected, from_wire(reply["result"]), reply["out"])
