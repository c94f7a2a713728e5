"""Each format, generated with the library that reads it, yields its text and metadata."""

import hashlib

import pytest

from evidence import readers
from evidence.sniff import sniff
from tests.evidence import samples


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    media_type = sniff(data[:65536], path)
    return media_type, readers.read(path, media_type)


CASES = [
    (
        "zapisnik.docx",
        samples.docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ["Zapisnik o pretrazi vozila", "Bajakovo\t38 kg"],
        {"author": ["T. Babić"], "created": ["2026-03-14T09:30:00+00:00"]},
    ),
    (
        "transfers.xlsx",
        samples.xlsx_bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ["--- Sheet Transfers ---", "HR1210010051863000160\t9400\tLučka uprava Split"],
        {"author": ["FIU Zagreb"]},
    ),
    (
        "route.pptx",
        samples.pptx_bytes,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ["Route of the shipment", "Split → Rotterdam", "check the container seal"],
        {"author": ["Europol analyst"]},
    ),
    (
        "zabiljeska.odt",
        samples.odt_bytes,
        "application/vnd.oasis.opendocument.text",
        ["Službena zabilješka\nVozilo je zaustavljeno na graničnom prijelazu."],
        {"author": ["Ministarstvo unutarnjih poslova"]},
    ),
    (
        "pozivi.ods",
        samples.ods_bytes,
        "application/vnd.oasis.opendocument.spreadsheet",
        ["--- Sheet Pozivi ---", "+385 91 234 5678\t00:03:12"],
        {},
    ),
    ("uplate.csv", samples.csv_bytes, "text/csv", ["2026-02-27\t9400\tLučka uprava"], {}),
    ("verklaring.rtf", samples.rtf_bytes, "text/rtf", ["Verklaring van de getuige"], {}),
    (
        "mail.eml",
        samples.eml_bytes,
        "message/rfc822",
        ["Subject: Lieferung Dienstag", "Twelve boxes leave Split on Tuesday."],
        {
            "from": ["dk@example.net"],
            "to": ["transport@example.org", "ana@example.hr"],
            "cc": ["boss@example.net"],
            "subject": ["Lieferung Dienstag"],
            "msgid": ["20260227.1842@mail.example.net"],
            "sent": ["2026-02-27T17:42:00+00:00"],
        },
    ),
]


@pytest.mark.parametrize(("name", "make", "media_type", "texts", "metadata"), CASES)
def test_each_format_yields_its_text_and_metadata(
    tmp_path, name, make, media_type, texts, metadata
):
    found_type, found = _read(tmp_path, name, make())
    assert found_type == media_type
    text = found.joined()
    for expected in texts:
        assert expected in text
    for key, values in metadata.items():
        # A template may add its own last author after the one set here.
        assert found.metadata.get(key, [])[: len(values)] == values, key


def test_a_mailbox_yields_every_message_with_its_headers(tmp_path):
    data = samples.mbox_bytes(tmp_path / "made.mbox")
    media_type, found = _read(tmp_path, "seized.mbox", data)
    assert media_type == "application/mbox"
    text = found.joined()
    assert "Body of message 1" in text
    assert "Body of message 2" in text
    assert found.metadata["from"] == ["dk@example.net", "mk@example.org"]
    assert found.metadata["subject"] == ["Message 1", "Message 2"]


def test_an_email_with_an_attachment_yields_both(tmp_path):
    attached = samples.docx_bytes(text="Ugovor o najmu skladišta")
    data = samples.eml_bytes(attachment=("ugovor.docx", attached))
    _, found = _read(tmp_path, "with-attachment.eml", data)
    text = found.joined()
    assert "Twelve boxes leave Split on Tuesday." in text
    assert "Attachments: ugovor.docx" in text
    assert "--- Attachment: ugovor.docx ---" in text
    assert "Ugovor o najmu skladišta" in text
    # The attachment's properties are found, kept apart from the message's own.
    assert found.inner_metadata["author"][0] == "T. Babić"
    assert "author" not in found.metadata
    assert found.stored_metadata()["inside"]["author"][0] == "T. Babić"


def test_a_zip_lists_its_members_with_their_hashes_and_text_under_their_paths(tmp_path):
    members = {
        "notes/a.txt": b"Ledger of the Waalhaven warehouse",
        "b.docx": samples.docx_bytes(),
    }
    _, found = _read(tmp_path, "seized.zip", samples.zip_bytes(members))
    listed = {member.path: member for member in found.members}
    assert set(listed) == set(members)
    for path, data in members.items():
        assert listed[path].sha256 == hashlib.sha256(data).hexdigest()
        assert listed[path].size_bytes == len(data)
    assert listed["b.docx"].media_type.endswith("wordprocessingml.document")
    text = found.joined()
    assert "--- notes/a.txt ---\nLedger of the Waalhaven warehouse" in text
    assert "--- b.docx ---" in text
    assert "Zapisnik o pretrazi vozila" in text


