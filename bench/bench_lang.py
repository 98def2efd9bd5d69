"""Jactl vs hand-written CPython: a suite of ordinary programs, measured in one run.

    python bench/bench_lang.py [--repeat N] [--quick] [-k name] [--no-cold]

Every benchmark is a pair in bench/programs/: `<name>.jactl`, a Jactl script that reads
the global `n` and whose value is the result, and `<name>.py`, its CPython twin: the same
algorithm written the way a Python programmer would (plain lists, dicts, classes; no numpy,
nothing deliberately slow), defining `run(n)` that returns the same value. The twin module
also carries the benchmark's metadata:

    KIND     "typed", "def" (untyped) or "mixed": which summary mean the program joins
    N        input for a timed run (chosen so the Python twin takes ~50-300 ms)
    QUICK_N  small input for --quick and the CI test (tests/lang/test_bench_programs.py)
    XFAIL    optional: why the Jactl side is known to fail (a lang bug to fix); the suite
             reports the failure and leaves the program out of the means

Each script is compiled once (compile time is reported apart and kept out of the ratio:
scripts are compiled once and cached in real use). Then Jactl (`script.start`) and Python
(`run(n)`) runs alternate, so machine noise hits both alike, and each side's median is
taken. The ratio is jactl / python. The summary gives the geometric mean, the worst
program, and the geometric means over typed-only and untyped-only programs. Cold start
is measured with a whole-process timer in fresh subprocesses, because what a new user
feels first is how long `jactl -e '1+2'` takes, not steady-state speed.
"""

from __future__ import annotations

import argparse
import decimal
import importlib.util
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = Path(__file__).resolve().parent / "programs"

sys.path.insert(0, str(ROOT))

import lang  # noqa: E402

KINDS = ("typed", "def", "mixed")


@dataclass(frozen=True)
class Program:
    """One benchmark: the Jactl source and its CPython twin with its metadata."""

    name: str
    source: str
    twin: ModuleType
    kind: str
    n: int
    quick_n: int
    xfail: str | None

    def run_python(self, n: int):
        return self.twin.run(n)


