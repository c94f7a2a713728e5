"""The chat's Markdown subset: what renders, and what never reaches a page as markup."""

from html.parser import HTMLParser

import pytest

from jit.chat.markdown import exhibit_references, render


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*emphasis* and **strong**", "<p><em>emphasis</em> and <strong>strong</strong></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
        ("line\nbreak", "<p>line<br>\nbreak</p>"),
        (
            "[Eurojust](https://www.eurojust.europa.eu)",
            '<p><a href="https://www.eurojust.europa.eu" rel="noopener noreferrer nofollow">'
            "Eurojust</a></p>",
        ),
        ("# not a heading", "<p># not a heading</p>"),
        ("> not a quote", "<p>&gt; not a quote</p>"),
    ],
)
def test_the_subset_renders(text, html):
    assert render(text) == html


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "![x](https://evil.example/x.png)",
        '<a href="https://x" onclick="alert(1)">x</a>',
        '[x](https://x "title" onmouseover=alert(1))',
        "```\n<script>alert(1)</script>\n```",
        "<style>body{display:none}</style>",
    ],
)
def test_no_raw_html_and_no_script_links(payload):
    """Parse the output: only the subset's tags and attributes, only http(s)/mailto links."""
    allowed = {
        "p": set(),
        "br": set(),
        "em": set(),
        "strong": set(),
        "code": set(),
        "pre": set(),
        "ul": set(),
        "ol": {"start"},
        "li": set(),
        "a": {"href", "rel"},
        "span": {"class", "data-exhibit"},
    }
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(render(payload))
    for tag, attrs in found:
        assert tag in allowed, (payload, tag)
        assert set(attrs) <= allowed[tag], (payload, tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith(("https://", "http://", "mailto:")), attrs
            assert attrs["rel"] == "noopener noreferrer nofollow"


def test_exhibit_references_become_neutral_markers_outside_code():
    text = "See #NL-0007 and #at-12, `#NL-0008` and x#NL-0009, and #HR-0001."
    assert render(text) == (
        '<p>See <span class="exhibit-ref" data-exhibit="NL-0007">#NL-0007</span> and #at-12, '
        "<code>#NL-0008</code> and x#NL-0009, and "
        '<span class="exhibit-ref" data-exhibit="HR-0001">#HR-0001</span>.</p>'
    )
    assert exhibit_references(text) == ["NL-0007", "HR-0001"]
    assert exhibit_references("#NL-0007 twice #NL-0007") == ["NL-0007"]


def test_a_forged_marker_stays_text():
    html = render('<span class="exhibit-ref" data-exhibit="NL-1">x</span>')
    assert "<span" not in html
    assert "&lt;span" in html
