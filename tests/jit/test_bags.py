"""Signed BagIt packages: written as a stream, accepted by other tools, tampering named."""

import base64
import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jit import bags


def _payload(tmp_path: Path) -> list[bags.Payload]:
    evidence = tmp_path / "scan.pdf"
    evidence.write_bytes(b"%PDF-1.7 scanned ledger " * 5000)
    return [
        bags.Payload("request/request.json", b'{"schema": "jit-workspace/request/v1"}'),
        bags.Payload("evidence/NL-0001/scan.pdf", evidence),
        bags.Payload(
            "evidence/NL-0001/custody.jsonl", lambda: iter([b'{"seq": 1}\n', b'{"seq": 2}\n'])
        ),
        bags.Payload("README.txt", b"How to verify: sha256sum -c manifest-sha256.txt\n"),
    ]


def _write(tmp_path: Path, payload=None) -> tuple[Path, bags.BagResult]:
    target = tmp_path / "bundle.zip"
    with open(target, "wb") as handle:
        result = bags.write_bag(
            handle,
            name="EIO-NL-AT-2026-001",
            info={
                "Source-Organization": "Openbaar Ministerie",
                "External-Identifier": "EIO-NL-AT-2026-001",
                "Bag-Group-Identifier": "IRON-MERIDIAN",
            },
            payload=payload if payload is not None else _payload(tmp_path),
        )
    return target, result


def _unzip(archive: Path, folder: Path) -> Path:
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)
    return folder / "EIO-NL-AT-2026-001"


def test_a_fresh_bag_verifies_with_this_code_bagit_and_sha256sum(app, tmp_path):
    archive, result = _write(tmp_path)
    assert result.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert result.size == archive.stat().st_size
    assert result.files == 4

    checked = bags.verify(archive)
    assert checked.is_intact, checked.problems
    assert checked.fingerprint == result.key_fingerprint

    folder = _unzip(archive, tmp_path / "unpacked")
    bagit.Bag(str(folder)).validate()  # raises on any problem
    assert bags.verify(folder).is_intact
    for manifest in ("manifest-sha256.txt", "manifest-sha512.txt"):
        tool = "sha256sum" if "256" in manifest else "sha512sum"
        done = subprocess.run([tool, "-c", manifest], cwd=folder, capture_output=True, check=False)
        assert done.returncode == 0, done.stdout
    info = (folder / "bag-info.txt").read_text()
    assert f"Payload-Oxum: {result.payload_oxum}" in info
    assert "External-Identifier: EIO-NL-AT-2026-001" in info
    with zipfile.ZipFile(archive) as opened:
        assert {i.compress_type for i in opened.infolist()} == {zipfile.ZIP_STORED}


def test_the_zip_is_written_before_the_last_payload_file_is_read(app, tmp_path):
    events = []

    class Recorder(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            if not events or events[-1] != "write":
                events.append("write")
            return len(data)

    def big_file():
        for _ in range(8):
            events.append("read")
            yield b"x" * (1024 * 1024)

    payload = [bags.Payload("first.bin", b"first"), bags.Payload("big.bin", big_file)]
    bags.write_bag(Recorder(), name="stream", info={}, payload=payload)
    assert events.index("write") < len(events) - 1 - events[::-1].index("read")


@pytest.fixture
def unpacked(app, tmp_path):
    archive, _result = _write(tmp_path)
    return _unzip(archive, tmp_path / "unpacked")


def _problems(folder: Path) -> str:
    result = bags.verify(folder)
    assert not result.is_intact
    return "\n".join(result.problems)


def test_a_changed_payload_byte_is_named(unpacked):
    target = unpacked / "data" / "evidence" / "NL-0001" / "scan.pdf"
    data = bytearray(target.read_bytes())
    data[100] ^= 1
    target.write_bytes(bytes(data))
    problems = _problems(unpacked)
    assert "manifest-sha256.txt: line" in problems
    assert "data/evidence/NL-0001/scan.pdf expected" in problems
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(unpacked)).validate()


def test_a_changed_manifest_line_is_named(unpacked):
    manifest = unpacked / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines()
    digest, path = lines[0].split("  ", 1)
    lines[0] = f"{'0' * 64}  {path}"
    manifest.write_text("\n".join(lines) + "\n")
    problems = _problems(unpacked)
    assert f"line 1: {path} expected {'0' * 64}, found {digest}" in problems
    assert "tagmanifest-sha256.txt: manifest-sha256.txt expected" in problems


def test_a_file_added_to_the_payload_is_named(unpacked):
    (unpacked / "data" / "planted.txt").write_text("not part of the export")
    problems = _problems(unpacked)
    assert "data/planted.txt is in data/ but not in the manifest" in problems
    assert "Payload-Oxum: bag-info.txt says" in problems


def test_a_replaced_signature_is_named(unpacked):
    # Signed with another key over the same tag manifest: the bag's public key disagrees.
    forged = Ed25519PrivateKey.generate().sign((unpacked / "tagmanifest-sha256.txt").read_bytes())
    (unpacked / bags.SIGNATURE_FILE).write_text(base64.b64encode(forged).decode())
    problems = _problems(unpacked)
    assert "signature: the signature over tagmanifest-sha256.txt does not hold" in problems


