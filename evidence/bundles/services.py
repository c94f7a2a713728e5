"""Every write to a bundle, each with its audit entry in the same transaction.

A refused operation raises :class:`BundleError` (with the field it concerns, if any)
before anything is written.
"""

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from evidence import custody
from evidence.access import visible_item_by_id, visible_items_filter
from evidence.bundles import checks, forms, prefill, translations
from evidence.bundles.access import may_edit, may_finalise
from evidence.bundles.document import content_hash, request_document
from evidence.bundles.instruments import INSTRUMENTS, instrument
from evidence.bundles.instruments.base import Problem, RuleContext
from evidence.bundles.languages import languages_for
from evidence.bundles.models import (
    Bundle,
    BundleConsent,
    BundleItem,
    BundleStatus,
    BundleTranslation,
)
from evidence.bundles.schedule import needs_consent
from evidence.models import CustodyEventType, EvidenceItem
from jit import gates, pdf
from jit.audit.services import record
from jit.canonical import canonical_json, sha256_hex
from jit.clock import local_today, utcnow
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess

MAX_CONSENT_PURPOSE = 2000
MAX_ITEMS = 500


class BundleError(ValueError):
    """A refused change to a bundle; ``field`` names the field it concerns."""

    def __init__(self, message: str, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})


def party_states(team) -> set[str]:
    """Return the country codes of the team's state parties."""
    return {p.country_code for p in team.parties if p.country_code}


def _gate(team, action: str) -> None:
    decision = gates.may(team, action)
    if not decision:
        raise BundleError(decision.reason)


def _digest(values: dict) -> str:
    return sha256_hex(canonical_json(values))


def _next_number(team) -> int:
    highest = db.session.scalar(select(func.max(Bundle.number)).where(Bundle.team_id == team.id))
    return (highest or 0) + 1


def create_bundle(
    access: TeamAccess,
    request_type: str,
    executing_state: str | None = None,
    *,
    values: dict | None = None,
    language: str | None = None,
    overrides: dict | None = None,
) -> Bundle:
    """Start a draft of ``request_type``, pre-filled from the workspace (or with ``values``).

    ``overrides`` replace pre-filled values (a firearm's markings on a tracing request).
    """
    if not access.can(Permission.DRAFT_BUNDLE):
        raise BundleError("Your role does not draft requests.")
    if request_type not in INSTRUMENTS:
        raise BundleError("Choose one of the types of request offered.", "request_type")
    if language is not None and language not in languages_for(instrument(request_type)):
        raise BundleError("Choose one of the languages offered.", "language")
    if executing_state and not forms.is_country_code(executing_state):
        raise BundleError("Choose a state from the list.", "executing_state")
    _gate(access.team, "draft_bundle")
    definition = instrument(request_type)
    number = _next_number(access.team)
    facts = prefill.workspace_facts(access, definition, number, executing_state)
    agreement = prefill.agreement_facts(access.team)
    bundle = Bundle(
        team_id=access.team.id,
        party_id=access.party.id,
        number=number,
        request_type=request_type,
        values=(
            values
            if values is not None
            else prefill.initial_values(definition, facts, party_states(access.team))
        )
        | (overrides or {}),
        language=language
        or prefill.proposed_language(
            executing_state,
            languages_for(definition),
            prefill.authority_languages(request_type, executing_state),
        ),
        agreement_reference=agreement.get("reference", ""),
        created_by_id=access.user.id,
        updated_by_id=access.user.id,
    )
    db.session.add(bundle)
    db.session.flush()
    record(
        "bundle.create",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={"bundle": bundle.label, "type": request_type, "language": bundle.language},
    )
    return bundle


def _require_editable(access: TeamAccess, bundle: Bundle) -> None:
    if bundle.is_final:
        raise BundleError(f"{bundle.label} is final; start a new version to change it.")
    if not may_edit(access, bundle):
        raise BundleError("Only the drafting party's members may change this draft.")
    _gate(access.team, "draft_bundle")


