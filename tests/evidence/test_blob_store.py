"""The blob writer stores exactly the bytes it was given, whichever way it writes them."""

import hashlib
import os

import pytest

from evidence import storage

SIZES = [0, 1, 4095, 4096, 4097, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1, 9 * 1024 * 1024 + 123]


@pytest.fixture(params=[True, False], ids=["direct-io", "page-cache"])
def direct_io(request, app):
    app.config["BLOB_DIRECT_IO"] = request.param
    return request.param


@pytest.mark.parametrize("size", SIZES)
def test_bytes_round_trip_in_uneven_chunks(app, direct_io, size):
    data = os.urandom(size)
    writer = storage.BlobWriter()
    if direct_io and hasattr(os, "O_DIRECT"):
        assert type(writer._sink).__name__ in ("DirectSink", "BufferedSink")
    else:
        assert type(writer._sink).__name__ == "BufferedSink"
    for start in range(0, size, 777_777):
        writer.write(data[start : start + 777_777])
    blob = writer.finish()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size_bytes == size
    assert storage.blob_path(blob.sha256).read_bytes() == data
    assert oct(storage.blob_path(blob.sha256).stat().st_mode)[-3:] == "440"
    assert list((storage.blob_dir() / "tmp").iterdir()) == []


def test_writable_views_as_from_the_socket_round_trip(app, direct_io):
    """Chunks as the upload reader passes them: views of bytearrays (copied without the
    GIL), small pieces and read-only bytes mixed, at offsets that straddle the buffer."""
    data = os.urandom(13 * 1024 * 1024 + 4321)
    sizes = [3, 4 * 1024 * 1024 - 1, 70_000, 1, 5 * 1024 * 1024, 65_535, 65_536]
    writer = storage.BlobWriter()
    start = 0
    for number, size in enumerate([*sizes, len(data)]):
        piece = data[start : start + size]
        writer.write(memoryview(bytearray(piece)) if number % 2 == 0 else piece)
        start += len(piece)
    assert start == len(data)
    blob = writer.finish()
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.blob_path(blob.sha256).read_bytes() == data


def test_abort_leaves_nothing(app, direct_io):
    writer = storage.BlobWriter()
    writer.write(b"partial" * 1000)
    writer.abort()
    assert not writer.temp_path.exists()
    assert list(storage.iter_blobs()) == []


def test_identical_content_is_kept_once(app, direct_io):
    first = storage.store_bytes(b"same")
    second = storage.store_bytes(b"same")
    assert (first.created, second.created) == (True, False)
    assert len(list(storage.iter_blobs())) == 1


def test_a_blob_larger_than_the_limit_is_refused(app, direct_io):
    writer = storage.BlobWriter(max_bytes=10)
    with pytest.raises(storage.BlobTooLarge):
        writer.write(b"x" * 11)
    writer.abort()
    assert not writer.temp_path.exists()


def test_a_file_system_without_o_direct_falls_back_to_the_page_cache(app, monkeypatch):
    """Like tmpfs before Linux 6.6: the open creates the file, then refuses O_DIRECT."""
    if not hasattr(os, "O_DIRECT"):
        raise RuntimeError("this platform has no O_DIRECT; the fallback cannot be exercised")
    app.config["BLOB_DIRECT_IO"] = True
    real_open = os.open

    def open_refusing_direct(path, flags, mode=0o777):
        if flags & os.O_DIRECT:
            os.close(real_open(path, flags & ~os.O_DIRECT, mode))
            raise OSError(22, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(storage.os, "open", open_refusing_direct)
    data = os.urandom(5 * 1024 * 1024 + 17)
    writer = storage.BlobWriter()
    assert type(writer._sink).__name__ == "BufferedSink"
    writer.write(data)
    blob = writer.finish()
    assert storage.blob_path(blob.sha256).read_bytes() == data


def test_a_failed_upload_removes_the_blob_it_stored_when_nobody_took_it_up(app):
    stored = storage.store_bytes(b"only this upload")
    assert storage.remove_unused_blob(stored.sha256, stored.stamp) is True
    assert list(storage.iter_blobs()) == []
    assert list((storage.blob_dir() / "tmp").iterdir()) == []


def test_a_failed_upload_keeps_the_blob_a_concurrent_upload_of_the_same_content_took_up(app):
    """Upload A stores the content, upload B of the same content finds it; A then fails.

    B may be about to commit a file row for that blob, so A must not remove it."""
    failing = storage.store_bytes(b"the same seized ledger")
    still_committing = storage.store_bytes(b"the same seized ledger")
    assert (failing.created, still_committing.created) == (True, False)
    assert storage.remove_unused_blob(failing.sha256, failing.stamp) is False
    assert storage.blob_path(failing.sha256).read_bytes() == b"the same seized ledger"
    assert list((storage.blob_dir() / "tmp").iterdir()) == []


def test_a_removal_between_finding_and_touching_the_blob_leaves_the_second_upload_its_copy(
    app, monkeypatch
):
    """The failing upload removes the blob after B saw it there but before B touched it."""
    failing = storage.store_bytes(b"contested content")
    real_utime = os.utime

    def removal_first(path, *args, **kwargs):
        assert storage.remove_unused_blob(failing.sha256, failing.stamp) is True
        return real_utime(path, *args, **kwargs)

    monkeypatch.setattr(storage.os, "utime", removal_first)
    second = storage.store_bytes(b"contested content")
    assert second.created is True  # B stored its own copy, so it can remove it if it fails
    assert storage.blob_path(second.sha256).read_bytes() == b"contested content"
