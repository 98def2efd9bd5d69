"""The ``jactl`` command, following Jactl's own command line:

    jactl [options] [programFile] [inputFile]* [--] [arguments]*

  -p            run in a print loop over input lines (``it`` is the line, printed after)
  -n            like -p without the automatic print
  -e script     the script text (no programFile)
  -V var=value  set a global variable (a String) before running
  -v            verbose errors (Python traceback)
  -d            print the generated Python code
  -h            help

Input files (``-`` is stdin) are concatenated and read by ``nextLine()``. The value of the
last expression is printed unless the script printed something itself. Arguments after
``--`` are in the global ``args``.
"""

import io
import sys

from .context import Context, Suspended
from .errors import JactlError

USAGE = """Usage: jactl [options] [programFile] [inputFile]* [--] [arguments]*
         -p           : run in a print loop reading input from stdin or files
         -n           : run in a loop but do not print each line
         -e script    : script string is interpreted as jactl code (programFile not used)
         -v           : show verbose errors (give stack trace)
         -V var=value : initialise jactl variable before running script
         -d           : debug: output generated code
         -h           : print this help
"""


class _Input:
    """Concatenation of input files (``-`` = stdin), read line by line."""

    def __init__(self, files):
        self.files = list(files) or ["-"]
        self.cur = None

    def readline(self):
        while True:
            if self.cur is None:
                if not self.files:
                    return ""
                name = self.files.pop(0)
                self.cur = sys.stdin if name == "-" else open(name, encoding="utf-8")
            line = self.cur.readline()
            if line:
                return line
            if self.cur is not sys.stdin:
                self.cur.close()
            self.cur = None


class _TrackingOutput(io.TextIOBase):
    def __init__(self, out):
        self.out = out
        self.used = False

    def write(self, s):
        self.used = True
        return self.out.write(s)

    def flush(self):
        self.out.flush()


def parse_args(argv):
    opts = {"p": False, "n": False, "v": False, "d": 0, "e": None, "V": {}}
    files = []
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            args = argv[i + 1:]
            break
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                c = a[j]
                if c in "pnv":
                    opts[c] = True
                elif c == "d":
                    opts["d"] += 1
                elif c == "h":
                    raise SystemExit(USAGE)
                elif c in "eV":
                    val = a[j + 1:] if j + 1 < len(a) else None
                    if val is None:
                        i += 1
                        if i >= len(argv):
                            raise SystemExit(f"Missing value for -{c}\n{USAGE}")
                        val = argv[i]
                    if c == "e":
                        opts["e"] = val
                    else:
                        if "=" not in val:
                            raise SystemExit(f"-V expects var=value\n{USAGE}")
                        k, v = val.split("=", 1)
                        opts["V"][k] = v
                    break
                else:
                    raise SystemExit(f"Unknown option -{c}\n{USAGE}")
                j += 1
        else:
            files.append(a)
        i += 1
    return opts, files, args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write(USAGE)
        return 1
    opts, files, args = parse_args(argv)
    if opts["e"] is None:
        if not files:
            sys.stderr.write("Missing '-e' option and no programFile specified\n" + USAGE)
            return 1
        with open(files.pop(0), encoding="utf-8") as f:
            source = f.read()
    else:
        source = opts["e"]
    if opts["p"] or opts["n"]:
        tail = "\n  println it\n" if opts["p"] else "\n"
        source = f"def it\nwhile ((it = nextLine()) != null) {{\n{source}{tail}}}\n"
    out = _TrackingOutput(sys.stdout)
    ctx = Context(output=out, input=_Input(files))
    globals_ = dict(opts["V"])
    globals_["args"] = list(args)
    try:
        script = ctx.compile(source, "script", globals=list(globals_))
        if opts["d"]:
            sys.stderr.write(script.py_source)
        outcome = script.start(globals_)
        while isinstance(outcome, Suspended):
            req = outcome.request
            if req.kind == "sleep":
                import time
                time.sleep(max(req.ms or 0, 0) / 1000.0)
                outcome = outcome.continuation.resume(req.value)
            else:
                outcome = outcome.continuation.resume(None)
        if not out.used and not (opts["p"] or opts["n"]):
            from .runtime.values import to_string
            print(to_string(outcome.value))
        sys.stdout.flush()
        return 0
    except JactlError as e:
        if opts["v"]:
            import traceback
            traceback.print_exc()
        else:
            sys.stderr.write(f"{e}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
