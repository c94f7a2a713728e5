"""Row locks that serialise concurrent changes to an agreement (drafting and signing)."""

from sqlalchemy import update

from agreements.models import AgreementVersion
from jit.extensions import db


def lock_version(version: AgreementVersion) -> None:
    """Lock the version's row and reload it, so that signatures and edits serialise.

    Without it two leaders signing at once could each miss the other's signature, or an
    edit could land on a text another leader was signing.
    """
    write_lock(AgreementVersion, version.id)
    db.session.refresh(version)
    db.session.expire(version, ["signatures"])


def write_lock(model, row_id: int) -> None:
    """Lock a row with a no-op UPDATE (as the audit chain does).

    On PostgreSQL it locks the row like SELECT … FOR UPDATE; on SQLite it opens the
    write transaction, so what is read next is the latest committed state.
    """
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )
