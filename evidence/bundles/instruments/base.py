"""The shape every legal instrument is described in: sections, fields, cross-field rules.

An instrument is data: the form, the completeness check, the PDF and the JSON are all
built from it. Texts are marked with :func:`N_` for the gettext catalogue and
translated where they are shown (the PDF in the request's language).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field


def N_(text: str) -> str:  # noqa: N802 — gettext's name for "mark, translate later"
    """Mark ``text`` for the catalogue; it is translated where it is shown."""
    return text


# Field kinds and what a value of each looks like (forms.py parses, checks.py checks).
# STATE: one of the team's states or "another state"; COUNTRY: any ISO 3166 state.
TEXT, TEXTAREA, DATE, CHOICE, CHOICES, YESNO, NUMBER, STATE, COUNTRY = (
    "text",
    "textarea",
    "date",
    "choice",
    "choices",
    "yesno",
    "number",
    "state",
    "country",
)
# A section mark that reads the same in every language of the official form.
_BARE_LETTER = re.compile(r"\(?[A-Za-z]?\)?")
KINDS = {TEXT, TEXTAREA, DATE, CHOICE, CHOICES, YESNO, NUMBER, STATE, COUNTRY}
YES_NO = (("yes", N_("Yes")), ("no", N_("No")))


@dataclass(frozen=True)
class Field:
    """One field of an official form."""

    key: str
    label: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    article: str = ""  # the provision the field implements, e.g. "Art. 18(15)(c) UNTOC"
    choices: tuple[tuple[str, str], ...] = ()
    # Shown and required only when another field holds a value: (field key, value).
    when: tuple[str, str] | None = None
    # A workspace fact the field starts with (see prefill.py), e.g. "issuing_authority".
    prefill: str | None = None
    minimum: int = 0  # for numbers: the smallest accepted value
    maximum: int = 1200  # for numbers: the largest accepted value

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    def applies(self, values: dict) -> bool:
        """Return whether the field applies, given the other values."""
        if self.when is None:
            return True
        other, wanted = self.when
        current = values.get(other)
        if isinstance(current, list):
            return wanted in current
        return current == wanted

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


@dataclass(frozen=True)
class Section:
    """One section of the official form, under its letter or paragraph."""

    key: str
    mark: str  # "A", "(a)", "Art. 18(15)(a)"
    title: str
    fields: tuple[Field, ...]
    help: str = ""


@dataclass(frozen=True)
class Problem:
    """Something that keeps a request from being complete, tied to a field."""

    section: str
    field: str
    message: str


# A cross-field rule: (values, context) -> problems. The context is a RuleContext.
Rule = Callable[[dict, "RuleContext"], list[Problem]]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know beyond the values: the team's states, today, the evidence."""

    issuing_state: str | None
    party_states: frozenset[str]
    today: object  # datetime.date
    evidence_count: int


@dataclass(frozen=True)
class Instrument:
    code: str
    title: str
    legal_basis: str
    applies_when: str
    sections: tuple[Section, ...]
    needs_evidence: bool = False
    evidence_note: str = ""
    rules: tuple[Rule, ...] = field(default=())

    def fields(self):
        for section in self.sections:
            for item in section.fields:
                yield section, item

    def field(self, key: str) -> Field:
        for _section, item in self.fields():
            if item.key == key:
                return item
        raise KeyError(key)

    def applying(self, values: dict) -> dict:
        """Return ``values`` without those of fields that do not apply.

        A draft keeps what was typed into a field whose condition is off, so that turning
        it on again brings the text back; what leaves the workspace (the request document,
        its hash, the PDF) and the check see only what applies. A condition may rest on a
        field with a condition of its own (EAW (d)), so fields are dropped until none is.
        """
        kept = dict(values)
        while dropped := [
            item.key
            for _section, item in self.fields()
            if item.key in kept and not item.applies(kept)
        ]:
            for key in dropped:
                del kept[key]
        return kept

    def section_of(self, key: str) -> Section:
        for section, item in self.fields():
            if item.key == key:
                return section
        raise KeyError(key)

    def texts(self) -> set[str]:
        """Every text the request PDF shows: what a complete translation must cover.

        Help texts and the picker's explanations are interface text, not the request's.
        Section marks and articles are cited in each language's style ("Art. 8 Abs. 2",
        "čl. 8. st. 2."), except a mark that is a bare letter ("A", "(a)"): the official
        forms letter their sections alike in every language.
        """
        found = {self.title, self.legal_basis}
        for section in self.sections:
            found.add(section.title)
            if not _BARE_LETTER.fullmatch(section.mark):
                found.add(section.mark)
            for item in section.fields:
                found.add(item.label)
                if item.article:
                    found.add(item.article)
                found.update(label for _value, label in item.choices)
        return found
