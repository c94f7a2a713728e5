"""Uploads go from the socket to the disk without a copy, and every receive buffer comes back.

The gunicorn body reader receives file bytes into the shared page-aligned buffers so
that each block of the file starts on a page; the blob writer then writes them with
O_DIRECT straight from those buffers. These tests drive that path over a real socket.
"""

import hashlib
import io
import os
import random
import socket
import threading
from types import SimpleNamespace

import pytest
from flask_wtf.csrf import generate_csrf

from evidence import buffers, diskwrite, multipart, storage, uploads
from tests.evidence.conftest import item_fields, multipart_body

MIB = 1024 * 1024


def _gunicorn_like_body(sock: socket.socket, length: int, buffered: bytes):
    """What gunicorn hands the app: a body whose reader has ``buffered`` bytes read ahead."""
    left = [buffered]

    def take_buffered():
        taken, left[0] = left[0], b""
        return taken

    unreader = SimpleNamespace(sock=sock, take_buffered=take_buffered, unread=left.append)
    reader = SimpleNamespace(length=length, unreader=unreader)
    return SimpleNamespace(reader=reader, buf=io.BytesIO(), failed=False)


def _receive_over_a_socket(app, body: bytes, content_type: str, *, read_ahead: int):
    """Run ``UploadReceiver`` on ``body`` sent through a socket pair; return it and its fields."""
    receiving, sending = socket.socketpair()
    sender = threading.Thread(target=sending.sendall, args=(body[read_ahead:],))
    sender.start()
    try:
        raw = _gunicorn_like_body(receiving, len(body), body[:read_ahead])
        stream = uploads._SocketBody(raw, len(body))
        receiver = uploads.UploadReceiver()
        try:
            fields = receiver._receive(stream, content_type, 64 * MIB, None)
        finally:
            stream.close()
        return receiver, fields
    finally:
        sender.join()
        receiving.close()
        sending.close()


@pytest.fixture
def staged(monkeypatch):
    """Count the bytes the O_DIRECT writer had to copy into its staging buffer."""
    counted = {"bytes": 0, "sinks": set()}
    real_copy = diskwrite.copy_into

    def counting_copy(target, address, offset, piece):
        counted["bytes"] += len(piece)
        return real_copy(target, address, offset, piece)

    real_open = diskwrite.open_sink

    def recording_open(path, **options):
        sink = real_open(path, **options)
        counted["sinks"].add(type(sink).__name__)
        return sink

    monkeypatch.setattr(diskwrite, "copy_into", counting_copy)
    monkeypatch.setattr(diskwrite, "open_sink", recording_open)
    return counted


@pytest.mark.parametrize("name_length", [1, 777, 4095, 5000])
def test_file_bytes_reach_the_disk_without_a_copy(app, staged, name_length):
    """Whatever offset the file starts at in the body, only its first and last partial
    pages are staged; the megabytes between are written from the receive buffers."""
    app.config["BLOB_DIRECT_IO"] = True
    data = random.Random(name_length).randbytes(13 * MIB + 4321)
    with app.test_request_context("/"):
        fields = {"csrf_token": generate_csrf()} | item_fields()
        body, content_type = multipart_body(fields, [("files", "n" * name_length, data)])
        receiver, received = _receive_over_a_socket(app, body, content_type, read_ahead=900)
    assert received["title"] == item_fields()["title"]
    [upload] = receiver.uploads
    assert upload.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.blob_path(upload.blob.sha256).read_bytes() == data
    assert staged["sinks"] == {"DirectSink"}
    # The bytes before the file's first page boundary came with the headers (at most
    # one small header read), plus the last partial page: far from 13 MiB.
    assert staged["bytes"] < multipart.HEAD_READ_SIZE + 2 * buffers.ALIGN
    assert buffers.pool.lent_count() == 0


def test_several_files_in_one_body_each_stored_exactly(app, staged):
    app.config["BLOB_DIRECT_IO"] = True
    rng = random.Random(5)
    files = [rng.randbytes(size) for size in (5 * MIB + 1, 0, 4096, 9 * MIB + 123)]
    with app.test_request_context("/"):
        fields = {"csrf_token": generate_csrf()} | item_fields()
        body, content_type = multipart_body(
            fields, [("files", f"f{n}.bin", content) for n, content in enumerate(files)]
        )
        receiver, _fields = _receive_over_a_socket(app, body, content_type, read_ahead=0)
    stored = [storage.blob_path(upload.blob.sha256).read_bytes() for upload in receiver.uploads]
    assert stored == files
    assert buffers.pool.lent_count() == 0


def test_a_body_cut_off_returns_every_buffer_and_leaves_no_file(app):
    app.config["BLOB_DIRECT_IO"] = True
    data = os.urandom(9 * MIB)
    with app.test_request_context("/"):
        fields = {"csrf_token": generate_csrf()} | item_fields()
        body, content_type = multipart_body(fields, [("files", "cut.bin", data)])
        receiving, sending = socket.socketpair()
        cut = len(body) - 3 * MIB

        def send_part_and_hang_up():
            sending.sendall(body[:cut])
            sending.close()

        sender = threading.Thread(target=send_part_and_hang_up)
        sender.start()
        stream = uploads._SocketBody(_gunicorn_like_body(receiving, len(body), b""), len(body))
        receiver = uploads.UploadReceiver()
        try:
            with pytest.raises(uploads.ClientDisconnected):
                receiver._receive(stream, content_type, 64 * MIB, None)
        finally:
            stream.close()
            receiver.discard()
        sender.join()
        receiving.close()
    assert buffers.pool.lent_count() == 0
    assert list(storage.iter_blobs()) == []
    assert list((storage.blob_dir() / "tmp").iterdir()) == []


def test_the_pool_counts_holders_and_keeps_a_few_free_buffers():
    pool = buffers.Pool(keep=1)
    first, second = pool.take(), pool.take()
    view = first.view[100:200]
    assert pool.hold(view, 2) is first
    assert pool.hold(memoryview(bytearray(10))) is None
    assert pool.hold(b"bytes") is None
    pool.release(first)
    pool.release(first)
    assert pool.lent_count() == 2  # still held once
    pool.release(first)
    pool.release(second)
    assert (pool.lent_count(), pool.free_count()) == (0, 1)
    assert pool.take() is first  # a free buffer is reused, not mapped anew
    with pytest.raises(RuntimeError, match="more often than held"):
        pool.release(second)  # released more often than held


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "view", "readonly-view"])
def test_find_agrees_with_bytes_find(kind):
    rng = random.Random(kind)
    needle = b"\r\n--" + b"----boundary-0123456789"
    for size in (0, 10, 70_000, 3 * MIB):
        data = bytearray(rng.randbytes(size))
        for where in sorted({0, size // 2, max(0, size - len(needle))}):
            if size >= len(needle):
                data[where : where + len(needle)] = needle
            expected = bytes(data).find(needle)
            subject = {
                "bytes": bytes(data),
                "bytearray": data,
                "view": memoryview(data)[0:],
                "readonly-view": memoryview(bytes(data)),
            }[kind]
            assert buffers.find(subject, needle) == expected
    assert buffers.find(memoryview(bytearray(200_000)), needle) == -1
