"""``jit deploy nginx``: the documented nginx site, filled in for one installation.

``docs/deploy/nginx-jit.conf`` is the template (two example processes on ports 5001
and 5002, a placeholder name and certificate paths); this renders it for the real
ports, name and certificate, so what an operator installs is what the test suite
serves (tests/jit/operations/test_nginx.py).
"""

import datetime
import ipaddress
import re
from pathlib import Path

SITE_TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx-jit.conf"
_EXAMPLE_UPSTREAMS = re.compile(
    r"(?P<indent>[ \t]*)server 127\.0\.0\.1:5001;\n[ \t]*server 127\.0\.0\.1:5002;\n"
)
_SERVER_NAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$")


class DeployError(ValueError):
    """The template or an argument does not allow rendering the site."""


def render_nginx_site(
    ports: list[int],
    *,
    server_name: str = "jit.example.org",
    certificate: str = "/etc/ssl/jit/fullchain.pem",
    certificate_key: str = "/etc/ssl/jit/privkey.pem",
    http_listen: str = "80",
    https_listen: str = "443",
    template: Path = SITE_TEMPLATE,
) -> str:
    """Return the nginx site for ``jit run`` processes on 127.0.0.1 at ``ports``."""
    if not ports or any(not 0 < port < 65536 for port in ports):
        raise DeployError("give one or more ports between 1 and 65535")
    if not _SERVER_NAME.fullmatch(server_name):
        raise DeployError(f"{server_name!r} is not a host name")
    for path in (certificate, certificate_key):
        if not path.startswith("/") or any(c in path for c in ";{}\n\r\"' "):
            raise DeployError(f"{path!r} must be an absolute path without spaces or quotes")
    site = template.read_text(encoding="utf-8")
    if len(_EXAMPLE_UPSTREAMS.findall(site)) != 2:
        raise DeployError(f"{template} no longer has its two example upstream blocks")

    def upstreams(match: re.Match) -> str:
        indent = match.group("indent")
        return "".join(f"{indent}server 127.0.0.1:{port};\n" for port in ports)

    site = _EXAMPLE_UPSTREAMS.sub(upstreams, site)
    replacements = [
        ("listen 80;", f"listen {http_listen};"),
        ("listen 443 ssl;", f"listen {https_listen} ssl;"),
        ("server_name jit.example.org;", f"server_name {server_name};"),
        ("/etc/ssl/jit/fullchain.pem", certificate),
        ("/etc/ssl/jit/privkey.pem", certificate_key),
    ]
    for old, new in replacements:
        if old not in site:
            raise DeployError(f"{template} no longer has {old!r}")
        site = site.replace(old, new)
    return site


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """Write a one-day self-signed certificate for ``host`` (an IP address) and its key.

    For staging, load tests and the suite only: a live installation uses a
    certificate its users' browsers trust.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
