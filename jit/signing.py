"""The instance's Ed25519 key, which signs the heads of the audit and custody chains.

Hash chains show that no entry was altered, removed or reordered, but someone with
write access to the database could rewrite a whole chain with consistent hashes. The
signature over each chain's head (last number and hash) catches that: it needs the
private key, which lives in the instance folder, not in the database.

The key is created at first use (mode 0600). Its id is the first 16 hex digits of the
SHA-256 of the raw public key. The file keeps the name it had when only the chain of
custody was signed, so existing instances keep their key.
"""

import base64
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from jit.canonical import canonical_json

KEY_FILE = "custody_signing_key.pem"


@dataclass(frozen=True)
class VerifyingKey:
    """The public half: enough to check a signed head, offline."""

    public: Ed25519PublicKey
    key_id: str

    def public_pem(self) -> bytes:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(_raw(self.public)).hexdigest()

    def check(self, key_id: str | None, signature: str | None, payload: bytes) -> str | None:
        """Return why ``signature`` over ``payload`` does not hold, or None if it does."""
        if not signature:
            return "the chain head is not signed"
        if key_id != self.key_id:
            return f"the chain head is signed with key {key_id}, not this workspace's key"
        try:
            self.public.verify(base64.b64decode(signature), payload)
        except (InvalidSignature, ValueError):
            return (
                "the signature over the chain head does not match "
                "(the chain was rewritten or its head altered)"
            )
        return None


@dataclass(frozen=True)
class SigningKey(VerifyingKey):
    private: Ed25519PrivateKey

    def sign(self, payload: bytes) -> str:
        """Return the signature over ``payload``, base64-encoded."""
        return base64.b64encode(self.private.sign(payload)).decode("ascii")


def head_payload(chain: dict, seq: int, head_hash: str, key_id: str, signed_at) -> bytes:
    """Return the bytes signed for a chain's head: ``chain`` names the chain, the rest
    says where it ends, under which key and when."""
    head = {"seq": seq, "hash": head_hash, "key_id": key_id, "signed_at": signed_at}
    return canonical_json(chain | head)


def load_key(folder: Path) -> SigningKey:
    """Return the key in ``folder``, creating it if there is none."""
    path = folder / KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written whole under a private name, then linked into place: a process racing
        # this one finds either no key or a complete one, never a half-written file.
        draft = folder / f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process put its key there first; every process uses that one
        finally:
            draft.unlink()
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    public = private.public_key()
    return SigningKey(public=public, key_id=_key_id(public), private=private)


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def verifying_key_from_pem(pem: bytes) -> VerifyingKey:
    """Return the Ed25519 public key in ``pem``; ValueError if it holds none."""
    public = serialization.load_pem_public_key(pem)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return VerifyingKey(public=public, key_id=_key_id(public))


def signing_key() -> SigningKey:
    """Return the instance's signing key, creating it on first use."""
    if "jit_signing_key" not in current_app.extensions:
        current_app.extensions["jit_signing_key"] = load_key(Path(current_app.instance_path))
    return current_app.extensions["jit_signing_key"]
