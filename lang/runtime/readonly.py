"""A read-only Jactl List: what builtins such as ``ZoneId.getAvailableZoneIds()`` return.

Jactl hands out an unmodifiable Java list there: reading it (``in``, ``size()``, ``each``,
``map``, ``+``, ``<<``, ``sort()``...) works as for any List, and every operation that
modifies it raises "Attempt to modify an unmodifiable list". Here it is a ``list`` subclass
whose mutating methods raise that error, so every ``isinstance(v, list)`` reader accepts it
and every mutation path (the builtins ``add``/``addAt``/``remove``, ``x[i] = v``,
``x <<= v``, ``x += v``) ends in one of these methods.

Operations that build a new list (``+``, ``<<``, ``map``, ``sort()``, slicing) return plain,
modifiable lists, as in Jactl. A checkpoint stores it as a plain List: Jactl's restorer
rebuilds every List as a modifiable ArrayList, so after a restore the list is modifiable there
too, and the checkpoint format needs no new tag.
"""

from ..errors import JactlRuntimeError

UNMODIFIABLE = "Attempt to modify an unmodifiable list"


def _refuse(self, *args, **kwargs):
    raise JactlRuntimeError(UNMODIFIABLE)


class ReadOnlyList(list):
    """A List whose contents cannot change (see the module doc)."""
    __slots__ = ()

    append = insert = extend = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    # Slices, copies and repetitions are new lists, and new lists are modifiable.
    def __getitem__(self, index):
        if type(index) is slice:
            return list.__getitem__(list(self), index)
        return list.__getitem__(self, index)

    def copy(self):
        return list(self)

    def __add__(self, other):
        return list(self) + other

    def __mul__(self, n):
        return list(self) * n

    __rmul__ = __mul__

    def __reduce_ex__(self, protocol):
        # A copy (copy.copy / deepcopy) is an ordinary list.
        return (list, (list(self),))
