"""The named hooks through which domain packages plug into the core.

The core defines every hook here and never imports a domain package; a domain package
connects its receivers in its own ``init_app`` (``signals.gate.connect(decide)``).
They are blinker signals, as Flask's own are (Indico's ``indico.core.signals`` is the
model). A hook that asks a question is sent with :func:`values` or
:func:`first_value`, which collect what the receivers returned; a receiver that has
nothing to say returns ``None``.

Receivers are module-level functions: blinker keys them by identity, so connecting
the same function again (one ``create_app`` per test) changes nothing.
"""

from blinker import Namespace

_hooks = Namespace()

gate = _hooks.signal(
    "gate",
    doc="""Ask whether a team may perform a gated action now.

    Sender: the team. Keyword ``action``: one of ``jit.gates.ACTIONS``.
    Receivers return a ``jit.gates.Decision`` or ``None``; any refusal refuses.
    """,
)

agreement_version = _hooks.signal(
    "agreement-version",
    doc="""Name the agreement version in force for a team, to record with a write.

    Sender: the team. Receivers return a short label (``"v3 (sha256:…)"``) or ``None``.
    """,
)

participants_read_evidence = _hooks.signal(
    "participants-read-evidence",
    doc="""Ask whether the agreement lets participants of a team read its evidence.

    Sender: the team. Keyword ``user``: the participant asking (may be ``None``).
    Receivers return ``True``/``False`` or ``None``; the answer is yes only if one
    receiver says yes and none says no.
    """,
)

exhibit_links = _hooks.signal(
    "exhibit-links",
    doc="""Resolve exhibit numbers to links for a reader.

    Sender: the reader's ``TeamAccess``. Keyword ``references``: exhibit numbers.
    Receivers return ``{number: url}`` for the items that reader may open, and
    leave out the rest, so a reference never reveals an item's existence.
    """,
)

search_kinds = _hooks.signal(
    "search-kinds",
    doc="""Collect the kinds of document the search index holds.

    Sender: the app. Receivers return one search kind definition or a list of them
    (see ``search/registry.py``); the search package asks once per app.
    """,
)


record_visibility = _hooks.signal(
    "record-visibility",
    doc="""Say which objects named in the audit record a reader may open at their source.

    Sender: the reader's ``TeamAccess``. Keyword ``objects``: ``{object_type: {object
    id as text, …}}`` for the entries on one page. A receiver answers for the types its
    package owns, in one query per type, with ``{(object_type, object_id): url}`` for
    the objects the reader may open (``url`` is where to open it, or ``None``) and
    leaves out the rest. An object nobody answers for counts as closed: the record
    shows its entry without the content (jit/audit/visibility.py).
    """,
)


def values(signal, sender, **kwargs) -> list:
    """Send ``signal`` and return what its receivers returned, ``None`` left out.

    A receiver that returns a list contributes its elements; anything else counts as
    one value.
    """
    collected = []
    for _receiver, value in signal.send(sender, **kwargs):
        if value is None:
            continue
        if isinstance(value, list):
            collected.extend(value)
        else:
            collected.append(value)
    return collected


def first_value(signal, sender, default=None, **kwargs):
    """Send ``signal`` and return the first value a receiver returned, else ``default``."""
    for _receiver, value in signal.send(sender, **kwargs):
        if value is not None:
            return value
    return default


def merged(signal, sender, **kwargs) -> dict:
    """Send ``signal`` and merge the dictionaries its receivers returned."""
    result: dict = {}
    for _receiver, value in signal.send(sender, **kwargs):
        if value:
            result.update(value)
    return result


chain_heads = _hooks.signal(
    "chain-heads",
    doc="""Collect the heads of a package's hash chains, for a backup's manifest.

    Sender: a SQLAlchemy connection to read through (it may be a snapshot, not the
    live session). Receivers return ``{name: [head, …]}``, each head a dict of plain
    JSON values (chain, seq, hash, key id, signature).
    """,
)

instance_restored = _hooks.signal(
    "instance-restored",
    doc="""Tell packages an instance was restored from a backup (rebuild derived data).

    Sender: the app. Search indexes, which backups leave out, are rebuilt here.
    """,
)

bag_checks = _hooks.signal(
    "bag-checks",
    doc="""Let packages check what they put into a bag (custody chains, for instance).

    Sender: the bag being verified. Keyword ``open_member``: opens a member by its
    path in the bag (``data/…``) for reading. Receivers return a list of
    ``(check name, passed, detail)``; :func:`jit.bags.verify` adds them to its report.
    """,
)

agreement_facts = _hooks.signal(
    "agreement-facts",
    doc="""Tell what the agreement in force says that a legal request starts from.

    Sender: the team. Receivers return a dict with ``reference`` (the agreement's
    reference), ``version`` (as :data:`agreement_version` labels it), ``purpose``,
    ``offences`` and ``proceedings`` (plain text), or ``None`` if the team has no
    agreement in force. Bundles pre-fill their forms from it.
    """,
)

