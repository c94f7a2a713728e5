"""The agreement PDF never leaves a heading alone at the foot of a page."""

import subprocess

import pytest

from agreements import content as agreement_content
from jit.clock import frozen
from tests.agreements.conftest import TODAY


def _last_lines(data: bytes, tmp_path) -> list[str]:
    """Return the last line of body text on each page but the last.

    pdftotext -layout keeps the visual order (pypdf reads list markers and the running
    head last); the running foot (the hash) is left out.
    """
    path = tmp_path / "agreement.pdf"
    path.write_bytes(data)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    lines = []
    for page in [p for p in pages if p.strip()][:-1]:
        body = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in body if not line.startswith("SHA-256")]
        lines.append(body[-1])
    return lines


@pytest.mark.parametrize("padding", range(0, 44, 4))
def test_no_article_heading_ends_a_page(client, auth, jit, padding, tmp_path):
    """Push the articles down line by line so that every heading meets a page end once."""
    purpose = "\n".join(
        f"Line {n} of the purpose, long enough to fill most of one printed line of the text."
        for n in range(padding)
    )
    with frozen(TODAY):
        jit.draft(purpose={"text": purpose, "offences": "Firearms", "proceedings": "NL: 1"})
        auth.login(jit.nl_leader.user)
        response = client.get(f"/t/{jit.team.code}/agreement/v1.pdf")
    headings = {article.heading for article in agreement_content.ARTICLES}
    headings |= {"Offences", "Domestic proceedings", "Rules for accessing the workspace."}
    orphans = [line for line in _last_lines(response.data, tmp_path) if line in headings]
    assert orphans == []
