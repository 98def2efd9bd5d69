"""A continuation saved by one process is restored and finished by another, from the bytes
alone: locals, loop positions, closures and shared structures all come back."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    def total = 0
    def seen = []
    def add = { x -> total += x; seen <<= x; total }
    for (int i = 0; i < 3; i++) {
      def reply = receive("order-$i", 1000)
      add(reply.amount * (i + 1))
    }
    [total: total, seen: seen, last: add(0)]
""")

RUNNER = textwrap.dedent("""
    import sys, lang
    src = open(sys.argv[1]).read()
    mode = sys.argv[2]
    ctx = lang.Context()
    ctx.register_function("receive", suspends=True)
    script = ctx.compile(src)
    if mode == "start":
        out = script.start({}, instance_id="proc-test")
    else:
        data = open(sys.argv[3], "rb").read()
        cont = lang.Restorer.restore(ctx, data)
        out = cont.resume({"amount": int(sys.argv[4])})
    if isinstance(out, lang.Suspended):
        assert out.request.kind == "receive"
        open(sys.argv[3] if mode != "start" else sys.argv[3], "wb").write(
            lang.Checkpointer.save(out.continuation))
        print("WAIT", out.request.args[0])
    else:
        print("DONE", repr(out.value))
""")


def run(tmp_path, *args):
    res = subprocess.run([sys.executable, str(tmp_path / "runner.py"), *args],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_each_wait_is_resumed_by_a_fresh_process(tmp_path):
    (tmp_path / "runner.py").write_text(RUNNER)
    (tmp_path / "script.jactl").write_text(SCRIPT)
    state = str(tmp_path / "state.bin")
    src = str(tmp_path / "script.jactl")
    assert run(tmp_path, src, "start", state) == "WAIT order-0"
    assert run(tmp_path, src, "resume", state, "10") == "WAIT order-1"
    assert run(tmp_path, src, "resume", state, "20") == "WAIT order-2"
    out = run(tmp_path, src, "resume", state, "30")
    assert out == "DONE {'total': 140, 'seen': [10, 40, 90, 0], 'last': 140}"
