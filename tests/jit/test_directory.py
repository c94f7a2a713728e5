"""The directory of competent authorities: admin pages, CSV import and export, lookup."""

import io

import pytest

from jit.audit.models import AuditEntry
from jit.directory import services
from jit.directory.models import CSV_COLUMNS, AuthorityFunction, DirectoryEntry
from jit.extensions import db

HEADER = ",".join(CSV_COLUMNS)
NL_FOCAL = (
    'NL,firearms-focal-point,Landelijke Eenheid — Team Wapens,"Postbus 100, Driebergen",'
    "wapens@politie.example,+31 88 662 0000,nl;en,SIENA; INTERPOL I-24/7,24/7 duty desk"
)
RS_NCB = (
    "RS,interpol-ncb,NCB Interpol Belgrade,,ncb@mup.example,011 306 2000,sr;en,INTERPOL I-24/7,"
)


@pytest.fixture
def admin(make_user):
    return make_user(name="Ada Admin", is_platform_admin=True)


def _upload(client, text: str, url="/admin/directory/import"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), "directory.csv")}
    return client.post(url, data=data, content_type="multipart/form-data")


def _rows() -> int:
    return db.session.query(DirectoryEntry).count()


def _entries() -> int:
    return db.session.query(AuditEntry).count()


def test_only_platform_admins_reach_the_directory(client, auth, make_user, admin):
    auth.login(make_user())
    for url in ("/admin/directory/", "/admin/directory/export.csv"):
        assert client.get(url).status_code == 404
    assert _upload(client, HEADER + "\n" + NL_FOCAL).status_code == 404
    auth.logout()
    auth.login(admin)
    assert client.get("/admin/directory/").status_code == 200


