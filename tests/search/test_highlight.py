"""Fragments mark the matched words and escape everything the documents hold."""

from markupsafe import Markup

from search import highlight
from search.query import parse, positive_terms


def test_document_html_is_escaped_and_matches_marked(app, case, make_item, index, search_as):
    make_item(
        case.nl_member,
        title="Seized note",
        description='<b>Cocaine</b> & cash <script>alert("x")</script> in the boot',
    )
    index()
    _status, body = search_as(case.nl_member.user, "cocaine", team=case.team.code)
    fragment = body["hits"][0]["fragment_html"]
    assert "<script>" not in fragment
    assert "<b>" not in fragment
    assert "&amp;" in fragment
    assert "<mark>Cocaine</mark>" in fragment

    page = app.test_client()
    from tests.conftest import Auth

    Auth(page).login(case.nl_member.user)
    html = page.get(f"/t/{case.team.code}/search", query_string={"q": "cocaine"}).get_data(
        as_text=True
    )
    assert "<script>alert" not in html
    assert "<mark>Cocaine</mark>" in html


def test_the_highlighter_marks_stems_prefixes_and_typos():
    text = "Les enquêteurs <i>saisissent</i> le véhicule à Medellín; Hamburg"
    terms = positive_terms(parse("enquêteur medel* hamburk~"))
    fragment = highlight.fragments(text, terms, "fr")
    assert isinstance(fragment, Markup)
    assert "<mark>enquêteurs</mark>" in fragment
    assert "<mark>Medellín</mark>" in fragment
    assert "<mark>Hamburg</mark>" in fragment
    assert "&lt;i&gt;" in fragment


def test_a_headline_keeps_only_the_markers_as_markup():
    headline = f"a <img src=x> {highlight.START}word{highlight.STOP} b"
    assert highlight.marked_fragment(headline) == "a &lt;img src=x&gt; <mark>word</mark> b"
    assert highlight.clean(f"x{highlight.START}y{highlight.STOP}") == "x y "
