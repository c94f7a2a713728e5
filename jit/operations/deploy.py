"""``jit deploy nginx``: the documented nginx site, filled in for one installation.

``docs/deploy/nginx-jit.conf`` is the template (two example processes on ports 5001
and 5002, a placeholder name and certificate paths); this renders it for the real
ports, name and certificate, so what an operator installs is what the test suite
serves (tests/jit/operations/test_nginx.py).
"""

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
