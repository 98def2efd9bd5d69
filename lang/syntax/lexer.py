"""The Jactl tokeniser.

Jactl's lexical structure is context sensitive in ways a plain regex lexer cannot express,
so tokenising happens in two passes before the LALR parser sees anything:

Pass 1 (``_Scanner``) turns characters into raw tokens.  It decides:
  * ``/`` as divide or as the start of a pattern string (``/re/flags``), and ``s/a/b/``;
  * string bodies, escapes and interpolation: ``"$x"`` and ``"${ code }"`` (the code is
    scanned recursively into its own token list, so nested strings and braces just work);
  * number literals (and their range errors).

Pass 2 (``_Shaper``) walks the raw tokens with a bracket stack and decides:
  * which newlines end a statement (newlines inside ``(`` / ``[`` are whitespace; a newline
    after a token that cannot end a statement, or before one that cannot start one, is
    whitespace too);
  * ``{`` as a block, a closure (with or without a ``->`` parameter list) or a JSON-style map;
  * statement ``if`` versus the ``stmt if cond`` modifier; labels; map keys / named args
    (``IDENT :``); C-style ``for`` versus ``for (x in ...)``; ``-7`` negative literals;
  * words after ``.`` are member names even when they are keywords.

The result is a flat list of ``Token`` objects fed straight to the LALR parser.
"""

import re

from lang.errors import CompileError, EOFError as JactlEOFError



class Token(str):
    """A token: its text (the string itself, also ``value``), terminal name and position.
    (The same shape as lark's Token, which the parser tables are built with; a class of our
    own keeps lark out of every process that only compiles scripts.)"""

    def __new__(cls, type_, value, start_pos=None, line=None, column=None):
        tok = super().__new__(cls, value)
        tok.type = type_
        tok.value = value
        tok.line = line
        tok.column = column
        return tok

    def __repr__(self):
        return f"Token({self.type!r}, {self.value!r})"


INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1

TYPE_NAMES = frozenset(
    ["boolean", "byte", "int", "long", "double", "Decimal", "String", "List", "Map", "Object", "void"])

KEYWORDS = {
    "and": "AND", "or": "OR", "not": "NOT", "as": "AS", "in": "IN", "instanceof": "INSTANCEOF",
    "if": "IF", "unless": "UNLESS", "else": "ELSE", "while": "WHILE", "for": "FOR", "do": "DO",
    "until": "UNTIL", "break": "BREAK", "continue": "CONTINUE", "return": "RETURN",
    "def": "DEF", "var": "VAR", "const": "CONST", "true": "TRUE", "false": "FALSE", "null": "NULL",
    "print": "PRINT", "println": "PRINTLN", "die": "DIE", "eval": "EVAL", "new": "NEW",
    "_": "UNDERSCORE",
    # reserved but not (yet) supported by this front end: the parser rejects them
    "class": "CLASS", "default": "DEFAULT", "extends": "EXTENDS", "final": "FINAL",
    "implements": "IMPLEMENTS", "import": "IMPORT", "interface": "INTERFACE", "package": "PACKAGE",
    "sealed": "SEALED", "static": "STATIC", "switch": "SWITCH",
}

# operator text -> token type (longest first matters for the regex below)
OPERATORS = {
    ">>>=": "OP_ASSIGN", "<<=": "OP_ASSIGN", ">>=": "OP_ASSIGN", "%%=": "OP_ASSIGN",
    ">>>": "SHIFT_OP", "===": "EQ_OP", "!==": "EQ_OP", "<=>": "EQ_OP",
    "?.": "QDOT", "?[": "QLBRACKET", "?:": "ELVIS", "?=": "OP_ASSIGN", "??": "QQ",
    "==": "EQ_OP", "!=": "EQ_OP", "<=": "REL_OP", ">=": "REL_OP", "&&": "ANDAND", "||": "OROR",
    "++": "INC", "--": "DEC", "+=": "OP_ASSIGN", "-=": "OP_ASSIGN", "*=": "OP_ASSIGN",
    "/=": "OP_ASSIGN", "%=": "OP_ASSIGN", "&=": "OP_ASSIGN", "|=": "OP_ASSIGN", "^=": "OP_ASSIGN",
    "<<": "SHIFT_OP", ">>": "SHIFT_OP", "->": "ARROW", "=~": "MATCH_OP", "!~": "MATCH_OP",
    "%%": "MUL_OP",
    "+": "PLUS", "-": "MINUS", "*": "MUL_OP", "/": "MUL_OP", "%": "MUL_OP", "=": "ASSIGN",
    "<": "REL_OP", ">": "REL_OP", "!": "BANG", "~": "TILDE", "&": "AMP", "|": "PIPE",
    "^": "CARET", "?": "QUESTION", ":": "COLON", ",": "COMMA", ";": "SEMI", ".": "DOT",
    "(": "LPAREN", ")": "RPAREN", "[": "LBRACKET", "]": "RBRACKET", "{": "LBRACE", "}": "RBRACE",
}

_OP_RE = "|".join(re.escape(op) for op in sorted(OPERATORS, key=len, reverse=True))
_MASTER = re.compile(
    r"(?P<ws>[ \t\r\f]+)"
    r"|(?P<nl>\n)"
    r"|(?P<lc>//[^\n]*)"
    r"|(?P<bc>/\*)"
    r"|(?P<notop>!(?:instanceof|in)(?![A-Za-z0-9_]))"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<num>\d)"
    r"|(?P<op>" + _OP_RE + ")"
)
_WORD_RE = re.compile(r"[^\W\d]\w*")
_IDENT_START_RE = re.compile(r"[^\W\d]")
_HEX_RE = re.compile(r"0[xX]([0-9a-fA-F_]*)(L?)")
_BIN_RE = re.compile(r"0[bB]([0-9_]*)(L?)")
_DEC_RE = re.compile(r"([0-9][0-9_]*)(\.[0-9][0-9_]*)?([LD]?)")
_DIGITS_RE = re.compile(r"\d+")

REGEX_FLAGS = frozenset("gimsnrfx")

ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "b": "\b", "\\": "\\", "'": "'",
           '"': '"', "$": "$", "/": "/"}

