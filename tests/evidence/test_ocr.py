"""OCR on the extraction worker: a rendered 'scan' (image or image-only PDF) finds its words."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from evidence import extraction, ocr
from evidence.models import EvidenceFile
from jit.extensions import db

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = ["Lieferung nach Spielfeld", "Kontakt Medellin Zollamt"]


def _scan(image_format: str) -> bytes:
    image = Image.new("L", (1800, 400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 64)
    for number, line in enumerate(LINES):
        draw.text((60, 60 + number * 140), line, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, image_format, resolution=300)
    return buffer.getvalue()


@pytest.fixture
def nl_member(make_team, make_membership):
    return make_membership(make_team(), "member", "NL")


@pytest.mark.parametrize(("name", "image_format"), [("scan.png", "PNG"), ("scan.pdf", "PDF")])
def test_a_scan_is_read_by_ocr_and_found(
    app, nl_member, make_item, client, auth, name, image_format
):
    from search import outbox

    make_item(nl_member, title="Seized note", files=[(name, _scan(image_format))])
    extraction.schedule(list(db.session.scalars(select(EvidenceFile.id))))
    extraction.wait_idle(app, timeout=120)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.extraction_status == "done", stored.extraction_error
    assert stored.is_text_from_ocr
    assert "Spielfeld" in stored.extracted_text
    assert "Zollamt" in stored.extracted_text
    outbox.drain(app)
    auth.login(nl_member.user)
    found = client.get(f"/t/{nl_member.team.code}/search.json", query_string={"q": "zollamt"})
    assert found.get_json()["total"] == 1
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "text recognised by OCR" in page


def test_a_photo_without_text_says_no_text_was_found(app, nl_member, make_item, client, auth):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 110, 80)).save(buffer, "PNG")  # a plain surface
    make_item(nl_member, title="Warehouse floor", files=[("floor.png", buffer.getvalue())])
    extraction.schedule(list(db.session.scalars(select(EvidenceFile.id))))
    extraction.wait_idle(app, timeout=120)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert (stored.extraction_status, stored.is_text_from_ocr) == ("done", True)
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001").get_data(as_text=True)
    assert "no text found by OCR" in page
    assert "text recognised by OCR" not in page
    assert "0 characters" not in page


def test_a_pdf_with_a_text_layer_is_not_ocred(app, nl_member, make_item):
    from weasyprint import HTML

    pdf = HTML(string="<p>Lieferung nach Spielfeld</p>").write_pdf()
    make_item(nl_member, title="Typed letter", files=[("letter.pdf", pdf)])
    extraction.schedule(list(db.session.scalars(select(EvidenceFile.id))))
    extraction.wait_idle(app, timeout=120)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.extraction_status == "done"
    assert not stored.is_text_from_ocr


def test_languages_follow_the_team_s_states():
    assert ocr.languages_for({"NL", "DE", None}) == "eng+deu+nld"
    assert ocr.languages_for({"HR"}) == "eng+hrv"


def test_an_items_stated_language_is_read_first_even_if_no_party_speaks_it():
    from search.languages import NAMES

    assert set(ocr.ITEM_LANGUAGES) == set(NAMES)  # every language a recorder may state
    assert ocr.languages_for({"NL", "HR"}, "es") == "spa+eng+hrv+nld"
    assert ocr.languages_for({"NL"}, "nl") == "nld+eng"
    assert ocr.languages_for({"NL"}, "") == "eng+nld"


def test_the_worker_reads_a_scan_in_the_items_language(app, nl_member, make_item, monkeypatch):
    asked = []
    real = ocr.recognise

    def recognise(path, media_type, languages):
        asked.append(languages)
        return real(path, media_type, languages)

    monkeypatch.setattr(ocr, "recognise", recognise)
    make_item(nl_member, title="Nota", language="es", files=[("scan.png", _scan("PNG"))])
    extraction.schedule(list(db.session.scalars(select(EvidenceFile.id))))
    extraction.wait_idle(app, timeout=120)
    assert asked == ["spa+eng+deu+nld"]  # the team: NL and DE


def test_a_runaway_recognition_is_stopped(app, nl_member, make_item, monkeypatch):
    monkeypatch.setattr(ocr, "SECONDS_PER_PAGE", 0.001)
    make_item(nl_member, title="Seized note", files=[("scan.png", _scan("PNG"))])
    extraction.schedule(list(db.session.scalars(select(EvidenceFile.id))))
    extraction.wait_idle(app, timeout=120)
    db.session.expire_all()
    stored = db.session.scalar(select(EvidenceFile))
    assert stored.extraction_status == "failed"
    assert "too long" in stored.extraction_error
