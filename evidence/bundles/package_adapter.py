"""Where the review pages find a final bundle's package and how they check it.

The package is written at finalising by ``evidence.bundles.package`` and checked by
``evidence.bundles.verify``; this adapter is the one place the review pages reach
them through. Without that module a bundle has no package yet, and a package is
checked with :func:`jit.bags.verify`, whose checks are the same kind of list.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from jit.bags import BagError


@dataclass(frozen=True)
class Check:
    """One named check of a package and its outcome."""

    name: str
    ok: bool
    detail: str = ""


def package_file(bundle) -> Path | None:
    """Return the path of the bundle's package, or None if it has none."""
    try:
        from evidence.bundles.package import package_file as stored_package
    except ModuleNotFoundError:
        return None
    path = stored_package(bundle)
    return Path(path) if path is not None else None


def verify(path: Path) -> list[Check]:
    """Check the package at ``path`` and return every check, passed or failed."""
    try:
        from evidence.bundles.verify import verify_package
    except ModuleNotFoundError:
        from jit.bags import verify as verify_package
    try:
        result = verify_package(path)
    except (BagError, zipfile.BadZipFile, OSError) as unreadable:
        # A damaged ZIP (a flipped byte fails its CRC) is a failed check, not a 500.
        return [Check("package readable", False, str(unreadable))]
    return [_check(entry) for entry in result.checks]


def _check(entry) -> Check:
    if isinstance(entry, tuple):
        name, ok, detail = entry
        return Check(name, bool(ok), detail or "")
    return Check(entry.name, bool(entry.ok), getattr(entry, "detail", "") or "")
