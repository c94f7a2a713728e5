"""The domain packages the workspace is composed of, and how the core finds their parts.

This is the one composition point: the app factory, the CLI and the demo import a
domain package only by a name read from :data:`DOMAIN_PACKAGES`, never with an import
statement, so the core depends on no domain package (tests/test_import_direction.py).
"""

import importlib
from types import ModuleType

# Each may have ``models`` (imported so Alembic sees its tables), ``views.bp`` (a
# blueprint), ``init_app(app)`` in its ``__init__`` (connecting its receivers to the
# hooks of jit/signals.py, adding commands), ``demo.schedule(timeline)`` (``jit demo``)
# and ``scale.seed(team, memberships, n, start=, span=)`` (``jit demo --scale N``).
DOMAIN_PACKAGES = [
    "agreements",
    "evidence",
    "evidence.bundles",
    "evidence.firearms",
    "search",
    "jit.chat",
]


def domain_module(package: str, name: str) -> ModuleType | None:
    """Return ``package.name`` if the domain package has that module, else None."""
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as missing:
        if missing.name in (package, f"{package}.{name}"):
            return None
        raise


def domain_package(package: str) -> ModuleType:
    """Return the domain package itself (its ``__init__``)."""
    return importlib.import_module(package)


# Commands that need no app, found by name before one is built (jit.cli): building it
# would create an instance folder with keys wherever a clerk verifies a package.
OFFLINE_COMMANDS = {
    "bag": "jit.operations.cli:bag_command",
    "bundle": "evidence.bundles.cli:bundle_cli",
}


def offline_command(name: str):
    """Return the click command ``name`` of :data:`OFFLINE_COMMANDS`, or None if its
    package is not installed here."""
    module_name, _, attribute = OFFLINE_COMMANDS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if module_name != missing.name and not module_name.startswith(f"{missing.name}."):
            raise  # something the command needs is missing: say so
        return None  # the domain package is not installed here
    return getattr(module, attribute)