def test_a_compressed_tar_is_listed_member_by_member(tmp_path):
    members = {"export/calls.csv": samples.csv_bytes(), "export/readme.txt": b"Cellebrite export"}
    media_type, found = _read(tmp_path, "phone.tar.gz", samples.tar_bytes(members))
    assert media_type == "application/gzip"
    assert [(m.path, m.sha256) for m in found.members] == [
        (path, hashlib.sha256(data).hexdigest()) for path, data in members.items()
    ]
    assert "--- export/readme.txt ---\nCellebrite export" in found.joined()


def test_a_zip_bomb_is_refused_with_a_message(tmp_path):
    bomb = samples.zip_bytes({"zeros.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(readers.ExtractionError, match="zip bomb"):
        _read(tmp_path, "bomb.zip", bomb)


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    from evidence.readers import archives

    monkeypatch.setattr(archives, "MAX_MEMBERS", 5)
    many = samples.zip_bytes({f"m{n}.txt": b"x" for n in range(6)})
    with pytest.raises(readers.ExtractionError, match="6 members, more than the limit of 5"):
        _read(tmp_path, "many.zip", many)


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "/etc/passwd", "C:\\Windows\\x.dll"])
def test_a_member_outside_the_archive_is_refused_with_a_message(tmp_path, name):
    archive = samples.zip_bytes({"fine.txt": b"ok", name: b"payload"})
    with pytest.raises(readers.ExtractionError, match="path traversal"):
        _read(tmp_path, "evil.zip", archive)
    tarred = samples.tar_bytes({"fine.txt": b"ok", name.replace("\\", "/"): b"payload"})
    with pytest.raises(readers.ExtractionError, match="path traversal"):
        _read(tmp_path, "evil.tar.gz", tarred)


