"""Response hardening and error pages shared by every blueprint."""

from flask import Flask, abort, g, render_template, request
from flask_wtf.csrf import CSRFError

# No inline script or style anywhere: every asset is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_PAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your role in this team does not allow this action."),
    404: ("Not found", "There is nothing here, or you do not have access to it."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The data you sent is larger than this workspace accepts."),
    415: (
        "Not a form",
        "This workspace takes forms and file uploads from its own pages, not JSON.",
    ),
    429: ("Too many requests", "Too many attempts in a short time. Wait a few minutes."),
    500: (
        "Something went wrong",
        "The workspace hit an error. Nothing you sent was half-saved; "
        "try again, and tell the administrator if it happens again.",
    ),
}


# Sent with every response; a view may set its own CSP (downloads are sandboxed).
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.update(FIXED_HEADERS)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def refuse_json_bodies():
    """Answer 415 to a request with a JSON body: no page takes one, and forms would misread it.

    Flask-WTF fills a form from a JSON body as if it were form fields, with whatever types
    and nesting the sender chose; refusing here keeps every form's input form-shaped.
    """
    if request.is_json:
        abort(415)


def refuse_nul_characters():
    """Answer 400 to a NUL character in the path, before any lookup of its segments.

    No link holds one, and PostgreSQL refuses it in any text value: a team code or
    exhibit number holding one raised ``DataError`` (a 500) there. Query and form values
    are left to their fields (``jit.forms.WorkspaceForm``), which name the problem.
    """
    if "\x00" in request.path:
        return render_error(400, "The address contains a NUL character, which none accepts.")
    return None


class SecurityHeadersMiddleware:
    """Give responses Flask never sees (Socket.IO's, under ``prefix``) the pages' headers.

    The Socket.IO server answers its own paths before Flask runs, so ``after_request``
    cannot reach its polling responses; this wraps the WSGI app and adds each header
    the response does not already carry.
    """

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app = wsgi_app
        self.prefix = prefix
        self.headers = {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            **FIXED_HEADERS,
            "Cache-Control": "no-store",
        }

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.wsgi_app(environ, start_response)

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            missing = [(k, v) for k, v in self.headers.items() if k.lower() not in present]
            return start_response(status, list(headers) + missing, exc_info)

        return self.wsgi_app(environ, start_with_headers)


class UncompressedWebSockets:
    """Refuse WebSocket compression (permessage-deflate) under ``prefix``: drop the offer.

    Browsers and the Node client offer permessage-deflate, and the WebSocket server
    (simple-websocket) accepts any offer. Two reasons to decline it in the chat:

    * **confidentiality**: with compression the size of what the server sends depends
      on how much of it repeats what was sent before on the same connection (the context
      carries over between messages). Text an outsider to a channel can make someone
      send, next to restricted text, then leaks the latter through lengths alone: the
      CRIME class of attack that RFC 7692's security considerations cite;
    * **CPU**: every message would be compressed once per connection that receives it,
      a zlib stream per connection, the largest cost of a fan-out to many readers for
      messages of a few hundred bytes (benchmarks/chat/README.md).

    Without ``Sec-WebSocket-Extensions`` in the request the handshake simply agrees to
    no extension; nothing else changes.
    """

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app = wsgi_app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.wsgi_app(environ, start_response)


def render_error(code: int, message: str | None = None):
    title, default_message = ERROR_PAGES[code]
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


def register_error_pages(app: Flask) -> None:
    def handle(error):
        code = getattr(error, "code", 500) or 500
        # A 403 raised with its own description says why (the person's role); a 404
        # never does, so it cannot tell a non-member what exists.
        reason = error.description if code == 403 else None
        if reason == type(error).description:
            reason = None
        if code == 400 and reason is None:
            # A form refused for a NUL in one of its fields says which (jit/inputs.py).
            reason = g.get("refused_nul")
        return render_error(code if code in ERROR_PAGES else 500, reason)

    for code in ERROR_PAGES:
        if code != 500:
            app.register_error_handler(code, handle)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "The form had expired or did not come from this workspace (security token "
            "missing or wrong). Reload the page and submit it again.",
        )

    @app.errorhandler(500)
    def server_error(error):
        from jit.extensions import db

        db.session.rollback()
        return render_error(500)
