"""The checkpoint byte format: magic, version, flags, tags — and the grammar they make.

Everything here is data; ``encoder.py`` writes this grammar and ``decoder.py`` reads it.
Tags are fixed byte values and class tags are fixed strings (``SERIALIZABLE`` TAGs): nothing
depends on registration order, and nothing in the data can name a Python module, class or
attribute that is not already registered.

Envelope (all fixed-width integers big-endian)::

    checkpoint := header body [hmac] digest
    header     := MAGIC            4 bytes  b"JCKP"
                  version          u16      FORMAT_VERSION (any other value is rejected)
                  flags            u8       bit 0 = FLAG_HMAC; all other bits must be 0
                  hash_len         u16      length of the script hash, in bytes
                  script_hash      utf-8    the instance's script hash (names the source)
                  id_len           u16      length of the instance id, in bytes
                  instance_id      utf-8    the instance state's instance_id ("" for none)
                  sequence         u64      the instance's save count: 1 for its first save
                  body_len         u64      length of body, in bytes
    body       := value            exactly body_len bytes: one value, the root
    hmac       := HMAC-SHA256(key, header body)           32 bytes, iff FLAG_HMAC
    digest     := SHA-256(header body [hmac])             32 bytes, always: covers every byte

A context with an ``hmac_key`` accepts only signed checkpoints and verifies the HMAC before it
looks at anything but magic, version and flags; every context verifies the digest, so a
flipped or missing byte anywhere (HMAC included) is rejected even without a key.

Version 2 added instance_id and sequence: every ``Checkpointer.save`` increments the
instance state's ``seq`` (which travels in the body, so counting goes on after a restore)
and writes it to the header. A host that records the sequence it saved last
(``lang.checkpoint_header``) passes ``instance_id=`` and ``sequence=`` to
``Restorer.restore``, which then rejects a checkpoint of another instance or an older one
replayed in place of the newest; the state in the body must agree with the header.

The root value is the tuple ``(globals, state, frames)``: the script's globals dict, its
instance state dict and the list of frames (innermost first), encoded as one graph so that
objects shared between globals and frames stay shared.

Body grammar (one tag byte, then the payload of that tag)::

    value  := 0x80+n                    small int n, 0 <= n < 128 (tag byte is the value)
            | NONE | FALSE | TRUE | MISSING
            | INT  sint                 plain int   in [-2**63, 2**63)
            | LONG sint                 types.Long  in [-2**63, 2**63)
            | BYTE sint                 types.Byte  in [-2**63, 2**63)
            | BIGINT kind:u8 n:uint bytes[n]
                                        int of any size: n bytes, two's complement,
                                        little-endian; kind 0 = int, 1 = Long, 2 = Byte
            | FLOAT  bytes[8]           IEEE-754 binary64, big-endian (NaN payload, -0.0 kept)
            | DECIMAL n:uint ascii[n]   str(Decimal): exact digits, exponent, sign, NaN/sNaN
            | str
            | BYTES n:uint bytes[n]
            | REF id:uint               an object already in the object table
            | INSTANCE                  the script instance being restored
            | LIST   n:uint value*n                         (object table: before contents)
            | DICT   n:uint (key value)*n                   (object table: before contents)
            | JARRAY elem:str n:uint value*n                (object table: before contents)
            | CELL   value                                  (object table: before contents)
            | CLOSURE fn:value cells:value                  (object table: before contents)
            | BOUND  name:str is_function:u8 obj:value      (object table: before contents)
            | FRAME  fn:value pc:value locals:value         (object table: before contents)
            | OBJ    tag:str n:uint value*n                 (object table: before contents)
            | TUPLE  n:uint value*n                         (object table: after contents)
            | FN     fn_id:value layout:value               (object table: after contents)
    str    := STR_NEW n:uint utf8[n]    utf-8 with surrogatepass; appended to the string table
            | STR_REF i:uint            entry i of the string table
    uint   := LEB128: 7 bits per byte, least significant group first, high bit = "more";
              at most 10 bytes, value < 2**64
    sint   := uint holding the zigzag encoding ((v << 1) ^ (v >> 63))

Object table: every LIST, DICT, JARRAY, CELL, CLOSURE, BOUND, FRAME and OBJ gets the next
id as soon as its tag has been read, before its contents, so contents may refer back to it
(cycles: a list containing itself is ``LIST 1 REF 0``). TUPLE and FN cannot exist before
their contents, so they get the next id once their last element has been read; a tuple that
is reached again while its own contents are being written is simply written again.
Strings are shared by value through the string table; other immutable scalars are not shared.

Reading is bounded by the data: every count and length must fit in the bytes that remain
before anything is allocated, varints are at most 10 bytes, every REF/STR_REF must name an
entry that already exists, and the root must use up the body exactly.

FRAME is a ``continuation.CodeFrame``: fn must decode to a FunctionInfo, pc to an int,
locals to a tuple. CLOSURE is a ``functions.Closure``: fn a FunctionInfo, cells None or a
tuple of Cells. FN names a compiled function of the header's script by (fn_id, layout); the
restoring instance must define fn_id with an equal layout, so changed code is detected. OBJ
is an instance of the class registered under ``tag`` in ``continuation.SERIALIZABLE``; n
must equal ``len(cls.FIELDS)`` and the values are its FIELDS in order.
"""

MAGIC = b"JCKP"
FORMAT_VERSION = 2

FLAG_HMAC = 0x01
KNOWN_FLAGS = FLAG_HMAC

DIGEST_SIZE = 32          # SHA-256
HMAC_SIZE = 32            # HMAC-SHA256

DEFAULT_MAX_CHECKPOINT_SIZE = 128 * 1024 * 1024
"""Used when a context does not set ``max_checkpoint_size`` (Jactl's own hard limit)."""

# Decoder bounds (Context options max_restore_objects / _depth / _bytes). A checkpoint that
# exceeds one is rejected before it is built: a 16 MiB body of ``LIST 0`` would otherwise
# decode to 8 million lists (~700 MB, seconds), and one of nested ``LIST 1`` to 8 million
# levels. The encoder checks the object count too, so a script cannot save what it could
# not restore.
DEFAULT_MAX_RESTORE_OBJECTS = 1_000_000
"""Objects with identity (lists, maps, arrays, cells, closures, frames, instances...)."""
DEFAULT_MAX_RESTORE_DEPTH = 100_000
"""Containers open inside each other while decoding (the decoder and the validator are
iterative; the bound keeps the runtime's own recursive algorithms — printing, equality —
on structures they can report a Stack overflow for)."""
DEFAULT_MAX_RESTORE_BYTES = 512 * 1024 * 1024
"""An estimate of the memory the decoded values take (CPython object sizes)."""

# --- tags -------------------------------------------------------------------------------------
# Scalars
NONE = 0x00
FALSE = 0x01
TRUE = 0x02
INT = 0x03
LONG = 0x04
BYTE = 0x05
BIGINT = 0x06
FLOAT = 0x07
DECIMAL = 0x08
STR_NEW = 0x09
STR_REF = 0x0A
BYTES = 0x0B
MISSING = 0x0C
REF = 0x0D
INSTANCE = 0x0E

# Objects with identity (id assigned before contents)
LIST = 0x10
DICT = 0x11
JARRAY = 0x12
CELL = 0x13
CLOSURE = 0x14
BOUND = 0x15
FRAME = 0x16
OBJ = 0x17

# Objects built from their contents (id assigned after contents)
TUPLE = 0x18
FN = 0x19
JOBJ = 0x1A               # class instance: class name, field count, field values

SMALL_INT = 0x80          # 0x80..0xFF: the int (tag - 0x80)
SMALL_INT_LIMIT = 0x80

# BIGINT kinds
BIG_INT = 0
BIG_LONG = 1
BIG_BYTE = 2

INT64_MIN = -(1 << 63)
INT64_LIMIT = 1 << 63     # exclusive upper bound for INT/LONG/BYTE
MAX_VARINT_BYTES = 10

TAG_NAMES = {
    NONE: "NONE", FALSE: "FALSE", TRUE: "TRUE", INT: "INT", LONG: "LONG", BYTE: "BYTE",
    BIGINT: "BIGINT", FLOAT: "FLOAT", DECIMAL: "DECIMAL", STR_NEW: "STR_NEW",
    STR_REF: "STR_REF", BYTES: "BYTES", MISSING: "MISSING", REF: "REF", INSTANCE: "INSTANCE",
    LIST: "LIST", DICT: "DICT", JARRAY: "JARRAY", CELL: "CELL", CLOSURE: "CLOSURE",
    BOUND: "BOUND", FRAME: "FRAME", OBJ: "OBJ", TUPLE: "TUPLE", FN: "FN", JOBJ: "JOBJ",
}