def test_an_admin_adds_edits_and_removes_an_authority_with_audit(client, auth, admin):
    auth.login(admin)
    fields = {
        "country": "hr",
        "function": "mla-central-authority",
        "name": "Ministry of Justice, Directorate for International Cooperation",
        "address": "Ulica grada Vukovara 49, Zagreb",
        "email": "mla@pravosudje.example",
        "phone": "01 3714 000",
        "languages": "hr; en",
        "channels": "eEDES; e-mail",
        "notes": "",
    }
    assert client.post("/admin/directory/", data=fields).status_code == 302
    entry = db.session.query(DirectoryEntry).one()
    assert (entry.country_code, entry.phone, entry.languages) == ("HR", "+38513714000", "hr;en")
    assert entry.channel_list == ["eEDES", "e-mail"]
    duplicate = client.post("/admin/directory/", data=fields)
    assert duplicate.status_code == 400
    assert "already listed" in duplicate.get_data(as_text=True)
    edited = client.post(f"/admin/directory/{entry.id}", data=fields | {"notes": "Urgent: phone"})
    assert edited.status_code == 302
    assert client.post(f"/admin/directory/{entry.id}/delete").status_code == 302
    assert _rows() == 0
    operations = [
        e.operation
        for e in db.session.query(AuditEntry).order_by(AuditEntry.id)
        if e.operation.startswith("directory.")
    ]
    assert operations == [
        "directory.entry_created",
        "directory.entry_updated",
        "directory.entry_deleted",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"country": "XX"}, "not an ISO 3166-1 country code"),
        ({"function": "oracle"}, "not a known function"),
        ({"name": " "}, "Give the authority"),
        ({"email": "not-an-address"}, "not an e-mail address"),
        ({"phone": "12"}, "not a valid telephone number"),
        ({"languages": "dutch"}, "not an ISO 639-1 language code"),
    ],
)
def test_bad_entries_are_refused(client, auth, admin, overrides, message):
    auth.login(admin)
    fields = {"country": "NL", "function": "interpol-ncb", "name": "NCB The Hague"} | overrides
    response = client.post("/admin/directory/", data=fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _rows() == 0


def test_import_previews_then_writes_everything(client, auth, admin):
    auth.login(admin)
    text = HEADER + "\r\n" + NL_FOCAL + "\r\n" + RS_NCB + "\r\n"
    preview = _upload(client, text)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "2 to add, 0 to change" in page
    assert _rows() == 0  # a preview writes nothing
    confirmed = client.post("/admin/directory/import/confirm", data={"csv_text": text})
    assert confirmed.status_code == 302
    assert _rows() == 2
    rs = services.addressee("RS", AuthorityFunction.INTERPOL_NCB)
    assert rs.phone == "+381113062000"  # read in Serbia's numbering plan
    assert db.session.query(AuditEntry).filter_by(operation="directory.imported").count() == 1


def test_bad_rows_are_named_by_line_and_nothing_is_imported(client, auth, admin):
    auth.login(admin)
    text = "\n".join(
        [
            HEADER,
            NL_FOCAL,
            "XX,interpol-ncb,Nowhere NCB,,,,,,",
            '"AT","interpol-ncb","BK Wien","multi',
            'line address",,,,,',
            "AT,interpol-ncb,NCB Vienna,,,+43 1 24836 0,de;xx,,",
            NL_FOCAL,
            "ES,interpol-ncb,too,few",
        ]
    )
    response = _upload(client, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Line 3: “XX” is not an ISO 3166-1 country code" in page
    assert "Line 6: “xx” is not an ISO 639-1 language code" in page
    assert "Line 7: repeats the authority on line 2." in page
    assert "Line 8: has 4 cells where the header has 9." in page
    assert "Line 4" not in page  # the quoted two-line row is fine
    assert "Import these changes" not in page
    entries = _entries()
    forced = client.post("/admin/directory/import/confirm", data={"csv_text": text})
    assert forced.status_code == 400
    assert "Nothing was imported" in forced.get_data(as_text=True)
    assert _rows() == 0
    assert _entries() == entries


@pytest.mark.parametrize(
    "header",
    [
        "country,function,name",
        HEADER + ",fax",
        HEADER.replace("phone", "telephone"),
        HEADER.replace("notes", "name"),
    ],
)
def test_a_csv_with_wrong_columns_is_refused_whole(client, auth, admin, header):
    auth.login(admin)
    response = _upload(client, header + "\n" + NL_FOCAL)
    assert response.status_code == 400
    assert "The columns are wrong" in response.get_data(as_text=True)
    assert _rows() == 0


def test_export_round_trips(client, auth, admin):
    auth.login(admin)
    tricky = (
        'BE,eio-executing,"Parquet fédéral, cellule ""EIO""","Rue aux Laines 66\nBruxelles",'
        "eio@just.example,+32 2 557 77 11,fr;nl;de,eEDES,=not a formula"
    )
    text = "\n".join([HEADER, NL_FOCAL, RS_NCB, tricky])
    assert (
        client.post("/admin/directory/import/confirm", data={"csv_text": text}).status_code == 302
    )
    exported = client.get("/admin/directory/export.csv")
    assert exported.mimetype == "text/csv"
    first = exported.get_data(as_text=True)
    assert "'=not a formula" in first  # a spreadsheet will not run it
    again = _upload(client, first)
    assert "0 to add, 0 to change, 3 unchanged" in again.get_data(as_text=True)
    for entry in db.session.query(DirectoryEntry).all():
        db.session.delete(entry)
    db.session.commit()
    assert (
        client.post("/admin/directory/import/confirm", data={"csv_text": first}).status_code == 302
    )
    assert client.get("/admin/directory/export.csv").get_data(as_text=True) == first
    be = services.addressee("BE", AuthorityFunction.EIO_EXECUTING)
    assert be.notes == "=not a formula"
    assert be.address == "Rue aux Laines 66\nBruxelles"


def test_an_import_updates_changed_rows_and_says_what_changed(client, auth, admin):
    auth.login(admin)
    client.post("/admin/directory/import/confirm", data={"csv_text": HEADER + "\n" + NL_FOCAL})
    changed = NL_FOCAL.replace("24/7 duty desk", "Office hours only")
    preview = _upload(client, HEADER + "\n" + changed).get_data(as_text=True)
    assert "0 to add, 1 to change" in preview
    assert "Office hours only" in preview
    client.post("/admin/directory/import/confirm", data={"csv_text": HEADER + "\n" + changed})
    assert db.session.query(DirectoryEntry).one().notes == "Office hours only"
    update = db.session.query(AuditEntry).filter_by(operation="directory.entry_updated").one()
    assert update.old_values == {"notes": "24/7 duty desk"}


def test_lookup_picks_the_addressee_by_state_and_function(app):
    services.create_entry(
        {"country": "RS", "function": "interpol-ncb", "name": "NCB Interpol Belgrade"}, actor=None
    )
    services.create_entry(
        {"country": "RS", "function": "firearms-focal-point", "name": "MUP Firearms Unit"},
        actor=None,
    )
    db.session.commit()
    assert services.addressee("rs", AuthorityFunction.FIREARMS_FOCAL_POINT).name == (
        "MUP Firearms Unit"
    )
    assert services.addressee("HR", AuthorityFunction.INTERPOL_NCB) is None
    assert [e.name for e in services.addressees("RS", "interpol-ncb")] == ["NCB Interpol Belgrade"]
