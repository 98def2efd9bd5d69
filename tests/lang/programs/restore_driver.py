"""The restoring side of the program suite's checkpoint run.

The test starts the script, saves its first checkpoint and sends the bytes to this
driver's stdin. The driver imports lang, compiles the same source, and then forks into two
restorers connected by pipes, so neither of them ever ran the script from the start. They
take turns: each restores the bytes the other saved into its own Context (nothing else
is shared after the fork), resumes to the next checkpoint, saves, and writes the bytes to
its peer. So every continuation is restored from its bytes alone, in a process other than
the one that saved it. Forking after the import keeps the cost of the second process low.

Messages are JSON lines: {"state": base64, "resume": wire value, "out": text printed so
far, "hops": restores so far}; the resume value travels along because a restored
continuation does not carry its request. When the script completes, the restorer that
finished writes {"result": wire value, "out": ..., "hops": ...} to stdout, or {"error":
text, ...} if anything failed, and exits; its peer then sees end of input and exits too.
Usage: python restore_driver.py <program.jactl> <globals json>   (POSIX: uses fork)
"""

import io
import json
import os
import sys
import traceback

import lang

from jvalues import b64, from_wire, to_wire, unb64


def resume_value(request):
    # checkpoint-each-statement suspends with kind "checkpoint"; a sleep() resumes with its
    # value, as lang.eval does.
    return request.value if request.kind == "sleep" else None


def restorer(source, globals_, first, inbox, peer):
    """Restore, resume, save and pass on, until the script completes or fails."""
    out = io.StringIO()
    ctx = lang.Context(output=out)
    ctx.compile(source, globals=list(globals_), checkpoint_each_statement=True)
    line = first
    while line:
        msg = json.loads(line)
        out.seek(0)
        out.truncate()
        hops = msg["hops"] + 1
        try:
            cont = lang.Restorer.restore(ctx, unb64(msg["state"]))
            outcome = cont.resume(from_wire(msg["resume"]))
            if isinstance(outcome, lang.Suspended):
                peer.write(json.dumps({
                    "state": b64(lang.Checkpointer.save(outcome.continuation)),
                    "resume": to_wire(resume_value(outcome.request)),
                    "out": msg["out"] + out.getvalue(), "hops": hops}) + "\n")
                peer.flush()
                line = inbox.readline()
                continue
            reply = {"result": to_wire(outcome.value)}
        except Exception as e:  # reported to the test, which fails with it
            reply = {"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()}"}
        reply.update(out=msg["out"] + out.getvalue(), hops=hops)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        return


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    globals_ = json.loads(sys.argv[2])
    (ra, wa), (rb, wb) = os.pipe(), os.pipe()    # a reads ra, b reads rb
    if os.fork() == 0:
        os.close(ra)
        os.close(wb)
        sys.stdin.close()
        try:
            inbox = os.fdopen(rb, "r", encoding="utf-8")
            restorer(source, globals_, inbox.readline(), inbox,
                     os.fdopen(wa, "w", encoding="utf-8"))
        finally:
            sys.stdout.flush()
            os._exit(0)
    os.close(rb)
    os.close(wa)
    restorer(source, globals_, sys.stdin.readline(), os.fdopen(ra, "r", encoding="utf-8"),
             os.fdopen(wb, "w", encoding="utf-8"))


if __name__ == "__main__":
    main()
