"""The host side of the language: lang Contexts with the functions scripts get from the
worker registered on them.

    send(to, body)                publish body (JSON-able) to the stream {p}:out:{to};
                                  returns the stream entry id
    receive(correlationId, timeoutMs)
                                  suspend until a reply with that correlation id arrives (its
                                  body is returned) or timeoutMs passes (null is returned);
                                  timeoutMs null or absent: wait without a deadline
    receiveAny(ids, timeoutMs)    [id:, body:] of the first of the ids to get a reply, or null
    receiveAll(ids, timeoutMs)    [id: reply or null, ...] once all replied or at the timeout
                                  (multi.py)
    sleep(ms[, value]), checkpoint(commit:, recover:)   built into lang; the worker persists them

Compiled scripts (and their Contexts) are cached per process by the hash they are stored under.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import lang

from . import codec
from .config import Settings
from .errors import InvalidMessage

MAX_NAME = 200


class RunLost(BaseException):
    """Raised inside a running script when its job no longer owns the instance (lease taken
    over, or cancelled). A BaseException, so neither lang's runtime nor a script can catch it:
    the run stops at once and writes nothing more."""


class RedisUnavailable(BaseException):
    """Raised inside a running script when Redis fails under a host function (send). Like
    RunLost it unwinds past lang and the script; the run stops without recording a failure,
    and once its lease lapses another worker retries it from its restart point."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


MAX_COMPILED = 256  # compiled scripts (each with its Context) a worker keeps


class Host:
    """Builds lang Contexts with send/receive registered, one per script, and caches them.

    One Context per script (not one per process) is what pins a continuation to its script:
    Restorer.restore only accepts code its Context compiled, so bytes saved by any other
    script - a foreign or swapped checkpoint - are refused instead of run in this instance."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._options = {"max_checkpoint_size": settings.max_checkpoint_bytes}
        if settings.hmac_key:
            self._options["hmac_key"] = settings.hmac_key.encode()
        if settings.max_execution_ms:
            self._options["max_execution_ms"] = settings.max_execution_ms
        self._options["allow_eval"] = settings.allow_eval
        self._options["max_value_bytes"] = settings.max_value_bytes
        if settings.max_loop_iterations:
            self._options["max_loop_iterations"] = settings.max_loop_iterations
        if settings.max_call_depth:
            self._options["max_call_depth"] = settings.max_call_depth
        self._compiled: OrderedDict[str, tuple[object, object]] = OrderedDict()
        self._local = threading.local()

    def new_context(self):
        # print/println go to the run's own output ({p}:output:{id}), never the worker's
        # stdout; nextLine() has no input to read (it returns null).
        context = lang.Context(output=_RunOutput(self._local), input=_NoInput(), **self._options)
        context.register_function("send", self._send, suspends=False)
        context.register_function("receive", suspends=True)
        context.register_function("receiveAny", suspends=True)  # multi.py
        context.register_function("receiveAll", suspends=True)
        return context

    def compile(self, script_hash: str, source: str):
        """The compiled script stored under ``script_hash`` (lang.CompileError if it does not compile)."""
        return self._entry(script_hash, source)[1]

    def context(self, script_hash: str, source: str):
        """The Context that compiled this script: the only one its continuations restore into."""
        return self._entry(script_hash, source)[0]

    def _entry(self, script_hash: str, source: str):
        entry = self._compiled.get(script_hash)
        if entry is None:
            context = self.new_context()
            script = context.compile(source, name=f"script-{script_hash[:12]}")
            entry = self._compiled[script_hash] = (context, script)
            # bounded, least recently used out: a fleet may see any number of distinct scripts
            while len(self._compiled) > MAX_COMPILED:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(script_hash)
        return entry

    # -- the run the current thread is executing (set by instance.Run) ---------------------------
    def bind(self, run) -> None:
        self._local.run = run

    def unbind(self) -> None:
        self._local.run = None

    def _send(self, to, body=None):
        run = getattr(self._local, "run", None)
        if run is None:
            raise lang.JactlError("send() is only available to scripts run by a worker")
        if not isinstance(to, str) or not to or len(to) > MAX_NAME:
            raise lang.JactlError(f"send(): destination must be a non-empty string of at most {MAX_NAME} characters")
        try:
            text = codec.dumps(body, strict=False)
        except InvalidMessage as e:
            raise lang.JactlError(f"send(): {e}") from None
        if len(text.encode("utf-8")) > self.settings.max_body_bytes:
            raise lang.JactlError(f"send(): body is larger than {self.settings.max_body_bytes} bytes")
        return run.send(to, text)


class _RunOutput:
    """The ``output`` of a worker's Contexts: whatever run the thread is executing."""

    def __init__(self, local):
        self._local = local

    def write(self, text) -> None:
        run = getattr(self._local, "run", None)
        if run is not None:
            run.write(str(text))

    def flush(self) -> None:
        pass


class _NoInput:
    """The ``input`` of a worker's Contexts: scripts run unattended and read nothing."""

    def readline(self) -> str:
        return ""
