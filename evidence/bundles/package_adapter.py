"""The review pages' view of a final bundle's package: its file, and its checks as rows.

The package is written at finalising by ``evidence.bundles.package`` and checked by
``evidence.bundles.verify``; the review pages reach both through here, so a damaged
package reads as failed checks on the page, never as a 500.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from evidence.bundles import package
from evidence.bundles.verify import verify_package
from jit.bags import BagError


@dataclass(frozen=True)
class Check:
    """One named check of a package and its outcome."""

    name: str
    ok: bool
    detail: str = ""


def package_file(bundle) -> Path | None:
    """Return the path of the bundle's package, or None if it has none (a draft)."""
    return package.package_file(bundle)


def verify(path: Path) -> list[Check]:
    """Check the package at ``path`` and return every check, passed or failed."""
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
