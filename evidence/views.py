"""Evidence pages: the blueprint, the list and an item's page.

Every view obtains its team and item through :mod:`evidence.access`, reads through
:mod:`evidence.queries` and writes through the services. The other pages hang on the
same blueprint from modules named for their idea: :mod:`evidence.file_views` (a new item
with its files, more files, a member extracted, downloads), :mod:`evidence.custody_views`
(custody events recorded by hand, acknowledgements) and :mod:`evidence.report_views`
(verification, the custody report, the chain as JSON lines, the signing key).
"""

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from evidence import (
    custody,
    custody_events,
    custody_fields,
    custody_shown,
    listing,
    queries,
    services,
)
from evidence.access import (
    load_evidence_team,
    load_team_item,
    may_add_item,
    visible_ids,
    why_not_add_item,
)
from evidence.forms import FilterForm
from evidence.models import EvidenceItem
from evidence.uploads import max_upload_bytes
from jit import gates
from jit.extensions import db
from jit.inputs import ignore_bad_filters, query_int
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.forms import ConfirmForm
from search.related import also_appears_in

bp = Blueprint("evidence", __name__)


def _reader_zone() -> ZoneInfo:
    return ZoneInfo(current_user.time_zone or "UTC")


# ---------------------------------------------------------------------------
# The list


@bp.get("/t/<code>/evidence/")
@login_required
def index(code: str):
    access = load_evidence_team(code)
    form = FilterForm(request.args)
    form.party.choices = [SelectChoice("", "Any party")] + [
        SelectChoice(str(party.id), party.short_label) for party in access.team.parties
    ]
    form.validate()
    ignore_bad_filters(form)

    def kept(field):  # a filter with an error (a NUL, say) is ignored: ignore_bad_filters
        return None if field.errors else field.data

    filters = listing.Filters(
        party_id=kept(form.party),
        item_type=kept(form.item_type) or "",
        handling_code=kept(form.handling_code) or "",
        collected_from=kept(form.collected_from),
        collected_to=kept(form.collected_to),
        tag=(kept(form.tag) or "").strip(),
        sort=form.sort.data if form.sort.data in listing.SORTS else "-collected",
    )
    page = query_int("page", 1)
    result = listing.list_items(access, filters, page, _reader_zone())
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "evidence/index.html",
        access=access,
        form=form,
        filters=filters,
        result=result,
        query=query,
        tags=listing.all_tags(access),
        may_add=may_add_item(access),
        why_not_add=None if may_add_item(access) else why_not_add_item(access),
        gate=gates.may(access.team, "add_evidence"),
        confirm_form=ConfirmForm(),
    )


# ---------------------------------------------------------------------------
# One item


# How many reads the item page lists; the custody report lists them all.
ACCESS_ROWS_ON_PAGE = 25


def item_page(access: TeamAccess, item: EvidenceItem, *, event_form=None, status=200, error=None):
    ancestors, children = queries.lineage(access, item)
    integrity = queries.integrity_state(item)
    events = queries.custody_chain(item)
    return (
        render_template(
            "evidence/item.html",
            access=access,
            item=item,
            events=custody_shown.as_read_by(access, item, events),
            awaiting=custody_events.awaiting_acknowledgement(item, events, access.user),
            closed=custody.closing_event(item),
            access_log=queries.access_log(access, item, limit=ACCESS_ROWS_ON_PAGE),
            detail_rows=custody_fields.detail_rows,
            detail_text=custody_fields.detail_text,
            agreement_refs=custody.agreement_references(item.team, events),
            head=integrity.head,
            key=integrity.key,
            verification=integrity.verification,
            ancestors=ancestors,
            children=children,
            # A container's member made an item is linked only for who may open that item.
            openable_members=visible_ids(
                access, (m.derived_item_id for f in item.files for m in f.members)
            ),
            event_form=event_form,
            error=error,
            confirm_form=ConfirmForm(),
            may_upload=_may_upload(access, item) and custody.closing_event(item) is None,
            may_record=access.can(Permission.RECORD_CUSTODY),
            may_derive=may_add_item(access),
            may_extract=access.can(Permission.ADD_EVIDENCE)
            and gates.may(access.team, "add_evidence"),
            max_upload_bytes=max_upload_bytes(),
            appearances=also_appears_in(access, "item", item.id),
        ),
        status,
    )


def _may_upload(access: TeamAccess, item: EvidenceItem) -> bool:
    try:
        services.check_upload_allowed(access, item)
    except services.EvidenceError:
        return False
    return True


@bp.get("/t/<code>/evidence/<exhibit>")
@login_required
def item(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    services.record_view(access, item)
    db.session.commit()
    return item_page(access, item)


# Adding and downloading files, custody events, verification and reports hang on this
# blueprint too.
from evidence import custody_views, file_views, report_views  # noqa: E402, F401
