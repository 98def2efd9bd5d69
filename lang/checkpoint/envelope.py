"""The checkpoint envelope: header, HMAC and digest around the body (layout in ``format.py``).

The header says whose state the bytes are: which script (by source hash), which instance,
and which save of that instance (a sequence number that every ``Checkpointer.save``
increments). The HMAC (with a key) and the digest (always) cover the header, so a host that
passes the instance id and sequence it expects to ``Restorer.restore`` can tell a checkpoint
of another instance, or an older one replayed in place of the newest, from the right one.

``read_header`` parses the header only (framing checks, no verification) for hosts that need
the sequence they just saved and for inspection tools; ``open_envelope`` verifies everything
before the body is handed to the decoder.
"""

import hashlib
import hmac
import struct

from ..errors import CheckpointError
from . import format as F

_U16 = struct.Struct(">H")
_U64 = struct.Struct(">Q")


class CheckpointHeader:
    """What a checkpoint's header says (read-only): ``version``, ``signed``, ``script_hash``,
    ``instance_id`` (None when the instance had none) and ``sequence``."""

    __slots__ = ("version", "signed", "script_hash", "instance_id", "sequence", "_body")

    def __init__(self, version, signed, script_hash, instance_id, sequence, body):
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "signed", signed)
        object.__setattr__(self, "script_hash", script_hash)
        object.__setattr__(self, "instance_id", instance_id)
        object.__setattr__(self, "sequence", sequence)
        object.__setattr__(self, "_body", body)     # (start, end) of the body in the data

    def __setattr__(self, name, value):
        raise AttributeError("CheckpointHeader is read-only")

    def __repr__(self):
        return (f"CheckpointHeader(version={self.version}, signed={self.signed}, "
                f"script_hash={self.script_hash!r}, instance_id={self.instance_id!r}, "
                f"sequence={self.sequence})")


def hmac_key(key):
    """A context's HMAC key as bytes (None/empty = no signing)."""
    if not key:
        return None
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    raise CheckpointError(f"Checkpoint HMAC key must be bytes, not {type(key).__name__}")


def max_size(ctx):
    limit = getattr(ctx, "max_checkpoint_size", None)
    return F.DEFAULT_MAX_CHECKPOINT_SIZE if limit is None else limit


def _utf8(s, what):
    if not isinstance(s, str):
        raise CheckpointError(f"{what} must be a str, not {type(s).__name__}")
    b = s.encode("utf-8", "surrogatepass")
    if len(b) > 0xFFFF:
        raise CheckpointError(f"{what} is too long for a checkpoint header")
    return b


def build_header(script_hash, instance_id, sequence, signed):
    """The header with a zero body length (filled in by ``seal``)."""
    hb = _utf8(script_hash, "Script hash")
    ib = _utf8("" if instance_id is None else instance_id, "Instance id")
    if type(sequence) is not int or not 0 <= sequence < 1 << 64:
        raise CheckpointError(f"Checkpoint sequence must be an int in [0, 2**64), "
                              f"not {sequence!r}")
    flags = F.FLAG_HMAC if signed else 0
    return bytearray(F.MAGIC + struct.pack(">HB", F.FORMAT_VERSION, flags)
                     + _U16.pack(len(hb)) + hb + _U16.pack(len(ib)) + ib
                     + _U64.pack(sequence) + b"\0" * 8)


def seal(buf, body_start, key):
    """Fill in the body length, append the HMAC (with a key) and the digest."""
    _U64.pack_into(buf, body_start - 8, len(buf) - body_start)
    if key:
        buf += hmac.new(key, buf, hashlib.sha256).digest()
    buf += hashlib.sha256(buf).digest()
    return bytes(buf)


def _fail(msg):
    raise CheckpointError(f"Invalid checkpoint: {msg}")


def _as_bytes(data):
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if not isinstance(data, bytes):
        raise CheckpointError(f"Checkpoint data must be bytes, not {type(data).__name__}")
    return data


