"""The Jactl error tree.

Every error a script can cause is a JactlError, so hosts catch one class. Messages use
Jactl's own wording (tests and users match on it) and end with the script position,
formatted as Jactl does: ``<message> @ line L, column C``.
"""


class JactlError(Exception):
    """Base of every error raised for a Jactl script (compile time or run time)."""

    def __init__(self, message, line=None, column=None, source=None):
        self.raw_message = message
        self.line = line
        self.column = column
        self.source = source
        self.stack = ()      # run time: ((function, line, column), ...) outermost first
        super().__init__(self._format())

    def _format(self):
        msg = self.raw_message
        if self.line is not None:
            msg = f"{msg} @ line {self.line}, column {self.column or 1}"
            if self.source is not None:
                lines = self.source.split("\n")
                if 0 < self.line <= len(lines):
                    src_line = lines[self.line - 1]
                    msg += f"\n{src_line}\n{' ' * max((self.column or 1) - 1, 0)}^"
        if self.stack:
            msg += "\nJactl stack (most recent call last):" + "".join(
                f"\n  {name} @ line {line}, column {col}" for name, line, col in self.stack)
        return msg

    def with_position(self, line, column, source=None):
        """Attach a position if the error does not carry one yet."""
        if self.line is None and line is not None:
            self.line, self.column = line, column
            if source is not None:
                self.source = source
            self.args = (self._format(),)
        return self

    def with_stack(self, frames):
        """Attach the Jactl call stack: ``(function, line, column)`` outermost first."""
        self.stack = tuple(frames)
        self.args = (self._format(),)
        return self

    def __str__(self):
        return self.args[0] if self.args else self.raw_message


class CompileError(JactlError):
    """The script could not be compiled; nothing of it ran."""


class EOFError(CompileError):  # noqa: A001 - Jactl's own name for this error
    """The source ended in the middle of a construct."""


class JactlRuntimeError(JactlError):
    """An error raised while the script ran."""


class NullError(JactlRuntimeError):
    """A null value was used where a value was required."""


class DieError(JactlRuntimeError):
    """The script called ``die``."""


class LimitError(JactlRuntimeError):
    """The script went over one of its Context's limits (time, loop iterations, call depth,
    value size, regex time). Never caught by ``eval()``: a limit bounds the whole instance,
    eval'd code included."""


class TimeoutError(LimitError):  # noqa: A001 - Jactl's own name for this error
    """The script used more time or loop iterations than its Context allows."""


class CheckpointError(JactlError):
    """Checkpoint bytes are truncated, corrupted, oversized or name code this context lacks."""
