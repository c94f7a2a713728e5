"""The package written at finalising: its layout, its record, and standard validators."""

import hashlib
import io
import json
import zipfile

import bagit
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evidence import storage
from evidence.bundles import package as package_module
from evidence.bundles import services
from evidence.bundles.models import Bundle
from evidence.bundles.package import package_file
from evidence.models import CustodyEvent
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, finalise
from tests.bundles.package_fixtures import AGREEMENT, unpack


def test_the_package_has_the_layout_of_the_issue(packaged):
    bundle = packaged.bundle
    with zipfile.ZipFile(packaged.path) as archive:
        names = set(archive.namelist())
        infos = {info.filename: info for info in archive.infolist()}
        top = f"{bundle.team.code}-REQ-{bundle.number}-v1"
        first, second = (item.exhibit_number for item in packaged.items)
        expected = {
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            "tagmanifest-sha256.txt",
            "signature/tagmanifest-sha256.txt.sig",
            "signature/public-key.pem",
            "signature/key-fingerprint.txt",
            "data/README.txt",
            "data/request/request.pdf",
            "data/request/request.json",
            f"data/evidence/{first}/files/ledger.pdf",
            f"data/evidence/{first}/files/ledger (2).pdf",
            f"data/evidence/{first}/item.json",
            f"data/evidence/{first}/custody.jsonl",
            f"data/evidence/{first}/custody-report.pdf",
            f"data/evidence/{second}/files/_.._etc_passwd",
            f"data/evidence/{second}/item.json",
            f"data/evidence/{second}/custody.jsonl",
            f"data/evidence/{second}/custody-report.pdf",
            "data/agreement/agreement-v3.pdf",
            "data/agreement/agreement-v3.json",
        }
        assert names == {f"{top}/{name}" for name in expected}
        # Stored, not deflated: evidence can be checked byte for byte inside the ZIP.
        assert {info.compress_type for info in infos.values()} == {zipfile.ZIP_STORED}
        read = lambda name: archive.read(f"{top}/{name}")  # noqa: E731
        assert read("data/request/request.pdf") == storage.blob_path(bundle.pdf_sha256).read_bytes()
        assert json.loads(read("data/request/request.json")) == bundle.document
        assert read("data/agreement/agreement-v3.pdf") == AGREEMENT["pdf"]
        report = read(f"data/evidence/{first}/custody-report.pdf")
        assert report.startswith(b"%PDF")
        # The copy that leaves the team names no readers; those stay in the audit log.
        report_text = " ".join(
            " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(report)).pages
        )
        assert "this copy, made to leave the team, does not list them" in report_text
        metadata = json.loads(read(f"data/evidence/{first}/item.json"))
        assert metadata["exhibit_number"] == first
        assert [f["path"] for f in metadata["files"]] == [
            f"data/evidence/{first}/files/ledger.pdf",
            f"data/evidence/{first}/files/ledger (2).pdf",
        ]
        assert metadata["files"][1]["sha256"] == hashlib.sha256(b"second ledger").hexdigest()
        info = dict(line.split(": ", 1) for line in read("bag-info.txt").decode().splitlines())
        readme = read("data/README.txt").decode()
    assert info["External-Identifier"] == bundle.document["reference"]
    assert info["Bag-Group-Identifier"] == bundle.team.code
    # The issuing authority the form names (EIO section K), as on the PDF's cover.
    assert info["Source-Organization"] == COMPLETE["eio"]["authority_name"]
    assert info["Contact-Name"]
    assert info["Internal-Sender-Description"].startswith("European Investigation Order")
    assert info["Bagging-Date"]
    assert "sha256sum -c manifest-sha256.txt" in readme
    assert "jit bundle verify" in readme


def test_payload_oxum_counts_every_payload_byte_and_file(packaged):
    with zipfile.ZipFile(packaged.path) as archive:
        payload = [i for i in archive.infolist() if "/data/" in i.filename]
        info = next(n for n in archive.namelist() if n.endswith("/bag-info.txt"))
        oxum = next(
            line.split(": ")[1]
            for line in archive.read(info).decode().splitlines()
            if line.startswith("Payload-Oxum")
        )
    assert oxum == f"{sum(i.file_size for i in payload)}.{len(payload)}"


def test_the_bagit_library_accepts_a_fresh_package_and_rejects_a_tampered_one(packaged, tmp_path):
    folder = unpack(packaged.path, tmp_path / "bag")
    bagit.Bag(str(folder)).validate()  # raises BagValidationError if anything is wrong
    exhibit = packaged.items[0].exhibit_number
    ledger = folder / "data" / "evidence" / exhibit / "files" / "ledger.pdf"
    data = bytearray(ledger.read_bytes())
    data[20] ^= 0x01
    ledger.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError) as refused:
        bagit.Bag(str(folder)).validate()
    assert {d.path for d in refused.value.details} == {f"data/evidence/{exhibit}/files/ledger.pdf"}


def test_finalising_records_the_package_hash_size_custody_and_audit(packaged):
    bundle = packaged.bundle
    path = package_file(bundle)
    assert path == storage.blob_path(bundle.package_sha256)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == bundle.package_sha256
    assert path.stat().st_size == bundle.package_size
    for item in packaged.items:
        last = db.session.scalar(
            select(CustodyEvent)
            .where(CustodyEvent.item_id == item.id)
            .order_by(CustodyEvent.seq.desc())
        )
        assert last.event_type == "exported"
        assert last.details["bundle"] == bundle.label
        assert last.details["package_sha256"] == bundle.package_sha256
        assert last.details["package_size"] == bundle.package_size
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.finalise"))
    assert entry.new_values["package_sha256"] == bundle.package_sha256
    assert entry.new_values["package_size"] == bundle.package_size