def save_values(access: TeamAccess, bundle: Bundle, formdata_reader, language: str) -> Bundle:
    """Replace the draft's values with the ones read; refuse them all if any is wrong."""
    _require_editable(access, bundle)
    definition = instrument(bundle.request_type)
    values, errors = forms.parse_values(
        definition, formdata_reader, party_states(access.team), local_today(access.user.time_zone)
    )
    if language not in languages_for(definition):
        errors["language"] = "Choose one of the languages offered."
    if errors:
        raise BundleError("Some fields need correcting; nothing was saved.", errors=errors)
    old = bundle.values or {}
    changed = sorted(k for k in old.keys() | values.keys() if old.get(k) != values.get(k))
    if bundle.language != language:
        changed.append("language")
    bundle.values = values
    bundle.language = language
    bundle.updated_at, bundle.updated_by_id = utcnow(), access.user.id
    # The audit log is read by people who may not see the draft (the coordinator): it
    # names the fields changed and hashes their old and new values, never the text.
    record(
        "bundle.update",
        team=access.team,
        actor=access.user,
        target=bundle,
        old={"sha256": _digest({key: old.get(key) for key in changed})},
        new={"fields": changed, "sha256": _digest({key: values.get(key) for key in changed})}
        | ({"language": language} if "language" in changed else {}),
    )
    return bundle


def attach_translation(
    access: TeamAccess, bundle: Bundle, language: str, filename: str, data: bytes
) -> BundleTranslation:
    """Attach ``data`` as the draft's translation into ``language``, replacing any before.

    Everything is checked before a byte is stored: a refused file leaves nothing behind.
    """
    from evidence import storage
    from evidence.sniff import sniff

    _require_editable(access, bundle)
    if language not in translations.LANGUAGE_CODES:
        raise BundleError("Choose the language the translation is in.", "translation_language")
    if not data:
        raise BundleError("Choose a translation file; nothing was attached.", "translation")
    limit = translations.limit_bytes()
    if len(data) > limit:
        raise BundleError(
            f"The file is larger than {limit / 2**20:.0f} MiB; nothing was attached.",
            "translation",
        )
    media_type = sniff(data)
    if media_type not in translations.MEDIA_TYPES:
        raise BundleError(
            f"The file is {media_type}, not a PDF, DOCX, ODT or plain text file; "
            "nothing was attached.",
            "translation",
        )
    blob = storage.store_bytes(data)
    existing = next((t for t in bundle.translations if t.language == language), None)
    old = {"sha256": existing.sha256} if existing is not None else {}
    if existing is not None:
        bundle.translations.remove(existing)
        db.session.flush()  # the one row per language goes before its successor comes
    attached = BundleTranslation(
        language=language,
        filename=translations.clean_filename(filename),
        media_type=media_type,
        size_bytes=len(data),
        sha256=blob.sha256,
        uploaded_by_id=access.user.id,
        uploaded_by_name=access.user.display_name,
    )
    bundle.translations.append(attached)
    bundle.updated_at, bundle.updated_by_id = utcnow(), access.user.id
    # Like the values, the audit entry names no text of the request: not the file name.
    record(
        "bundle.translation",
        team=access.team,
        actor=access.user,
        target=bundle,
        old=old,
        new={
            "bundle": bundle.label,
            "language": language,
            "media_type": media_type,
            "size_bytes": len(data),
            "sha256": blob.sha256,
        },
    )
    return attached


def remove_translation(access: TeamAccess, bundle: Bundle, language: str) -> None:
    """Take the draft's translation into ``language`` off it."""
    _require_editable(access, bundle)
    existing = next((t for t in bundle.translations if t.language == language), None)
    if existing is None:
        raise BundleError("There is no translation in that language.", "translation_language")
    bundle.translations.remove(existing)
    bundle.updated_at, bundle.updated_by_id = utcnow(), access.user.id
    record(
        "bundle.translation_remove",
        team=access.team,
        actor=access.user,
        target=bundle,
        old={"language": language, "sha256": existing.sha256},
        new={"bundle": bundle.label},
    )


