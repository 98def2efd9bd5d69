"""The host side of the language: one lang.Context per worker process, with the functions
scripts get from the worker registered on it.

    send(to, body)                publish body (JSON-able) to the stream {p}:out:{to};
                                  returns the stream entry id
    receive(correlationId, timeoutMs)
                                  suspend until a reply with that correlation id arrives (its
                                  body is returned) or timeoutMs passes (null is returned);
                                  timeoutMs null or absent: wait without a deadline
    sleep(ms[, value]), checkpoint(commit:, recover:)   built into lang; the worker persists them

Compiled scripts are cached per process by the hash they are stored under.
"""

from __future__ import annotations

import threading

import lang

from . import codec
from .config import Settings
from .errors import InvalidMessage

MAX_NAME = 200


class RunLost(BaseException):
    """Raised inside a running script when its job no longer owns the instance (lease taken
    over, or cancelled). A BaseException, so neither lang's runtime nor a script can catch it:
    the run stops at once and writes nothing more."""


class Host:
    """A lang.Context with send/receive, and a per-process cache of compiled scripts."""

    def __init__(self, settings: Settings):
        self.settings = settings
        options = {"max_checkpoint_size": settings.max_checkpoint_bytes}
        if settings.hmac_key:
            options["hmac_key"] = settings.hmac_key.encode()
        if settings.max_execution_ms:
            options["max_execution_ms"] = settings.max_execution_ms
        self.context = lang.Context(**options)
        self.context.register_function("send", self._send, suspends=False)
        self.context.register_function("receive", suspends=True)
        self._compiled: dict[str, object] = {}
        self._local = threading.local()

    def compile(self, script_hash: str, source: str):
        script = self._compiled.get(script_hash)
        if script is None:
            script = self._compiled[script_hash] = self.context.compile(source, name=f"script-{script_hash[:12]}")
        return script

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
