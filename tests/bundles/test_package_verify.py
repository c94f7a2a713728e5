"""`jit bundle verify`: a fresh package passes; each tampering is caught and named."""

import base64
import json
import zipfile

import pytest

from evidence.bundles.verify import verify_package
from tests.bundles.package_fixtures import unpack


def _verify(runner, path):
    return runner.invoke(args=["bundle", "verify", str(path)])


def test_a_fresh_package_verifies_as_zip_and_as_folder(packaged, runner, tmp_path):
    result = _verify(runner, packaged.path)
    assert result.exit_code == 0, result.output
    for item in packaged.items:
        assert f"ok   custody data/evidence/{item.exhibit_number}/custody.jsonl" in result.output
    assert "ok   Payload-Oxum" in result.output
    assert "ok   signature" in result.output
    folder = unpack(packaged.path, tmp_path / "bag")
    assert _verify(runner, folder).exit_code == 0


def test_verify_package_lists_named_checks(packaged):
    result = verify_package(packaged.path)
    names = [name for name, _ok, _detail in result.checks]
    assert names[:2] == ["bagit.txt", "Payload-Oxum"]
    assert {"manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt"} <= set(names)
    assert sum(name.startswith("custody data/evidence/") for name in names) == 2
    assert result.is_intact


@pytest.fixture
def folder(packaged, tmp_path):
    return unpack(packaged.path, tmp_path / "bag")


def _problems(runner, folder) -> str:
    result = _verify(runner, folder)
    assert result.exit_code == 1, result.output
    return result.output


def test_a_changed_byte_in_a_payload_file_is_named(packaged, runner, folder):
    exhibit = packaged.items[0].exhibit_number
    ledger = folder / f"data/evidence/{exhibit}/files/ledger.pdf"
    data = bytearray(ledger.read_bytes())
    data[3] ^= 0x20
    ledger.write_bytes(bytes(data))
    output = _problems(runner, folder)
    assert "BAD  manifest-sha256.txt: line" in output
    assert f"data/evidence/{exhibit}/files/ledger.pdf expected" in output


def test_a_changed_manifest_line_is_named(packaged, runner, folder):
    manifest = folder / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines()
    digest, path = lines[2].split("  ", 1)
    lines[2] = f"{'0' * 64}  {path}"
    manifest.write_text("\n".join(lines) + "\n")
    output = _problems(runner, folder)
    assert f"line 3: {path} expected {'0' * 64}, found {digest}" in output
    assert "BAD  tagmanifest-sha256.txt: manifest-sha256.txt expected" in output


def test_a_changed_custody_line_is_named_even_with_the_manifests_redone(packaged, runner, folder):
    exhibit = packaged.items[1].exhibit_number
    chain = folder / f"data/evidence/{exhibit}/custody.jsonl"
    lines = chain.read_text().splitlines()
    event = json.loads(lines[0])
    event["actor_name"] = "Someone Else"
    lines[0] = json.dumps(event, sort_keys=True)
    chain.write_text("\n".join(lines) + "\n")
    output = _problems(runner, folder)
    assert f"BAD  custody data/evidence/{exhibit}/custody.jsonl:" in output
    assert f"data/evidence/{exhibit}/custody.jsonl line 1 (event #1): hash expected" in output


def test_a_rewritten_chain_is_caught_by_its_signed_head(packaged, runner, folder):
    exhibit = packaged.items[1].exhibit_number
    chain = folder / f"data/evidence/{exhibit}/custody.jsonl"
    lines = chain.read_text().splitlines()
    head = json.loads(lines[-1])
    head["signed_payload"]["signed_at"] = "2020-01-01T00:00:00.000000+00:00"
    lines[-1] = json.dumps(head)
    chain.write_text("\n".join(lines) + "\n")
    output = _problems(runner, folder)
    assert f"custody.jsonl line {len(lines)} (signed head): the signature" in output


def test_a_file_added_to_data_is_named(runner, folder):
    (folder / "data/evidence/extra.txt").write_bytes(b"smuggled in")
    output = _problems(runner, folder)
    assert "data/evidence/extra.txt is in data/ but not in the manifest" in output
    assert "BAD  Payload-Oxum" in output


def test_a_replaced_signature_is_named(runner, folder):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = Ed25519PrivateKey.generate().sign((folder / "tagmanifest-sha256.txt").read_bytes())
    (folder / "signature/tagmanifest-sha256.txt.sig").write_text(
        base64.b64encode(forged).decode() + "\n"
    )
    output = _problems(runner, folder)
    assert "BAD  signature: the signature over tagmanifest-sha256.txt does not hold" in output


def test_another_signer_is_refused_with_the_fingerprint_option(packaged, runner):
    result = runner.invoke(
        args=["bundle", "verify", str(packaged.path), "--fingerprint", "ab" * 32]
    )
    assert result.exit_code == 1
    assert "not the expected one" in result.output


def test_a_zip_with_dotdot_entries_is_refused_and_nothing_extracted(runner, tmp_path):
    evil = tmp_path / "inside" / "evil.zip"
    evil.parent.mkdir()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("bag/../../escaped.txt", "outside")
    result = _verify(runner, evil)
    assert result.exit_code == 1
    assert "points outside the bag" in result.output
    assert "nothing was extracted" in result.output
    assert not (tmp_path / "escaped.txt").exists()
    assert not list(tmp_path.rglob("escaped.txt"))
    assert list(evil.parent.iterdir()) == [evil]


def test_what_is_not_a_bag_gets_a_message(runner, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    result = _verify(runner, junk)
    assert result.exit_code == 1
    assert "not a readable ZIP" in result.output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("hello")
    result = _verify(runner, plain)
    assert result.exit_code == 1
    assert "BAD  bagit.txt: missing or not a BagIt 1.x declaration" in result.output
    result = _verify(runner, tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "no such file or folder" in result.output