def test_a_draft_has_no_package(crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    assert package_file(bundle) is None


def test_a_failed_write_leaves_no_file_and_no_final_bundle(
    crew, make_bundle, make_item, monkeypatch
):
    item = make_item(crew.nl_member, files=[("a.txt", b"a" * 5000)])
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=[item])
    before = set(storage.iter_blobs())

    def broken_report(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(package_module.reports, "custody_report_pdf", broken_report)
    with pytest.raises(OSError, match="disk full"):
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    assert list((storage.blob_dir() / "tmp").iterdir()) == []  # the partial file is gone
    new_blobs = set(storage.iter_blobs()) - before
    assert not any(blob.read_bytes()[:2] == b"PK" for blob in new_blobs)  # no package
    assert not db.session.get(Bundle, bundle.id).is_final
    assert not db.session.scalars(
        select(CustodyEvent).where(CustodyEvent.event_type == "exported")
    ).all()


def test_a_package_is_removed_when_the_finalising_fails_after_writing_it(
    crew, make_bundle, make_item, monkeypatch
):
    item = make_item(crew.nl_member, files=[("a.txt", b"a" * 5000)])
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=[item])
    written = []
    real_write = package_module.write_package

    def write_then_remember(*args, **kwargs):
        written.append(real_write(*args, **kwargs))
        return written[-1]

    def refuse(*_args, **_kwargs):
        raise RuntimeError("custody refused")

    monkeypatch.setattr(package_module, "write_package", write_then_remember)
    monkeypatch.setattr(services, "_record_export", refuse)
    with pytest.raises(RuntimeError, match="custody refused"):
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    assert written
    assert not storage.blob_path(written[0].sha256).exists()


def test_a_broken_item_stops_the_finalising(crew, make_bundle, make_item):
    item = make_item(crew.nl_member, files=[("a.txt", b"original")])
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"], items=[item])
    blob = storage.blob_path(item.files[0].sha256)
    blob.chmod(0o640)
    blob.write_bytes(b"changed!")
    with pytest.raises(services.BundleError, match=f"Exhibit {item.exhibit_number} fails"):
        finalise(crew.nl_leader, bundle)
    db.session.rollback()
    assert not db.session.get(Bundle, bundle.id).is_final


def test_the_package_is_streamed_to_the_store(crew, make_bundle, make_item, monkeypatch):
    """The first bytes reach the blob store before the last file is read or report made."""
    from jit import bags

    items = [
        make_item(crew.nl_member, files=[(f"f{n}.bin", bytes([n]) * 70_000)]) for n in range(3)
    ]
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=items)
    log = []
    real_open, real_report = open, package_module.reports.custody_report_pdf
    last_file = storage.blob_path(items[-1].files[0].sha256)

    def logged_open(path, *args, **kwargs):
        if path == last_file:
            log.append("last file opened")
        return real_open(path, *args, **kwargs)

    def logged_report(item, **kwargs):
        log.append(f"report {item.exhibit_number}")
        return real_report(item, **kwargs)

    class LoggedWriter(storage.BlobWriter):
        def write(self, chunk):
            if "first bytes written" not in log:
                log.append("first bytes written")
            super().write(chunk)

    monkeypatch.setattr(bags, "open", logged_open, raising=False)
    monkeypatch.setattr(package_module.reports, "custody_report_pdf", logged_report)
    monkeypatch.setattr(package_module.storage, "BlobWriter", LoggedWriter)
    finalise(crew.nl_leader, bundle)
    assert bundle.package_sha256
    first = log.index("first bytes written")
    assert first < log.index("last file opened")
    assert first < log.index(f"report {items[-1].exhibit_number}")
    assert [entry for entry in log if entry.startswith("report")] == [
        f"report {item.exhibit_number}" for item in items
    ]


def test_the_package_is_hashed_once_as_it_is_stored(crew, make_bundle, make_item, monkeypatch):
    """The blob writer's SHA-256 is the package's: ``write_bag`` does not hash it again.

    A second pass over every byte of a package of evidence for the same digest took CPU
    from the renderer processes making the custody reports (benchmarks/export).
    """
    from jit import bags

    class CountingHashlib:
        """``hashlib`` for one module, counting the bytes each ``sha256()`` object takes."""

        def __init__(self):
            self.hashed: list[list[int]] = []

        def sha256(self, *data):
            digest, count = hashlib.sha256(*data), [0]
            self.hashed.append(count)

            class Counted:
                def update(self, chunk):
                    count[0] += memoryview(chunk).nbytes
                    digest.update(chunk)

                def hexdigest(self):
                    return digest.hexdigest()

            return Counted()

        def __getattr__(self, name):
            return getattr(hashlib, name)

    counting = CountingHashlib()
    monkeypatch.setattr(bags, "hashlib", counting)
    monkeypatch.setattr(storage, "hashlib", counting)
    items = [make_item(crew.nl_member, files=[("big.bin", bytes([n]) * 300_000)]) for n in (1, 2)]
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=items)
    finalise(crew.nl_leader, bundle)
    package = package_file(bundle).read_bytes()
    assert bundle.package_sha256 == hashlib.sha256(package).hexdigest()
    whole = [count for (count,) in counting.hashed if count >= len(package)]
    assert whole == [len(package)]  # one pass over the package's bytes, not two
