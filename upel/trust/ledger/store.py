"""Trust layer: the audit ledger's file, crash-safe appends and verification.

One append-only file (docs/ledger.md has the byte layout):

    header  "UPELLDG1" | u16 BE origin length | origin (ASCII)
    record  u32 BE entry length N | N bytes entry (canonical CBOR) | 32-byte leaf hash

An entry is the canonical CBOR map {"schema": "upel-ledger-entry/1",
"index": n, "prev": <32 bytes>, "kind": str, "payload": map}. `prev` is the
RFC 9162 leaf hash of entry n-1 (GENESIS_PREV, 32 zero bytes, for entry 0),
so the file is a hash chain as well as the leaves of the Merkle tree. There
is no time field: the same appends give the same bytes.

Why this layout: a crash can only cut the file short (or, on some file
systems, leave zeros where the last write went), so the one trailing record
that does not fit is reported as a torn tail with its byte offset; every
other defect (a stored hash that does not match, a broken chain, an index
out of place) is corruption, and `repair` refuses to touch it.

Appends hold an exclusive fcntl lock on the file, re-verify the whole file
under it, write the record at the verified end, fsync, and only then release
the lock; readers take a shared lock, so nobody sees a record before it is
durable ("write, fsync, then publish"). The file itself is created complete
(header written to a temporary name, fsynced, hard-linked into place, the
directory fsynced), so a crash never leaves a half-written header.
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

from upel.ir.encoding import EncodingError, canonical_cbor, decode_cbor

from . import merkle
from .errors import LedgerError

MAGIC = b"UPELLDG1"
ENTRY_SCHEMA = "upel-ledger-entry/1"
GENESIS_PREV = bytes(32)  # `prev` of entry 0: there is no previous leaf
MAX_ENTRY = 16 << 20  # a bound on N so that a garbage length is corruption, not a 4 GiB read
ENTRY_KEYS = frozenset({"schema", "index", "prev", "kind", "payload"})
ORIGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}")
KIND_RE = re.compile(r"[a-z][a-z0-9._-]{0,63}")


class TornTailError(LedgerError):
    """The file ends in a partial record, as a crash during an append leaves it."""

    def __init__(self, path: str, offset: int, index: int, size: int) -> None:
        self.path, self.offset, self.index, self.removable = path, offset, index, size - offset
        super().__init__(
            f"{path}: torn tail at byte offset {offset}: {size - offset} byte(s) of a partial record "
            f"for entry {index} (an append interrupted by a crash); {index} entries before it are intact; "
            f"`upel ledger verify --repair {path}` removes the partial record")


@dataclass
class Ledger:
    """A fully verified ledger: every record, hash and link checked."""

    path: str
    origin: str
    entries: list[bytes] = field(default_factory=list)  # canonical CBOR, one per index
    leaves: list[bytes] = field(default_factory=list)  # RFC 9162 leaf hashes
    offsets: list[int] = field(default_factory=list)  # byte offset of each record
    end: int = 0  # byte offset just after the last record

    @property
    def size(self) -> int:
        return len(self.entries)

    def root(self, size: int | None = None) -> bytes:
        return merkle.root(self.leaves, size)

    def entry(self, index: int) -> dict:
        if not 0 <= index < self.size:
            raise LedgerError(f"{self.path}: no entry {index}; the ledger has {self.size} entries")
        return decode(self.entries[index])


@dataclass
class Appended:
    index: int
    size: int
    root: bytes
    leaf: bytes


def encode(value: object) -> bytes:
    """RFC 8949 deterministic CBOR, as the IR's, with byte strings allowed."""
    return canonical_cbor(value, allow_bytes=True)


def decode(data: bytes) -> object:
    """Decode and insist the bytes were canonical: re-encode and compare."""
    return decode_cbor(data, allow_bytes=True)


def default_origin(path: str | os.PathLike) -> str:
    """The origin a new ledger gets unless one is given: its file name's stem,
    with characters outside ORIGIN_RE replaced."""
    stem = re.sub(r"[^A-Za-z0-9._:/-]", "-", Path(path).stem).lstrip("._:/-")
    return stem[:255] or "ledger"


def check_origin(origin: str) -> str:
    if not isinstance(origin, str) or not ORIGIN_RE.fullmatch(origin):
        raise LedgerError(f"invalid ledger origin {origin!r}: use letters, digits and . _ : / - "
                          "(at most 255, starting with a letter or digit)")
    return origin


