"""The completeness check: every missing required field, by section, and the cross-field rules."""

from dataclasses import dataclass

from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.base import N_, Problem, RuleContext, Section

EVIDENCE = "evidence"  # the pseudo-section of the evidence schedule


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def missing_fields(instrument: Instrument, values: dict) -> list[Problem]:
    """Return a problem for each required field that applies and has no value."""
    return [
        Problem(section.key, field.key, N_("Required."))
        for section, field in instrument.fields()
        if field.required and field.applies(values) and is_empty(values.get(field.key))
    ]


def rule_problems(instrument: Instrument, values: dict, context: RuleContext) -> list[Problem]:
    """Return what the instrument's cross-field rules find, and the evidence rule."""
    problems = [problem for rule in instrument.rules for problem in rule(values, context)]
    if instrument.needs_evidence and context.evidence_count == 0:
        problems.append(
            Problem(
                EVIDENCE,
                EVIDENCE,
                N_("This type of request needs evidence: select at least one item."),
            )
        )
    return problems


def check(instrument: Instrument, values: dict, context: RuleContext) -> list[Problem]:
    """Return everything that keeps the request from being complete (empty if complete).

    Only the fields that apply are checked: a value kept in a field whose condition is
    off (a sentence's length on a warrant for prosecution) is not part of the request.
    """
    values = instrument.applying(values)
    return missing_fields(instrument, values) + rule_problems(instrument, values, context)


@dataclass(frozen=True)
class SectionProblems:
    key: str
    mark: str
    title: str
    problems: list[tuple[str, str]]  # (field label, message)


def grouped(instrument: Instrument, problems: list[Problem]) -> list[SectionProblems]:
    """Group problems by section, in the form's order, with the official section names."""
    sections: list[Section] = list(instrument.sections)
    result = []
    for section in sections:
        found = [
            (instrument.field(p.field).label, p.message)
            for p in problems
            if p.section == section.key
        ]
        if found:
            result.append(SectionProblems(section.key, section.mark, section.title, found))
    evidence = [(N_("Evidence"), p.message) for p in problems if p.section == EVIDENCE]
    if evidence:
        result.append(SectionProblems(EVIDENCE, "", N_("Evidence schedule"), evidence))
    return result
