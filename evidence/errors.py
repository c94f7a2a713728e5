"""The error every refused evidence operation raises, with a message fit for the person."""


class EvidenceError(ValueError):
    """A refused evidence operation, with a message fit to show the person."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}
