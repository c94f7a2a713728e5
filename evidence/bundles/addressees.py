"""The authority a request is addressed to, from the platform's directory (jit.directory).

Each type of request goes to the authority acting in one function in the executing
state (the MLA central authority, the EIO or EAW executing authority, the extradition
authority, the firearms focal point); the drafter may pick any other listed entry.
"""

from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.base import Field
from jit.directory import services as directory
from jit.directory.models import AuthorityFunction, DirectoryEntry

F = AuthorityFunction
FUNCTIONS = {
    "mla": (F.MLA_CENTRAL,),
    "eio": (F.EIO_EXECUTING,),
    "eaw": (F.EAW_EXECUTING,),
    "extradition": (F.EXTRADITION, F.MLA_CENTRAL),
    "tracing": (F.FIREARMS_FOCAL_POINT, F.INTERPOL_NCB),
}


def authority_field(instrument: Instrument) -> Field | None:
    """Return the field naming the executing (requested) authority, if the form has one."""
    return next(
        (field for _s, field in instrument.fields() if field.prefill == "executing_authority"),
        None,
    )


def proposed(request_type: str, state: str | None) -> DirectoryEntry | None:
    """Return the directory's authority for this type of request in ``state``, or None."""
    if not state:
        return None
    for function in FUNCTIONS.get(request_type, ()):
        entry = directory.addressee(state, function)
        if entry is not None:
            return entry
    return None


def candidates(state: str | None) -> list[DirectoryEntry]:
    """Return every listed authority of ``state``, for the drafter to pick from."""
    return directory.entries(state) if state else []


def describe(entry: DirectoryEntry) -> str:
    """Return the addressee as the request names it: the authority and its address."""
    address = ", ".join(line.strip() for line in entry.address.splitlines() if line.strip())
    return f"{entry.name}, {address}" if address else entry.name
