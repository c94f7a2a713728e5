"""Fixtures shared by the core's tests."""

from tests.jit.audit_fixtures import secret_team  # noqa: F401  (a fixture)
