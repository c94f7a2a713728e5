"""A request is addressed from the directory: proposed at drafting, picked on the form."""

import re

from jit.directory import services as directory
from jit.extensions import db
from tests.bundles.test_prefill import agreed  # noqa: F401 - the fixture


def _entry(country, function, name, address=""):
    entry = directory.create_entry(
        {"country": country, "function": function, "name": name, "address": address}, actor=None
    )
    db.session.commit()
    return entry


def test_the_directory_s_competent_authority_is_proposed(client, auth, agreed):  # noqa: F811
    from evidence.bundles.models import Bundle

    _entry(
        "RS", "extradition-authority", "Ministry of Justice of Serbia", "Nemanjina 22-26\nBelgrade"
    )
    _entry("DE", "mla-central-authority", "Bundesamt für Justiz", "Adenauerallee 99, Bonn")
    auth.login(agreed.nl_member.user)
    code = agreed.team.code
    client.post(
        f"/t/{code}/requests/new", data={"request_type": "extradition", "executing_state": "RS"}
    )
    client.post(f"/t/{code}/requests/new", data={"request_type": "mla", "executing_state": "DE"})
    first, second = db.session.scalars(db.select(Bundle).order_by(Bundle.number)).all()
    assert first.values["requested_authority"] == (
        "Ministry of Justice of Serbia, Nemanjina 22-26, Belgrade"
    )
    # The directory's central authority, not the team partner's prosecutor.
    assert second.values["requested_authority"] == "Bundesamt für Justiz, Adenauerallee 99, Bonn"


def test_the_drafter_picks_another_listed_authority(client, auth, agreed):  # noqa: F811
    from evidence.bundles.models import Bundle

    _entry("DE", "mla-central-authority", "Bundesamt für Justiz")
    other = _entry("DE", "national-jit-expert", "GStA Köln, JIT-Experte")
    _entry("AT", "mla-central-authority", "Bundesministerium für Justiz")
    auth.login(agreed.nl_member.user)
    code = agreed.team.code
    client.post(f"/t/{code}/requests/new", data={"request_type": "mla", "executing_state": "DE"})
    page = client.get(f"/t/{code}/requests/1/edit").get_data(as_text=True)
    assert "Addressee from the directory" in page
    assert "GStA Köln, JIT-Experte" in page
    assert "Bundesministerium für Justiz" not in page  # another state's authority
    picked = client.get(f"/t/{code}/requests/1/edit?addressee={other.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="f-requested_authority"[^>]*>', picked).group(0)
    assert 'value="GStA Köln, JIT-Experte"' in field
    bundle = db.session.scalar(db.select(Bundle))
    assert bundle.values["requested_authority"] == "Bundesamt für Justiz"  # nothing saved yet
    for wrong in ("999999", "abc", "-1"):
        response = client.get(f"/t/{code}/requests/1/edit?addressee={wrong}")
        assert response.status_code in (200, 400)
        assert "GStA" not in re.search(
            r'<input[^>]*id="f-requested_authority"[^>]*>', response.get_data(as_text=True)
        ).group(0)


def test_the_language_is_proposed_from_the_authority_the_directory_lists(
    client,
    auth,
    agreed,  # noqa: F811
):
    from evidence.bundles.models import Bundle

    # Belgium's language would be Dutch; its listed authority takes French first.
    directory.create_entry(
        {
            "country": "BE",
            "function": "eio-executing",
            "name": "Parquet fédéral",
            "languages": "fr; nl; de",
        },
        actor=None,
    )
    db.session.commit()
    auth.login(agreed.nl_member.user)
    code = agreed.team.code
    client.post(f"/t/{code}/requests/new", data={"request_type": "eio", "executing_state": "BE"})
    client.post(f"/t/{code}/requests/new", data={"request_type": "eio", "executing_state": "LU"})
    first, second = db.session.scalars(db.select(Bundle).order_by(Bundle.number)).all()
    assert first.language == "fr"
    assert second.language == "fr"  # no authority listed: Luxembourg's language
    page = client.get(f"/t/{code}/requests/1/edit").get_data(as_text=True)
    assert "Français — proposed for the executing authority" in page