def _load_twin(path: Path) -> ModuleType:
    # The twins are loaded by path under a private name: bench/ is not a package, and a
    # twin named e.g. `json_roundtrip` must not shadow or be shadowed by a real module.
    spec = importlib.util.spec_from_file_location(f"_bench_twin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_programs(names: list[str] | None = None) -> list[Program]:
    """Every program pair in bench/programs, sorted by name; `names` filters by substring."""
    programs = []
    for jactl_file in sorted(PROGRAMS.glob("*.jactl")):
        name = jactl_file.stem
        if names and not any(part in name for part in names):
            continue
        twin_file = jactl_file.with_suffix(".py")
        if not twin_file.exists():
            raise SystemExit(f"{jactl_file}: no CPython twin {twin_file.name}")
        twin = _load_twin(twin_file)
        kind = getattr(twin, "KIND", None)
        if kind not in KINDS:
            raise SystemExit(f"{twin_file}: KIND must be one of {KINDS}, not {kind!r}")
        programs.append(Program(
            name=name, source=jactl_file.read_text(), twin=twin, kind=kind,
            n=twin.N, quick_n=twin.QUICK_N, xfail=getattr(twin, "XFAIL", None)))
    return programs


def _timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def geomean(values):
    values = list(values)
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass
class Row:
    name: str
    kind: str
    n: int
    compile_ms: float = float("nan")
    jactl_ms: float = float("nan")
    python_ms: float = float("nan")
    error: str | None = None

    @property
    def ratio(self) -> float:
        return self.jactl_ms / self.python_ms


def measure(ctx: lang.Context, program: Program, n: int, repeat: int) -> Row:
    """Compile once, then alternate Jactl and Python runs; medians of each side."""
    row = Row(program.name, program.kind, n)
    try:
        compile_s, script = _timed(lambda: ctx.compile(program.source, name=program.name))
    except Exception as e:  # a lang bug may surface as any exception; report, go on
        row.error = f"compile error: {_first_line(e)}"
        return row
    row.compile_ms = compile_s * 1000
    jactl_times, python_times = [], []
    for i in range(repeat):
        try:
            tj, outcome = _timed(lambda: script.start({"n": n}))
        except Exception as e:
            row.error = f"runtime error: {_first_line(e)}"
            return row
        tp, expected = _timed(lambda: program.run_python(n))
        if i == 0:
            if not isinstance(outcome, lang.Completed):
                row.error = f"script did not complete: {outcome!r}"
                return row
            if not results_equal(outcome.value, expected):
                row.error = f"result mismatch: jactl={_short(outcome.value)} python={_short(expected)}"
                return row
        jactl_times.append(tj)
        python_times.append(tp)
    row.jactl_ms = statistics.median(jactl_times) * 1000
    row.python_ms = statistics.median(python_times) * 1000
    return row


def results_equal(jactl_value, python_value) -> bool:
    """The comparison the suite and the CI test share: the same value of the same kind,
    all the way down. Python's == alone would pass a Decimal where a float belongs
    (Decimal('1.5') == 1.5), 1 for True, or a map with its entries in another order,
    all of which are wrong Jactl results. A Jactl long may stand for a Python int (the
    twin cannot say long), and a Decimal must keep its scale as Python's does."""
    j, p = jactl_value, python_value
    if isinstance(p, bool) or isinstance(j, bool):
        return type(j) is type(p) and j == p
    if isinstance(p, int):
        return isinstance(j, int) and j == p
    if isinstance(p, decimal.Decimal):
        return isinstance(j, decimal.Decimal) and j == p and \
            j.as_tuple().exponent == p.as_tuple().exponent
    if isinstance(p, (float, str)) or p is None:
        return type(j) is type(p) and j == p
    if isinstance(p, list):
        return isinstance(j, list) and len(j) == len(p) and \
            all(results_equal(a, b) for a, b in zip(j, p))
    if isinstance(p, dict):
        return isinstance(j, dict) and list(j) == list(p) and \
            all(results_equal(j[k], p[k]) for k in p)
    return j == p


def _short(value, limit=200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _first_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return text if isinstance(error, lang.JactlError) else f"{type(error).__name__}: {text}"


def cold_start(runs: int = 5, bytecode: bool = True) -> list[tuple[str, float | None]]:
    """Whole-process wall time of fresh interpreters, median of `runs` each.

    ``bytecode``: Python may read and write its cached bytecode (``__pycache__``), as on a
    normal install, where pip compiles the package at install time; a first unmeasured run
    fills the cache. Without it (``PYTHONDONTWRITEBYTECODE=1`` and no cache), every module
    is compiled from source in every process: the worst case, seen on machines that set it.
    """
    root = str(ROOT)
    if not bytecode:  # a copy of the package without __pycache__ (the stdlib keeps its own)
        tmp = tempfile.mkdtemp(prefix="jactl-cold-")
        shutil.copytree(ROOT / "lang", Path(tmp) / "lang",
                        ignore=shutil.ignore_patterns("__pycache__"))
        root = tmp
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", "import lang; lang.eval('1+2')"], env=env,
                       capture_output=True)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    commands = [
        ("python -c 'pass' (interpreter alone)", [sys.executable, "-c", "pass"]),
        ("python -c 'import lang'", [sys.executable, "-c", "import lang"]),
        ("python -c 'import lang; lang.eval(\"1+2\")'",
         [sys.executable, "-c", "import lang; lang.eval('1+2')"]),
    ]
    jactl = _jactl_command()
    if jactl:
        commands.append(("jactl -e '1+2'", jactl + ["-e", "1+2"]))
    results = []
    for label, cmd in commands:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if done.returncode != 0:
                times = None
                break
        results.append((label, statistics.median(times) * 1000 if times else None))
    if not bytecode:
        shutil.rmtree(root, ignore_errors=True)
    return results


def print_cold_start() -> None:
    for bytecode in (True, False):
        print("cold start (fresh process, whole-process wall time, median of 5), "
              + ("bytecode cached, as installed:" if bytecode else
                 "no bytecode cache (PYTHONDONTWRITEBYTECODE=1):"))
        for label, ms in cold_start(bytecode=bytecode):
            shown = f"{ms:.0f} ms" if ms is not None else "FAILED"
            print(f"  {label:<48} {shown:>8}")


def _jactl_command() -> list[str] | None:
    # Prefer the console script installed beside this interpreter: a version-manager shim
    # on PATH (pyenv's is a bash script) adds its own start-up time that is not ours.
    beside = Path(sys.executable).with_name("jactl")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("jactl")
    return [found] if found else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per side (median)")
    ap.add_argument("--quick", action="store_true",
                    help="small inputs (QUICK_N): checks results, timings mean little")
    ap.add_argument("-k", action="append", dest="names", metavar="NAME",
                    help="only programs whose name contains NAME (repeatable)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocesses")
    ap.add_argument("--cold-only", action="store_true", help="only the cold-start subprocesses")
    a = ap.parse_args(argv)
    if a.cold_only:
        print_cold_start()
        return 0
    # Recursive programs (fib, the expression evaluator) recurse in Python on both sides.
    sys.setrecursionlimit(10000)

    programs = load_programs(a.names)
    if not programs:
        print("no programs match", a.names)
        return 2
    ctx = lang.Context()
    # The first compile in a process builds the parser tables; keep it out of every
    # program's compile time and report it on its own.
    first_compile_s, _ = _timed(lambda: ctx.compile("1 + 2", name="warm-up"))

    print(f"{'program':<20} {'kind':<5} {'n':>8} {'compile ms':>10} {'jactl ms':>10} "
          f"{'python ms':>10} {'ratio':>7}")
    rows = []
    for program in programs:
        n = program.quick_n if a.quick else program.n
        row = measure(ctx, program, n, a.repeat)
        rows.append(row)
        if row.error:
            known = f"  [known: {program.xfail}]" if program.xfail else "  [NEW FAILURE]"
            print(f"{row.name:<20} {row.kind:<5} {n:>8} FAILED {row.error}{known}")
        else:
            print(f"{row.name:<20} {row.kind:<5} {n:>8} {row.compile_ms:>10.1f} "
                  f"{row.jactl_ms:>10.1f} {row.python_ms:>10.1f} {row.ratio:>7.2f}")
        sys.stdout.flush()

    ok = [r for r in rows if not r.error]
    print()
    print(f"first compile in process (parser tables): {first_compile_s * 1000:.0f} ms")
    if ok:
        worst = max(ok, key=lambda r: r.ratio)
        print(f"programs measured: {len(ok)} of {len(rows)}")
        print(f"geometric mean jactl/python: {geomean(r.ratio for r in ok):.2f}x")
        print(f"worst: {worst.name} {worst.ratio:.2f}x")
        for kind, label in (("typed", "typed-only"), ("def", "untyped-only")):
            subset = [r.ratio for r in ok if r.kind == kind]
            print(f"{label} geometric mean ({len(subset)} programs): {geomean(subset):.2f}x")
    failed = [r for r in rows if r.error]
    for r in failed:
        print(f"failed: {r.name}: {r.error}")

    if not a.no_cold:
        print()
        print_cold_start()

    known = {p.name for p in programs if p.xfail}
    return 1 if any(r.name not in known for r in failed) else 0


if __name__ == "__main__":
    sys.exit(main())
