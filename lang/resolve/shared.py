"""What several parts of the resolver use: positioned compile errors and
the names of the builtin methods."""

from ..errors import CompileError

_BUILTIN_METHOD_NAMES = None


def _builtin_method_names():
    global _BUILTIN_METHOD_NAMES
    if _BUILTIN_METHOD_NAMES is None:
        from ..runtime.methods import builtin_method_names
        _BUILTIN_METHOD_NAMES = builtin_method_names()
    return _BUILTIN_METHOD_NAMES


def _err(msg, node, source):
    return CompileError(msg, node.line, node.col, source)
