"""An Outlook .msg written for tests: a minimal Compound File (MS-CFB v3) with MS-OXMSG streams.

No library writes .msg files (extract-msg only reads them), so the sample is built
here from the two specifications, as small as extract-msg accepts: the message's
properties, its transport headers (Date, Message-ID, From, To, Cc) and one attachment.
"""

import itertools
import struct
from email.utils import parsedate_to_datetime

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


class _Entry:
    def __init__(self, name, data=None):
        self.name, self.data, self.children = name, data, []
        self.start, self.size = END, 0
        self.left = self.right = self.child = NOSTREAM

    def add(self, entry):
        self.children.append(entry)
        return entry


def _sort_key(entry):
    return (len(entry.name), entry.name.upper())


def _chain(table: list[int], first: int, count: int) -> None:
    for offset in range(count):
        table[first + offset] = first + offset + 1 if offset < count - 1 else END


def compound_file(root: _Entry) -> bytes:
    """Lay out ``root`` and everything under it as a CFB v3 file."""
    entries: list[_Entry] = []

    def number(entry):
        entries.append(entry)
        for child in sorted(entry.children, key=_sort_key):
            number(child)

    number(root)
    ids = {id(entry): index for index, entry in enumerate(entries)}
    for entry in entries:
        # Siblings as a chain of right links in sorted order: a valid (if unbalanced) tree.
        ordered = sorted(entry.children, key=_sort_key)
        if ordered:
            entry.child = ids[id(ordered[0])]
        for this, after in itertools.pairwise(ordered):
            this.right = ids[id(after)]
    mini_stream, minifat = bytearray(), []
    big = []
    for entry in entries:
        if entry.data is None or not entry.data:
            continue
        entry.size = len(entry.data)
        if entry.size < CUTOFF:
            entry.start = len(mini_stream) // MINI
            count = -(-entry.size // MINI)
            minifat += [0] * count
            _chain(minifat, entry.start, count)
            mini_stream += entry.data + b"\0" * (count * MINI - entry.size)
        else:
            big.append(entry)
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes) -> int:
        count = max(1, -(-len(data) // SECTOR))
        first = len(sectors)
        for index in range(count):
            sectors.append(data[index * SECTOR : (index + 1) * SECTOR].ljust(SECTOR, b"\0"))
        fat.extend([0] * count)
        _chain(fat, first, count)
        return first

    for entry in big:
        entry.start = place(entry.data)
    root.start = place(bytes(mini_stream)) if mini_stream else END
    root.size = len(mini_stream)
    minifat_bytes = b"".join(struct.pack("<I", value) for value in minifat)
    minifat_start = place(minifat_bytes) if minifat else END
    minifat_count = -(-len(minifat_bytes) // SECTOR)
    directory = b"".join(_directory_entry(entry, index == 0) for index, entry in enumerate(entries))
    directory += b"".join(_empty_entry() for _ in range(-len(entries) % 4))
    directory_start = place(directory)
    fat_count = 1
    while len(sectors) + fat_count > fat_count * (SECTOR // 4):
        fat_count += 1
    fat_start = len(sectors)
    fat.extend([FATSECT] * fat_count)
    fat.extend([FREE] * (fat_count * (SECTOR // 4) - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", value) for value in fat)
    for index in range(fat_count):
        sectors.append(fat_bytes[index * SECTOR : (index + 1) * SECTOR])
    difat = [fat_start + index for index in range(fat_count)] + [FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_count,
        directory_start,
        0,
        CUTOFF,
        minifat_start,
        minifat_count,
        END,
        0,
    ) + b"".join(struct.pack("<I", value) for value in difat)
    return header + b"".join(sectors)


def _directory_entry(entry: _Entry, is_root: bool) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    kind = 5 if is_root else (2 if entry.data is not None else 1)
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        kind,
        1,
        entry.left,
        entry.right,
        entry.child,
        b"\0" * 16,
        0,
        0,
        0,
        entry.start if (entry.size or is_root) else END,
        entry.size,
    )


def _empty_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0
    )


def _unicode(text: str) -> bytes:
    return text.encode("utf-16-le")


def _filetime(date: str) -> int:
    """A FILETIME: 100-nanosecond steps since 1601-01-01 UTC."""
    moment = parsedate_to_datetime(date)
    return int((moment.timestamp() + 11_644_473_600) * 10_000_000)


def _properties(header: bytes, values: list[tuple[int, int, bytes | int]]) -> bytes:
    rows = []
    for property_id, kind, value in values:
        tag = (property_id << 16) | kind
        if isinstance(value, int):
            rows.append(struct.pack("<IIQ", tag, 6, value))
        else:
            size = len(value) + (2 if kind == 0x001F else 0)  # the size counts the NUL
            rows.append(struct.pack("<IIII", tag, 6, size, 0))
    return header + b"".join(rows)


def msg_bytes(
    *,
    subject: str,
    body: str,
    sender: str,
    to: str,
    cc: str,
    date: str,
    message_id: str,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    """Return an Outlook message with these headers, body and (optionally) one attachment."""
    strings = {
        0x001A: "IPM.Note",
        0x0037: subject,
        0x1000: body,
        0x0C1A: sender,
        0x0C1F: sender,
        0x0E04: to,
        0x0E03: cc,
        0x007D: (
            f"From: {sender}\r\nTo: {to}\r\nCc: {cc}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n\r\n"
        ),
    }
    root = _Entry("Root Entry")
    values = []
    for property_id, text in strings.items():
        data = _unicode(text)
        root.add(_Entry(f"__substg1.0_{property_id:04X}001F", data))
        values.append((property_id, 0x001F, data))
    values.append((0x0039, 0x0040, _filetime(date)))  # PR_CLIENT_SUBMIT_TIME
    attachments = 1 if attachment else 0
    header = struct.pack("<8sIIII8s", b"", 0, attachments, 0, attachments, b"")
    root.add(_Entry("__properties_version1.0", _properties(header, values)))
    named = root.add(_Entry("__nameid_version1.0"))
    for stream in ("00020102", "00030102", "00040102"):
        named.add(_Entry(f"__substg1.0_{stream}", b""))
    if attachment:
        name, data = attachment
        storage = root.add(_Entry("__attach_version1.0_#00000000"))
        storage.add(_Entry("__substg1.0_37010102", data))
        storage.add(_Entry("__substg1.0_3707001F", _unicode(name)))
        storage.add(_Entry("__substg1.0_3704001F", _unicode(name[:12])))
        attach_values = [
            (0x3701, 0x0102, data),
            (0x3707, 0x001F, _unicode(name)),
            (0x3705, 0x0003, 1),  # attached by value
        ]
        storage.add(_Entry("__properties_version1.0", _properties(b"\0" * 8, attach_values)))
    return compound_file(root)
