"""Jactl values <-> JSON, for the program suite's expected files and for the restore
driver that hands a final value from a child process back to the test.

Expected files hold plain JSON, so a Jactl value is compared with a JSON value by these
rules: a JSON integer matches an int/long/byte (never a bool, double or Decimal); a JSON
number with a fraction or exponent matches a Decimal or double of equal value (Decimal
formatting and scale are checked through the printed output instead); objects match maps
key by key *in order* (Jactl maps keep insertion order); a class instance matches an
object holding its fields."""

import base64
from decimal import Decimal


def to_wire(value):
    """A Jactl value as JSON-safe data that keeps int/Decimal/double apart, so a value
    produced in another process is compared exactly like one produced here."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return {"$double": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {"$map": [[to_wire(k), to_wire(v)] for k, v in value.items()]}
    fields = _fields(value)
    if fields is not None:
        return {"$map": [[k, to_wire(v)] for k, v in fields.items()]}
    return {"$other": repr(value)}


def from_wire(data):
    if isinstance(data, list):
        return [from_wire(v) for v in data]
    if isinstance(data, dict):
        if "$double" in data:
            return float(data["$double"])
        if "$decimal" in data:
            return Decimal(data["$decimal"])
        if "$map" in data:
            return {_key(from_wire(k)): from_wire(v) for k, v in data["$map"]}
        return Other(data["$other"])
    return data


class Other:
    """A value the wire format cannot carry (a closure, say): never equal to anything."""
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"<{self.text}>"


def _key(k):
    return tuple(k) if isinstance(k, list) else k


def _fields(value):
    # A class instance (lang.runtime.objects.JObject) reads like a map: keys() and [].
    # Found by duck typing so the suite leans on the runtime's internals as little as it can.
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):
        return {k: value[k] for k in value.keys()}
    return None


def matches(actual, expected, path="result"):
    """None if ``actual`` (a Jactl value) matches ``expected`` (a JSON value), else a
    one-line description of the first difference."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        ok = type(actual) is type(expected) and actual == expected
        return None if ok else f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, int):
        ok = isinstance(actual, int) and not isinstance(actual, bool) and actual == expected
        return None if ok else f"{path}: expected int {expected!r}, got {actual!r}"
    if isinstance(expected, float):
        if isinstance(actual, Decimal):
            ok = actual == Decimal(repr(expected))
        else:
            ok = isinstance(actual, float) and actual == expected
        return None if ok else f"{path}: expected number {expected!r}, got {actual!r}"
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected a list, got {actual!r}"
        if len(actual) != len(expected):
            return f"{path}: expected {len(expected)} elements, got {len(actual)}: {actual!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            diff = matches(a, e, f"{path}[{i}]")
            if diff:
                return diff
        return None
    if isinstance(expected, dict):
        fields = actual if isinstance(actual, dict) else _fields(actual)
        if fields is None:
            return f"{path}: expected a map, got {actual!r}"
        keys = [str(k) for k in fields]
        if keys != list(expected):
            return f"{path}: expected keys {list(expected)}, got {keys}"
        for (k, a), e in zip(fields.items(), expected.values()):
            diff = matches(a, e, f"{path}.{k}")
            if diff:
                return diff
        return None
    return f"{path}: unsupported expected value {expected!r}"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text.encode("ascii"))