def test_a_key_other_than_the_expected_one_is_named(unpacked):
    result = bags.verify(unpacked, expected_fingerprint="ab" * 32)
    assert not result.is_intact
    assert "not the expected one" in "\n".join(result.problems)


def test_a_zip_with_a_path_outside_the_bag_is_refused_and_nothing_extracted(app, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("bag/../../escaped.txt", "outside")
    with pytest.raises(bags.BagError, match="points outside the bag"):
        bags.verify(evil)
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_the_cli_lists_each_check_and_fails_on_tampering(app, runner, tmp_path):
    archive, _result = _write(tmp_path)
    result = runner.invoke(args=["bag", "verify", str(archive)])
    assert result.exit_code == 0, result.output
    assert "ok   signature: Ed25519, key fingerprint" in result.output
    folder = _unzip(archive, tmp_path / "unpacked")
    shutil.rmtree(folder / "data" / "request")
    result = runner.invoke(args=["bag", "verify", str(folder)])
    assert result.exit_code == 1
    assert "data/request/request.json is missing" in result.output


def test_not_a_bag_gets_a_message(app, runner, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    result = runner.invoke(args=["bag", "verify", str(junk)])
    assert result.exit_code != 0
    assert "not a readable ZIP" in result.output


@pytest.mark.parametrize("bad", ["../x", "/abs", "a//b", "a/./b", "evidence/na:me"])
def test_payload_paths_that_could_escape_are_refused(app, tmp_path, bad):
    with pytest.raises(bags.BagError):
        _write(tmp_path, [bags.Payload(bad, b"x")])


def test_safe_name_keeps_a_readable_file_name():
    assert bags.safe_name("Ledger 2026/03.pdf") == "Ledger 2026_03.pdf"
    assert bags.safe_name("..\\..\\boot.ini") == "_.._boot.ini"
    assert bags.safe_name("") == bags.safe_name("...") == "file"
    assert len(bags.safe_name("é" * 300 + ".pdf").encode()) <= 200


class _CountingHasher:
    """A hashlib object that records the threads it ran on."""

    def __init__(self, hasher, threads):
        self._hasher = hasher
        self._threads = threads

    def update(self, chunk):
        import threading

        self._threads.add(threading.current_thread().name)
        self._hasher.update(chunk)

    def hexdigest(self):
        return self._hasher.hexdigest()


def test_the_payload_is_hashed_on_a_helper_thread_and_the_manifests_hold(
    app, tmp_path, monkeypatch
):
    import threading

    threads: set[str] = set()
    real_new = hashlib.new

    def new(algorithm, *args, **kwargs):
        if algorithm in bags.ALGORITHMS and not args and not kwargs:
            return _CountingHasher(real_new(algorithm), threads)
        return real_new(algorithm, *args, **kwargs)

    monkeypatch.setattr(bags.hashlib, "new", new)
    archive, _result = _write(tmp_path)
    assert threads == {"bag-hash"}, "the payload's SHA-256/SHA-512 run off the writing thread"
    assert threading.current_thread().name not in threads
    assert not [t for t in threading.enumerate() if t.name == "bag-hash"]
    monkeypatch.undo()
    assert bags.verify(archive).is_intact


def test_the_hashing_queue_is_bounded(app, tmp_path, monkeypatch):
    """The writer waits for the hashing thread: at most HASH_QUEUE chunks are held."""
    import threading

    release, most = threading.Event(), [0]
    real_put = bags._Hashing.put

    def put(self, hashers, chunk):
        most[0] = max(most[0], self._queue.qsize())
        real_put(self, hashers, chunk)

    class SlowHasher:
        def __init__(self):
            self._hasher = real_new("sha256")

        def update(self, chunk):
            release.wait(0.01)  # slower than the writer
            self._hasher.update(chunk)

        def hexdigest(self):
            return self._hasher.hexdigest()

    real_new = hashlib.new
    monkeypatch.setattr(bags._Hashing, "put", put)
    monkeypatch.setattr(
        bags.hashlib, "new", lambda name, *a: SlowHasher() if not a else real_new(name, *a)
    )
    chunks = [bytes([n]) * 1000 for n in range(40)]
    bags.write_bag(
        io.BytesIO(), name="bounded", info={}, payload=[bags.Payload("a.bin", lambda: chunks)]
    )
    assert 0 < most[0] <= bags.HASH_QUEUE


def test_a_failing_hash_or_write_leaves_no_thread_and_is_raised(app, tmp_path, monkeypatch):
    import threading

    class Broken:
        def update(self, chunk):
            raise OSError("no more memory")

        def hexdigest(self):  # pragma: no cover - never reached
            return ""

    real_new = hashlib.new
    monkeypatch.setattr(
        bags.hashlib, "new", lambda name, *a: Broken() if not a else real_new(name, *a)
    )
    with pytest.raises(bags.BagError, match="could not hash the payload: no more memory"):
        bags.write_bag(io.BytesIO(), name="broken", info={}, payload=_payload(tmp_path))
    assert not [t for t in threading.enumerate() if t.name == "bag-hash"]
    monkeypatch.undo()

    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        bags.write_bag(Full(), name="full", info={}, payload=_payload(tmp_path))
    assert not [t for t in threading.enumerate() if t.name == "bag-hash"]
