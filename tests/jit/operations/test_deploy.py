"""``jit deploy nginx`` renders the documented site for an installation."""

import pytest

from jit.operations.deploy import SITE_TEMPLATE, DeployError, render_nginx_site


def test_the_site_lists_every_port_in_both_upstreams():
    site = render_nginx_site([7001, 7002, 7003], server_name="jit.justice.example")
    for port in (7001, 7002, 7003):
        assert site.count(f"server 127.0.0.1:{port};") == 2
    assert "5001" not in site
    assert "5002" not in site
    assert site.count("server_name jit.justice.example;") == 2


def test_the_cli_prints_the_site_with_the_certificate(runner):
    result = runner.invoke(
        args=[
            "deploy", "nginx", "--port", "5101", "--port", "5102",
            "--certificate", "/etc/ssl/a.pem", "--certificate-key", "/etc/ssl/a.key",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ssl_certificate     /etc/ssl/a.pem;" in result.output
    assert "ssl_certificate_key /etc/ssl/a.key;" in result.output
    assert "hash $cookie_jit_session consistent;" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ports": []}, "give one or more ports"),
        ({"ports": [70000]}, "give one or more ports"),
        ({"ports": [5001], "server_name": "evil;\n}"}, "is not a host name"),
        ({"ports": [5001], "certificate": "/etc/ssl/a.pem; include /x"}, "absolute path"),
        ({"ports": [5001], "certificate_key": "relative.key"}, "absolute path"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(arguments, message):
    ports = arguments.pop("ports")
    with pytest.raises(DeployError, match=message):
        render_nginx_site(ports, **arguments)


def test_a_template_that_changed_shape_is_named(tmp_path):
    changed = tmp_path / "site.conf"
    changed.write_text(SITE_TEMPLATE.read_text().replace("listen 443 ssl;", "listen 8443;"))
    with pytest.raises(DeployError, match="no longer has 'listen 443 ssl;'"):
        render_nginx_site([5001], template=changed)
