"""Search pages: one team's search, the cross-team search, and the same as JSON."""

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import current_user, login_required

from jit.extensions import db
from jit.permissions import Permission
from jit.teams.access import load_team, teams_of
from search import identifiers, services
from search.registry import kinds

bp = Blueprint("search", __name__)


def _outcome(accesses):
    try:
        search_request = services.parse_request(request.args)
    except services.SearchError as problem:
        return services.Outcome(request=services.SearchRequest(), error=str(problem)), 400
    outcome = services.run(accesses, search_request)
    db.session.commit()  # the audit entry of the search
    return outcome, 400 if outcome.error else 200


def _page(outcome, status, *, access=None, endpoint, url_args):
    return render_template(
        "search/results.html",
        access=access,
        outcome=outcome,
        endpoint=endpoint,
        url_args=url_args,
        kind_labels={name: kind.label for name, kind in kinds().items()},
        identifier_labels=identifiers.LABELS,
        per_page=services.PER_PAGE,
    ), status


@bp.get("/t/<code>/search")
@login_required
def team_search(code: str):
    access = load_team(code, Permission.SEARCH)
    if not request.args:
        outcome = services.Outcome(request=services.SearchRequest())
        return _page(
            outcome, 200, access=access, endpoint="search.team_search", url_args={"code": code}
        )
    outcome, status = _outcome([access])
    return _page(
        outcome, status, access=access, endpoint="search.team_search", url_args={"code": code}
    )


@bp.get("/search")
@login_required
def everywhere():
    accesses = services.searchable(teams_of(current_user))
    if not request.args:
        outcome = services.Outcome(request=services.SearchRequest())
        return _page(outcome, 200, endpoint="search.everywhere", url_args={})
    outcome, status = _outcome(accesses)
    return _page(outcome, status, endpoint="search.everywhere", url_args={})


def _json(outcome, status):
    body = {
        "query": outcome.request.text,
        "filters": outcome.request.filters,
        "sort": outcome.request.sort,
        "page": outcome.request.page,
        "per_page": services.PER_PAGE,
    }
    if outcome.error:
        return jsonify(body | {"error": outcome.error}), status
    body |= {
        "total": outcome.results.total,
        "pages": outcome.pages,
        "suggestion": outcome.suggestion,
        "facets": {name: dict(values) for name, values in outcome.facets().items()},
        "hits": [
            {
                "kind": hit.kind,
                "team": outcome.team_codes.get(hit.team_id),
                "title": hit.title,
                "fragment_html": str(hit.fragment),
                "url": outcome.link(hit),
                "occurred_at": hit.occurred_at.isoformat(),
                "party": hit.party or None,
                "handling_code": hit.handling_code or None,
                "exhibit": hit.exhibit or None,
                "evidence_type": hit.evidence_type or None,
            }
            for hit in outcome.results.hits
        ],
    }
    return jsonify(body), status


@bp.get("/t/<code>/search.json")
@login_required
def team_search_json(code: str):
    access = load_team(code, Permission.SEARCH)
    return _json(*_outcome([access]))


@bp.get("/search.json")
@login_required
def everywhere_json():
    return _json(*_outcome(services.searchable(teams_of(current_user))))


def search_url(endpoint: str, url_args: dict, outcome, **changes) -> str:
    """The URL of this search with some parameters changed (facets, pages, sort)."""
    return url_for(endpoint, **url_args, **outcome.request.args(**changes))


@bp.app_context_processor
def _helpers():
    return {"search_url": search_url}
