"""Operation and object names in words, for people reading the record."""

OPERATIONS = {
    "account.created": "Account created",
    "account.disabled": "Account disabled",
    "account.enabled": "Account enabled",
    "account.mfa_enabled": "Second factor turned on",
    "account.mfa_reset": "Second factor reset by the administrator",
    "account.password_change_refused": "Password change refused",
    "account.password_changed": "Password changed",
    "account.password_reset": "Password reset by the administrator",
    "account.recovery_codes_regenerated": "Recovery codes renewed",
    "account.time_zone_changed": "Time zone changed",
    "agreement.draft_saved": "Agreement draft saved",
    "agreement.entered_into_force": "Agreement entered into force",
    "agreement.exported": "Agreement exported",
    "agreement.invitation_completed": "Invitation accepted",
    "agreement.signature_refused": "Signature refused",
    "agreement.signed": "Agreement signed for a party",
    "agreement.signed_by_all": "Agreement signed by every party",
    "agreement.team_closed": "Team closed",
    "agreement.version_started": "Agreement version started",
    "agreement.version_withdrawn": "Agreement version withdrawn",
    "audit.exported": "Audit log exported",
    "audit.verified": "Audit log verified",
    "auth.login": "Signed in",
    "auth.login_failed": "Sign-in failed",
    "auth.login_refused_disabled": "Sign-in refused: account disabled",
    "auth.login_refused_locked": "Sign-in refused: locked out",
    "auth.logout": "Signed out",
    "auth.session_ended": "Signed out elsewhere",
    "bundle.consent": "Consent recorded for a request",
    "bundle.create": "Request drafted",
    "bundle.download": "Request package downloaded",
    "bundle.evidence": "Request evidence chosen",
    "bundle.finalise": "Request finalised",
    "bundle.new_version": "Request reopened as a new version",
    "bundle.update": "Request updated",
    "chat.channel.created": "Chat channel added",
    "chat.message.edited": "Chat message edited",
    "chat.message.retracted": "Chat message retracted",
    "directory.entry_created": "Authority added to the directory",
    "directory.entry_deleted": "Authority removed from the directory",
    "directory.entry_updated": "Authority changed in the directory",
    "directory.imported": "Directory imported",
    "evaluation.contribution_saved": "Evaluation part saved",
    "evaluation.exported": "Evaluation exported",
    "evaluation.finalised": "Evaluation finalised",
    "evaluation.opened": "Evaluation opened",
    "evidence.custody_recorded": "Custody event recorded",
    "evidence.custody_report": "Custody report produced",
    "evidence.file_downloaded": "Evidence file downloaded",
    "evidence.file_uploaded": "Evidence file uploaded",
    "evidence.integrity_alert": "Evidence integrity alert",
    "evidence.item_created": "Evidence item added",
    "evidence.item_viewed": "Evidence item opened",
    "evidence.verified": "Evidence verified",
    "firearms.ammunition_recorded": "Ammunition recorded",
    "firearms.firearm_corrected": "Firearm record corrected",
    "firearms.firearm_recorded": "Firearm recorded",
    "firearms.tracing_outgoing": "Outgoing tracing request registered",
    "firearms.tracing_received": "Tracing request received",
    "firearms.tracing_status": "Tracing request status changed",
    "membership.changed": "Membership changed",
    "membership.created": "Member added",
    "membership.removed": "Member removed",
    "search.query": "Search",
    "team.created": "Team space created",
}

OBJECTS = {
    "agreement_invitations": "Invitation",
    "agreement_signatures": "Agreement signature",
    "agreement_versions": "Agreement version",
    "agreements": "Agreement",
    "ammunition_records": "Ammunition record",
    "bundle_consents": "Consent",
    "bundle_items": "Request item",
    "bundles": "Request",
    "chat_channels": "Chat channel",
    "chat_messages": "Chat message",
    "custody_events": "Custody event",
    "directory_entries": "Directory entry",
    "evaluation_contributions": "Evaluation part",
    "evaluations": "Evaluation",
    "evidence_files": "Evidence file",
    "evidence_items": "Evidence item",
    "firearms": "Firearm",
    "memberships": "Membership",
    "parties": "Party",
    "teams": "Team",
    "tracing_requests": "Tracing request",
    "user_sessions": "Sign-in",
    "users": "Account",
}


def words(name: str) -> str:
    """Turn a recorded key (``seized_from``, ``chat.message``) into words."""
    text = name.replace("_", " ").replace(".", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def operation_label(operation: str) -> str:
    """Return an operation in words; an unlisted one is spelt out from its name."""
    return OPERATIONS.get(operation) or words(operation)


def object_label(object_type: str | None) -> str:
    """Return an object type in words."""
    if object_type is None:
        return ""
    return OBJECTS.get(object_type) or words(object_type)
