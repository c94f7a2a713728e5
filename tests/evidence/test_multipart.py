"""The streaming multipart reader: file bytes come out exactly, however the body is cut."""

import io
import random

import pytest

from evidence import multipart

BOUNDARY = b"----jit-test-boundary"
DELIMITER = b"\r\n--" + BOUNDARY


class _Pieces:
    """A stream that returns the body in the given piece sizes, then the rest."""

    def __init__(self, body: bytes, sizes):
        self._body = io.BytesIO(body)
        self._sizes = list(sizes)

    def read(self, size: int) -> bytes:
        wanted = min(size, self._sizes.pop(0)) if self._sizes else size
        return self._body.read(wanted)


def _body(files: list[bytes]) -> bytes:
    parts = [b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="title"\r\n\r\nT']
    for number, content in enumerate(files):
        parts.append(
            b"\r\n--"
            + BOUNDARY
            + b'\r\nContent-Disposition: form-data; name="files"; filename="f%d"\r\n\r\n' % number
            + content
        )
    return b"".join(parts) + b"\r\n--" + BOUNDARY + b"--\r\n"


def _parse(stream, read_size: int) -> tuple[list[bytes], list[str], int]:
    files, fields, data_events = [], [], 0
    for event in multipart.events(stream, BOUNDARY, read_size=read_size):
        if isinstance(event, multipart.Field):
            fields.append(event.value)
        elif isinstance(event, multipart.FileStart):
            files.append(bytearray())
        elif isinstance(event, multipart.FileData):
            assert len(event.data) > 0
            files[-1] += event.data
            data_events += 1
    return [bytes(content) for content in files], fields, data_events


# File contents that end in (or contain) every prefix of the delimiter, so that a read
# boundary falls inside a would-be delimiter at every position.
TRICKY = [b""] + [b"x" * 37 + DELIMITER[:cut] + b"#" * 11 for cut in range(1, len(DELIMITER))]
TRICKY += [DELIMITER[:cut] for cut in range(1, len(DELIMITER))]
TRICKY += [b"\r\r\n\r\n-\r\n--" + BOUNDARY[:-1] + b"\r"]


@pytest.mark.parametrize("read_size", [1, 2, 7, len(DELIMITER) - 1, len(DELIMITER) + 1, 64, 4096])
def test_files_come_out_exactly_for_every_read_size(read_size):
    body = _body(TRICKY)
    files, fields, _ = _parse(io.BytesIO(body), read_size)
    assert fields == ["T"]
    assert files == TRICKY


def test_a_delimiter_split_at_every_position_across_two_reads():
    content = bytes(random.Random(3).randbytes(5000))
    body = _body([content, b"second"])
    end = body.index(DELIMITER, body.index(b'filename="f0"'))
    for cut in range(end - 3, end + len(DELIMITER) + 3):
        files, _, _ = _parse(_Pieces(body, [cut]), 1 << 20)
        assert files == [content, b"second"], cut


def test_short_reads_of_any_size_keep_the_bytes():
    rng = random.Random(7)
    contents = [
        rng.randbytes(rng.randrange(0, 3000)) + DELIMITER[: rng.randrange(0, 9)] for _ in range(5)
    ]
    body = _body(contents)
    for _ in range(50):
        sizes = [rng.randrange(1, 200) for _ in range(len(body))]
        files, _, _ = _parse(_Pieces(body, sizes), 4096)
        assert files == contents


def test_a_large_file_passes_whole_chunks_without_extra_events():
    content = bytes(range(256)) * 4096 * 3  # 3 MiB, no CR-LF-dash-dash anywhere
    body = _body([content])
    files, _, data_events = _parse(io.BytesIO(body), 256 * 1024)
    assert files == [content]
    assert data_events <= 14  # one per read, no small held-back pieces in between


def test_a_body_cut_off_inside_a_file_is_an_error():
    body = _body([b"a" * 10000])
    with pytest.raises(multipart.MultipartError):
        _parse(io.BytesIO(body[:5000]), 1024)
    with pytest.raises(multipart.MultipartError):
        _parse(io.BytesIO(body[: body.rindex(DELIMITER) + 5]), 7)


class _ReusingStream:
    """Like the socket reader: returns views of one buffer that the next read overwrites,
    and records where it was told each file begins."""

    def __init__(self, body: bytes):
        self._body = io.BytesIO(body)
        self._buffer = bytearray(1 << 20)
        self.position = 0
        self.alignments: list[int | None] = []

    def align_file_at(self, offset):
        self.alignments.append(offset)

    def read(self, size: int):
        self._buffer[:] = b"\xee" * len(self._buffer)  # what a reused buffer would hold
        data = self._body.read(min(size, len(self._buffer)))
        self._buffer[: len(data)] = data
        self.position += len(data)
        return memoryview(self._buffer)[: len(data)]


@pytest.mark.parametrize("read_size", [7, 4096, 1 << 20])
def test_views_of_a_reused_buffer_are_used_before_they_are_overwritten(read_size):
    """No event may keep a view of an earlier read: the stream reuses its buffer."""
    rng = random.Random(read_size)
    contents = [rng.randbytes(300_000) + DELIMITER[:5], b"", *TRICKY[:20], rng.randbytes(70_001)]
    body = _body(contents)
    stream = _ReusingStream(body)
    files, fields, _ = _parse(stream, read_size)
    assert (files, fields) == (contents, ["T"])
    # Each file's first byte was announced at its offset in the body, then the end.
    starts = [
        body.index(b'filename="f%d"\r\n\r\n' % n) + len(b'filename="f%d"\r\n\r\n' % n)
        for n in range(len(contents))
    ]
    assert stream.alignments == [value for start in starts for value in (start, None)]
