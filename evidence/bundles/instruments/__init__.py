"""The legal instruments a request can follow, each defined as data in its own module."""

from evidence.bundles.instruments.base import Instrument
from evidence.bundles.instruments.eaw import EAW
from evidence.bundles.instruments.eio import EIO
from evidence.bundles.instruments.extradition import EXTRADITION
from evidence.bundles.instruments.mla import MLA
from evidence.bundles.instruments.tracing import TRACING

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (EIO, MLA, EAW, EXTRADITION, TRACING)}


def instrument(code: str) -> Instrument:
    """Return the instrument with ``code``; KeyError if there is none."""
    return INSTRUMENTS[code]
