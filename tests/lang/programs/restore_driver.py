"""The other process of the program suite's checkpoint run.

The test and this driver take turns: whoever holds the continuation resumes it until the
next checkpoint, saves it, and sends the bytes to the other process, which restores them
into its own Context (the same source compiled there, nothing else shared). So every
continuation is restored from its bytes alone in a process other than the one that saved
it, and this process never ran the script from the start.

Protocol, one JSON line each way: the test sends {"state": base64, "resume": the value to
resume with}; the driver answers {"out": printed text, "state": ..., "resume": ...} at
the next suspension (the value is sent along because a restored continuation does not
carry its request), or {"out": ..., "result":
wire value} when the script completes, or {"out": ..., "error": text}. EOF ends it.
Usage: python restore_driver.py <program.jactl> <globals json>
"""

import io
import json
import sys
import traceback

import lang

from jvalues import b64, from_wire, to_wire, unb64


def resume_value(request):
    # checkpoint-each-statement suspends with kind "checkpoint"; a sleep() resumes with its
    # value, as lang.eval does.
    return request.value if request.kind == "sleep" else None


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    globals_ = json.loads(sys.argv[2])
    out = io.StringIO()
    ctx = lang.Context(output=out)
    ctx.compile(source, globals=list(globals_), checkpoint_each_statement=True)
    for line in sys.stdin:
        msg = json.loads(line)
        out.seek(0)
        out.truncate()
        try:
            cont = lang.Restorer.restore(ctx, unb64(msg["state"]))
            outcome = cont.resume(from_wire(msg["resume"]))
            if isinstance(outcome, lang.Suspended):
                reply = {"state": b64(lang.Checkpointer.save(outcome.continuation)),
                         "resume": to_wire(resume_value(outcome.request))}
            else:
                reply = {"result": to_wire(outcome.value)}
        except Exception as e:  # reported to the test, which fails with it
            reply = {"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()}"}
        reply["out"] = out.getvalue()
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