dashboard_notices = _hooks.signal(
    "dashboard-notices",
    doc="""Collect what needs a person's attention, for their dashboard.

    Sender: the signed-in user. Receivers return a list of ``jit.signals.Notice`` for
    teams that person may see that in (an overdue answer for their party, …), or ``None``.
    """,
)


class Notice:
    """One line on a dashboard: what is due, in which team, and where to deal with it."""

    def __init__(self, team_code: str, text: str, url: str, *, is_overdue: bool = False):
        self.team_code, self.text, self.url, self.is_overdue = team_code, text, url, is_overdue

    def __repr__(self) -> str:
        return f"<Notice {self.team_code}: {self.text}>"


legal_requests_issued = _hooks.signal(
    "legal-requests-issued",
    doc="""Count the legal requests a party of a team has issued, for its evaluation.

    Sender: the team. Keyword ``party``: the party whose requests count. Receivers return
    ``{"eio": n, "eaw": n, "mla": n}`` (requests finalised, each counted once however
    often it was corrected), or ``None`` if they keep no such register.
    """,
)


agreement_documents = _hooks.signal(
    "agreement-documents",
    doc="""Give the agreement version in force as the files a package carries.

    Sender: the team. Receivers return ``{"version": number, "pdf": bytes, "json":
    bytes}`` for the version in force, or ``None`` if there is none. A legal request's
    package puts them under ``data/agreement/`` (evidence/bundles/package.py).
    """,
)


shared_evidence = _hooks.signal(
    "shared-evidence",
    doc="""Name the evidence items shared with a reviewer (the items of bundles shared with them).

    Sender: the reviewer's ``TeamAccess``. Receivers return a SQL ``select`` of evidence
    item ids, or ``None``; the evidence loader lets the reviewer read those items only.
    """,
)


team_ended = _hooks.signal(
    "team-ended",
    doc="""Say whether and when a team's operational phase ended (DESIGN §4).

    Sender: the team. Receivers return ``{"ended_on": date, "closed_at": datetime or
    None}`` once the agreement has expired or been closed (``closed_at`` only when the
    coordinator closed it), else ``None``. Close-out archives wait for the end;
    retention counts from ``closed_at``.
    """,
)

closeout_payload = _hooks.signal(
    "closeout-payload",
    doc="""Collect what a party takes away in its close-out archive.

    Sender: the ``TeamAccess`` of the party's leader asking for it. Receivers return a
    list of ``jit.bags.Payload`` (paths under the package's own folder, e.g.
    ``evidence/…``) holding only what that reader may read at the source.
    """,
)

retention_inventory = _hooks.signal(
    "retention-inventory",
    doc="""Describe a team's content before retention deletes it, for the certificate.

    Sender: the team. Receivers return a dict of plain JSON values (item numbers,
    ``blobs``: the SHA-256 of every stored file, chain heads…); the dicts are merged.
    """,
)

blobs_in_use = _hooks.signal(
    "blobs-in-use",
    doc="""Ask which of some blob-store hashes are still referenced.

    Sender: the app. Keyword ``candidates``: a set of SHA-256 hex digests. Receivers
    return the list of those their package still references; a blob nobody names may
    be removed (retention, ``jit evidence gc``).
    """,
)

team_content_deleted = _hooks.signal(
    "team-content-deleted",
    doc="""Tell packages that retention deleted a team's content (drop derived data).

    Sender: the team. Receivers return nothing; search clears the team's index.
    """,
)

bundle_status_changed = _hooks.signal(
    "bundle-status-changed",
    doc="""Tell packages that a sent request's tracking recorded a step (sent, executed, …).

    Sender: the bundle. Keywords ``access`` (the ``TeamAccess`` of who recorded it) and
    ``change`` (the ``BundleStatusChange`` just added). Sent inside the recording
    transaction: receivers add their own writes (with their audit entries) to it and
    return nothing. Firearms moves the outgoing tracing request drafted as the bundle.
    """,
)

retention_period = _hooks.signal(
    "retention-period",
    doc="""Say how long a team's content is kept after it closed, where its agreement says so.

    Sender: the team. Receivers return ``{"years": n, "source": "Article 14.1 of the
    agreement (version 2)"}`` from the agreement version in force when the team ended
    (while it runs, the one in force now), or ``None`` if it states no period; the first
    answer counts. A period set for the team itself (``jit retention period``) wins over
    it, and it wins over ``JIT_RETENTION_DAYS`` (jit/closeout/retention.py).
    """,
)


agreement_version_hashes = _hooks.signal(
    "agreement-version-hashes",
    doc="""Give the full text hash of agreement versions named by recorded labels.

    Sender: the team. Keyword ``labels``: labels as :data:`agreement_version` gave them
    (stored with custody events and bundles, shortened to fit). Receivers return
    ``{label: {"number": n, "sha256": the version's full SHA-256}}`` for the labels they
    recognise, or ``None``. A reader shows the full hash where it is given.
    """,
)
