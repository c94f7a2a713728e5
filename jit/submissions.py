"""One-time submission tokens: a form that creates something creates it once.

A creating form carries a random token in a hidden field
(:class:`SubmissionTokenField`). The view claims the token (:func:`claim`) in the
transaction that creates the record, before its first write, and notes where the
record lives (:func:`done`) before the commit. The token is the table's primary key,
so of two posts with one token (a double click, a browser resend, two racing
requests) only one commits; the other creates nothing and is sent to the record the
first one created (:exc:`AlreadySubmitted`, answered by :func:`answer_repeat`).

A post without a token (a script, the CLI) is not deduplicated. A refused post
(a form error) rolls back its claim, so the corrected form can be sent with the same
token. Claimed tokens are forgotten after :data:`KEEP_FOR`.
"""

import re
import secrets
from datetime import datetime, timedelta

from flask import flash, redirect, render_template
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from jit.clock import utcnow
from jit.extensions import db
from jit.types import UTCDateTime

FIELD_NAME = "submission_token"
KEEP_FOR = timedelta(days=7)
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SubmissionToken(db.Model):
    """A token some form was sent with, and where the record it created lives."""

    __tablename__ = "submission_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    result_url: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<SubmissionToken {self.purpose} user={self.user_id} -> {self.result_url}>"


class AlreadySubmitted(Exception):
    """This form was sent before; ``url`` is what it created (None if not the sender's)."""

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.url = url


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SubmissionTokenField(HiddenField):
    """A hidden field that renders a fresh token, and on a post holds the token sent back.

    A damaged token (one holding a NUL too) is refused by :func:`claim`, with a message,
    not by the form.
    """

    refuses_nul_itself = True

    def _value(self) -> str:
        if not self.data:
            self.data = new_token()
        return self.data


def claim(token: str | None, *, user, purpose: str) -> SubmissionToken | None:
    """Claim ``token`` for ``user`` in this transaction; call before its first write.

    Raise :exc:`AlreadySubmitted` if the token was claimed before, by an earlier post
    or by one racing this one (then the transaction is rolled back). Without a token,
    claim nothing and return None.
    """
    if not token:
        return None
    if not _WELL_FORMED.fullmatch(token):
        raise AlreadySubmitted(
            "This form's one-time token is damaged, so nothing was saved. Reload the page "
            "and fill the form in again."
        )
    earlier = db.session.get(SubmissionToken, token)
    if earlier is not None:
        raise _repeat_of(earlier, user)
    claimed = SubmissionToken(token=token, user_id=user.id, purpose=purpose, claimed_at=utcnow())
    db.session.add(claimed)
    try:
        db.session.flush()
    except IntegrityError:
        # A racing post with the same token committed first (the insert waited for it).
        db.session.rollback()
        raise _repeat_of(db.session.get(SubmissionToken, token), user) from None
    db.session.execute(
        delete(SubmissionToken).where(SubmissionToken.claimed_at < utcnow() - KEEP_FOR)
    )
    return claimed


def done(claimed: SubmissionToken | None, url: str) -> None:
    """Note where the record created under ``claimed`` lives, before the commit."""
    if claimed is not None:
        claimed.result_url = url[:500]


def _repeat_of(earlier: SubmissionToken | None, user) -> AlreadySubmitted:
    if earlier is None or earlier.user_id != user.id or not earlier.result_url:
        return AlreadySubmitted(
            "This form was already sent, so nothing new was saved. Reload the page to start "
            "a new one."
        )
    return AlreadySubmitted(
        "This form was already sent and saved once; nothing new was saved. Here is what it "
        "recorded.",
        earlier.result_url,
    )


def answer_repeat(repeat: AlreadySubmitted):
    """Send the person to what the first post created, or explain (409) if there is none."""
    if repeat.url:
        flash(str(repeat), "info")
        return redirect(repeat.url, 303)
    return render_template(
        "errors/error.html", code=409, title="Already sent", message=str(repeat)
    ), 409
