"""Search: see docs/architecture.md."""
