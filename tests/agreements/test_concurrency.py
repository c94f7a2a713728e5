"""Two leaders signing at the same moment: both signatures count and the text comes into force."""

import threading

from agreements import signing
from agreements.models import AgreementVersion
from jit.clock import frozen
from jit.extensions import db
from jit.teams.access import TeamAccess
from jit.teams.models import Membership
from tests.agreements.conftest import TODAY
from tests.conftest import DEFAULT_PASSWORD


def test_simultaneous_signatures_both_count(app, jit):
    with frozen(TODAY):
        version_id = jit.draft().id
        barrier = threading.Barrier(2)
        errors: list[Exception] = []

        def sign(membership_id: int) -> None:
            with app.app_context():
                try:
                    membership = db.session.get(Membership, membership_id)
                    version = db.session.get(AgreementVersion, version_id)
                    _ = version.signatures, version.agreement.versions  # read before the race
                    access = TeamAccess(team=membership.team, membership=membership)
                    barrier.wait(timeout=10)
                    signing.sign(
                        access, version, password=DEFAULT_PASSWORD, function="Leader", place="X"
                    )
                    db.session.commit()
                except Exception as error:  # reported below
                    errors.append(error)
                finally:
                    db.session.remove()

        threads = [
            threading.Thread(target=sign, args=(m.id,)) for m in (jit.nl_leader, jit.de_leader)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    version = db.session.get(AgreementVersion, version_id)
    assert len(version.signatures) == 2
    assert version.is_fully_signed
    assert version.applied_at is not None
