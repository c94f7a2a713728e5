"""Where else an identifier appears: the other documents of the team that hold it.

"+385 91 234 5678 also appears in AT-0002 and 3 chat messages" — searched under the
reader's own tokens, so only what they may open is named, and never in another team.
"""

from dataclasses import dataclass, field

from search import identifiers
from search import query as q
from search.backends import get_backend
from search.registry import identifier_fields, kinds, load
from search.services import scopes_for

MAX_IDENTIFIERS = 20
MAX_LOOKED_AT = 50
MAX_SHOWN = 10


@dataclass
class Appearance:
    """One identifier of a document and the other documents that hold it."""

    token: str
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (kind label, title, url)
    more: bool = False

    @property
    def type(self) -> str:
        return identifiers.split(self.token)[0]

    @property
    def value(self) -> str:
        return identifiers.split(self.token)[1]

    @property
    def label(self) -> str:
        return identifiers.LABELS.get(self.type, self.type.capitalize())


def also_appears_in(access, kind_name: str, object_id: int) -> list[Appearance]:
    """Return each identifier of the document and the reader's other documents holding it."""
    scopes = scopes_for([access])
    registered = kinds()
    kind = registered.get(kind_name)
    if not scopes or kind is None:
        return []
    document = load(kind, [object_id]).get(object_id)
    if document is None:
        return []
    backend = get_backend()
    found = []
    # Identifiers proper (phone, IBAN, e-mail, serial), not a file's header and property
    # tokens (sent:2026, subject:…), which the same list holds for the search's fields.
    types = set(identifier_fields())
    tokens = [token for token in document.identifiers if identifiers.split(token)[0] in types]
    for token in tokens[:MAX_IDENTIFIERS]:
        results = backend.query(
            scopes, q.Identifier(token), sort="date", page=1, per_page=MAX_LOOKED_AT
        )
        others = [hit for hit in results.hits if hit.uid != document.uid]
        appearance = Appearance(
            token, more=len(others) > MAX_SHOWN or results.total > MAX_LOOKED_AT
        )
        for hit in others[:MAX_SHOWN]:
            other = registered.get(hit.kind)
            if other is not None:
                appearance.links.append(
                    (other.label, hit.title, other.link(access.team.code, hit.ref))
                )
        found.append(appearance)
    return found
