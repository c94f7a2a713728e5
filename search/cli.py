"""``jit search``: drain the outbox, rebuild indexes from the database, compare the two."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from jit.extensions import db
from jit.teams.models import Team
from search import outbox
from search.backends import digest, get_backend
from search.registry import kinds, load

CHUNK = 200


@click.group("search")
def search_cli():
    """Work with the case search index."""


def _teams(code: str | None) -> list[Team]:
    statement = select(Team).order_by(Team.code)
    if code:
        statement = statement.where(Team.code == code)
    teams = list(db.session.scalars(statement))
    if code and not teams:
        raise click.ClickException(f"There is no team {code}.")
    return teams


def expected_documents(team_id: int):
    """Yield every document the database says a team's index should hold."""
    for kind in kinds().values():
        ids = list(kind.ids_of_team(team_id))
        for start in range(0, len(ids), CHUNK):
            found = load(kind, ids[start : start + CHUNK])
            yield from (document for document in found.values() if document is not None)


def reindex_team(team: Team, progress=None) -> int:
    """Rebuild one team's index from the database; the caller holds the writer lock."""
    backend = get_backend()
    backend.clear_team(team.id)
    batch, count = [], 0
    for document in expected_documents(team.id):
        batch.append(document)
        if len(batch) == CHUNK:
            backend.apply(team.id, batch, [])
            count += len(batch)
            if progress:
                progress.update(len(batch))
            batch = []
    backend.apply(team.id, batch, [])
    count += len(batch)
    if progress:
        progress.update(len(batch))
    db.session.commit()
    return count


def _count(team: Team) -> int:
    return sum(len(list(kind.ids_of_team(team.id))) for kind in kinds().values())


def _writer_lock(app):
    """Take the Whoosh writer lock (None for PostgreSQL), or explain who holds it."""
    if get_backend(app).name != "whoosh":
        return None
    lock = outbox.WriterLock(app.config["SEARCH_INDEX_DIR"])
    if not lock.acquire(timeout=30):
        raise click.ClickException(
            "A running server holds the index writer: stop it, or wait and retry."
        )
    return lock


@search_cli.command("reindex")
@click.option("--team", "code", help="Only this team (its code).")
@with_appcontext
def reindex_command(code):
    """Rebuild the index from the database (all teams, or one)."""
    app = current_app._get_current_object()
    teams = _teams(code)
    lock = _writer_lock(app)
    try:
        for team in teams:
            with click.progressbar(length=_count(team), label=f"{team.code:<16}") as bar:
                done = reindex_team(team, bar)
            click.echo(f"{team.code}: {done} document(s) indexed.")
        drained = outbox.drain_held(app)
        click.echo(f"Outbox: {drained} change(s) applied after the rebuild.")
        # The rebuild's commits merged only small segments (docs/search.md): merge the
        # rest now, as the writer would once idle.
        merges = get_backend(app).tidy()
        if merges:
            click.echo(f"Index segments merged in {merges} step(s).")
    finally:
        if lock is not None:
            lock.release()


def rebuild_after_restore(app) -> None:
    """Rebuild every team's index once an instance is restored (backups leave it out)."""
    lock = _writer_lock(app)
    try:
        for team in _teams(None):
            reindex_team(team)
        outbox.drain_held(app)
    finally:
        if lock is not None:
            lock.release()


@search_cli.command("drain")
@with_appcontext
def drain_command():
    """Apply the outbox now (what the server's writer thread does)."""
    try:
        done = outbox.drain(current_app._get_current_object())
    except outbox.WriterBusy as busy:
        raise click.ClickException(str(busy)) from None
    click.echo(f"{done} change(s) applied.")


@search_cli.command("check")
@click.option("--team", "code", help="Only this team (its code).")
@with_appcontext
def check_command(code):
    """Compare the database with the index; list what is missing, stale or extra."""
    backend = get_backend()
    waiting = outbox.pending()
    problems = 0
    for team in _teams(code):
        expected = {doc.uid: digest(doc) for doc in expected_documents(team.id)}
        indexed = backend.indexed(team.id)
        missing = sorted(set(expected) - set(indexed))
        extra = sorted(set(indexed) - set(expected))
        stale = sorted(uid for uid in expected if uid in indexed and indexed[uid] != expected[uid])
        problems += len(missing) + len(extra) + len(stale)
        click.echo(
            f"{team.code}: {len(expected)} expected, {len(indexed)} indexed, "
            f"{len(missing)} missing, {len(stale)} stale, {len(extra)} extra"
        )
        # PostgreSQL's fuzzy candidates (search_vocabulary): words of deleted documents
        # may stay there, but every word of an indexed one must be held.
        words_missing = getattr(backend, "missing_words", None)
        lacking = words_missing(team.id) if words_missing else 0
        if lacking:
            problems += lacking
            click.echo(f"  {lacking} word(s) missing from the vocabulary of fuzzy terms")
        for label, uids in (("missing", missing), ("stale", stale), ("extra", extra)):
            for uid in uids[:50]:
                click.echo(f"  {label}: {uid}")
    if waiting:
        click.echo(f"{waiting} change(s) wait in the outbox (the writer applies them).")
    if problems:
        raise click.ClickException(
            f"{problems} difference(s); `jit search reindex` rebuilds from the database."
        )
    click.echo("The index matches the database.")


def clear_team_index(team, **_kwargs) -> None:
    """Empty a team's index once retention deleted its content (the caller commits)."""
    get_backend().clear_team(team.id)