def header(origin: str) -> bytes:
    raw = check_origin(origin).encode("ascii")
    return MAGIC + struct.pack(">H", len(raw)) + raw


def make_entry(index: int, prev: bytes, kind: str, payload: dict) -> bytes:
    """The canonical CBOR bytes of one entry; raises LedgerError on bad input."""
    if not isinstance(kind, str) or not KIND_RE.fullmatch(kind):
        raise LedgerError(f"invalid entry kind {kind!r}: lower-case letters, digits and . _ - "
                          "(at most 64, starting with a letter)")
    if not isinstance(payload, dict):
        raise LedgerError(f"an entry payload must be a map, not {type(payload).__name__}")
    try:
        data = encode({"schema": ENTRY_SCHEMA, "index": index, "prev": prev,
                               "kind": kind, "payload": payload})
    except EncodingError as e:
        raise LedgerError(f"entry payload cannot be stored: {e}") from None
    if len(data) > MAX_ENTRY:
        raise LedgerError(f"entry is {len(data)} bytes; the limit is {MAX_ENTRY}")
    return data


def frame(entry: bytes) -> bytes:
    """One record: length, entry, and its leaf hash (which also checksums it)."""
    return struct.pack(">I", len(entry)) + entry + merkle.leaf_hash(entry)


def parse(data: bytes, path: str) -> Ledger:
    """Verify a whole ledger file's bytes: header, framing, stored hashes,
    canonical encoding, entry shape, index sequence and `prev` chain.
    Raises TornTailError for a partial last record, LedgerError otherwise."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 2:
        raise LedgerError(f"{path}: not a UPEL ledger (the file does not start with {MAGIC.decode()})")
    (n,) = struct.unpack_from(">H", data, len(MAGIC))
    start = len(MAGIC) + 2
    if len(data) < start + n:
        raise LedgerError(f"{path}: the ledger header is damaged (truncated origin)")
    try:
        origin = check_origin(data[start:start + n].decode("ascii"))
    except (UnicodeDecodeError, LedgerError):
        raise LedgerError(f"{path}: the ledger header is damaged (invalid origin)") from None
    led = Ledger(path, origin, end=start + n)
    off, prev = led.end, GENESIS_PREV
    while off < len(data):
        index = led.size
        rest = len(data) - off
        # A crash cuts the file at any byte of the last record, or leaves
        # zeros where its unwritten part went; those are torn tails. Only
        # checked on a record that fails, so a healthy scan stays linear.
        if rest < 4:
            raise TornTailError(path, off, index, len(data))
        (length,) = struct.unpack_from(">I", data, off)
        if not 0 < length <= MAX_ENTRY:
            if data.count(0, off) == rest:
                raise TornTailError(path, off, index, len(data))
            raise LedgerError(f"{path}: entry {index} at byte offset {off}: invalid record length {length}")
        end = off + 4 + length + merkle.HASH_SIZE
        if end > len(data):
            raise TornTailError(path, off, index, len(data))
        entry = data[off + 4:off + 4 + length]
        stored = data[end - merkle.HASH_SIZE:end]
        leaf = merkle.leaf_hash(entry)
        if leaf != stored and end == len(data) and data[-1] == 0:
            # The last record is complete in length but ends in zeros where
            # its data never landed (file size updated, blocks not written).
            raise TornTailError(path, off, index, len(data))
        if leaf != stored:
            raise LedgerError(f"{path}: entry {index} at byte offset {off}: its bytes do not match its "
                              "stored hash (the entry was edited or the file is damaged)")
        _check_entry(entry, index, prev, f"{path}: entry {index} at byte offset {off}")
        led.entries.append(entry)
        led.leaves.append(leaf)
        led.offsets.append(off)
        led.end = off = end
        prev = leaf
    return led


def _check_entry(entry: bytes, index: int, prev: bytes, where: str) -> None:
    try:
        value = decode(entry)
    except Exception as e:  # noqa: BLE001 - cbor2 raises several types for garbage
        raise LedgerError(f"{where}: not a canonical CBOR entry ({e})") from None
    if not isinstance(value, dict) or set(value) != ENTRY_KEYS or value["schema"] != ENTRY_SCHEMA:
        raise LedgerError(f"{where}: not a {ENTRY_SCHEMA} entry (keys {sorted(value) if isinstance(value, dict) else '-'})")
    got = value["index"]
    if type(got) is not int or got != index:
        # A deleted, inserted or reordered entry shows up here first.
        raise LedgerError(f"{where}: has index {got!r} where index {index} belongs "
                          "(an entry was deleted, inserted or moved)")
    if value["prev"] != prev:
        raise LedgerError(f"{where}: its prev hash does not match the leaf hash of the entry before it "
                          "(the chain is broken)")
    if not isinstance(value["kind"], str) or not KIND_RE.fullmatch(value["kind"]) \
            or not isinstance(value["payload"], dict):
        raise LedgerError(f"{where}: invalid kind or payload")


# ---- file access ---------------------------------------------------------------


def _open(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        raise LedgerError(f"{path}: no such ledger") from None
    except OSError as e:
        raise LedgerError(f"{path}: cannot open the ledger: {e.strerror}") from None


def _read_all(fd: int) -> bytes:
    chunks, off = [], 0
    while True:
        chunk = os.pread(fd, 1 << 20, off)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        off += len(chunk)


def _write_all(fd: int, data: bytes, offset: int) -> None:
    # pwrite at the verified end, not O_APPEND: under the lock the end we
    # verified is the end, and nothing is ever written after unverified bytes.
    while data:
        n = os.pwrite(fd, data, offset)
        data, offset = data[n:], offset + n


def _fsync_dir(path: Path) -> None:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create(path: str | os.PathLike, origin: str | None = None) -> bool:
    """Create an empty ledger atomically; False (and no change) if it exists."""
    p = Path(path)
    data = header(default_origin(p) if origin is None else origin)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, data, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, p)  # atomic and never overwrites: a racing creator just loses
        except FileExistsError:
            return False
        _fsync_dir(p)
        return True
    except OSError as e:
        raise LedgerError(f"{p}: cannot create the ledger: {e.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def load(path: str | os.PathLike) -> Ledger:
    """Read and verify the whole ledger under a shared lock; raises on any defect."""
    p = Path(path)
    fd = _open(p, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        data = _read_all(fd)
    except OSError as e:
        raise LedgerError(f"{p}: cannot read the ledger: {e.strerror}") from None
    finally:
        os.close(fd)
    return parse(data, str(p))


def append_entry(path: str | os.PathLike, kind: str, payload: dict) -> Appended:
    """Append one entry; creates the ledger (origin from the file name) if absent.
    Refuses a ledger that does not verify, torn tail included."""
    p = Path(path)
    make_entry(0, GENESIS_PREV, kind, payload)  # reject bad input before touching any file
    if not p.exists():
        create(p)
    fd = _open(p, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            led = parse(_read_all(fd), str(p))
        except TornTailError as e:
            raise LedgerError(f"refusing to append: {e}") from None
        prev = led.leaves[-1] if led.leaves else GENESIS_PREV
        entry = make_entry(led.size, prev, kind, payload)
        _write_all(fd, frame(entry), led.end)
        os.fsync(fd)
    except OSError as e:
        raise LedgerError(f"{p}: cannot append: {e.strerror}") from None
    finally:
        os.close(fd)  # releases the lock, after the fsync: the entry is published durable
    leaf = merkle.leaf_hash(entry)
    return Appended(led.size, led.size + 1, merkle.root([*led.leaves, leaf]), leaf)


def append(path: str | os.PathLike, kind: str, payload: dict) -> int:
    """Append {"index", "prev", "kind", "payload"} durably; return its index."""
    return append_entry(path, kind, payload).index


@dataclass
class Repaired:
    offset: int  # where the partial record started; the file now ends here
    removed: int  # bytes removed
    index: int  # the entry index the partial record would have had
    size: int  # intact entries kept


def repair(path: str | os.PathLike) -> Repaired | None:
    """Truncate a torn tail (only that) and return what was removed; None if
    the ledger was intact. Corruption anywhere else still raises."""
    p = Path(path)
    fd = _open(p, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _read_all(fd)
        try:
            parse(data, str(p))
            return None
        except TornTailError as torn:
            kept = parse(data[:torn.offset], str(p))  # everything before it verifies
            os.ftruncate(fd, torn.offset)
            os.fsync(fd)
            return Repaired(torn.offset, torn.removable, torn.index, kept.size)
    except OSError as e:
        raise LedgerError(f"{p}: cannot repair: {e.strerror}") from None
    finally:
        os.close(fd)
