"""Signed BagIt 1.0 packages (RFC 8493) as ZIP files written as a stream, and their check.

What leaves the workspace — a legal request's evidence bundle, a party's close-out
archive — leaves as a bag: a folder with ``bagit.txt``, ``bag-info.txt``, the payload
under ``data/``, ``manifest-sha256.txt`` and ``manifest-sha512.txt`` over every payload
file, ``tagmanifest-sha256.txt`` over those tag files, and a detached Ed25519 signature
over ``tagmanifest-sha256.txt`` with the public key and its fingerprint. Any BagIt
validator, ``sha256sum -c`` and :func:`verify` (``jit bag verify``) can check it
without the server.

:func:`write_bag` streams the ZIP (entries stored, not deflated) with zipstream-ng: a
payload file is read in chunks once, hashed on the way, and never held in memory; the
manifests are written after the payload, from the digests taken while it streamed.
The payload's SHA-256 and SHA-512 are taken on a helper thread (:class:`_Hashing`)
while this one reads, CRC-32s and writes the next chunks.

:func:`verify` reads a bag (ZIP or folder) once per file, in chunks, and names what is
wrong: file, manifest line, digest expected and found. A ZIP's stored entries are read
from the archive as they are (:class:`_StoredEntry`), so a changed byte in the ZIP is
named as it would be in the unpacked folder; nothing a manifest lists outside the bag
is read.
"""

import base64
import hashlib
import queue
import re
import struct
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from jit import signals, signing, zipdir
from jit.clock import utcnow

CHUNK = 1024 * 1024
# Payload chunks waiting for the hashing thread: at most this many chunks (4 MiB) are
# held beyond the one being read, however large the evidence.
HASH_QUEUE = 4
ALGORITHMS = ("sha256", "sha512")
SIGNATURE_FILE = "signature/tagmanifest-sha256.txt.sig"
PUBLIC_KEY_FILE = "signature/public-key.pem"
FINGERPRINT_FILE = "signature/key-fingerprint.txt"
MAX_ENTRIES = 100_000
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|%]')


class BagError(Exception):
    """A bag could not be read or written; the message says what and where."""


def safe_name(name: str, fallback: str = "file") -> str:
    """Return ``name`` fit for a path inside a bag: no separators, controls or leading dots."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name or "")).strip().lstrip(".")
    cleaned = cleaned.strip() or fallback
    if len(cleaned.encode("utf-8")) > 200:
        stem, dot, suffix = cleaned.rpartition(".")
        suffix = suffix[:20] if dot else ""
        cleaned = stem.encode("utf-8")[:150].decode("utf-8", "ignore") + (
            f".{suffix}" if suffix else ""
        )
    return cleaned


@dataclass(frozen=True)
class Payload:
    """One file of the payload: its path under ``data/`` and where its bytes come from."""

    path: str
    source: Path | bytes | Callable[[], Iterable[bytes]]

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.source, bytes):
            yield self.source
        elif isinstance(self.source, Path):
            with open(self.source, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk
        else:
            yield from self.source()


@dataclass
class BagResult:
    """What a written bag is: its own hash and size, and its payload's Payload-Oxum."""

    sha256: str | None  # None when the target took the whole ZIP's hash itself
    size: int
    payload_oxum: str
    files: int
    key_fingerprint: str


@dataclass
class _Digests:
    by_path: dict[str, dict[str, str]] = field(default_factory=dict)
    octets: int = 0


class _Hashing:
    """A thread that takes the SHA-256 and SHA-512 of the payload's chunks.

    Why a thread: the two payload hashes are most of :func:`write_bag`'s CPU (SHA-512
    alone is slower than reading, CRC-32 and the whole ZIP's SHA-256 together), and
    hashlib releases the GIL on large buffers; so this thread hashes chunk ``n`` while
    the writing thread CRC-32s and writes chunk ``n + 1`` (zlib releases it too). The
    queue holds at most :data:`HASH_QUEUE` chunks: the writer waits when the hashing is
    behind, so memory stays flat. Chunks are ``bytes`` (immutable), safe to share.
    """

    def __init__(self):
        self._queue: queue.Queue = queue.Queue(maxsize=HASH_QUEUE)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="bag-hash", daemon=True)
        self._thread.start()
        self._open = True

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            hashers, chunk = job
            try:
                if self.error is None:
                    for hasher in hashers:
                        hasher.update(chunk)
            except BaseException as failure:  # raised to the writer by finish()
                self.error = failure

    def put(self, hashers, chunk: bytes) -> None:
        self._queue.put((hashers, chunk))

    def finish(self, *, check: bool = True) -> None:
        """Wait until every chunk put is hashed and stop the thread; raise its error."""
        if self._open:
            self._open = False
            self._queue.put(None)
            self._thread.join()
        if check and self.error is not None:
            raise BagError(f"could not hash the payload: {self.error}") from self.error


