"""A party's archive names an item derived from its evidence only if its leader may open it."""

import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from jit import bags
from jit.clock import frozen
from jit.closeout import archives
from jit.extensions import db
from tests.agreements.conftest import at
from tests.jit.closeout.conftest import access_of


@pytest.fixture
def derived(in_force, make_item):
    """NL's team item with DE's party-only analysis product of it; then closed."""
    from agreements import services

    team = in_force
    with frozen(at("2026-06-10")):
        team.parent = make_item(team.nl_member, title="Seized handset", visibility="team")
        team.product = make_item(
            team.de_leader,
            title="Call pattern analysis",
            visibility="party",
            parent_exhibit=team.parent.exhibit_number,
            derivation="analysis",
            collected_at=at("2026-06-10"),
        )
    with frozen(at("2026-09-01")):
        services.close(access_of(team.coordinator), "Operational phase completed.")
        db.session.commit()
    return team


def test_the_archive_holds_back_what_names_a_product_the_leader_may_not_open(
    app, derived, tmp_path
):
    with frozen(at("2026-09-02")), app.test_request_context():
        archive = archives.take(access_of(derived.nl_leader))
        db.session.commit()
    path = archives.archive_path(archive)
    assert bags.verify(path).is_intact
    number = derived.product.exhibit_number
    folder = bags.safe_name(derived.parent.exhibit_number)
    with zipfile.ZipFile(path) as package:
        top = package.namelist()[0].split("/")[0]
        base = f"{top}/data/evidence/{folder}"
        chain = package.read(f"{base}/custody.jsonl").decode("utf-8")
        report = package.read(f"{base}/custody-report.pdf")
        names = package.namelist()
    assert not any(f"/evidence/{bags.safe_name(number)}/" in name for name in names)
    assert number not in chain
    held = [json.loads(line) for line in chain.splitlines() if "is_held_back" in line]
    assert [line["seq"] for line in held] == [2]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report)).pages)
    flat = "".join(text.split())
    assert number not in flat
    assert "Analysisproductmade:anitemyoumaynotopen" in flat
