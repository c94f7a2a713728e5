"""The time zones people choose from: canonical IANA names by region, no old aliases.

The list is the tz database's ``zone.tab`` (one or more zones per country, current
names such as Europe/Kyiv, never links like Europe/Kiev or US/Eastern), read from the
``tzdata`` package so it is the same on every machine, plus UTC. The country names
come from its ``iso3166.tab``.
"""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from zoneinfo import available_timezones

UTC_NAME = "UTC"


@dataclass(frozen=True)
class Zone:
    name: str  # the IANA name stored and submitted, e.g. "America/Argentina/Buenos_Aires"
    region: str  # "America"
    place: str  # "Argentina / Buenos Aires"
    country: str  # "Argentina"

    @property
    def label(self) -> str:
        return f"{self.place} ({self.country})" if self.country else self.place


def _table(name: str) -> list[list[str]]:
    text = (files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def canonical_zones() -> tuple[Zone, ...]:
    """Return every zone people may choose, grouped by region then sorted by place."""
    countries = {row[0]: row[1] for row in _table("iso3166.tab")}
    known = available_timezones()
    zones = {Zone(UTC_NAME, "UTC", "Coordinated Universal Time", "")}
    for row in _table("zone.tab"):
        name = row[2]
        if name not in known:
            continue
        region, _, place = name.partition("/")
        zones.add(
            Zone(name, region, place.replace("_", " ").replace("/", " / "), countries[row[0]])
        )
    return tuple(sorted(zones, key=lambda zone: (zone.region != "UTC", zone.region, zone.place)))


@cache
def canonical_names() -> frozenset[str]:
    return frozenset(zone.name for zone in canonical_zones())
