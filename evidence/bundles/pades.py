"""The PAdES signature on request PDFs (pyHanko), with the instance's X.509 certificate.

On first use the instance makes an ECDSA P-256 key and a self-signed certificate in
its folder (mode 0600). A deployment replaces them with an authority's certificate and
key through ``JIT_REQUEST_SIGNING_CERT`` and ``JIT_REQUEST_SIGNING_KEY`` (PEM files).
"""

import asyncio
import io
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app

from jit.clock import utcnow

CERT_FILE = "request_signing_cert.pem"
KEY_FILE = "request_signing_key.pem"


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (mode 0600), or leave a racing process's file."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def _create_instance_certificate(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JIT Workspace"),
            x509.NameAttribute(NameOID.COMMON_NAME, "JIT Workspace request signing"),
        ]
    )
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    # The key first: a certificate without its key would be unusable.
    _write_private(
        folder / KEY_FILE,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    _write_private(folder / CERT_FILE, certificate.public_bytes(serialization.Encoding.PEM))


def certificate_paths() -> tuple[Path, Path]:
    """Return the (certificate, key) PEM paths, creating the instance's pair if needed."""
    configured_cert = current_app.config.get("REQUEST_SIGNING_CERT")
    configured_key = current_app.config.get("REQUEST_SIGNING_KEY")
    if configured_cert and configured_key:
        return Path(configured_cert), Path(configured_key)
    folder = Path(current_app.instance_path)
    if not (folder / CERT_FILE).exists():
        _create_instance_certificate(folder)
    return folder / CERT_FILE, folder / KEY_FILE


def certificate_pem() -> bytes:
    return certificate_paths()[0].read_bytes()


def _signer():
    from pyhanko.sign import signers

    cert, key = certificate_paths()
    signer = signers.SimpleSigner.load(str(key), str(cert))
    if signer is None:
        raise RuntimeError(f"cannot load the request signing key {key} and certificate {cert}")
    return signer


def _outside_event_loop(function, *args):
    """Call ``function``; in a worker thread if this thread runs an asyncio event loop.

    pyHanko's synchronous calls run their own loop (``asyncio.run``), which fails in a
    thread that already runs one (Playwright's, an async server's).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """Return ``pdf`` with a PAdES signature added as an incremental update."""
    return _outside_event_loop(_sign, pdf, reason, location, _signer())


def _sign(pdf: bytes, reason: str, location: str, signer) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="RequestSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200],
        location=location[:200],
        md_algorithm="sha256",
    )
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue()


def validate(pdf: bytes, trust_pem: bytes | None = None):
    """Return pyHanko's status of the PDF's signature (``bottom_line`` is the verdict)."""
    return _outside_event_loop(_validate, pdf, trust_pem or certificate_pem())


def _validate(pdf: bytes, trust_pem: bytes):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with tempfile.NamedTemporaryFile(suffix=".pem") as handle:
        handle.write(trust_pem)
        handle.flush()
        root = load_cert_from_pemder(handle.name)
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        raise ValueError("the PDF carries no signature")
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    return validate_pdf_signature(reader.embedded_signatures[0], context)
