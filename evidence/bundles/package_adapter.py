"""The review pages' view of a final bundle's package: its file, and its checks as rows.

The package is written at finalising by ``evidence.bundles.package`` and checked by
``evidence.bundles.verify``; the review pages reach both through here, so a damaged
package reads as failed checks on the page, never as a 500.

The offline checks prove that a package is a sound bag signed by some key. On the server
the workspace knows more, and checks it too: that the file is the one whose hash and
size were recorded when the request was finalised, that the workspace's own key signed
it, and that its ``bag-info.txt`` names this request, this version and this team. A
sound package of another request put in this one's place passes every offline check and
fails these.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from evidence.bundles import package
from evidence.bundles.verify import verify_package
from jit import bags, signing
from jit.bags import BagError

BAG_INFO = "bag-info.txt"
MAX_BAG_INFO_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Check:
    """One named check of a package and its outcome."""

    name: str
    ok: bool
    detail: str = ""


def package_file(bundle) -> Path | None:
    """Return the path of the bundle's package, or None if it has none (a draft)."""
    return package.package_file(bundle)


def verify(path: Path, bundle) -> list[Check]:
    """Check the package at ``path`` as ``bundle``'s, and return every check, passed or not."""
    recorded = _recorded(path, bundle)
    key = signing.signing_key()
    try:
        result = verify_package(path, key.fingerprint)
    except (BagError, zipfile.BadZipFile, OSError) as unreadable:
        # A damaged ZIP (a flipped byte fails its CRC) is a failed check, not a 500.
        return [recorded, Check("package readable", False, str(unreadable))]
    checks = [_check(entry) for entry in result.checks]
    return [recorded, *checks, _names_this_request(path, bundle)]


def _recorded(path: Path, bundle) -> Check:
    name = "the package recorded at finalising"
    with path.open("rb") as handle:
        found = hashlib.file_digest(handle, "sha256").hexdigest()
    size = path.stat().st_size
    problems = []
    if found != bundle.package_sha256:
        problems.append(f"SHA-256 expected {bundle.package_sha256}, found {found}")
    if size != bundle.package_size:
        problems.append(f"size expected {bundle.package_size:,} bytes, found {size:,}")
    if problems:
        return Check(name, False, "; ".join(problems))
    return Check(name, True, f"SHA-256 {found}, {size:,} bytes, as recorded")


def expected_bag_info(bundle) -> dict[str, str]:
    """The ``bag-info.txt`` fields that say which request, version and team a package is."""
    info = package.bag_info(bundle)
    return {
        field: info[field]
        for field in ("External-Identifier", "Internal-Sender-Identifier", "Bag-Group-Identifier")
    }


def _names_this_request(path: Path, bundle) -> Check:
    name = f"{BAG_INFO} names {bundle.label} version {bundle.version}"
    try:
        with bags.open_bag(path) as bag, bag.open(BAG_INFO) as handle:
            text = handle.read(MAX_BAG_INFO_BYTES + 1)
    except (BagError, zipfile.BadZipFile, OSError, KeyError) as unreadable:
        return Check(name, False, f"{BAG_INFO} cannot be read: {unreadable}")
    found = parse_bag_info(text[:MAX_BAG_INFO_BYTES].decode("utf-8", "replace"))
    wrong = [
        f"{field} expected “{value}”, found “{found.get(field, '(missing)')}”"
        for field, value in expected_bag_info(bundle).items()
        if found.get(field) != value
    ]
    if wrong:
        return Check(name, False, "; ".join(wrong))
    return Check(name, True, "; ".join(f"{k}: {v}" for k, v in expected_bag_info(bundle).items()))


def parse_bag_info(text: str) -> dict[str, str]:
    """Read ``bag-info.txt``'s labels (RFC 8493 §2.2.2: a line that starts with white space
    continues the value before it). A label given twice keeps its first value."""
    fields: dict[str, str] = {}
    extending = None  # the label whose value a continuation line adds to
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if extending is not None:
                fields[extending] += " " + line.strip()
            continue
        label, _sep, value = line.partition(":")
        label = label.strip()
        extending = label if label and label not in fields else None
        if extending is not None:
            fields[label] = value.strip()
    return fields


def _check(entry) -> Check:
    if isinstance(entry, tuple):
        name, ok, detail = entry
        return Check(name, bool(ok), detail or "")
    return Check(entry.name, bool(entry.ok), getattr(entry, "detail", "") or "")