# tokens after which an operand has ended (so '/' is a divide, '++' is postfix)
_OPERAND_END = frozenset(["IDENT", "INT", "LONG", "DOUBLE", "DECIMAL", "STRING", "ISTRING", "PATTERN",
                          "SUBST", "RPAREN", "RBRACKET", "RBRACE", "TRUE", "FALSE", "NULL"])


class RTok:
    """A raw (pass 1) token."""
    __slots__ = ("type", "value", "line", "col", "nl", "parts", "rparts", "flags", "text")

    def __init__(self, type_, value, line, col, nl=False):
        self.type = type_
        self.value = value
        self.line = line
        self.col = col
        self.nl = nl            # a newline occurred between the previous token and this one
        self.parts = None       # string pieces: str | ('ident', name, line, col) | ('code', toks, line, col, endline, endcol)
        self.rparts = None      # replacement pieces for s/../../
        self.flags = ""
        self.text = value

    def __repr__(self):
        return f"RTok({self.type},{self.value!r},{self.line}:{self.col})"


class _Scanner:
    """Pass 1: characters -> raw tokens."""

    def __init__(self, src):
        self.src = src
        self.n = len(src)
        self.pos = 0
        self.line = 1
        self.line_start = 0

    # ------------------------------------------------------------------ helpers
    def col_of(self, pos):
        return pos - self.line_start + 1

    def error(self, msg, pos=None, line=None, col=None):
        if pos is None:
            pos = self.pos
        if line is None:
            line, col = self.line, self.col_of(pos)
        return CompileError(msg, line, col, self.src)

    def eof_error(self, msg="Unexpected end-of-file"):
        return JactlEOFError(msg, self.line, self.col_of(self.pos), self.src)

    def newline_at(self, pos):
        self.line += 1
        self.line_start = pos + 1

    # ------------------------------------------------------------------ main loop
    def scan(self, embedded=False, single_line=False):
        """Scan tokens until EOF (or the '}' closing a '${' when embedded)."""
        src = self.src
        toks = []
        depth = 0                 # brace depth (embedded mode)
        stack = []                # open bracket chars, for the newline heuristic
        nl = False
        master = _MASTER.match
        while True:
            pos = self.pos
            if pos >= self.n:
                if embedded:
                    raise self.eof_error("Unexpected end of file in string")
                return toks
            m = master(src, pos)
            if m is None:
                c = src[pos]
                if c == "'" or c == '"':
                    tok = self.scan_string(c, single_line)
                    tok.nl = nl
                    toks.append(tok)
                    nl = False
                    continue
                if c == "$":
                    m2 = _DIGITS_RE.match(src, pos + 1)
                    if m2:
                        digits = m2.group()
                        if len(digits) > 3:
                            raise self.error("Capture variable number too large", pos)
                        tok = RTok("IDENT", "$" + digits, self.line, self.col_of(pos), nl)
                        toks.append(tok)
                        nl = False
                        self.pos = m2.end()
                        continue
                    if pos + 1 < self.n and src[pos + 1] == "{":
                        line, col = self.line, self.col_of(pos)
                        self.pos = pos + 2
                        ctoks = self.scan(embedded=True, single_line=single_line)
                        close = self._embedded_close
                        tok = RTok("DOLLAR_CODE", "${", line, col, nl)
                        tok.parts = [("code", ctoks, line, col, close.line, close.col)]
                        toks.append(tok)
                        nl = False
                        continue
                    if pos + 1 < self.n and _IDENT_START_RE.match(src, pos + 1):
                        m2 = _WORD_RE.match(src, pos + 1)
                        tok = RTok("DOLLAR_WORD", m2.group(), self.line, self.col_of(pos), nl)
                        toks.append(tok)
                        nl = False
                        self.pos = m2.end()
                        continue
                raise self.error(f"Unexpected character '{c}'", pos)
            kind = m.lastgroup
            end = m.end()
            if kind == "ws":
                self.pos = end
                continue
            if kind == "nl":
                if single_line:
                    raise self.error("New line not allowed within expression in single-line string", pos)
                self.newline_at(pos)
                self.pos = end
                nl = True
                continue
            if kind == "lc":
                self.pos = end
                continue
            if kind == "bc":
                close = src.find("*/", pos + 2)
                if close < 0:
                    self.pos = self.n
                    raise self.eof_error("Unexpected end-of-file in comment")
                i = src.find("\n", pos, close)
                while i >= 0:
                    if single_line:
                        raise self.error("New line not allowed within expression in single-line string", i)
                    self.newline_at(i)
                    nl = True
                    i = src.find("\n", i + 1, close)
                self.pos = close + 2
                continue
            prev = toks[-1] if toks else None
            prev_end = prev is not None and (prev.type in _OPERAND_END or
                                             (prev.type in ("INC", "DEC") and prev.flags == "post"))
            if kind == "word":
                word = m.group()
                if word == "s" and end < self.n and src[end] == "/" and not prev_end:
                    tok = self.scan_subst(pos, single_line)
                    tok.nl = nl
                    toks.append(tok)
                    nl = False
                    continue
                ttype = KEYWORDS.get(word)
                if ttype is None:
                    ttype = "TYPE" if word in TYPE_NAMES else "IDENT"
                tok = RTok(ttype, word, self.line, self.col_of(pos), nl)
                toks.append(tok)
                nl = False
                self.pos = end
                continue
            if kind == "notop":
                word = m.group()
                tok = RTok("NOT_IN" if word == "!in" else "NOT_INSTANCEOF", word, self.line,
                           self.col_of(pos), nl)
                toks.append(tok)
                nl = False
                self.pos = end
                continue
            if kind == "num":
                if prev is not None and (prev.type == "DOT" or prev.type == "QDOT"):
                    # x.1.2: numeric field names
                    m2 = _DIGITS_RE.match(src, pos)
                    tok = RTok("IDENT", m2.group(), self.line, self.col_of(pos), nl)
                    toks.append(tok)
                    nl = False
                    self.pos = m2.end()
                    continue
                tok = self.scan_number(pos)
                tok.nl = nl
                toks.append(tok)
                nl = False
                continue
            # operator
            op = m.group()
            if op[0] == "/" and (op == "/" or op == "/="):
                # divide, or the start of a pattern string?
                regex = not prev_end or (nl and (not stack or stack[-1] == "{"))
                if regex:
                    tok = self.scan_pattern(pos, single_line)
                    tok.nl = nl
                    toks.append(tok)
                    nl = False
                    continue
            ttype = OPERATORS[op]
            if ttype == "INC" or ttype == "DEC":
                tok = RTok(ttype, op, self.line, self.col_of(pos), nl)
                if prev_end and not nl:
                    tok.flags = "post"      # postfix: the operand continues
                toks.append(tok)
                nl = False
                self.pos = end
                continue
            tok = RTok(ttype, op, self.line, self.col_of(pos), nl)
            nl = False
            self.pos = end
            if op in "([{" and len(op) == 1:
                stack.append(op)
                if op == "{":
                    depth += 1
            elif op == "?[":
                stack.append("[")
            elif op in ")]}" and len(op) == 1:
                if stack:
                    stack.pop()
                if op == "}":
                    if embedded and depth == 0:
                        self._embedded_close = tok
                        return toks
                    depth -= 1
            toks.append(tok)

    # ------------------------------------------------------------------ numbers
    def scan_number(self, pos):
        src = self.src
        line, col = self.line, self.col_of(pos)
        if src.startswith(("0x", "0X"), pos) or src.startswith(("0b", "0B"), pos):
            is_hex = src[pos + 1] in "xX"
            m = (_HEX_RE if is_hex else _BIN_RE).match(src, pos)
            digits = m.group(1).replace("_", "")
            long_ = m.group(2) == "L"
            if not digits:
                raise CompileError("Missing digits for " + ("hex" if is_hex else "binary") + " number",
                                   line, col, src)
            if not is_hex:
                # '0b1234': the binary number ends at the first non-binary digit
                k = 0
                raw = m.group(1)
                while k < len(raw) and raw[k] in "01_":
                    k += 1
                if k < len(raw):
                    digits = raw[:k].replace("_", "")
                    if not digits:
                        raise CompileError("Missing digits for binary number", line, col, src)
                    long_ = False
                    end = pos + 2 + k
                else:
                    end = m.end()
            else:
                end = m.end()
            value = int(digits, 16 if is_hex else 2)
            if long_:
                if value >= 2**64:
                    raise CompileError("Number too large for long constant", line, col, src)
                if value > LONG_MAX:
                    value -= 2**64
                tok = RTok("LONG", value, line, col)
            else:
                if value >= 2**32:
                    raise CompileError("Number too large for integer constant", line, col, src)
                if value > INT_MAX:
                    value -= 2**32
                tok = RTok("INT", value, line, col)
            tok.text = src[pos:end]
            self.pos = end
            return tok
        m = _DEC_RE.match(src, pos)
        intpart, frac, suffix = m.group(1), m.group(2), m.group(3)
        intpart = intpart.replace("_", "")
        end = m.end()
        text = src[pos:end]
        if frac is not None:
            frac = frac.replace("_", "")
            if suffix == "D":
                tok = RTok("DOUBLE", float(intpart + frac), line, col)
            elif suffix == "L":
                raise CompileError("Invalid long constant", line, col, src)
            else:
                lit = (intpart.lstrip("0") or "0") + frac
                tok = RTok("DECIMAL", lit, line, col)
        elif suffix == "D":
            tok = RTok("DOUBLE", float(intpart), line, col)
        elif suffix == "L":
            value = int(intpart)
            if value > LONG_MAX:
                raise CompileError("Number too large for long constant", line, col, src)
            tok = RTok("LONG", value, line, col)
        else:
            value = int(intpart)
            if value > INT_MAX:
                raise CompileError("Number too large for integer constant", line, col, src)
            tok = RTok("INT", value, line, col)
        tok.text = text
        self.pos = end
        return tok

    # ------------------------------------------------------------------ strings
    def scan_string(self, quote, single_line):
        src = self.src
        pos = self.pos
        line, col = self.line, self.col_of(pos)
        triple = src.startswith(quote * 3, pos)
        self.pos = pos + (3 if triple else 1)
        interp = quote == '"'
        parts = self.scan_string_body(quote * 3 if triple else quote, interp=interp, regex=False,
                                      multiline=triple, single_line=not triple)
        return self._make_string_tok(parts, line, col, "STRING", "ISTRING")

    def _make_string_tok(self, parts, line, col, plain_type, interp_type):
        if all(isinstance(p, str) for p in parts):
            tok = RTok(plain_type, "".join(parts), line, col)
            tok.parts = ["".join(parts)] if parts else []
            if plain_type == "STRING":
                return tok
            tok.type = interp_type
            return tok
        tok = RTok(interp_type, None, line, col)
        tok.parts = parts
        return tok

    def scan_string_body(self, term, interp, regex, multiline, single_line, subst=False):
        """Scan up to and including the terminator; returns list of parts."""
        src = self.src
        n = self.n
        parts = []
        buf = []
        tlen = len(term)
        tchar = term[0]
        while True:
            pos = self.pos
            if pos >= n:
                raise self.eof_error("Unexpected end of file in string")
            c = src[pos]
            if c == tchar and src.startswith(term, pos):
                self.pos = pos + tlen
                break
            if c == "\n":
                if not multiline or single_line:
                    raise self.error("Unexpected new line within string", pos)
                self.newline_at(pos)
                buf.append(c)
                self.pos = pos + 1
                continue
            if c == "\\":
                if pos + 1 >= n:
                    self.pos = pos + 1
                    raise self.eof_error("Unexpected end-of-file")
                d = src[pos + 1]
                if regex:
                    if d == "/" or (subst and d == "$"):     # (``\$`` in a replacement: a $)
                        buf.append(d)
                    else:
                        if d == "\n":
                            if single_line:
                                raise self.error("Unexpected new line within string", pos + 1)
                            self.newline_at(pos + 1)
                        buf.append("\\" + d)
                    self.pos = pos + 2
                    continue
                if d == "u" and re.match(r"[0-9a-fA-F]{4}", src[pos + 2:pos + 6]):
                    buf.append(chr(int(src[pos + 2:pos + 6], 16)))
                    self.pos = pos + 6
                    continue
                if d == "\n":
                    if not multiline or single_line:
                        raise self.error("Unexpected new line within string", pos + 1)
                    self.newline_at(pos + 1)
                buf.append(ESCAPES.get(d, d))
                self.pos = pos + 2
                continue
            if c == "$" and interp:
                nxt = src[pos + 1] if pos + 1 < n else ""
                if nxt == "{":
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    line, col = self.line, self.col_of(pos)
                    self.pos = pos + 2
                    toks = self.scan(embedded=True, single_line=single_line)
                    close = self._embedded_close
                    parts.append(("code", toks, line, col, close.line, close.col))
                    continue
                if nxt and _IDENT_START_RE.match(nxt):
                    m = _WORD_RE.match(src, pos + 1)
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    parts.append(("ident", m.group(), self.line, self.col_of(pos)))
                    self.pos = m.end()
                    continue
                if nxt.isdigit():
                    m = _DIGITS_RE.match(src, pos + 1)
                    if len(m.group()) > 3:
                        raise self.error("Capture variable number too large", pos)
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    parts.append(("ident", "$" + m.group(), self.line, self.col_of(pos)))
                    self.pos = m.end()
                    continue
                if not nxt:
                    self.pos = pos + 1
                    raise self.eof_error("Unexpected end of file in string")
                if nxt == '"' and not regex:
                    raise self.error("Unexpected character '\"': Expecting start of identifier", pos + 1)
                buf.append("$")
                self.pos = pos + 1
                continue
            buf.append(c)
            self.pos = pos + 1
        if buf:
            parts.append("".join(buf))
        return parts

    def scan_flags(self):
        src = self.src
        start = self.pos
        i = start
        while i < self.n and (src[i].isalpha()):
            i += 1
        flags = src[start:i]
        for k, f in enumerate(flags):
            if f not in REGEX_FLAGS:
                raise self.error(f"Unrecognised regex modifier '{f}'", start + k)
        self.pos = i
        return flags

    def scan_pattern(self, pos, single_line):
        line, col = self.line, self.col_of(pos)
        self.pos = pos + 1
        parts = self.scan_string_body("/", interp=True, regex=True, multiline=True,
                                      single_line=single_line)
        flags = self.scan_flags()
        tok = self._make_string_tok(parts, line, col, "PATTERN", "PATTERN")
        tok.type = "PATTERN"
        tok.flags = flags
        return tok

    def scan_subst(self, pos, single_line):
        line, col = self.line, self.col_of(pos)
        self.pos = pos + 2
        parts = self.scan_string_body("/", interp=True, regex=True, multiline=True,
                                      single_line=single_line)
        rparts = self.scan_string_body("/", interp=True, regex=True, multiline=True,
                                       single_line=single_line, subst=True)
        flags = self.scan_flags()
        tok = RTok("SUBST", None, line, col)
        tok.parts = parts
        tok.rparts = rparts
        tok.flags = flags
        return tok


