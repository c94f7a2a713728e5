"""jit.pdf: what one render sets up is reused by the next (a package renders hundreds)."""

import io
import threading

import pytest
import weasyprint
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from weasyprint.text.fonts import FontConfiguration

from jit import pdf

PAGE = "<!doctype html><html lang=en><body><h1>Exhibit {{ number }}</h1></body></html>"
CSS = "@page { size: A4; } h1 { font: 14pt 'DejaVu Sans', sans-serif; }"


@pytest.fixture
def page_template(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({"test/page.html": PAGE}), app.jinja_loader])
    with app.app_context():
        yield "test/page.html"


@pytest.fixture
def counted(monkeypatch):
    """Count the font configurations made and the stylesheets parsed, from a cold start."""
    counts = {"fonts": 0, "css": 0}
    real_fonts, real_css = FontConfiguration.__init__, weasyprint.CSS.__init__

    def fonts_init(self, *args, **kwargs):
        counts["fonts"] += 1
        real_fonts(self, *args, **kwargs)

    def css_init(self, *args, **kwargs):
        counts["css"] += 1
        real_css(self, *args, **kwargs)

    monkeypatch.setattr(FontConfiguration, "__init__", fonts_init)
    monkeypatch.setattr(weasyprint.CSS, "__init__", css_init)
    monkeypatch.setattr(pdf, "_fonts", threading.local())
    pdf._stylesheet.cache_clear()
    yield counts
    pdf._stylesheet.cache_clear()


def _text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_documents_rendered_in_turn_share_fonts_and_parsed_stylesheets(page_template, counted):
    first = pdf.render_pdf(page_template, css=(CSS,), number="NL-0001")
    second = pdf.render_pdf(page_template, css=(CSS,), number="NL-0002")

    assert counted == {"fonts": 1, "css": 1}
    # Each document still says only its own things.
    first_text, second_text = _text(first), _text(second)
    assert "NL-0001" in first_text
    assert "NL-0002" not in first_text
    assert "NL-0002" in second_text
    assert "NL-0001" not in second_text


def test_another_stylesheet_is_parsed_on_its_own(page_template, counted):
    pdf.render_pdf(page_template, css=(CSS,), number="NL-0001")
    pdf.render_pdf(page_template, css=(CSS + " h1 { color: red; }",), number="NL-0001")

    assert counted["css"] == 2


def test_each_thread_has_its_own_font_configuration(app, counted):
    with app.app_context():
        mine = pdf.font_configuration()
    assert pdf.font_configuration() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(pdf.font_configuration()))
    thread.start()
    thread.join()

    assert theirs[0] is not mine
    assert counted["fonts"] == 2
