"""The team's mid-term and final evaluation, following the JIT evaluation form
(LEGAL.md §3): each party writes its part; the coordinator finalises it."""

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from agreements.articles import ARTICLES, CURRENT, cite
from agreements.models import Evaluation, EvaluationContribution
from agreements.status import agreement_of, team_status
from jit import signals
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import holds_nul, nul_message
from jit.permissions import Permission
from jit.teams.access import TeamAccess

KINDS = {"mid_term": "Mid-term evaluation", "final": "Final evaluation"}
TEXT_SECTIONS = {
    "setting_up": "Setting-up phase",
    "operational": "Operational phase",
    "prosecution": "Prosecution and trial phase",
    "legal_issues": "Legal issues",
    "added_value": "Added value",
    "lessons_learned": "Lessons learned and best practices",
}
COUNTS = {
    "arrests": "Arrests",
    "searches": "Searches",
    "firearms_seized": "Firearms seized",
    "ammunition_seized": "Rounds of ammunition seized",
    "convictions": "Convictions",
    "eios_issued": "European Investigation Orders issued",
    "eaws_issued": "European Arrest Warrants issued",
    "mla_issued": "MLA requests issued",
}
# Counts the requests register can fill in (jit.signals.legal_requests_issued).
REQUEST_COUNTS = {"eios_issued": "eio", "eaws_issued": "eaw", "mla_issued": "mla"}
MONEY = {
    "eurojust_funding_eur": "Eurojust funding received (EUR)",
    "assets_seized_eur": "Assets seized (EUR)",
    "assets_recovered_eur": "Assets recovered (EUR)",
}
# Parts written before seized and recovered assets were asked apart keep their one figure.
OLD_MONEY = {"assets_eur": "Assets seized or recovered (EUR), one figure as first recorded"}
RESULT_TEXTS = {"drugs_seized": "Drugs seized", "other_results": "Other results"}
ANSWER_KEYS = [*TEXT_SECTIONS, *COUNTS, *MONEY, *RESULT_TEXTS]


class EvaluationError(ValueError):
    """A refused evaluation operation, with a message fit to show the person."""


def evaluation_of(team, kind: str) -> Evaluation | None:
    return db.session.scalar(
        select(Evaluation).where(Evaluation.team_id == team.id, Evaluation.kind == kind)
    )


def start(access: TeamAccess, kind: str) -> Evaluation:
    if not access.can(Permission.DRAFT_AGREEMENT):
        raise EvaluationError("The coordinator or a leader opens an evaluation.")
    if kind not in KINDS:
        raise EvaluationError(f"Unknown evaluation {kind!r}.")
    if evaluation_of(access.team, kind) is not None:
        raise EvaluationError(f"The {KINDS[kind].lower()} is already open.")
    agreement = agreement_of(access.team)
    if agreement is None or not any(v.is_fully_signed for v in agreement.versions):
        raise EvaluationError("A team is evaluated once its agreement has been signed by all.")
    evaluation = Evaluation(team_id=access.team.id, kind=kind, created_by_id=access.user.id)
    db.session.add(evaluation)
    db.session.flush()
    audit.record(
        "evaluation.opened",
        team=access.team,
        target=evaluation,
        new={"kind": kind},
        actor=access.user,
    )
    return evaluation


def contribution_of(evaluation: Evaluation, party) -> EvaluationContribution | None:
    return next((c for c in evaluation.contributions if c.party_id == party.id), None)


def clean_answers(data: dict) -> dict:
    """Return the contribution's answers with numbers as numbers and text trimmed."""
    answers = {}
    for key in TEXT_SECTIONS | RESULT_TEXTS:
        if holds_nul(data.get(key)):
            label = (TEXT_SECTIONS | RESULT_TEXTS)[key]
            raise EvaluationError(nul_message(f"answer to “{label}”"))
        answers[key] = str(data.get(key) or "").replace("\r\n", "\n").strip()
    for key, label in COUNTS.items():
        value = data.get(key)
        if value in (None, ""):
            answers[key] = None
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise EvaluationError(f"{label}: give a whole number.") from None
        if number < 0:
            raise EvaluationError(f"{label} cannot be negative.")
        answers[key] = number
    for key, label in MONEY.items():
        answers[key] = _amount(data.get(key), label.removesuffix(" (EUR)"))
    return answers