# ====================================================================== pass 2

# tokens after which a newline does not end the statement
_CANNOT_END = frozenset([
    "PLUS", "MINUS", "MUL_OP", "ASSIGN", "OP_ASSIGN", "EQ_OP", "REL_OP", "SHIFT_OP", "MATCH_OP",
    "ANDAND", "OROR", "AMP", "PIPE", "CARET", "BANG", "TILDE", "QQ", "QUESTION", "COLON", "ELVIS",
    "COMMA", "DOT", "QDOT", "LPAREN", "LBRACKET", "QLBRACKET", "LBRACE", "BLOCK_LBRACE",
    "CLOSURE_LBRACE", "JSON_LBRACE", "ARROW", "AND", "OR", "NOT", "IN", "NOT_IN", "INSTANCEOF",
    "NOT_INSTANCEOF", "AS", "IF", "IF_MOD", "UNLESS", "ELSE", "WHILE", "FOR", "FOREACH", "DO",
    "UNTIL", "DEF", "VAR", "CONST", "FINAL", "NEW", "EVAL", "NL", "SEMI", "KEY", "LABEL",
    "ISTR_CODE_BEGIN", "SWITCH", "CLASS", "EXTENDS", "STATIC", "PACKAGE", "IMPORT",
])
# tokens before which a newline does not end the statement (they cannot start one)
_CONTINUES = frozenset([
    "MUL_OP", "ASSIGN", "OP_ASSIGN", "EQ_OP", "REL_OP", "SHIFT_OP", "MATCH_OP", "ANDAND", "OROR",
    "AMP", "PIPE", "CARET", "QUESTION", "COLON", "ELVIS", "COMMA", "DOT", "QDOT", "QLBRACKET",
    "ARROW", "AND", "OR", "IN", "NOT_IN", "INSTANCEOF", "NOT_INSTANCEOF", "AS", "RPAREN",
    "RBRACKET", "RBRACE", "ELSE", "UNTIL",
])
_WORD_TYPES = frozenset(KEYWORDS.values()) | {"IDENT", "TYPE"}
_NUMBER_TYPES = frozenset(["INT", "LONG", "DOUBLE", "DECIMAL"])
_DECL_START = frozenset(["DEF", "VAR", "TYPE"])

