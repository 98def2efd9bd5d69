"""Mutation fuzzing of real checkpoints, re-sealed and re-signed (the CI-sized run).

Seeds are checkpoints of the scripts in ``bench/fuzz_checkpoint.py`` (closures, maps, class
instances, lazy iterator chains, sort/each/reduce/collect frames with a suspending closure, a
/g regex loop, nested function frames, checkpoint(commit:, recover:)), taken at every
suspension. Each example mutates one (byte-level or structurally, on a token tree of the
body), re-seals it with a valid digest — or re-signs it with the context's own key — then
restores and runs it to the end. Whatever the mutation, the only acceptable outcomes are a
CheckpointError from restore, a completed run, or a Jactl error of the script; never an
internal "Unexpected error", a raw Python exception or a hang.

The long run (10^5 mutants, worker processes with a hard timeout) is
``python bench/fuzz_checkpoint.py --mutants 100000``.
"""

import importlib.util
import os
import random
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "..", "bench", "fuzz_checkpoint.py")
_spec = importlib.util.spec_from_file_location("fuzz_checkpoint", _PATH)
fz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fz)

SEEDS = {False: fz.seed_checkpoints(False), True: fz.seed_checkpoints(True)}
RUNNERS = {False: fz.Runner(False), True: fz.Runner(True)}
HARD_S = 10


class _Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise _Hang()


def run_mutant(signed, seed):
    rng = random.Random(seed)
    cps = SEEDS[signed]
    name, src, data, rv = cps[rng.randrange(len(cps))]
    other = cps[rng.randrange(len(cps))][2]
    mutated, how = fz.mutant(rng, data, other, signed)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HARD_S)
    try:
        outcome, detail = RUNNERS[signed].run(name, src, mutated, rv)
    except _Hang:
        outcome, detail = "hang", f"no result after {HARD_S} s"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert outcome in ("rejected", "completed", "script_error"), \
        f"{name} {how}: {outcome}: {detail}"
    return outcome


def test_seeds_cover_the_runtime_frames():
    """The seeds exercise what the fuzzer is meant to reach."""
    import lang
    from lang.checkpoint import decoder
    from lang.runtime.objects import JObject
    kinds = set()
    for name, src, data, rv in SEEDS[False]:
        ctx = RUNNERS[False].ctx(name, src)
        dec = decoder.decode(ctx, data)
        stack = list(dec.frames) + list(dec.globals.values())
        seen = set()
        while stack:
            x = stack.pop()
            if id(x) in seen:
                continue
            seen.add(id(x))
            # (instances of Jactl classes are of generated subclasses of JObject)
            kinds.add("JObject" if isinstance(x, JObject) else type(x).__name__)
            for f in getattr(type(x), "FIELDS", ()):
                stack.append(getattr(x, f, None))
            if type(x).__name__ == "CodeFrame":
                stack.extend(x.locals)
        assert isinstance(lang.Restorer.restore(ctx, data), lang.Continuation)
    for k in ("LoopFrame", "SortFrame", "IterFrame", "DrainFrame", "MapIter", "FilterIter",
              "FlatMapIter", "SkipIter", "LimitIter", "SrcIter", "CheckpointFrame",
              "Closure", "Cell", "JObject", "JArray", "LocalDate", "ZonedDateTime",
              "Duration"):
        assert k in kinds, k


@pytest.mark.timeout(120)
@settings(max_examples=8000, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**64))
def test_unsigned_mutants(seed):
    run_mutant(False, seed)


@pytest.mark.timeout(120)
@settings(max_examples=3000, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.integers(0, 2**64))
def test_signed_mutants_resigned_with_the_key(seed):
    run_mutant(True, seed)


def test_fixed_sample_reaches_every_outcome_but_the_bad_ones():
    """A fixed sample: a regression in validation shows up as a shift in these counts
    (many mutants must still be rejected, some must still run)."""
    counts = {}
    for seed in range(400):
        o = run_mutant(seed % 3 == 0, 10_000 + seed)
        counts[o] = counts.get(o, 0) + 1
    assert counts.get("rejected", 0) > 200
    assert counts.get("completed", 0) > 40
