"""Factories for firearms tests: evidence items of type firearm and the records on them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from jit.extensions import db


def access_of(user, team):
    from jit.teams.access import team_access_for

    return team_access_for(user, team.code)


@pytest.fixture
def make_firearm_item(app):
    """Return a factory for an evidence item of type firearm recorded by ``membership``."""
    from evidence import services

    def factory(membership, *, title="Pistol from the van", visibility="team", when=None):
        access = access_of(membership.user, membership.team)
        item = services.create_item(
            access,
            services.ItemInput(
                title=title,
                item_type="firearm",
                collected_by="Insp. Test",
                collected_at=when or datetime(2026, 3, 14, 9, 0, tzinfo=UTC),
                collected_time_zone="Europe/Zagreb",
                collected_location="Bajakovo border crossing",
                seized_from="Van ZG 4471-KP",
                legal_basis="Art. 261 ZKP",
                visibility=visibility,
            ),
            [],
        )
        db.session.commit()
        return item

    return factory


@pytest.fixture
def make_firearm(app):
    """Return a factory recording a firearm on an item through the service."""
    from evidence.firearms import services

    def factory(membership, item, *, serial="12-M57-48221", make="Zastava", **fields):
        access = access_of(membership.user, membership.team)
        values = {
            "manufacturer": make,
            "model": "M57",
            "firearm_type": "pistol",
            "calibre": "7.62×25",
            "country_of_manufacture": "RS",
            "condition": "converted",
            "serials": [services.SerialInput("frame", serial)] if serial else [],
        } | fields
        firearm = services.add_firearm(access, item, services.FirearmInput(**values))
        db.session.commit()
        return firearm

    return factory


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_count() -> int:
    from jit.audit.models import AuditEntry

    return count(AuditEntry)
