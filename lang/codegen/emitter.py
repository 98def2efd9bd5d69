"""Indented Python source with a Jactl position for every generated line.

The position table maps generated line numbers back to script lines and columns, so a
runtime error raised from generated code reports where it is in the *script*.
"""


class Buffer:
    """A list of (indent, text, line, col) that can be spliced into another at an indent."""

    __slots__ = ("lines",)

    def __init__(self):
        self.lines = []


class Emitter:
    def __init__(self):
        self.buf = Buffer()
        self.indent = 0
        self.pos = (0, 0)

    def emit(self, text, pos=None):
        p = pos or self.pos
        self.buf.lines.append((self.indent, text, p[0], p[1]))

    def push(self):
        """Start collecting into a fresh buffer; returns the state to pop."""
        saved = (self.buf, self.indent)
        self.buf = Buffer()
        self.indent = 0
        return saved

    def pop(self, saved):
        buf = self.buf
        self.buf, self.indent = saved
        return buf

    def splice(self, buf, extra=0):
        base = self.indent + extra
        for ind, text, line, col in buf.lines:
            self.buf.lines.append((base + ind, text, line, col))

    def render(self, replacements=None):
        out = []
        table = []
        for ind, text, line, col in self.buf.lines:
            if replacements:
                for k, v in replacements.items():
                    if k in text:
                        text = text.replace(k, v)
            out.append("    " * ind + text)
            table.append((line, col))
        return "\n".join(out) + "\n", table
