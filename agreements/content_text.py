"""An agreement's content as text: each article in plain lines, and the diff of two versions.

The lines are what the agreement page, the PDF's plain parts and the comparison of two
versions show; the content itself (its shape, checks and hash) is :mod:`agreements.content`.
"""

import difflib
from dataclasses import dataclass, field

from agreements.articles import Article
from agreements.content import ARTICLES, LEGAL_BASES, retention_text, seconded_in, upgrade

# Art. 13(10) of the 2000 Convention (FD 2002/465/JHA art. 1(10)): what the law allows,
# shown as fixed text, never as options.
INFORMATION_USES = [
    "(a) for the purposes for which the team has been set up;",
    "(b) subject to the prior consent of the State where the information became "
    "available, for detecting, investigating and prosecuting other criminal offences; "
    "such consent may be withheld only where its use would endanger criminal "
    "investigations in that State or where that State could refuse mutual assistance;",
    "(c) to prevent an immediate and serious threat to public security, without prejudice "
    "to (b) if subsequently a criminal investigation is opened;",
]
AMENDMENT_TEXT = (
    "This agreement may be amended or extended only by written agreement of the parties, "
    "signed by each of them."
)


def upper_first(text: str) -> str:
    """Return ``text`` with its first letter capitalised, for a name that starts a line."""
    return text[:1].upper() + text[1:]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def article_lines(content: dict, names: dict[str, str]) -> dict[str, list[str]]:
    """Return each article's content as lines of plain text, keyed by article key.

    Older content is read in the current schema (:func:`upgrade`), so two versions of
    different schemas compare article by article.
    """
    content = upgrade(content)
    name = lambda key: upper_first(names.get(key, key))  # noqa: E731 (each starts a line)
    period = content["period"]
    info = content["information_use"]
    lines: dict[str, list[str]] = {}
    lines["parties"] = [
        f"{name(row['party'])}: {row['authority']} — "
        + ("party" if row["role"] == "party" else "participant")
        for row in content["parties"]
    ] + [f"Legal basis: {LEGAL_BASES[key]}" for key in content["legal_basis"]]
    if content["legal_basis_other"]:
        lines["parties"].append(f"Other legal basis: {content['legal_basis_other']}")
    lines["purpose"] = [
        *content["purpose"]["text"].splitlines(),
        f"Offences: {content['purpose']['offences']}",
        f"Domestic proceedings: {content['purpose']['proceedings']}",
    ]
    entry = (
        f"Enters into force on {period['starts_on']}"
        if period["entry_into_force"] == "date"
        else "Enters into force on the date of the last signature"
    )
    lines["period"] = [entry, f"Expires on {period['expires_on'] or '(not set)'}"]
    lines["operating_states"] = [
        "Operates in: "
        + ", ".join(names.get(key, key) for key in content["operating_states"]["states"]),
        *content["operating_states"]["note"].splitlines(),
    ]
    lines["leaders"] = [
        f"{name(p['party'])}: {p['name']} <{p['email']}>, {p['function']}"
        + (f" (successor of {p['successor_of']})" if p["successor_of"] else "")
        for p in content["leaders"]
    ]
    lines["members"] = [
        f"{name(p['party'])}: {p['name']} <{p['email']}>, {p['function']}"
        + (f" — seconded member {text}" if (text := seconded_text(content, p, names)) else "")
        for p in content["members"]
    ]
    lines["participants"] = [
        f"{name(p['party'])}: {p['name']} <{p['email']}>, {p['function']}; scope: {p['scope']}; "
        f"may read evidence: {_yes(p['may_read_evidence'])}"
        for p in content["participants"]
    ]
    for key in ("general_conditions", "organisation", "measures"):
        lines[key] = content[key].splitlines()
    lines["information_use"] = [
        *INFORMATION_USES,
        f"(d) Other purposes agreed by the parties: {info['other_purposes'] or 'none'}",
        f"Conditions on (d) and on withholding consent: {info['consent_conditions'] or 'none'}",
        *info["admissibility"].splitlines(),
    ]
    for key in ("confidentiality", "media", "costs_liability", "appendix_i"):
        lines[key] = content[key].splitlines()
    if content.get("retention_years"):
        lines["confidentiality"].append(retention_text(content["retention_years"]))
    lines["other_clauses"] = []
    lines["amendment"] = [AMENDMENT_TEXT]
    lines["languages"] = [", ".join(content["languages"])]
    lines["workspace"] = [
        f"The team uses the JIT Workspace: {_yes(content['workspace']['is_used'])}",
        *content["workspace"]["access_rules"].splitlines(),
    ]
    lines["evaluation"] = [
        f"Mid-term evaluation by {content['evaluation']['mid_term_on'] or '(no date set)'}",
        *content["evaluation"]["arrangements"].splitlines(),
    ]
    lines["period"].append(f"Days are counted in the time zone {content['time_zone']}")
    return lines


def seconded_text(content: dict, person: dict, names: dict[str, str]) -> str:
    """Return "when the team operates in Austria, the Netherlands", or "" if never seconded."""
    states = seconded_in(content, person)
    if not states:
        return ""
    return "when the team operates in " + ", ".join(names.get(key, key) for key in states)


@dataclass
class DiffRow:
    left: str | None
    right: str | None
    change: str  # equal | replace | delete | insert


@dataclass
class ArticleDiff:
    article: Article
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def is_changed(self) -> bool:
        return any(row.change != "equal" for row in self.rows)


def diff(old: dict, new: dict, names: dict[str, str]) -> list[ArticleDiff]:
    """Return a side-by-side comparison of two contents, article by article."""
    left, right = article_lines(old, names), article_lines(new, names)
    header = [("Reference", "reference"), ("Title", "title")]
    result = []
    for article in ARTICLES:
        a, b = list(left[article.key]), list(right[article.key])
        if article.key == "parties":
            a = [f"{label}: {old[key]}" for label, key in header] + a
            b = [f"{label}: {new[key]}" for label, key in header] + b
        result.append(ArticleDiff(article, _side_by_side(a, b)))
    return result


def _side_by_side(a: list[str], b: list[str]) -> list[DiffRow]:
    rows = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                DiffRow(a[i], b[j], "equal")
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        left, right = a[i1:i2], b[j1:j2]
        for index in range(max(len(left), len(right))):
            old = left[index] if index < len(left) else None
            new = right[index] if index < len(right) else None
            change = "replace" if old is not None and new is not None else tag
            if old is None:
                change = "insert"
            elif new is None:
                change = "delete"
            rows.append(DiffRow(old, new, change))
    return rows
