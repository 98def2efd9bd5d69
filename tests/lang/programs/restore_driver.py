"""A restoring process of the program suite's checkpoint run.

The test starts the script and saves its first checkpoint; from then on two of these
drivers take turns, connected to each other by pipes: each restores the bytes the other
saved into its own Context (the same source compiled there, nothing else shared), resumes
to the next checkpoint, saves, and writes the bytes to its peer. So every continuation is
restored from its bytes alone in a process other than the one that saved it, and neither
driver ever ran the script from the start.

Messages are JSON lines. A driver reads {"state": base64, "resume": wire value, "out":
text printed so far, "hops": restores so far} from its input pipe; at the next suspension
it writes the same kind of message to its peer (the resume value travels along because a
restored continuation does not carry its request). When the script completes it writes
{"result": wire value, "out": ..., "hops": ...} to stdout for the test, or {"error": text,
...} if anything fails; then it exits, and its peer sees end of input and exits too.
Usage: python restore_driver.py <program.jactl> <globals json> <input fd> <peer fd>
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


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    globals_ = json.loads(sys.argv[2])
    inbox = os.fdopen(int(sys.argv[3]), "r", encoding="utf-8")
    peer = os.fdopen(int(sys.argv[4]), "w", encoding="utf-8")
    out = io.StringIO()
    ctx = lang.Context(output=out)
    ctx.compile(source, globals=list(globals_), checkpoint_each_statement=True)
    for line in inbox:
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
                continue
            reply = {"result": to_wire(outcome.value)}
        except Exception as e:  # reported to the test, which fails with it
            reply = {"error": f"{type(e).__name__}: {e}\n{traceback.format_exc()}"}
        reply.update(out=msg["out"] + out.getvalue(), hops=hops)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        return


if __name__ == "__main__":
    main()
