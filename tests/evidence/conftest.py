"""Helpers for evidence tests: multipart bodies built by hand, blob store inspection."""

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jit.extensions import db


@pytest.fixture(autouse=True)
def _finish_extractions(request):
    """Let background text extraction finish before the app and its database go away."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is not None:
        from evidence import extraction

        extraction.wait_idle(app)


def item_fields(**overrides) -> dict:
    """Return the form fields of a valid new item, with ``overrides``."""
    fields = {
        "title": "Handset seized at the border",
        "item_type": "device-image",
        "description": "Forensic image of the driver's phone.",
        "collected_by": "Insp. T. Babić, PNUSKOK Split",
        "collected_at": "2026-03-14T09:30",
        "collected_time_zone": "Europe/Zagreb",
        "collected_location": "Bajakovo border crossing",
        "seized_from": "Driver of a white van",
        "legal_basis": "Art. 261 ZKP (temporary seizure)",
        "legal_reference": "KR-US-14/2026",
        "visibility": "team",
        "handling_code": "H0",
        "handling_conditions": "",
        "source_reliability": "B",
        "information_accuracy": "2",
        "tags": "phone, border",
        "parent_exhibit": "",
        "derivation": "",
    }
    fields.update(overrides)
    return fields


def multipart_body(fields: dict, files=()) -> tuple[bytes, str]:
    """Encode ``fields`` then ``files`` (``(name, filename, bytes)``) as multipart/form-data."""
    boundary = "----jit-test-" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, filename, data in files:
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, url: str, fields: dict, files=(), *, csrf=True, headers=None):
    """Post a streamed upload the way the browser's form does (token as the first field)."""
    fields = dict(fields)
    if csrf:
        fields = {"csrf_token": client.csrf_token()} | fields
    body, content_type = multipart_body(fields, files)
    return client.post(url, data=body, content_type=content_type, csrf=False, headers=headers or {})


def blob_root(app) -> Path:
    return Path(app.instance_path) / "blobs"


def stored_blobs(app) -> list[Path]:
    """Every file in the blob store, temporary ones included."""
    root = blob_root(app)
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def counts() -> dict:
    from evidence.models import CustodyEvent, EvidenceFile, EvidenceItem

    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (EvidenceItem, EvidenceFile, CustodyEvent)
    }


@pytest.fixture
def nl_member(make_team, make_membership):
    """An NL member of a fresh team, signed-in-able, with the team on ``.team``."""
    team = make_team()
    return make_membership(team, "member", "NL")


def old_view(item, user) -> None:
    """Append a view as the workspace did before views left custody."""
    from evidence import custody

    head = custody.HEADS.lock(item.id)
    custody._append(
        item,
        head,
        "viewed",
        recorded_by=user,
        actor_name=user.display_name,
        actor_party="NL",
        occurred_at=None,
        time_zone="UTC",
        location="",
        purpose="Item page opened",
        legal_basis="",
        details={},
        released_by=None,
        released_by_party=None,
        received_by=None,
        received_by_party=None,
    )
