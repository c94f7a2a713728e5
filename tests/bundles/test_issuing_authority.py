"""The PDF names the issuing authority the form names: on its cover, as its author, in its
signature — EAW (i), EIO K, or each form's own field — else the drafting party's."""

import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from evidence import storage
from evidence.bundles.document import request_document
from evidence.bundles.pdf import request_pdf
from tests.bundles.conftest import COMPLETE, finalise

# The field each form names its issuing (requesting) authority in.
AUTHORITY_FIELD = {
    "eaw": "authority_name",
    "eio": "authority_name",
    "extradition": "authority_name",
    "mla": "requesting_authority",
    "tracing": "requesting_agency",
}


def _cover_authority(pdf: bytes) -> str:
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    return re.search(r"Issuing authority (.+?) \(Netherlands\)", text).group(1)


@pytest.mark.parametrize("request_type", sorted(AUTHORITY_FIELD))
def test_the_form_s_issuing_authority_is_on_the_cover_author_and_signature(
    request_type, crew, make_bundle, make_item
):
    named = "Rechter-commissaris, Rechtbank Rotterdam (kabinet 3)"
    values = COMPLETE[request_type] | {AUTHORITY_FIELD[request_type]: named}
    item = make_item(crew.nl_member, files=[("a.txt", b"a")])
    bundle = make_bundle(crew.nl_member, request_type, values, items=[item])
    assert bundle.party.authority
    assert bundle.party.authority != named
    finalise(crew.nl_leader, bundle)
    pdf = storage.blob_path(bundle.pdf_sha256).read_bytes()
    assert _cover_authority(pdf) == named
    assert PdfReader(io.BytesIO(pdf)).metadata.author == named
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/Location"] == named


def test_without_the_form_s_authority_the_party_s_is_named(crew, make_bundle):
    values = dict(COMPLETE["eaw"])
    values.pop("authority_name")
    bundle = make_bundle(crew.nl_member, "eaw", values)
    pdf = request_pdf(request_document(bundle), sign=False)
    assert _cover_authority(pdf) == bundle.party.authority
    assert PdfReader(io.BytesIO(pdf)).metadata.author == bundle.party.authority
