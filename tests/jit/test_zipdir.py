"""A ZIP's directory is sized and counted before zipfile reads it (jit.zipdir)."""

import io
import struct
import zipfile

import pytest

from evidence import readers
from evidence.readers import archives
from jit import bags, zipdir


def _zip(members: int, *, comment: bytes = b"", zip64: bool = False, monkeypatch=None) -> bytes:
    """A real ZIP of ``members`` small files; ``zip64`` writes ZIP64 end records."""
    if zip64:  # zipfile writes them past this many members; pretend the limit is 1
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(members):
            archive.writestr(f"folder/file-{number:05d}.txt", f"content {number}")
        archive.comment = comment
    if zip64:
        monkeypatch.undo()
    return buffer.getvalue()


def _never_opened(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("zipfile read a directory that should have been refused unread")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)


def _declared_entries(data: bytes, entries: int) -> bytes:
    """``data`` with the end record's entry counts set to ``entries`` (the rest kept)."""
    at = data.rindex(b"PK\x05\x06")
    record = bytearray(data[at : at + 22])
    struct.pack_into("<HH", record, 8, entries, entries)
    return data[:at] + bytes(record) + data[at + 22 :]


@pytest.mark.parametrize(
    "options",
    [{}, {"comment": b"made by a seizure tool"}, {"zip64": True}],
    ids=["plain", "comment", "zip64"],
)
def test_what_zipfile_reads_is_what_is_declared_and_counted(tmp_path, monkeypatch, options):
    data = _zip(12, monkeypatch=monkeypatch, **options)
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        entries, size, start = zipdir.declared(handle)
        assert zipdir.count_entries(handle, start, size, 100) == 12
    assert entries == 12
    with zipdir.open_checked(path, 12) as archive:  # exactly the limit: allowed
        assert len(archive.infolist()) == 12
        assert archive.start_dir == start


def test_the_zip64_record_counts_not_the_classic_end_record(tmp_path, monkeypatch):
    """zipfile takes a ZIP64 end record's counts over the classic one's: so does the check."""
    data = _zip(12, zip64=True, monkeypatch=monkeypatch)
    path = tmp_path / "a.zip"
    # Past 65,535 members tools write 0xFFFF in the classic record: the ZIP64 one says 12.
    path.write_bytes(_declared_entries(data, 0xFFFF))
    zipdir.open_checked(path, 100).close()
    # The classic record says 12; a ZIP64 record that declares 5,000 is what counts.
    at = data.rindex(b"PK\x06\x06")
    record = bytearray(data[at : at + 56])
    struct.pack_into("<QQ", record, 24, 5000, 5000)
    path.write_bytes(data[:at] + bytes(record) + data[at + 56 :])
    _never_opened(monkeypatch)
    with pytest.raises(zipdir.ZipDirectoryTooLarge, match="lists 5,000 members"):
        zipdir.open_checked(path, 100)


def test_more_members_than_allowed_are_refused_before_zipfile_reads_them(tmp_path, monkeypatch):
    path = tmp_path / "many.zip"
    path.write_bytes(_zip(30))
    _never_opened(monkeypatch)
    with pytest.raises(zipdir.ZipDirectoryTooLarge, match="lists 30 members, more than the limit"):
        zipdir.open_checked(path, 10)


def test_a_directory_that_lists_more_than_its_end_record_declares_is_counted(tmp_path, monkeypatch):
    """zipfile reads headers until the directory's size is used up, whatever the count says."""
    path = tmp_path / "lying.zip"
    path.write_bytes(_declared_entries(_zip(30), 1))
    with zipfile.ZipFile(path) as archive:  # what zipfile would have read
        assert len(archive.infolist()) == 30
    _never_opened(monkeypatch)
    with pytest.raises(zipdir.ZipDirectoryTooLarge, match="holds more than 10 members"):
        zipdir.open_checked(path, 10)


def test_a_directory_larger_than_the_limit_allows_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "long-names.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(3):
            archive.writestr(f"{number}-" + "n" * 3000, b"x")
    path.write_bytes(buffer.getvalue())
    _never_opened(monkeypatch)
    with pytest.raises(zipdir.ZipDirectoryTooLarge, match="directory is"):
        zipdir.open_checked(path, 3)  # 3 x 2,048 bytes allowed, ~9,000 used


def test_what_is_no_zip_is_left_to_zipfile(tmp_path):
    path = tmp_path / "not.zip"
    path.write_bytes(b"%PDF-1.7 not a zip at all" * 10)
    with open(path, "rb") as handle:
        assert zipdir.declared(handle) is None
    with pytest.raises(zipfile.BadZipFile):
        zipdir.open_checked(path, 10)


@pytest.mark.parametrize(
    ("module", "limit", "opener", "error", "message"),
    [
        (
            archives,
            "MAX_MEMBERS",
            archives.open_zip,
            readers.ExtractionError,
            "refused: the archive holds more than 10",
        ),
        (bags, "MAX_ENTRIES", bags._Zip, bags.BagError, "holds more than 10 members"),
    ],
    ids=["evidence-reader", "bag"],
)
def test_each_reader_refuses_a_lying_zip_unread_with_its_own_message(
    tmp_path, monkeypatch, module, limit, opener, error, message
):
    path = tmp_path / "lying.zip"
    path.write_bytes(_declared_entries(_zip(30), 1))
    monkeypatch.setattr(module, limit, 10)
    _never_opened(monkeypatch)
    with pytest.raises(error, match=message):
        opener(path)
