"""Measure how much of the conformance corpus the parser accepts (not a pytest module).

    python tests/lang/syntax/corpus_parse_rate.py [-v] [--all-files]

Value cases must parse. Error cases whose expected message is a syntax-level message must
fail to parse with that text (case-insensitive substring); other error cases should parse
(their error comes from a later stage), or fail with the expected text.
"""
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, ROOT)

from lang.errors import CompileError  # noqa: E402
from lang.syntax.parser import parse  # noqa: E402

CORPUS = os.path.join(ROOT, "..", "shared", "conformance", "jactl-cases.jsonl")
FILES = {"CompilerTests.java", "CompilerTests2.java", "CompilerTest3.java", "ListMapArrayTests.java",
         "BuiltinFunctionTests.java", "BuiltinFunctionTests2.java"}
OUT_OF_SCOPE = re.compile(
    r"\bclass\b|\bswitch\b|\bnew\s+[A-Z]\w*\s*\(|\bsuper\b|\bthis\b|\bimport\b|\bpackage\b|"
    r"\b(LocalDate|LocalTime|LocalDateTime|ZonedDateTime|Instant|Duration|Period|ZoneId)\b")
SYNTAX_ERR = re.compile(
    r"unexpected|expecting|missing digits|too large for|number too large|new line|regex modifier|"
    r"invalid lvalue|left-hand side for|lists not supported|expected valid type|labels can|"
    r"label applied|can only occur once|capture variable number|unexpected character|"
    r"end.of.file|cannot be used here", re.I)


def main(argv):
    verbose = "-v" in argv
    all_files = "--all-files" in argv
    stats = {}
    fails = []
    t0 = time.time()
    n = 0
    for line in open(CORPUS):
        d = json.loads(line)
        if not all_files and d["file"] not in FILES:
            continue
        src = d["source"]
        if d.get("classes") or OUT_OF_SCOPE.search(src):
            continue
        n += 1
        kind = d["kind"]
        err = None
        try:
            parse(src)
        except CompileError as e:
            err = e
        except Exception as e:  # a crash in the parser itself
            err = e
        if kind == "value":
            cat = "value"
            ok = err is None
        else:
            exp = d["error"]
            if SYNTAX_ERR.search(exp) and not re.search(r"cannot be cast|null|json|no such", exp, re.I):
                cat = "syntax-error"
                ok = err is not None and isinstance(err, CompileError) and exp.lower() in str(err).lower()
            else:
                cat = "other-error"
                ok = err is None or exp.lower() in str(err).lower()
        s = stats.setdefault(cat, [0, 0])
        s[0] += ok
        s[1] += 1
        if not ok:
            fails.append((cat, d["id"], src, d.get("error"), err))
    dt = time.time() - t0
    for cat, (ok, tot) in sorted(stats.items()):
        print(f"{cat:14s} {ok:5d}/{tot:5d}  {100.0 * ok / tot:6.2f}%")
    print(f"{n} sources in {dt:.2f}s ({1000 * dt / max(n, 1):.2f} ms each)")
    if verbose:
        for cat, id_, src, exp, err in fails:
            print(f"--- [{cat}] {id_}: {src!r}")
            if exp:
                print(f"    expected: {exp}")
            print(f"    got: {type(err).__name__}: {str(err).splitlines()[0] if err else None}")


if __name__ == "__main__":
    main(sys.argv[1:])