def test_the_time_bound_stops_a_slow_file(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a;b\n" + b"1;2\n" * 10_000)
    with pytest.raises(readers.ExtractionError, match="time limit"):
        readers.read(path, "text/csv", seconds=0)


def test_the_text_bound_cuts_and_says_so(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(b"word " * 1000)
    found = readers.read(path, "text/plain", max_chars=100)
    assert found.joined().endswith("[text cut at 100 characters]")
    assert len(found.joined()) < 200


def test_an_outlook_message_yields_headers_body_and_attachment(tmp_path):
    from tests.evidence.msg_sample import msg_bytes

    data = msg_bytes(
        subject="Ugovor o prijevozu",
        body="Kamion kreće u utorak.",
        sender="Dragan K. <dk@example.net>",
        to="transport@example.org",
        cc="boss@example.net",
        date="Fri, 27 Feb 2026 18:42:00 +0100",
        message_id="<abc.1@mail.example.net>",
        attachment=("ugovor.docx", samples.docx_bytes(text="Ugovor o najmu kamiona")),
    )
    media_type, found = _read(tmp_path, "poruka.msg", data)
    assert media_type == "application/vnd.ms-outlook"
    text = found.joined()
    assert "Subject: Ugovor o prijevozu" in text
    assert "Kamion kreće u utorak." in text
    assert "--- Attachment: ugovor.docx ---" in text
    assert "Ugovor o najmu kamiona" in text
    assert found.metadata["from"] == ["dk@example.net"]
    assert found.metadata["to"] == ["transport@example.org"]
    assert found.metadata["cc"] == ["boss@example.net"]
    assert found.metadata["sent"] == ["2026-02-27T17:42:00+00:00"]
    assert found.metadata["msgid"] == ["abc.1@mail.example.net"]


def _evil_sevenzip(monkeypatch, members: dict[str, bytes]) -> bytes:
    import py7zr

    # py7zr refuses to write such names; a hostile tool does not.
    with monkeypatch.context() as patched:
        patched.setattr(py7zr.py7zr, "check_archive_path", lambda name: True)
        return samples.sevenzip_bytes(members)


def test_a_7z_lists_its_members_with_their_hashes_and_text_under_their_paths(tmp_path):
    members = {
        "notes/a.txt": b"Ledger of the Waalhaven warehouse",
        "b.docx": samples.docx_bytes(),
    }
    media_type, found = _read(tmp_path, "seized.7z", samples.sevenzip_bytes(members))
    assert media_type == "application/x-7z-compressed"
    assert [(m.path, m.sha256, m.size_bytes) for m in found.members] == [
        (path, hashlib.sha256(data).hexdigest(), len(data)) for path, data in members.items()
    ]
    assert found.members[1].media_type.endswith("wordprocessingml.document")
    text = found.joined()
    assert "--- notes/a.txt ---\nLedger of the Waalhaven warehouse" in text
    assert "Zapisnik o pretrazi vozila" in text


def test_two_7z_members_of_one_name_keep_their_own_hashes(tmp_path):
    import py7zr

    path = tmp_path / "two.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(b"first version", "note.txt")
        archive.writestr(b"", "note.txt")
        archive.writestr(b"second version", "note.txt")
    found = readers.read(path, "application/x-7z-compressed")
    assert [(m.path, m.sha256) for m in found.members] == [
        ("note.txt", hashlib.sha256(data).hexdigest())
        for data in (b"first version", b"", b"second version")
    ]


def test_a_7z_bomb_is_refused_with_a_message(tmp_path):
    bomb = samples.sevenzip_bytes({"zeros.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(readers.ExtractionError, match="compression bomb"):
        _read(tmp_path, "bomb.7z", bomb)


def test_a_7z_with_too_many_members_is_refused(tmp_path, monkeypatch):
    from evidence.readers import archives

    monkeypatch.setattr(archives, "MAX_MEMBERS", 5)
    many = samples.sevenzip_bytes({f"m{n}.txt": b"x" for n in range(6)})
    with pytest.raises(readers.ExtractionError, match="6 members, more than the limit of 5"):
        _read(tmp_path, "many.7z", many)


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "/etc/passwd", "C:\\Windows\\x.dll"])
def test_a_7z_member_outside_the_archive_is_refused_with_a_message(tmp_path, monkeypatch, name):
    archive = _evil_sevenzip(monkeypatch, {"fine.txt": b"ok", name: b"payload"})
    with pytest.raises(readers.ExtractionError, match="path traversal"):
        _read(tmp_path, "evil.7z", archive)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.7z"]


@pytest.mark.parametrize("names_too", [False, True])
def test_a_password_protected_7z_is_refused_with_a_message(tmp_path, names_too):
    protected = samples.sevenzip_bytes(
        {"ledger.txt": b"secret"}, password="geheim", header_encryption=names_too
    )
    with pytest.raises(readers.ExtractionError, match="password-protected"):
        _read(tmp_path, "protected.7z", protected)


def test_a_truncated_7z_is_refused_with_a_message(tmp_path):
    whole = samples.sevenzip_bytes({"a.txt": b"alpha" * 1000})
    with pytest.raises(readers.ExtractionError, match="not a readable 7z archive"):
        _read(tmp_path, "cut.7z", whole[:-30])


def test_a_link_inside_a_7z_is_listed_as_a_link_and_not_followed(tmp_path):
    import py7zr

    (tmp_path / "a.txt").write_bytes(b"alpha")
    (tmp_path / "shadow").symlink_to("/etc/shadow")
    path = tmp_path / "links.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.write(tmp_path / "a.txt", "a.txt")
        archive.write(tmp_path / "shadow", "shadow")
    found = readers.read(path, "application/x-7z-compressed")
    link = found.members[1]
    assert (link.path, link.media_type, link.sha256) == ("shadow", "inode/x-link", None)
    assert link.note == "link to /etc/shadow"


def test_a_truncated_outlook_message_fails_with_a_reason(tmp_path):
    from tests.evidence.msg_sample import msg_bytes

    whole = msg_bytes(
        subject="S",
        body="B",
        sender="dk@example.net",
        to="a@example.org",
        cc="",
        date="Fri, 27 Feb 2026 18:42:00 +0100",
        message_id="<1@x>",
    )
    path = tmp_path / "cut.msg"
    path.write_bytes(whole[: len(whole) // 2])
    # libmagic cannot walk a cut compound file to its root entry: it is only "CDFV2".
    media_type = sniff(path.read_bytes()[:65536], path)
    assert media_type == "application/x-ole-storage"
    with pytest.raises(readers.ExtractionError, match="truncated or damaged"):
        readers.read(path, media_type)


def test_an_intact_compound_file_of_another_kind_has_nothing_to_read(tmp_path):
    from tests.evidence.msg_sample import _Entry, compound_file

    root = _Entry("Root Entry")
    root.add(_Entry("Workbook notes", b"not a message" * 10))
    path = tmp_path / "thing.bin"
    path.write_bytes(compound_file(root))
    assert readers.read(path, "application/x-ole-storage") is None


def test_7z_members_are_spooled_one_at_a_time(tmp_path, monkeypatch):
    from evidence.readers import sevenzip

    on_disk = []
    real = sevenzip.read_nested

    def counting(name, path, out, depth):
        on_disk.append(len(list(path.parent.iterdir())))
        return real(name, path, out, depth)

    monkeypatch.setattr(sevenzip, "read_nested", counting)
    members = {f"m{n}.txt": b"member %d" % n for n in range(4)}
    _, found = _read(tmp_path, "four.7z", samples.sevenzip_bytes(members))
    assert on_disk == [1, 1, 1, 1]
    assert [m.sha256 for m in found.members] == [
        hashlib.sha256(data).hexdigest() for data in members.values()
    ]


def test_the_time_bound_stops_a_7z(tmp_path):
    path = tmp_path / "slow.7z"
    path.write_bytes(samples.sevenzip_bytes({"a.txt": b"alpha" * 1000}))
    with pytest.raises(readers.ExtractionError, match="time limit"):
        readers.read(path, "application/x-7z-compressed", seconds=0)