def _check_payload_path(path: str) -> str:
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BagError(f"{path!r} is not a relative path inside the payload")
    if any(_UNSAFE.search(part) for part in parts):
        raise BagError(f"{path!r} has a character a bag path may not hold")
    return "data/" + "/".join(parts)


def write_bag(
    target: BinaryIO,
    *,
    name: str,
    info: dict[str, str],
    payload: list[Payload],
    hash_whole: bool = True,
) -> BagResult:
    """Write a signed bag named ``name`` as a ZIP to ``target``; return its hash and size.

    ``hash_whole=False`` is for a target that takes the SHA-256 of what it is given, as
    the blob store's writer does: hashing the whole ZIP here as well would be a second
    pass over every byte for the same digest (about 0.5 s of CPU per GiB here, taken
    from the renderer processes of a package). The result's ``sha256`` is then None.
    """
    from zipstream import ZIP_STORED, ZipStream

    base = safe_name(name, "bag")
    paths = [_check_payload_path(entry.path) for entry in payload]
    if len(set(paths)) != len(paths):
        raise BagError("two payload files have the same path")
    digests = _Digests()
    finished: dict[str, dict] = {}  # path -> its hashers, read once the hashing is done
    stream = ZipStream(compress_type=ZIP_STORED)

    def hashed(path: str, entry: Payload) -> Iterator[bytes]:
        hashers = {algorithm: hashlib.new(algorithm) for algorithm in ALGORITHMS}
        for chunk in entry.chunks():
            chunk = bytes(chunk)  # the thread hashes it later: never a view of a reused buffer
            hashing.put(hashers.values(), chunk)
            digests.octets += len(chunk)
            yield chunk
        finished[path] = hashers

    def payload_digests() -> None:
        """Wait for the hashing thread; the manifests and bag-info need its digests."""
        hashing.finish()
        for path, hashers in finished.items():
            digests.by_path[path] = {a: h.hexdigest() for a, h in hashers.items()}
        finished.clear()

    for path, entry in zip(paths, payload, strict=True):
        stream.add(hashed(path, entry), f"{base}/{path}")

    tags: dict[str, bytes] = {}
    key = signing.signing_key()

    def tag(name: str, build: Callable[[], bytes]) -> Iterator[bytes]:
        tags[name] = build()
        yield tags[name]

    def bag_info() -> bytes:
        payload_digests()  # bag-info.txt is the first tag file after the payload
        fields = dict(info)
        fields["Payload-Oxum"] = f"{digests.octets}.{len(paths)}"
        fields.setdefault("Bagging-Date", utcnow().astimezone(UTC).date().isoformat())
        return "".join(f"{label}: {_one_line(value)}\n" for label, value in fields.items()).encode()

    def manifest(algorithm: str) -> bytes:
        return "".join(
            f"{digests.by_path[path][algorithm]}  {path}\n" for path in sorted(digests.by_path)
        ).encode()

    def tag_manifest() -> bytes:
        names = ["bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS)]
        return "".join(f"{hashlib.sha256(tags[n]).hexdigest()}  {n}\n" for n in names).encode()

    builders = [
        ("bagit.txt", lambda: b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        ("bag-info.txt", bag_info),
        *((f"manifest-{a}.txt", lambda a=a: manifest(a)) for a in ALGORITHMS),
        ("tagmanifest-sha256.txt", tag_manifest),
        (SIGNATURE_FILE, lambda: key.sign(tags["tagmanifest-sha256.txt"]).encode() + b"\n"),
        (PUBLIC_KEY_FILE, key.public_pem),
        (FINGERPRINT_FILE, lambda: f"SHA-256 {key.fingerprint}\nkey id {key.key_id}\n".encode()),
    ]
    for tag_name, build in builders:
        stream.add(tag(tag_name, build), f"{base}/{tag_name}")

    whole, size = hashlib.sha256() if hash_whole else None, 0
    hashing = _Hashing()  # started last: nothing above can leave it running
    try:
        for chunk in stream:
            target.write(chunk)
            if whole is not None:
                whole.update(chunk)
            size += len(chunk)
    finally:
        hashing.finish(check=False)  # when writing failed too: no thread is left behind
    return BagResult(
        sha256=whole.hexdigest() if whole is not None else None,
        size=size,
        payload_oxum=f"{digests.octets}.{len(paths)}",
        files=len(paths),
        key_fingerprint=key.fingerprint,
    )


def _one_line(value) -> str:
    return " ".join(str(value).split())


# --- reading and verifying -----------------------------------------------------------

# A tag file (bagit.txt, bag-info.txt, a manifest, the signature) is read whole; this is
# far beyond any real one (a manifest of MAX_ENTRIES long paths), a bound for hostile input.
MAX_TAG_BYTES = 128 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UnreadableMember(BagError):
    """A file in the bag could not be read to its end; the message names it and says why."""


def _leads_outside(path: str) -> bool:
    """Whether a path a manifest lists could lead out of the bag's folder when opened."""
    return (
        path.startswith("/")
        or "\\" in path
        or "\x00" in path
        or _DRIVE.match(path) is not None
        or ".." in path.split("/")
    )


def _unreadable(name: str, reason: str) -> UnreadableMember:
    return UnreadableMember(f"{name} cannot be read ({reason})")


def _shown(path: str) -> str:
    """``path`` fit for a report: a manifest's control characters written out, not sent."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", path)


class _Folder:
    """A bag on disk (an unpacked ZIP, or one written by another tool)."""

    def __init__(self, root: Path):
        self.root = root

    def names(self) -> list[str]:
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and not path.is_symlink()
        )

    def open(self, name: str) -> "_Member":
        """Open a regular file of the bag; a link, or a name leading out, is not one."""
        path = self.root / name
        if (
            _leads_outside(name)
            or path.is_symlink()
            or not path.is_file()
            or not path.resolve().is_relative_to(self.root.resolve())
        ):
            raise FileNotFoundError(f"{name}: no such file in the bag")
        try:
            return _Member(name, open(path, "rb"), _unreadable)
        except OSError as error:
            raise _unreadable(name, error.strerror or str(error)) from None


# What reading a member through zipfile (or from disk) raises when its bytes are bad.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)


class _Member:
    """A file of the bag opened for reading; failing to read it is :class:`UnreadableMember`.

    ``unreadable(name, reason)`` makes that exception (and may note it, as a ZIP does).
    """

    def __init__(self, name: str, handle, unreadable: Callable[[str, str], UnreadableMember]):
        self.name, self._handle, self._unreadable = name, handle, unreadable

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except _READ_ERRORS as error:
            raise self._unreadable(self.name, str(error) or type(error).__name__) from None

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "_Member":
        return self

    def __exit__(self, *_exception) -> None:
        self.close()


# A local file header's fixed part (APPNOTE.TXT 4.3.7): signature, version needed, flags,
# method, time, date, CRC-32, compressed and uncompressed size, name and extra lengths.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED = 0x1
_UTF8_NAME = 0x800


class _StoredEntry:
    """A stored (not deflated) ZIP entry's bytes, read from the archive file directly.

    Why not ``zipfile``: it checks an entry's CRC-32 as it reads, and at the end of a
    changed entry raises ``BadZipFile`` instead of returning the last bytes. A tampered
    ZIP then says only "Bad CRC-32" where the same tampering in a folder gets the
    manifest line with the hash expected and found — and that is what a court needs
    from the ZIP it was sent. A stored entry's bytes are the file's bytes as they are,
    so this reads them, in the caller's chunks, from just after the entry's local header
    (APPNOTE.TXT 4.3.7) for the size the central directory gives (``zipfile`` has
    parsed it, ZIP64 included), and takes the CRC-32 itself: a mismatch is told to
    ``on_crc`` for the report, never raised. Deflated entries keep ``zipfile``'s path.
    """

    def __init__(self, path: Path, name: str, info: zipfile.ZipInfo, unreadable, on_crc):
        self.name, self._info, self._unreadable, self._on_crc = name, info, unreadable, on_crc
        self._remaining, self._crc, self._crc_checked = info.compress_size, 0, False
        self._file = open(path, "rb")  # noqa: SIM115 (closed by close(), as any file object)
        try:
            self._file.seek(info.header_offset)
            header = self._file.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
                raise unreadable(name, "no local file header where the ZIP's directory puts it")
            name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
            encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
            if self._file.read(name_length) != info.orig_filename.encode(encoding, "replace"):
                raise unreadable(name, "its local header names another file than the directory")
            self._file.seek(extra_length, 1)
        except BaseException:
            self._file.close()
            raise

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self._remaining:
            size = self._remaining
        data = self._file.read(size) if size else b""
        if len(data) < size:
            raise self._unreadable(self.name, "the ZIP ends before the entry does")
        self._crc = zlib.crc32(data, self._crc)
        self._remaining -= len(data)
        if not self._remaining and not self._crc_checked:
            self._crc_checked = True
            if self._crc != self._info.CRC:
                self._on_crc(self.name, self._info.CRC, self._crc)
        return data

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "_StoredEntry":
        return self

    def __exit__(self, *_exception) -> None:
        self.close()


class _Zip:
    """A bag as a ZIP: read member by member, never extracted."""

    def __init__(self, path: Path):
        try:
            self.archive = zipdir.open_checked(path, MAX_ENTRIES)
        except zipdir.ZipDirectoryTooLarge as refused:
            raise BagError(f"{path}: {refused}") from None
        except (zipfile.BadZipFile, OSError) as error:
            raise BagError(f"{path}: not a readable ZIP ({error})") from None
        members = [info for info in self.archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ENTRIES:
            raise BagError(f"{path}: more than {MAX_ENTRIES} entries")
        tops = set()
        for info in members:
            parts = PurePosixPath(info.filename).parts
            if info.filename.startswith("/") or "\\" in info.filename or ".." in parts:
                raise BagError(f"{path}: entry {info.filename!r} points outside the bag")
            tops.add(parts[0])
        if len(tops) != 1:
            raise BagError(f"{path}: a bag ZIP holds one top folder, found {len(tops)}")
        self.path = path
        self.base = tops.pop()
        self._members = {info.filename[len(self.base) + 1 :]: info for info in members}
        self.damaged: dict[str, str] = {}  # member -> what is wrong with its ZIP entry

    def names(self) -> list[str]:
        return sorted(self._members)

    def open(self, name: str) -> "_StoredEntry | _Member":
        info = self._members[name]  # KeyError: no such member
        if info.flag_bits & _ENCRYPTED:
            raise self._unreadable(name, "it is encrypted")
        if info.compress_type == zipfile.ZIP_STORED:
            return _StoredEntry(self.path, name, info, self._unreadable, self._crc_mismatch)
        try:  # deflated (another tool's ZIP): zipfile's own reading, CRC-32 check included
            return _Member(name, self.archive.open(info), self._unreadable)
        except _READ_ERRORS as error:
            raise self._unreadable(name, str(error) or type(error).__name__) from None

    def _unreadable(self, name: str, reason: str) -> UnreadableMember:
        refused = _unreadable(name, reason)
        self.damaged[name] = str(refused)
        return refused

    def _crc_mismatch(self, name: str, recorded: int, found: int) -> None:
        self.damaged[name] = (
            f"{name}: the ZIP records CRC-32 {recorded:08x} for it, its bytes give "
            f"{found:08x} (changed after the ZIP was written)"
        )

    def entries_check(self) -> tuple[str, bool, str]:
        """The ZIP's own check of the entries read: CRC-32s, and entries that would not read."""
        if self.damaged:
            return (
                "ZIP entries",
                False,
                "; ".join(self.damaged[name] for name in sorted(self.damaged)),
            )
        return "ZIP entries", True, "every entry read matches the CRC-32 the ZIP records for it"

    def close(self) -> None:
        self.archive.close()


@dataclass
class Verification:
    """The outcome of checking a bag: each check with its result, and the problems."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    fingerprint: str | None = None

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {detail}" for name, ok, detail in self.checks if not ok]

    @property
    def is_intact(self) -> bool:
        return bool(self.checks) and all(ok for _name, ok, _detail in self.checks)

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, ok, detail))


def _read_tag(bag, name: str) -> tuple[bytes | None, str]:
    """A tag file's bytes, or None and why not ("missing", or what stopped the reading)."""
    try:
        with bag.open(name) as handle:
            content = handle.read(MAX_TAG_BYTES + 1)
    except (KeyError, FileNotFoundError):
        return None, "missing"
    except UnreadableMember as error:
        return None, str(error)
    if len(content) > MAX_TAG_BYTES:
        return None, f"larger than {MAX_TAG_BYTES:,} bytes, which no tag file is; not read"
    return content, ""


@dataclass(frozen=True)
class _Scanned:
    """One pass over a member: its size and digests, or why it could not be read."""

    octets: int
    digests: dict[str, str]
    problem: str | None = None


class _Scans:
    """Each member read once, in chunks, for its size and both digests; kept by name."""

    def __init__(self, bag):
        self._bag, self._done = bag, {}

    def __call__(self, name: str) -> _Scanned:
        if name not in self._done:
            self._done[name] = self._scan(name)
        return self._done[name]

    def _scan(self, name: str) -> _Scanned:
        hashers, octets = [hashlib.new(algorithm) for algorithm in ALGORITHMS], 0
        try:
            with self._bag.open(name) as handle:
                while chunk := handle.read(CHUNK):
                    octets += len(chunk)
                    for hasher in hashers:
                        hasher.update(chunk)
        except (KeyError, FileNotFoundError):  # listed, then gone (or a link): not read
            return _Scanned(octets, {}, f"{name} is missing")
        except UnreadableMember as error:
            return _Scanned(octets, {}, str(error))
        return _Scanned(
            octets, {a: h.hexdigest() for a, h in zip(ALGORITHMS, hashers, strict=True)}
        )


def _manifest_lines(text: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    """A manifest's ``(line number in the file, path, digest)``, and its malformed lines."""
    entries, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        digest, _, path = line.partition(" ")
        path = path.lstrip(" *")
        if not digest or not path:
            problems.append(f"line {number} is not 'digest  path'")
            continue
        entries.append((number, path, digest.lower()))
    return entries, problems


@contextmanager
def open_bag(path: Path) -> Iterator["_Folder | _Zip"]:
    """Open the bag at ``path`` (ZIP or folder) for reading: ``names()`` and ``open(name)``.

    A ZIP is read member by member, never extracted; one with an entry outside its one
    top folder is refused (:class:`BagError`), as is a path that is neither. ``open``
    raises ``KeyError`` or ``FileNotFoundError`` for a member that is not there, and
    :class:`UnreadableMember` when its bytes cannot be read; a stored ZIP entry whose
    bytes disagree with its CRC-32 is read as it is (its manifest lines say the rest).
    """
    path = Path(path)
    if path.is_dir():
        yield _Folder(path)
    elif path.is_file():
        bag = _Zip(path)
        try:
            yield bag
        finally:
            bag.close()
    else:
        raise BagError(f"{path}: no such file or folder")


def verify(path: Path, expected_fingerprint: str | None = None) -> Verification:
    """Check the bag at ``path`` (ZIP or folder) without the server; name what is wrong.

    A damaged ZIP entry is a finding (``ZIP entries``) beside the manifest lines that
    name it, never a reason to skip a check.
    """
    result = Verification()
    with open_bag(path) as bag:
        _verify(bag, result, expected_fingerprint)
        try:
            for _receiver, checks in signals.bag_checks.send(bag, open_member=bag.open):
                for name, ok, detail in checks or []:
                    result.add(name, ok, detail)
        except UnreadableMember as damaged:  # a package's own check met a damaged member
            result.add("bag", False, str(damaged))
        if isinstance(bag, _Zip):
            result.add(*bag.entries_check())
    return result


def _verify(bag, result: Verification, expected_fingerprint: str | None) -> None:
    names = set(bag.names())
    declaration, why = _read_tag(bag, "bagit.txt")
    if declaration is None and why != "missing":
        result.add("bagit.txt", False, why)
        return
    if declaration is None or not declaration.startswith(b"BagIt-Version: 1."):
        result.add("bagit.txt", False, "missing or not a BagIt 1.x declaration")
        return
    result.add("bagit.txt", True, declaration.splitlines()[0].decode("utf-8", "replace"))

    scans = _Scans(bag)
    payload = sorted(name for name in names if name.startswith("data/"))
    _check_oxum(bag, payload, scans, result)
    for algorithm in ALGORITHMS:
        _check_manifest(bag, algorithm, names, payload, scans, result)

    text, why = _read_tag(bag, "tagmanifest-sha256.txt")
    if text is None:
        result.add("tagmanifest-sha256.txt", False, why)
        return
    _check_tag_manifest(text, names, scans, result)
    _verify_signature(bag, text, result, expected_fingerprint)


def _check_oxum(bag, payload: list[str], scans: _Scans, result: Verification) -> None:
    info, _why = _read_tag(bag, "bag-info.txt")
    lines = (info or b"").decode("utf-8", "replace").splitlines()
    oxum = next((line.split(":", 1)[1].strip() for line in lines
                 if line.startswith("Payload-Oxum:")), None)  # fmt: skip
    unreadable = [name for name in payload if scans(name).problem]
    if unreadable:
        result.add(
            "Payload-Oxum",
            False,
            f"bag-info.txt says {oxum}; {len(unreadable)} payload file(s) cannot be read to "
            "the end, so the payload's size is not known",
        )
        return
    found = f"{sum(scans(name).octets for name in payload)}.{len(payload)}"
    result.add(
        "Payload-Oxum",
        oxum == found,
        f"bag-info.txt says {oxum}, the payload is {found}" if oxum != found else found,
    )


def _check_manifest(bag, algorithm, names, payload, scans: _Scans, result) -> None:
    label = f"manifest-{algorithm}.txt"
    text, why = _read_tag(bag, label)
    if text is None:
        result.add(label, False, why)
        return
    entries, problems = _manifest_lines(text.decode("utf-8", "replace"))
    first_listed: dict[str, int] = {}
    for number, path, digest in entries:
        shown = _shown(path)
        if _leads_outside(path):
            problems.append(f"line {number}: {shown} points outside the bag and was not read")
            continue
        if path in first_listed:
            first = first_listed[path]
            problems.append(f"line {number}: {shown} is listed again (first on line {first})")
        else:
            first_listed[path] = number
        if path not in names:
            problems.append(f"line {number}: {shown} is missing")
            continue
        scanned = scans(path)
        if scanned.problem:
            problems.append(f"line {number}: {_shown(scanned.problem)}")
        elif scanned.digests[algorithm] != digest:
            problems.append(
                f"line {number}: {shown} expected {digest}, found {scanned.digests[algorithm]}"
            )
    unlisted = sorted(set(payload) - set(first_listed))
    problems += [f"{_shown(member)} is in data/ but not in the manifest" for member in unlisted]
    result.add(label, not problems, "; ".join(problems) or f"{len(first_listed)} files match")


def _check_tag_manifest(text: bytes, names, scans: _Scans, result: Verification) -> None:
    entries, problems = _manifest_lines(text.decode("utf-8", "replace"))
    for number, path, digest in entries:
        shown = _shown(path)
        if _leads_outside(path):
            problems.append(f"{shown} points outside the bag and was not read (line {number})")
        elif path not in names:
            problems.append(f"{shown} is missing (line {number})")
        elif (scanned := scans(path)).problem:
            problems.append(f"{_shown(scanned.problem)} (line {number})")
        elif scanned.digests["sha256"] != digest:
            problems.append(
                f"{shown} expected {digest}, found {scanned.digests['sha256']} (line {number})"
            )
    result.add("tagmanifest-sha256.txt", not problems, "; ".join(problems) or "tag files match")


def _verify_signature(bag, tag_manifest: bytes, result, expected_fingerprint) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    (signature, signature_why), (pem, pem_why) = (
        _read_tag(bag, SIGNATURE_FILE),
        _read_tag(bag, PUBLIC_KEY_FILE),
    )
    if signature is None or pem is None:
        why = signature_why if signature is None else pem_why
        if why == "missing":
            why = f"{SIGNATURE_FILE} or {PUBLIC_KEY_FILE} is missing"
        result.add("signature", False, why)
        return
    try:
        public = serialization.load_pem_public_key(pem)
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        public.verify(base64.b64decode(signature.strip(), validate=True), tag_manifest)
    except (ValueError, InvalidSignature, TypeError):
        result.add("signature", False, "the signature over tagmanifest-sha256.txt does not hold")
        return
    fingerprint = hashlib.sha256(raw).hexdigest()
    result.fingerprint = fingerprint
    if expected_fingerprint and expected_fingerprint.lower().replace(":", "") != fingerprint:
        result.add("signature", False, f"signed by key {fingerprint}, not the expected one")
        return
    result.add("signature", True, f"Ed25519, key fingerprint {fingerprint}")