def select_evidence(access: TeamAccess, bundle: Bundle, item_ids: list[int]) -> Bundle:
    """Make the bundle's evidence ``item_ids``, each an item the drafter may see.

    They come in that order, followed by the items already in it that the drafter may not
    see (their selection page does not list those).
    """
    _require_editable(access, bundle)
    if len(item_ids) > MAX_ITEMS:
        raise BundleError(f"Select at most {MAX_ITEMS} items.", "evidence")
    chosen = []
    for item_id in dict.fromkeys(item_ids):
        item = visible_item_by_id(access, item_id)
        if item is None:
            # Same words for another team's item and for one the drafter may not see.
            raise BundleError(
                "One of the selected items does not exist or is not visible to you; "
                "nothing was changed.",
                "evidence",
            )
        chosen.append(item)
    before = [entry.item.exhibit_number for entry in bundle.items]
    kept = {entry.item_id: entry for entry in bundle.items}
    # Items the drafter may not see are not on their selection page, so its absence from
    # the form says nothing about them: they stay, with their consents, after the rest.
    openable = openable_item_ids(access, bundle)
    chosen += [entry.item for entry in bundle.items if entry.item_id not in openable]
    wanted = {item.id for item in chosen}
    for entry in list(bundle.items):
        if entry.item_id not in wanted:
            bundle.items.remove(entry)
            consent = bundle.consent_for(entry.item_id)
            if consent is not None:
                bundle.consents.remove(consent)
    for position, item in enumerate(chosen, start=1):
        entry = kept.get(item.id)
        if entry is None:
            bundle.items.append(
                BundleItem(
                    item_id=item.id, item=item, position=position, added_by_id=access.user.id
                )
            )
        else:
            entry.position = position
    bundle.updated_at, bundle.updated_by_id = utcnow(), access.user.id
    record(
        "bundle.evidence",
        team=access.team,
        actor=access.user,
        target=bundle,
        old={"exhibits": before},
        new={"exhibits": [item.exhibit_number for item in chosen]},
    )
    return bundle


def record_consent(access: TeamAccess, bundle: Bundle, item: EvidenceItem, purpose: str) -> None:
    """Record the originating party's leader's consent to ``item`` going out in ``bundle``."""
    if bundle.is_final:
        raise BundleError(f"{bundle.label} is final.")
    if not any(entry.item_id == item.id for entry in bundle.items):
        raise BundleError("The item is not in this request.")
    if access.role is not Role.LEADER or access.party.id != item.party_id:
        raise BundleError(f"Only a leader of {item.party.short_label} may consent for this item.")
    purpose = (purpose or "").strip()
    if not purpose:
        raise BundleError("State the purpose the item may be used for.", "purpose")
    if "\x00" in purpose:  # PostgreSQL refuses NUL in text: once a 500 there
        raise BundleError("The purpose contains a NUL character; type it again.", "purpose")
    if len(purpose) > MAX_CONSENT_PURPOSE:
        raise BundleError(
            f"The purpose is {len(purpose):,} characters long; at most "
            f"{MAX_CONSENT_PURPOSE:,} are accepted.",
            "purpose",
        )
    if bundle.consent_for(item.id) is not None:
        raise BundleError("Consent for this item is already recorded.")
    consent = BundleConsent(
        item_id=item.id,
        party_id=item.party_id,
        given_by_id=access.user.id,
        given_by_name=access.user.display_name,
        purpose=purpose,
    )
    bundle.consents.append(consent)
    db.session.flush()
    record(
        "bundle.consent",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={
            "exhibit": item.exhibit_number,
            "handling_code": item.handling_code,
            "purpose": purpose,
        },
    )


def rule_context(bundle: Bundle, reader: TeamAccess | None = None) -> RuleContext:
    """Return what the cross-field rules need to know about ``bundle``.

    "Today" is the reader's (their time zone), else that of the request deadlines.
    """
    zone = (
        reader.user.time_zone if reader is not None else current_app.config.get("REQUEST_TIME_ZONE")
    )
    return RuleContext(
        issuing_state=bundle.party.country_code,
        party_states=frozenset(party_states(bundle.team)),
        today=local_today(zone),
        evidence_count=len(bundle.items),
    )


def openable_item_ids(reader: TeamAccess, bundle: Bundle) -> set[int]:
    """Return the ids of ``bundle``'s items that ``reader`` may open, in one query."""
    ids = [entry.item_id for entry in bundle.items]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(EvidenceItem.id).where(EvidenceItem.id.in_(ids), visible_items_filter(reader))
        )
    )


