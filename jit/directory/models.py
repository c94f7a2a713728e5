"""One row per authority or contact point of a state, for one function."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jit.clock import utcnow
from jit.extensions import db
from jit.teams.reference import country_name
from jit.types import UTCDateTime


class AuthorityFunction(StrEnum):
    MLA_CENTRAL = "mla-central-authority"
    EXTRADITION = "extradition-authority"
    EIO_ISSUING = "eio-issuing"
    EIO_EXECUTING = "eio-executing"
    EAW_ISSUING = "eaw-issuing"
    EAW_EXECUTING = "eaw-executing"
    FIREARMS_FOCAL_POINT = "firearms-focal-point"
    JIT_EXPERT = "national-jit-expert"
    INTERPOL_NCB = "interpol-ncb"

    @property
    def label(self) -> str:
        return FUNCTION_LABELS[self]


FUNCTION_LABELS = {
    AuthorityFunction.MLA_CENTRAL: "Central authority for mutual legal assistance",
    AuthorityFunction.EXTRADITION: "Authority for extradition",
    AuthorityFunction.EIO_ISSUING: "EIO issuing authority (where centralised)",
    AuthorityFunction.EIO_EXECUTING: "EIO executing authority (where centralised)",
    AuthorityFunction.EAW_ISSUING: "EAW issuing authority (where centralised)",
    AuthorityFunction.EAW_EXECUTING: "EAW executing authority (where centralised)",
    AuthorityFunction.FIREARMS_FOCAL_POINT: "Firearms focal point (Firearms Protocol art. 13(2))",
    AuthorityFunction.JIT_EXPERT: "National JIT expert",
    AuthorityFunction.INTERPOL_NCB: "INTERPOL National Central Bureau",
}


class DirectoryEntry(db.Model):
    """An authority of one state acting in one function, with how to reach it."""

    __tablename__ = "directory_entries"
    __table_args__ = (UniqueConstraint("country_code", "function", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    function: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164
    languages: Mapped[str] = mapped_column(String(200), default="")  # ISO 639-1, ";"-separated
    channels: Mapped[str] = mapped_column(String(300), default="")  # ";"-separated
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DirectoryEntry {self.country_code} {self.function} {self.name!r}>"

    @property
    def country(self) -> str:
        return country_name(self.country_code)

    @property
    def function_label(self) -> str:
        return AuthorityFunction(self.function).label

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(";") if code]

    @property
    def channel_list(self) -> list[str]:
        return [name for name in self.channels.split(";") if name]

    def values(self) -> dict:
        """Return the fields an administrator edits, as plain values (audit, CSV)."""
        return {column: getattr(self, FIELD_ATTRIBUTES[column]) for column in CSV_COLUMNS}


# The CSV's columns, in order, and the attribute each fills.
CSV_COLUMNS = [
    "country",
    "function",
    "name",
    "address",
    "email",
    "phone",
    "languages",
    "channels",
    "notes",
]
FIELD_ATTRIBUTES = {column: column for column in CSV_COLUMNS} | {"country": "country_code"}
