"""A request in a language the executing authority does not accept is flagged, not stopped.

Directive 2014/41/EU art. 5(2), FD 2002/584/JHA art. 8(2): the request goes in a language
the executing State accepts, or translated into one. The languages are the directory's.
"""

from evidence.bundles import services
from jit.directory import services as directory
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise

NOTICE = (
    "Staatsanwaltschaft München I accepts requests in German or English, as the directory lists"
)


def _list_munich(languages: str) -> None:
    directory.create_entry(
        {
            "country": "DE",
            "function": "eio-executing",
            "name": "Staatsanwaltschaft München I",
            "languages": languages,
        },
        actor=None,
    )
    db.session.commit()


def _page(client, crew, bundle) -> str:
    return client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)


def test_a_request_in_a_language_not_accepted_is_flagged_and_may_be_finalised(
    client, auth, crew, make_bundle
):
    _list_munich("de; en")
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], language="nl")
    auth.login(crew.nl_leader.user)
    page = _page(client, crew, bundle)
    assert NOTICE in page
    assert "this request is in Dutch, and no translation into German or English is attached" in page
    assert "This does not stop the finalising" in page
    assert services.problems(bundle) == []
    client.post(f"/t/{crew.team.code}/requests/{bundle.number}/finalise")
    db.session.refresh(bundle)
    assert bundle.is_final
    page = _page(client, crew, bundle)
    assert NOTICE in page
    assert "Send a translation into German or English with it." in page


def test_an_accepted_language_or_a_translation_into_one_is_enough(client, auth, crew, make_bundle):
    _list_munich("de; en")
    auth.login(crew.nl_member.user)
    for language in ("de", "en"):
        bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], language=language)
        assert 'id="language-notice"' not in _page(client, crew, bundle)
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], language="nl")
    assert 'id="language-notice"' in _page(client, crew, bundle)
    services.attach_translation(
        access_of(crew.nl_member), bundle, "de", "uebersetzung.txt", b"Sachverhalt: ...\n"
    )
    db.session.commit()
    assert 'id="language-notice"' not in _page(client, crew, bundle)


def test_nothing_is_said_when_the_directory_lists_no_language(client, auth, crew, make_bundle):
    _list_munich("")
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], language="nl")
    auth.login(crew.nl_member.user)
    assert 'id="language-notice"' not in _page(client, crew, bundle)
    finalise(crew.nl_leader, bundle)
    assert 'id="language-notice"' not in _page(client, crew, bundle)
