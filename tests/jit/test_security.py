"""The security baseline: CSRF everywhere, headers, cookies, escaped text, error pages."""

import re
from pathlib import Path

from tests.conftest import DEFAULT_PASSWORD

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_post_route_refuses_a_missing_csrf_token(app, client, auth, make_user, make_team):
    """Walk the URL map: no state-changing route accepts a post without the token."""
    coordinator = make_user(is_platform_admin=True)
    make_team(code="CSRF-1", coordinator=coordinator)
    auth.login(coordinator)
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {
            argument: sorted(getattr(converter, "items", None) or ["1"])[0]
            for argument, converter in rule._converters.items()
        }
        if "code" in values:
            values["code"] = "CSRF-1"
        path = rule.build(values)[1]
        response = client.post(path, data={}, csrf=False)
        assert response.status_code == 400, (path, response.status_code)
        assert "security token" in response.get_data(as_text=True), path
        checked.append(path)
    assert "/login" in checked
    assert "/logout" in checked
    assert "/admin/teams" in checked
    assert client.get("/").status_code == 200  # still signed in: nothing happened


def test_login_without_csrf_token_is_refused(client, make_user):
    person = make_user()
    response = client.post(
        "/login", data={"email": person.email, "password": DEFAULT_PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_security_headers_on_every_page(client):
    for path in ("/login", "/no-such-page", "/static/css/app.css"):
        with client.get(path) as response:
            headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        if "pdf" in template.parts or template.name.endswith("_pdf.html"):
            continue  # PDF layouts are rendered by WeasyPrint, not served to browsers
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text) or re.search(r"\sstyle=\"", text):
            offenders.append(f"{template}: inline style")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{template}: inline event handler")
        if re.search(r"(src|href)=\"(https?:)?//", text):
            offenders.append(f"{template}: external asset")
    assert offenders == []


def test_session_cookie_flags(client, make_user):
    person = make_user()
    response = client.post("/login", data={"email": person.email, "password": DEFAULT_PASSWORD})
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("jit_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_error_pages_are_our_own(app, client, auth, make_user, make_team, make_membership):
    team = make_team(code="ERR-1")
    member = make_membership(team, "member", "NL").user
    auth.login(member)
    not_found = client.get("/t/NOWHERE/")
    assert not_found.status_code == 404
    assert "Not found" in not_found.get_data(as_text=True)
    forbidden = client.get("/t/ERR-1/audit")
    assert forbidden.status_code == 403
    # Our page, saying why: the role, and which roles may (issue 17, item 17).
    assert "As member you cannot read the audit log" in forbidden.get_data(True)
    assert '<p class="error-code">403</p>' in forbidden.get_data(True)
    not_allowed = client.put("/login")
    assert not_allowed.status_code == 405
    assert "Method not allowed" in not_allowed.get_data(True)
    too_large = client.post("/login", data={"email": "x" * (17 * 1024 * 1024)})
    assert too_large.status_code == 413
    assert "larger than this workspace accepts" in too_large.get_data(as_text=True)


def test_an_unexpected_error_is_a_clean_500_without_details(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__boom")  # registered before this app serves its first request
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/__boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "secret internals" not in page
    assert "Traceback" not in page
    assert "Werkzeug Debugger" not in page


def test_debugger_is_never_on(app):
    assert app.debug is False
