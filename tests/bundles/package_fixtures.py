"""A final request with two exhibits and its package, shared by the package tests."""

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from evidence.bundles.package import package_file
from jit import signals
from tests.bundles.conftest import COMPLETE, finalise

AGREEMENT = {"version": 3, "pdf": b"%PDF-1.7 agreement v3\n", "json": b'{"format": "x"}\n'}


def agreement_in_force(_team, **_kwargs):
    return AGREEMENT


@dataclass
class Packaged:
    bundle: object
    items: list
    path: Path


@pytest.fixture
def packaged(crew, make_bundle, make_item) -> Packaged:
    """A final EIO with two items (one with two files of the same name) and its package."""
    first = make_item(
        crew.nl_member,
        files=[("ledger.pdf", b"%PDF-1.4 ledger " * 100), ("ledger.pdf", b"second ledger")],
    )
    second = make_item(crew.nl_member, files=[("../../etc/passwd", b"not a path")])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[first, second])
    with signals.agreement_documents.connected_to(agreement_in_force):
        finalise(crew.nl_leader, bundle)
    return Packaged(bundle, [first, second], package_file(bundle))


def unpack(path: Path, target: Path) -> Path:
    """Unzip the package into ``target``; return its top folder."""
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    (top,) = target.iterdir()
    return top