def _amount(value, label: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise EvaluationError(f"{label}: give an amount in euro, e.g. 125000.00.") from None
    if not amount.is_finite() or amount < 0:
        raise EvaluationError(f"{label}: give an amount of zero or more, in euro.")
    return str(amount)


def form_data(answers: dict) -> dict:
    """Return stored answers as the form's fields expect them (the amount as a Decimal)."""
    data = dict(answers)
    for key in MONEY:
        if data.get(key) is not None:
            data[key] = Decimal(data[key])
    return data


def requests_issued(team, party) -> dict:
    """Return the counts of requests ``party`` issued in the team, as the register knows them.

    Asked through :data:`jit.signals.legal_requests_issued`; empty if no package answers.
    """
    found = signals.first_value(signals.legal_requests_issued, team, party=party) or {}
    return {key: found[kind] for key, kind in REQUEST_COUNTS.items() if kind in found}


def save_contribution(access: TeamAccess, evaluation: Evaluation, data: dict):
    """Write the signed-in person's party's part of ``evaluation``."""
    if not access.can(Permission.CONTRIBUTE_EVALUATION):
        raise EvaluationError("Your role does not write the evaluation.")
    if evaluation.team_id != access.team.id:
        raise LookupError(evaluation.id)
    if evaluation.is_final:
        raise EvaluationError("The evaluation was finalised; it can no longer change.")
    answers = clean_answers(data)
    contribution = contribution_of(evaluation, access.party)
    old = contribution.answers if contribution else {}
    if contribution is None:
        contribution = EvaluationContribution(evaluation=evaluation, party=access.party)
        db.session.add(contribution)
    contribution.answers = answers
    contribution.updated_at, contribution.updated_by_id = utcnow(), access.user.id
    db.session.flush()
    old_changed, new_changed = audit.diff(old, answers)
    audit.record(
        "evaluation.contribution_saved",
        team=access.team,
        target=contribution,
        old={"kind": evaluation.kind, **old_changed},
        new={"kind": evaluation.kind, "party": access.party.short_label, **new_changed},
        actor=access.user,
    )
    return contribution


def finalise(access: TeamAccess, evaluation: Evaluation) -> None:
    if not access.can(Permission.MANAGE_ALL_MEMBERSHIPS):
        raise EvaluationError("The coordinator finalises the evaluation.")
    if evaluation.is_final:
        raise EvaluationError("The evaluation is already final.")
    if not evaluation.contributions:
        raise EvaluationError("No party has contributed yet.")
    evaluation.finalised_at, evaluation.finalised_by_id = utcnow(), access.user.id
    audit.record(
        "evaluation.finalised",
        team=access.team,
        target=evaluation,
        new={
            "kind": evaluation.kind,
            "parties": [c.party.short_label for c in evaluation.contributions],
        },
        actor=access.user,
    )


def totals(evaluation: Evaluation) -> dict:
    """Return the results summed over every party's contribution."""
    result = {key: 0 for key in COUNTS}
    sums = {key: Decimal("0") for key in MONEY | OLD_MONEY}
    for contribution in evaluation.contributions:
        for key in COUNTS:
            result[key] += contribution.answers.get(key) or 0
        for key in sums:
            if contribution.answers.get(key):
                sums[key] += Decimal(contribution.answers[key])
    result |= {key: f"{amount:,.2f}" for key, amount in sums.items()}
    result["has_old_assets"] = any(c.answers.get("assets_eur") for c in evaluation.contributions)
    return result


def identification(team) -> dict:
    """Return the evaluation form's identification part, taken from the agreement."""
    from agreements.content import LEGAL_BASES
    from agreements.services import party_names

    status = team_status(team)
    agreement = status.agreement
    names = party_names(team)
    signed = [v for v in agreement.versions if v.is_fully_signed] if agreement else []
    first, last = (signed[0], signed[-1]) if signed else (None, None)
    content = last.content if last else {}
    return {
        "reference": content.get("reference", ""),
        "status": status,
        "parties": [
            names[row["party"]] for row in content.get("parties", []) if row["role"] == "party"
        ],
        "participants": [
            names[row["party"]]
            for row in content.get("parties", [])
            if row["role"] == "participant"
        ],
        "legal_basis": [LEGAL_BASES[k] for k in content.get("legal_basis", [])]
        + ([content["legal_basis_other"]] if content.get("legal_basis_other") else []),
        "offences": content.get("purpose", {}).get("offences", ""),
        "signed_on": first.fully_signed_at.date() if first else None,
        "expires_on": status.expires_on,
        "extensions": [v for v in signed if v.kind == "extension"],
        "amendments": [v for v in signed if v.kind == "amendment"],
    }


def evaluation_article(team) -> str:
    """Return how the agreement in force cites its evaluation article ("Article 13").

    The number depends on the numbering the version was signed in (agreements/articles.py).
    """
    status = team_status(team)
    governing = status.governing or status.upcoming
    schema = governing.content.get("schema", CURRENT) if governing else CURRENT
    return cite("evaluation", schema if schema in ARTICLES else CURRENT)


def mid_term_overdue(team) -> date | None:
    """Return the date the mid-term evaluation was due by, if that day has passed unfinished.

    Due is the date the evaluation article of the agreement in force sets
    (:func:`evaluation_article`); "passed" is counted in the agreement's time zone. An
    evaluation opened but not finalised is still overdue.
    """
    status = team_status(team)
    governing = status.governing or status.upcoming
    if governing is None or status.code == "closed":
        return None
    due = (governing.content.get("evaluation") or {}).get("mid_term_on")
    if not due or date.fromisoformat(due) >= status.on:
        return None
    found = evaluation_of(team, "mid_term")
    return None if found is not None and found.is_final else date.fromisoformat(due)


def record_export(access: TeamAccess, evaluation: Evaluation, fmt: str) -> None:
    """Write the audit entry for a download of ``evaluation`` in ``fmt`` (the caller commits)."""
    audit.record(
        "evaluation.exported",
        team=access.team,
        target=evaluation,
        new={"kind": evaluation.kind, "format": fmt},
        actor=access.user,
    )
