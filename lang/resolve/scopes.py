"""Symbols, scopes and per-function facts the resolver computes for the code generator."""


class Symbol:
    """A named thing a script refers to.

    kind: 'local' (variable or parameter), 'function' (a declared function; its value is a
    closure), 'global' (a key of the globals map), 'builtin' (a builtin function).
    """

    __slots__ = ("name", "kind", "type", "owner", "captured", "pyname", "is_const",
                 "const_value", "func", "is_param", "assigned_after_decl", "nassign",
                 "inferred_type", "is_final", "match_sym", "unboxed")

    def __init__(self, name, kind, type="def", owner=None, pyname=None, is_const=False,
                 func=None, is_param=False):
        self.name = name
        self.kind = kind
        self.type = type             # Jactl type name: 'def', 'int', 'String', 'int[]', ...
        self.owner = owner           # FunctionDef that declares it
        self.captured = False        # referenced from a nested function -> lives in a Cell
        self.pyname = pyname
        self.is_const = is_const
        self.const_value = None
        self.func = func             # FunctionDef for kind 'function'
        self.is_param = is_param
        self.assigned_after_decl = False
        self.nassign = 0
        self.inferred_type = False   # its type was inferred (resolve/infer.py), not declared
        self.is_final = False        # ``final``: assigned only by its declaration
        self.match_sym = None        # kind 'capture' ($1...): the ``$@`` local it reads
        self.unboxed = False         # a typed long local held as a plain int (codegen/typed.py)

    def __repr__(self):
        return f"Symbol({self.name}, {self.kind}, {self.type})"


class Scope:
    """A block scope: names declared in it, and its parent."""

    __slots__ = ("parent", "names", "func", "is_loop_body")

    def __init__(self, parent, func):
        self.parent = parent
        self.names = {}
        self.func = func
        self.is_loop_body = False

    def lookup(self, name):
        s = self
        while s is not None:
            sym = s.names.get(name)
            if sym is not None:
                return sym
            s = s.parent
        return None


class FunctionDef:
    """One compiled function: the script's main body, a declared function or a closure.

    After resolution:
      id           stable number inside the script (names the code in checkpoints)
      params       list of parameter Symbols
      locals       every Symbol the function declares (params included)
      free         Symbols of enclosing functions it uses (each becomes a captured Cell,
                   passed in the ``cells`` tuple in this order)
      may_suspend  whether running it can raise Suspend
      children     nested FunctionDefs
    """

    def __init__(self, id, name, node, parent, is_closure=False, is_main=False):
        self.id = id
        self.name = name
        self.node = node
        self.parent = parent
        self.is_closure = is_closure
        self.is_main = is_main
        self.params = []
        self.locals = []
        self.free = []
        self.free_set = set()
        self.func_refs = []      # (Symbol of a function referenced from here)
        # functions used here as values, not called: (Symbol, {id(block): statement index}
        # of the blocks being resolved there), for resolve/forward.py
        self.value_refs = []
        self.may_suspend = False
        self.calls = []          # FunctionDefs called directly (for the suspend fixpoint)
        self.dynamic_suspend = False   # contains a call that may suspend whatever the callees do
        self.children = []
        self.return_type = "def"
        self.node_params = []    # its Param nodes (none for the script's main body)
        self.implicit_it = False
        self.needs_cells = False
        self.sym = None          # the Symbol naming it, for declared functions

    def __repr__(self):
        return f"FunctionDef({self.name}#{self.id})"