# bracket-context kinds
_BLOCK = 0      # { } block, closure body, ${ } code, top level: newlines significant
_PAREN = 1      # ( ) grouping / call args
_CTRL = 2       # ( ) after if/while/for
_FUNC = 3       # ( ) parameter list of a function declaration
_BRACKET = 4    # [ ]
_JSON = 5       # { } JSON-style map


def _mk(type_, value, line, col):
    return Token(type_, value, None, line, col)


class _Shaper:
    """Pass 2: raw tokens -> parser tokens (see module docstring)."""

    @staticmethod
    def _class_brace(out):
        return _class_brace(out)

    def __init__(self, src):
        self.src = src

    def shape(self, raw, out):
        """Append parser tokens for the raw token list ``raw`` to ``out``."""
        stack = [(_BLOCK, None)]     # (kind, extra)
        stmt_start = True
        after_ctrl = False           # previous token closed an if/while/for/function header
        ends = False                 # previous emitted token can end a statement
        last_type = None
        last_post = False
        stmt_begin_idx = len(out)    # index in out where the current statement began
        n = len(raw)
        i = 0
        while i < n:
            t = raw[i]
            tt = t.type
            kind = stack[-1][0]
            # ---------------------------------------------------------- newline handling
            if t.nl and kind == _BLOCK and ends and tt not in _CONTINUES and not after_ctrl:
                out.append(_mk("NL", "\n", t.line, t.col))
                stmt_start = True
                ends = False
                last_type = "NL"
            if stmt_start:
                stmt_begin_idx = len(out)

            prev_type = last_type
            val_end = not after_ctrl and (last_type in _VALUE_END or
                                          (last_post and last_type in ("INC", "DEC")))
            # ---------------------------------------------------------- strings
            if tt in ("STRING", "ISTRING", "PATTERN", "SUBST"):
                self.emit_string(t, out, prev_type)
                stmt_start = False
                after_ctrl = False
                ends = True
                last_type = out[-1].type
                i += 1
                continue

            # ---------------------------------------------------------- words
            if tt in _WORD_TYPES:
                # member name after '.' / '?.'
                if prev_type in ("DOT", "QDOT"):
                    out.append(_mk("IDENT", t.value, t.line, t.col))
                    stmt_start = after_ctrl = False
                    ends = True
                    last_type = "IDENT"
                    i += 1
                    continue
                nxt = raw[i + 1] if i + 1 < n else None
                # label
                if stmt_start and tt == "IDENT" and nxt is not None and nxt.type == "COLON" and kind == _BLOCK:
                    out.append(_mk("LABEL", t.value, t.line, t.col))
                    out.append(_mk("COLON", ":", nxt.line, nxt.col))
                    stmt_start = True
                    after_ctrl = False
                    ends = False
                    last_type = "COLON"
                    i += 2
                    continue
                # map key / named argument
                if (nxt is not None and nxt.type == "COLON" and kind in (_BRACKET, _PAREN, _JSON)
                        and prev_type in ("LBRACKET", "COMMA", "LPAREN", "JSON_LBRACE")):
                    out.append(_mk("KEY", t.value, t.line, t.col))
                    stmt_start = after_ctrl = False
                    ends = False
                    last_type = "KEY"
                    i += 1
                    continue
                if tt == "IF" and not stmt_start:
                    tt = "IF_MOD"
                elif tt == "PRINTLN":
                    tt = "PRINT"
                elif tt == "FOR":
                    tt = "FOR" if self._c_style_for(raw, i + 1) else "FOREACH"
                elif (tt == "DEF" or tt == "VAR") and nxt is not None and nxt.type == "LBRACKET":
                    raise CompileError(f"Unexpected '[' after '{t.value}'", nxt.line, nxt.col, self.src)
                if tt == "TYPE":
                    # a type used after as/instanceof can end an expression; a declaration type cannot
                    ends_now = prev_type in ("AS", "INSTANCEOF", "NOT_INSTANCEOF")
                else:
                    ends_now = tt not in _CANNOT_END
                tok = _mk(tt, t.value, t.line, t.col)
                out.append(tok)
                stmt_start = tt in ("ELSE", "DO")
                after_ctrl = False
                ends = ends_now
                last_type = tt
                i += 1
                continue

            # ---------------------------------------------------------- numbers
            if tt in _NUMBER_TYPES:
                out.append(_mk(tt, t.value, t.line, t.col))
                stmt_start = after_ctrl = False
                ends = True
                last_type = tt
                i += 1
                continue

            # ---------------------------------------------------------- operators
            if tt == "MINUS" and not val_end and i + 1 < n and raw[i + 1].type in _NUMBER_TYPES and not raw[i + 1].nl:
                num = raw[i + 1]
                v = num.value
                if num.type == "DECIMAL":
                    v = "-" + v
                else:
                    v = -v
                out.append(_mk(num.type, v, t.line, t.col))
                stmt_start = after_ctrl = False
                ends = True
                last_type = num.type
                i += 2
                continue

            if tt == "DOLLAR_CODE":
                self.emit_parts(t.parts, out)
                stmt_start = after_ctrl = False
                ends = True
                last_type = "ISTR_CODE_END"
                i += 1
                continue

            if tt == "LPAREN":
                if prev_type == "SWITCH":
                    out.append(_mk("LPAREN", "(", t.line, t.col))
                    stack.append((_PAREN, "SWITCH"))
                    stmt_start = after_ctrl = False
                    ends = False
                    last_type = "LPAREN"
                    i += 1
                    continue
                if prev_type in ("IF", "WHILE", "FOR", "FOREACH"):
                    ckind = _CTRL
                elif prev_type == "IDENT" and self._is_fun_decl(out, stmt_begin_idx):
                    ckind = _FUNC
                else:
                    ckind = _PAREN
                out.append(_mk("LPAREN", "(", t.line, t.col))
                stack.append((ckind, None))
                stmt_start = after_ctrl = False
                ends = False
                last_type = "LPAREN"
                i += 1
                continue

            if tt == "RPAREN" and len(stack) > 1 and stack[-1] == (_PAREN, "SWITCH"):
                stack.pop()
                out.append(_mk("RPAREN", ")", t.line, t.col))
                last_type = "SWITCH_RPAREN"
                after_ctrl = stmt_start = False
                ends = False
                i += 1
                continue

            if tt == "RPAREN":
                ckind = stack[-1][0] if len(stack) > 1 else None
                if ckind in (_PAREN, _CTRL, _FUNC):
                    stack.pop()
                out.append(_mk("RPAREN", ")", t.line, t.col))
                last_type = "RPAREN"
                if ckind in (_CTRL, _FUNC):
                    after_ctrl = True
                    stmt_start = ckind == _CTRL
                    ends = False
                    # 'while (x);' -> empty body
                    if ckind == _CTRL and i + 1 < n and raw[i + 1].type == "SEMI":
                        nx = raw[i + 1]
                        out.append(_mk("EMPTY", ";", nx.line, nx.col))
                        after_ctrl = False
                        stmt_start = False
                        ends = True
                        last_type = "EMPTY"
                else:
                    after_ctrl = stmt_start = False
                    ends = True
                i += 1
                continue

            if tt == "LBRACKET" or tt == "QLBRACKET":
                nxt = raw[i + 1] if i + 1 < n else None
                out.append(_mk(tt, t.value, t.line, t.col))
                stack.append((_BRACKET, None))
                stmt_start = after_ctrl = False
                ends = False
                last_type = tt
                i += 1
                continue

            if tt == "RBRACKET":
                if len(stack) > 1 and stack[-1][0] == _BRACKET:
                    stack.pop()
                out.append(_mk("RBRACKET", "]", t.line, t.col))
                stmt_start = after_ctrl = False
                ends = True
                last_type = "RBRACKET"
                i += 1
                continue

            if tt == "LBRACE" and prev_type in ("SWITCH", "SWITCH_RPAREN"):
                out.append(_mk("SWITCH_LBRACE", "{", t.line, t.col))
                stack.append((_BLOCK, "SWITCH_LBRACE"))
                stmt_start = True
                after_ctrl = False
                ends = False
                last_type = "SWITCH_LBRACE"
                i += 1
                continue

            if tt == "LBRACE":
                if after_ctrl or prev_type in ("ELSE", "DO") or self._class_brace(out):
                    btype, bkind = "BLOCK_LBRACE", _BLOCK
                elif self._is_json_map(raw, i + 1, stmt_start):
                    btype, bkind = "JSON_LBRACE", _JSON
                elif stmt_start and not self._closure_has_params(raw, i + 1) \
                        and not self._brace_called(raw, i):
                    btype, bkind = "BLOCK_LBRACE", _BLOCK
                elif self._closure_has_params(raw, i + 1):
                    btype, bkind = "CLOSURE_LBRACE", _BLOCK
                else:
                    btype, bkind = "LBRACE", _BLOCK
                out.append(_mk(btype, "{", t.line, t.col))
                stack.append((bkind, btype))
                stmt_start = btype in ("BLOCK_LBRACE", "LBRACE")
                after_ctrl = False
                ends = False
                last_type = btype
                i += 1
                continue

            if tt == "RBRACE":
                if len(stack) > 1 and stack[-1][0] in (_BLOCK, _JSON):
                    stack.pop()
                out.append(_mk("RBRACE", "}", t.line, t.col))
                stmt_start = after_ctrl = False
                ends = True
                last_type = "RBRACE"
                i += 1
                continue

            if tt == "ARROW":
                out.append(_mk("ARROW", "->", t.line, t.col))
                top = stack[-1]
                stmt_start = top[1] in ("CLOSURE_LBRACE", "SWITCH_LBRACE")
                after_ctrl = False
                ends = False
                last_type = "ARROW"
                i += 1
                continue

            if tt == "SEMI":
                out.append(_mk("SEMI", ";", t.line, t.col))
                stmt_start = kind == _BLOCK
                after_ctrl = False
                ends = False
                last_type = "SEMI"
                i += 1
                continue

            if tt == "INC" or tt == "DEC":
                out.append(_mk(tt, t.value, t.line, t.col))
                # postfix if it directly follows an operand on the same line
                ends = last_post = val_end
                stmt_start = after_ctrl = False
                last_type = tt
                i += 1
                continue

            if tt == "DOLLAR_WORD":
                out.append(_mk("DOLLAR_WORD", t.value, t.line, t.col))
                stmt_start = after_ctrl = False
                ends = True
                last_type = tt
                i += 1
                continue

            # any other operator
            out.append(_mk(tt, t.value, t.line, t.col))
            stmt_start = after_ctrl = False
            ends = tt not in _CANNOT_END
            last_type = tt
            i += 1
        return out

    # ------------------------------------------------------------------ lookahead helpers
    @staticmethod
    def _c_style_for(raw, i):
        """raw[i] should be '(' after 'for'. It is a for-each loop if the header starts with a
        pattern followed by 'in' or ':' -- [type] name, a type alone, [ ... ] or X( ... )."""
        n = len(raw)
        if i >= n or raw[i].type != "LPAREN":
            return True
        j = i + 1
        ctor = j + 1 < n and raw[j].type == "TYPE" and raw[j + 1].type == "LPAREN"
        if ctor:
            j += 1          # ``X(a, b)``: a constructor pattern
        if j < n and (ctor or raw[j].type == "LBRACKET"):
            depth = 0
            while j < n:
                tt = raw[j].type
                if tt in ("LPAREN", "LBRACKET", "QLBRACKET", "LBRACE"):
                    depth += 1
                elif tt in ("RPAREN", "RBRACKET", "RBRACE"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            j += 1
        else:
            if j < n and raw[j].type in ("TYPE", "DEF", "VAR"):
                j += 1
                while j + 1 < n and raw[j].type == "LBRACKET" and raw[j + 1].type == "RBRACKET":
                    j += 2
            if j < n and raw[j].type == "IDENT":
                j += 1
        return not (j < n and raw[j].type in ("IN", "COLON"))

    @staticmethod
    def _is_fun_decl(out, begin):
        """out ends with IDENT and the statement so far is: [type] (dims) IDENT."""
        k = begin
        while k < len(out) - 1 and out[k].type in ("STATIC", "FINAL"):
            k += 1
        if k >= len(out) - 1:
            return False
        t = out[k].type
        if t not in _DECL_START:
            return False
        k += 1
        while k < len(out) - 1 and out[k].type == "LBRACKET" and out[k + 1].type == "RBRACKET":
            k += 2
        return k == len(out) - 1

    @staticmethod
    def _is_json_map(raw, i, stmt_start):
        if i >= len(raw):
            return False
        t = raw[i]
        if t.type == "COLON":
            return True
        if i + 1 >= len(raw) or raw[i + 1].type != "COLON":
            return False
        if t.type in ("STRING", "ISTRING"):
            return True
        if t.type in _WORD_TYPES:
            if stmt_start and t.type == "IDENT":
                # a label on a loop: { LABEL: for ... }
                if i + 2 < len(raw) and raw[i + 2].type in ("FOR", "WHILE", "DO"):
                    return False
                if i + 2 < len(raw) and raw[i + 2].nl:
                    return False
            return True
        return False

    @staticmethod
    def _brace_called(raw, i):
        """raw[i] is '{' at statement start: is its matching '}' directly followed by '('?"""
        depth = 0
        n = len(raw)
        for j in range(i, n):
            tt = raw[j].type
            if tt in ("LPAREN", "LBRACKET", "QLBRACKET", "LBRACE"):
                depth += 1
            elif tt in ("RPAREN", "RBRACKET", "RBRACE"):
                depth -= 1
                if depth == 0:
                    return j + 1 < n and raw[j + 1].type == "LPAREN" and not raw[j + 1].nl
        return False

    @staticmethod
    def _closure_has_params(raw, i):
        """Is there a '->' at this brace level before the first statement separator?"""
        depth = 0
        n = len(raw)
        j = i
        while j < n:
            t = raw[j]
            tt = t.type
            if j > i and t.nl and depth == 0:
                return False
            if tt in ("LPAREN", "LBRACKET", "QLBRACKET", "LBRACE"):
                depth += 1
            elif tt in ("RPAREN", "RBRACKET", "RBRACE"):
                if depth == 0:
                    return False
                depth -= 1
            elif depth == 0:
                if tt == "ARROW":
                    return True
                if tt == "SEMI":
                    return False
            j += 1
        return False

    # ------------------------------------------------------------------ strings
    def emit_string(self, t, out, prev_type):
        tt = t.type
        if tt == "STRING":
            out.append(_mk("STRING", t.value, t.line, t.col))
            return
        if tt == "ISTRING":
            out.append(_mk("ISTR_BEGIN", '"', t.line, t.col))
            self.emit_parts(t.parts, out)
            out.append(_mk("ISTR_END", '"', t.line, t.col))
            return
        after_match = prev_type == "MATCH_OP"
        if tt == "PATTERN":
            out.append(_mk("REGEX_BEGIN" if after_match else "PAT_BEGIN", "/", t.line, t.col))
            self.emit_parts(t.parts, out)
            out.append(_mk("PAT_END", t.flags, t.line, t.col))
            return
        # SUBST
        out.append(_mk("SUBST_BEGIN" if after_match else "BSUBST_BEGIN", "s/", t.line, t.col))
        self.emit_parts(t.parts, out)
        out.append(_mk("SUBST_MID", "/", t.line, t.col))
        self.emit_parts(t.rparts, out)
        out.append(_mk("PAT_END", t.flags, t.line, t.col))

    def emit_parts(self, parts, out):
        for p in parts:
            if isinstance(p, str):
                out.append(_mk("STR_CHUNK", p, 0, 0))
            elif p[0] == "ident":
                out.append(_mk("ISTR_IDENT", p[1], p[2], p[3]))
            else:
                _, toks, line, col, eline, ecol = p
                out.append(_mk("ISTR_CODE_BEGIN", "${", line, col))
                _Shaper(self.src).shape(toks, out)
                out.append(_mk("ISTR_CODE_END", "}", eline, ecol))


_VALUE_END = frozenset(["IDENT", "INT", "LONG", "DOUBLE", "DECIMAL", "STRING", "ISTR_END", "PAT_END",
                        "RPAREN", "RBRACKET", "RBRACE", "TRUE", "FALSE", "NULL"])


def _class_brace(out):
    """``class X {`` / ``class X extends Y {``: the class body is a block."""
    k = len(out) - 1
    if k >= 1 and out[k].type == "TYPE":
        if out[k - 1].type == "CLASS":
            return True
        if out[k - 1].type == "EXTENDS" and k >= 3 and out[k - 3].type == "CLASS":
            return True
    return False


BUILTIN_CLASS_NAMES = frozenset(["LocalDate", "LocalTime", "LocalDateTime", "ZonedDateTime",
                                 "Instant", "Duration", "Period", "ZoneId"])


def _collapse_qualified(raw):
    """``jactl.time.X`` -> ``X`` for the builtin date/time classes."""
    out = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t.type == "IDENT" and t.value == "jactl" and i + 4 < n and raw[i + 1].type == "DOT" \
                and raw[i + 2].type == "IDENT" and raw[i + 2].value == "time" and \
                raw[i + 3].type == "DOT" and raw[i + 4].type == "IDENT" and \
                raw[i + 4].value in BUILTIN_CLASS_NAMES and \
                not (i > 0 and raw[i - 1].type in ("DOT", "QDOT")):
            x = raw[i + 4]
            x.line, x.col, x.nl = t.line, t.col, t.nl
            out.append(x)
            i += 5
            continue
        out.append(t)
        i += 1
    return out


def _own_package_prefix(raw):
    """``a.b.X`` -> ``X`` where ``package a.b`` is the script's own package: every class of
    a compilation shares one namespace here, so a class named through its package is the
    class itself. Only a capitalised name after the prefix is a class (``a.b.x`` stays a
    field access), and the ``package``/``import`` statements keep their names."""
    pkg = None
    for i, t in enumerate(raw):
        if t.type == "PACKAGE":
            pkg = []
            j = i + 1
            while j < len(raw) and raw[j].type == "IDENT":
                pkg.append(raw[j].value)
                if j + 1 < len(raw) and raw[j + 1].type == "DOT":
                    j += 2
                else:
                    break
            break
    if not pkg or any(t.type == "IDENT" and t.value == pkg[0] and raw[j - 1].type in
                      ("DEF", "VAR", "TYPE") for j, t in enumerate(raw) if j):
        return raw      # (a variable of that name: ``a.b.X`` is a field access then)
    k = 2 * len(pkg)
    out = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t.type == "IDENT" and t.value == pkg[0] and i + k < n and \
                not (i > 0 and raw[i - 1].type in ("DOT", "QDOT", "PACKAGE", "IMPORT")) and \
                all(raw[i + 2 * m].type == "IDENT" and raw[i + 2 * m].value == pkg[m] and
                    raw[i + 2 * m + 1].type == "DOT" for m in range(len(pkg))) and \
                raw[i + k].type in ("IDENT", "TYPE") and raw[i + k].value[:1].isupper():
            x = raw[i + k]
            x.line, x.col, x.nl = t.line, t.col, t.nl
            out.append(x)
            i += k + 1
            continue
        out.append(t)
        i += 1
    return out


def _import_aliases(raw):
    """``import a.b.X as Y``: Y names class X (one namespace, see _own_package_prefix)."""
    alias, decl = {}, set()
    for i, t in enumerate(raw):
        if t.type == "AS" and i >= 2 and i + 1 < len(raw) and raw[i + 1].type in ("IDENT", "TYPE"):
            j = i - 1
            while j >= 2 and raw[j - 1].type == "DOT":
                j -= 2
            if j >= 1 and raw[j - 1].type == "IMPORT" and raw[i - 1].type in ("IDENT", "TYPE"):
                alias[raw[i + 1].value] = raw[i - 1].value
                decl.add(i + 1)
    if not alias:
        return raw
    for i, t in enumerate(raw):
        if t.type in ("IDENT", "TYPE") and t.value in alias and i not in decl and \
                not (i > 0 and raw[i - 1].type in ("DOT", "QDOT")):
            t.value = alias[t.value]
    return raw


def _type_words(raw, names):
    """Class names used as words become TYPE tokens (also inside ``${...}`` of strings)."""
    if any(t.type == "IDENT" and t.value == "jactl" for t in raw):
        raw = _collapse_qualified(raw)
    for i, t in enumerate(raw):
        if t.type == "IDENT" and t.value in names and not (
                i > 0 and raw[i - 1].type in ("DOT", "QDOT")):
            t.type = "TYPE"
        for attr in ("parts", "rparts"):
            ps = getattr(t, attr, None)
            if ps:
                setattr(t, attr, [(p[0], _type_words(p[1], names)) + tuple(p[2:])
                                  if isinstance(p, tuple) and p[0] == "code" else p
                                  for p in ps])
    return _qualified_types(raw, names)


_VAR_DECL_PREV = frozenset(("TYPE", "DEF", "VAR"))
_VAR_DECL_NEXT = frozenset(("ASSIGN", "SEMI", "COMMA"))
_TYPE_PREV = frozenset(("NEW", "AS", "INSTANCEOF", "NOT_INSTANCEOF", "CLASS", "EXTENDS", "DOT",
                        "QDOT"))
_VALUE_END_NEXT = frozenset(("SEMI", "RBRACE"))


def _class_names_as_values(raw, names):
    """A class name that names a variable (``int X = 1``, Jactl allows it) or stands alone
    as a value (``def x = X``: the resolver reports it) is an identifier: the declaration,
    ``X.f``/``X.i`` once a variable X exists, and a bare ``X`` at the end of a statement.
    ``X x``, ``new X``, ``(X)v``, ``as X`` stay types."""
    n = len(raw)
    variables = set()
    for i, t in enumerate(raw):
        if t.type == "TYPE" and t.value in names and 0 < i < n - 1 and \
                raw[i - 1].type in _VAR_DECL_PREV and raw[i + 1].type in _VAR_DECL_NEXT:
            variables.add(t.value)
            t.type = "IDENT"
    for i, t in enumerate(raw):
        if t.type != "TYPE" or t.value not in names:
            continue
        prev = raw[i - 1].type if i > 0 else None
        nxt = raw[i + 1] if i + 1 < n else None
        if prev in _TYPE_PREV:
            continue
        if nxt is not None and nxt.type == "DOT" and t.value in variables:
            t.type = "IDENT"
        elif (nxt is None or nxt.type in _VALUE_END_NEXT or nxt.nl) and \
                prev in ("ASSIGN", "SEMI", "BLOCK_LBRACE", "LBRACE", "RETURN", None):
            t.type = "IDENT"
    return raw


def _qualified_types(raw, names):
    """``X.Y`` where both are class names (an inner class) is one TYPE token ``X.Y``."""
    out = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t.type == "TYPE" and t.value in names and i + 2 < n and raw[i + 1].type == "DOT" \
                and raw[i + 2].type == "IDENT" and raw[i + 2].value in names and \
                not raw[i + 1].nl and not raw[i + 2].nl:
            value = t.value
            while i + 2 < n and raw[i + 1].type == "DOT" and raw[i + 2].type == "IDENT" and \
                    raw[i + 2].value in names and not raw[i + 1].nl and not raw[i + 2].nl:
                value += "." + raw[i + 2].value
                i += 2
            q = RTok("TYPE", value, t.line, t.col, t.nl)
            out.append(q)
            i += 1
            continue
        out.append(t)
        i += 1
    return out


def tokenize(source):
    """Source text -> list of lark Tokens for the parser (ends with no explicit EOF token)."""
    raw = _import_aliases(_own_package_prefix(_Scanner(source).scan()))
    # user class names (``class X``) are type names wherever they appear as words
    names = {raw[i + 1].value for i in range(len(raw) - 1)
             if raw[i].type == "CLASS" and raw[i + 1].type == "IDENT"}
    # builtin date/time classes (``LocalDate``, ``jactl.time.LocalDate``) too, unless the
    # script declares a class of that name
    names |= BUILTIN_CLASS_NAMES - {raw[i + 1].value for i in range(len(raw) - 1)
                                    if raw[i].type == "CLASS"}
    user = {raw[i + 1].value for i in range(len(raw) - 1)
            if raw[i].type == "CLASS" and raw[i + 1].type == "IDENT"}
    raw = _type_words(raw, names)
    if user:
        raw = _class_names_as_values(raw, user)
    out = []
    _Shaper(source).shape(raw, out)
    if names:
        for i in range(len(out) - 1):
            t = out[i]
            if t.type == "TYPE" and (t.value in names or "." in t.value) and \
                    out[i + 1].type == "DOT":
                t.type = "CLASS_NAME"
    return out
