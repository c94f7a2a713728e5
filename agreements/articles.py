"""The articles of the agreement, numbered and titled as data, one list per content schema.

``jit-agreement/2`` follows the EU Model Agreement for setting up a JIT (Council
Resolution 2017/C 18/01, Appendix I as revised in 2021, Article 12 as amended for the
JITs Collaboration Platform in 2026), in its order and with its headings (LEGAL.md §2).
``jit-agreement/1`` is the workspace's first numbering: versions signed in it keep it,
because their text (and its hash) is what the parties signed.

The page, the PDF, the diff and every message that cites an article ("name its leader in
Article 5") read the number from here, so a renumbering is one change in this file.
"""

from dataclasses import dataclass

CURRENT = "jit-agreement/2"
FIRST = "jit-agreement/1"


@dataclass(frozen=True)
class Article:
    key: str  # the content key it shows (or, for a heading of sub-clauses, its own name)
    number: str
    title: str
    level: int = 1  # 1: "Article 12 — …"; 2: a numbered sub-clause "14.1 …"

    @property
    def heading(self) -> str:
        if self.level == 2:
            return f"{self.number} {self.title}"
        if self.number.startswith("Appendix"):
            return f"{self.number} — {self.title}"
        return f"Article {self.number} — {self.title}"


ARTICLES = {
    CURRENT: [
        Article("parties", "1", "Parties to the agreement"),
        Article("purpose", "2", "Purpose of the JIT"),
        Article("period", "3", "Period covered by the agreement"),
        Article("operating_states", "4", "State(s) in which the JIT will operate"),
        Article("leaders", "5", "JIT leader(s)"),
        Article("members", "6", "Members of the JIT"),
        Article("participants", "7", "Participants of the JIT"),
        Article("general_conditions", "8", "General conditions of the agreement"),
        Article("organisation", "9", "Organisation of the JIT"),
        Article("measures", "10", "Investigative measures"),
        Article("information_use", "11", "Information and evidence"),
        Article("workspace", "12", "Specific arrangements"),
        Article("evaluation", "13", "Evaluation"),
        Article("other_clauses", "14", "Other standard clauses"),
        Article("confidentiality", "14.1", "Confidentiality and data protection", 2),
        Article("media", "14.2", "Communication with the media", 2),
        Article("costs_liability", "14.3", "Costs, insurance and liability", 2),
        Article("languages", "14.4", "Working language(s)", 2),
        Article("amendment", "14.5", "Amendment of the agreement", 2),
        Article("appendix_i", "Appendix I", "Participation of Union bodies and other participants"),
    ],
    FIRST: [
        Article("parties", "1", "Parties to the agreement"),
        Article("purpose", "2", "Purpose of the joint investigation team"),
        Article("period", "3", "Period covered by the agreement"),
        Article("operating_states", "4", "States in which the team will operate"),
        Article("leaders", "5", "Leaders of the team"),
        Article("members", "6", "Members of the team"),
        Article("participants", "7", "Participants"),
        Article("measures", "8", "Investigative measures and operational arrangements"),
        Article("information_use", "9", "Use of information and evidence"),
        Article("confidentiality", "10", "Confidentiality and data protection"),
        Article("media", "11", "Communication with the media"),
        Article("costs_liability", "12", "Costs, insurance and liability"),
        Article("languages", "13", "Working languages"),
        Article("workspace", "14", "Use of the JIT Workspace and access rules"),
        Article("evaluation", "15", "Evaluation"),
        Article("appendix_i", "Appendix I", "Participation of Union bodies and other participants"),
    ],
}


def articles_of(content: dict) -> list[Article]:
    """Return the articles of ``content``'s schema (an unknown schema reads as the current)."""
    return ARTICLES.get(content.get("schema"), ARTICLES[CURRENT])


def article(key: str, schema: str = CURRENT) -> Article:
    """Return the article that holds ``key`` in ``schema``."""
    return next(a for a in ARTICLES[schema] if a.key == key)


def cite(key: str, schema: str = CURRENT) -> str:
    """Return how a message cites the article holding ``key``: "Article 5", "Article 14.4"."""
    return f"Article {article(key, schema).number}"