def _str(data, at, what):
    if at + 2 > len(data):
        _fail("data ends inside the header")
    m = _U16.unpack_from(data, at)[0]
    at += 2
    if at + m > len(data):
        _fail("data ends inside the header")
    try:
        return data[at:at + m].decode("utf-8", "surrogatepass"), at + m
    except UnicodeDecodeError:
        _fail(f"{what} is not valid UTF-8")


def _prefix(data):
    """Magic and version; returns the flags byte."""
    if data[:4] != F.MAGIC:
        raise CheckpointError("Not a Jactl checkpoint (bad magic)")
    if len(data) < 7:
        _fail("data ends inside the header")
    version = _U16.unpack_from(data, 4)[0]
    if version != F.FORMAT_VERSION:
        raise CheckpointError(f"Unsupported checkpoint format version {version} "
                              f"(this runtime reads version {F.FORMAT_VERSION})")
    return data[6]


def _parse(data):
    """Framing checks of magic, version, flags and lengths; no verification."""
    n = len(data)
    flags = _prefix(data)
    version = F.FORMAT_VERSION
    if flags & ~F.KNOWN_FLAGS:
        _fail(f"unknown header flags 0x{flags:02x}")
    signed = bool(flags & F.FLAG_HMAC)
    script_hash, at = _str(data, 7, "script hash")
    instance_id, at = _str(data, at, "instance id")
    body_start = at + 16
    trailer = F.DIGEST_SIZE + (F.HMAC_SIZE if signed else 0)
    if n < body_start + trailer:
        _fail("data ends inside the header")
    sequence = _U64.unpack_from(data, at)[0]
    blen = _U64.unpack_from(data, at + 8)[0]
    if blen != n - body_start - trailer:
        _fail(f"body length {blen} does not match the data "
              f"({n - body_start - trailer} bytes)")
    return CheckpointHeader(version, signed, script_hash, instance_id or None, sequence,
                            (body_start, body_start + blen))


def read_header(data):
    """The header of checkpoint ``data``, parsed but not verified (no digest or HMAC check):
    for hosts recording the sequence they just saved and for inspection tools."""
    return _parse(_as_bytes(data))


def open_envelope(data, key, limit):
    """Check size, magic, version, HMAC (with a key, before any other field is believed) and
    digest; return (header, body)."""
    data = _as_bytes(data)
    n = len(data)
    if n > limit:
        raise CheckpointError(f"Checkpoint is {n} bytes, larger than the limit of "
                              f"{limit} bytes (max_checkpoint_size)")
    flags = _prefix(data)
    if key is not None:
        # a forged header must not get as far as being parsed: verify the HMAC first
        if not flags & F.FLAG_HMAC:
            raise CheckpointError("Checkpoint is not signed, but this context requires "
                                  "signed checkpoints (hmac_key is set)")
        mac_at = n - F.DIGEST_SIZE - F.HMAC_SIZE
        if mac_at < 7:
            _fail("data ends early")
        mac = hmac.new(key, data[:mac_at], hashlib.sha256).digest()
        if not hmac.compare_digest(mac, data[mac_at:n - F.DIGEST_SIZE]):
            raise CheckpointError("Checkpoint signature (HMAC) does not match: it was "
                                  "modified or signed with another key")
    header = _parse(data)
    digest = hashlib.sha256(data[:n - F.DIGEST_SIZE]).digest()
    if not hmac.compare_digest(digest, data[n - F.DIGEST_SIZE:]):
        raise CheckpointError("Checkpoint is corrupted (checksum does not match)")
    start, end = header._body
    return header, data[start:end]


def check_binding(header, instance_id, sequence):
    """With ``instance_id`` / ``sequence`` given, the header must name exactly them."""
    if instance_id is not None and header.instance_id != instance_id:
        raise CheckpointError(f"checkpoint belongs to instance "
                              f"'{header.instance_id or ''}', not '{instance_id}'")
    if sequence is not None and header.sequence != sequence:
        raise CheckpointError(f"checkpoint sequence {header.sequence} is not the expected "
                              f"{sequence} (an older or newer checkpoint)")