def problems(bundle: Bundle, reader: TeamAccess | None = None) -> list[Problem]:
    """Return everything that keeps the bundle from being finalised.

    Shown to ``reader``, an item they may not open is not named (its exhibit number,
    code and party are what its visibility protects); None names every item.
    """
    definition = instrument(bundle.request_type)
    found = checks.check(definition, bundle.values or {}, rule_context(bundle, reader))
    openable = None if reader is None else openable_item_ids(reader, bundle)
    for entry in bundle.items:
        item = entry.item
        named = openable is None or item.id in openable
        closing = custody.closing_event(item)
        if closing is not None:
            found.append(
                Problem(
                    checks.EVIDENCE,
                    checks.EVIDENCE,
                    f"Exhibit {item.exhibit_number} was {closing.event_type} (custody event "
                    f"#{closing.seq}); its chain is closed, so it cannot be exported."
                    if named
                    else "An item you may not see has a closed chain of custody, so it "
                    "cannot be exported.",
                )
            )
        if needs_consent(bundle, item) and bundle.consent_for(item.id) is None:
            found.append(
                Problem(
                    checks.EVIDENCE,
                    checks.EVIDENCE,
                    f"Exhibit {item.exhibit_number} ({item.handling_code}, "
                    f"{item.party.short_label}) awaits the consent of a "
                    f"{item.party.short_label} leader."
                    if named
                    else "An item you may not see awaits the consent of its party's leader.",
                )
            )
    return found


def finalise(access: TeamAccess, bundle: Bundle, render_signed_pdf) -> Bundle:
    """Freeze the request: record the agreement in force, its hash, signed PDF and package.

    ``render_signed_pdf(document)`` returns the signed PDF bytes (see pdf.py); the PDF
    and the package (package.py) are kept in the blob store. Every item is verified
    first (a broken one stops the finalising) and gets an ``exported`` custody event
    naming the package's hash. If anything fails, the package written is removed.
    """
    from evidence.bundles import package

    if bundle.is_final:
        raise BundleError(f"{bundle.label} is already final.")
    if not may_finalise(access, bundle):
        raise BundleError(f"Only a leader of {bundle.party.short_label} may finalise this request.")
    _gate(access.team, "release_bundle")
    if problems(bundle, access):
        raise BundleError("The request is not complete; see what is missing below.")
    checks = _verify_items(access, bundle)
    # The renderer processes make the request PDF and the custody reports, so WeasyPrint's
    # memory for a large request (its evidence schedule) is not this process's.
    pool = package.report_pool(len(checks))
    try:
        with pdf.rendering_in(pool):
            return _finalise(access, bundle, render_signed_pdf, checks, pool)
    finally:
        if pool is not None:
            pool.close()


def _finalise(access: TeamAccess, bundle: Bundle, render_signed_pdf, checks, pool) -> Bundle:
    """Finalise with the items verified (``checks``) and the renderers started (``pool``)."""
    from evidence import storage
    from evidence.bundles import package

    now, user = utcnow(), access.user
    agreement_version = custody.agreement_version(access.team)
    # One flush for the whole change: the ORM refuses any later change to a final row.
    with db.session.no_autoflush:
        bundle.agreement_version = agreement_version
        bundle.status = BundleStatus.FINAL.value
        bundle.finalised_at, bundle.finalised_by_id = now, user.id
        document = request_document(bundle)
        document["finalised_at"] = now.isoformat()
        document["finalised_by"] = user.display_name
        bundle.document = document
        bundle.content_hash = content_hash(document)
        try:
            signed_pdf = render_signed_pdf(document)
        except pdf.PdfRenderError as failed:  # its renderer process failed or died
            raise _not_finalised(
                bundle, f"The request PDF could not be made ({failed})."
            ) from failed
        bundle.pdf_sha256 = storage.store_bytes(signed_pdf).sha256
        try:
            written = package.write_package(bundle, signed_pdf, checks, pool)
        except package.ReportError as failed:  # a renderer process failed or died
            raise _not_finalised(bundle, f"{failed}") from failed
        bundle.package_sha256, bundle.package_size = written.sha256, written.size
    try:
        db.session.flush()
        _record_export(access, bundle, written)
    except BaseException:
        storage.remove_unused_blob(written.sha256, written.stamp)
        raise
    return bundle


def _not_finalised(bundle: Bundle, what: str) -> BundleError:
    """Log a renderer's failure with its traceback; return the refusal the leader reads."""
    current_app.logger.error("finalising %s failed: %s", bundle.label, what, exc_info=True)
    return BundleError(
        f"{what} Nothing was finalised and no package was kept; try again, and tell the "
        "workspace's administrator if it fails again."
    )


def _verify_items(access: TeamAccess, bundle: Bundle) -> dict:
    """Verify each item for its custody report; refuse if any is broken."""
    from evidence import verification

    checks = {}
    for entry in bundle.items:
        result = custody.verify_items([entry.item])
        if not result.is_intact:
            raise BundleError(
                f"Exhibit {entry.item.exhibit_number} fails verification, so it cannot go "
                f"out: {result.first_problem}"
            )
        run = verification.record_verification(
            access.team, result, item=entry.item, actor=access.user
        )
        checks[entry.item_id] = (result, run)
    return checks


def _record_export(access: TeamAccess, bundle: Bundle, written) -> None:
    """Write the ``exported`` custody event on every item and the finalising's audit entry."""
    for entry in bundle.items:
        custody.append_event(
            entry.item,
            CustodyEventType.EXPORTED.value,
            recorded_by=access.user,
            purpose=f"Annexed to {instrument(bundle.request_type).title} {bundle.label}",
            details={
                "bundle": bundle.label,
                "version": bundle.version,
                "request_sha256": bundle.content_hash,
                "package_sha256": written.sha256,
                "package_size": written.size,
            },
        )
    record(
        "bundle.finalise",
        team=access.team,
        actor=access.user,
        target=bundle,
        new={
            "bundle": bundle.label,
            "content_hash": bundle.content_hash,
            "agreement_version": bundle.agreement_version,
            "pdf_sha256": bundle.pdf_sha256,
            "package_sha256": written.sha256,
            "package_size": written.size,
            "payload_oxum": written.payload_oxum,
        },
    )


def new_version(access: TeamAccess, bundle: Bundle) -> Bundle:
    """Start a new draft from a final bundle, linked to it; consents are asked again."""
    if not bundle.is_final:
        raise BundleError("Only a final request gets a new version; change the draft instead.")
    if not access.can(Permission.DRAFT_BUNDLE) or access.party.id != bundle.party_id:
        raise BundleError("Only the drafting party's members may start a new version.")
    _gate(access.team, "draft_bundle")
    following = db.session.scalar(select(Bundle).where(Bundle.previous_id == bundle.id))
    if following is not None:
        raise BundleError(
            f"{bundle.label} already has a version {following.version}, {following.label}; "
            "change that one (or start version "
            f"{following.version + 1} from it once it is final)."
        )
    draft = Bundle(
        team_id=bundle.team_id,
        party_id=bundle.party_id,
        number=_next_number(access.team),
        request_type=bundle.request_type,
        version=bundle.version + 1,
        previous_id=bundle.id,
        values=dict(bundle.values or {}),
        language=bundle.language,
        agreement_reference=bundle.agreement_reference,
        created_by_id=access.user.id,
        updated_by_id=access.user.id,
    )
    for position, entry in enumerate(bundle.items, start=1):
        if visible_item_by_id(access, entry.item_id) is not None:
            draft.items.append(
                BundleItem(item_id=entry.item_id, position=position, added_by_id=access.user.id)
            )
    for attached in bundle.translations:  # the same files, until the drafter changes them
        draft.translations.append(
            BundleTranslation(
                language=attached.language,
                filename=attached.filename,
                media_type=attached.media_type,
                size_bytes=attached.size_bytes,
                sha256=attached.sha256,
                uploaded_by_id=attached.uploaded_by_id,
                uploaded_by_name=attached.uploaded_by_name,
                uploaded_at=attached.uploaded_at,
            )
        )
    db.session.add(draft)
    try:
        db.session.flush()  # the unique link refuses a second one started at the same moment
    except IntegrityError:
        # The caller rolls back on BundleError, as after any refusal.
        raise BundleError(
            f"Another version of {bundle.label} was started at the same moment; "
            "nothing was created. Open the request again to see it."
        ) from None
    record(
        "bundle.new_version",
        team=access.team,
        actor=access.user,
        target=draft,
        new={"bundle": draft.label, "version": draft.version, "previous": bundle.label},
    )
    return draft


def record_download(access: TeamAccess, bundle: Bundle, kind: str, byte_range=None) -> None:
    """Record that a member took the request's PDF, JSON or package out of the workspace."""
    new = {"bundle": bundle.label, "format": kind, "status": bundle.status}
    if kind == "package":
        new["package_sha256"] = bundle.package_sha256
    if byte_range:
        new["range"] = str(byte_range)[:200]
    record("bundle.download", team=access.team, actor=access.user, target=bundle, new=new)
