"""The application factory: configuration, extensions, blueprints, hooks — in that order."""

import sqlite3
from datetime import timedelta
from pathlib import Path

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from jit import config as jit_config
from jit import i18n, wal
from jit.extensions import csrf, db, login_manager, migrate
from jit.packages import DOMAIN_PACKAGES, domain_module, domain_package

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    """Build a workspace app; ``config`` overrides the environment (tests pass it)."""
    config = dict(config or {})
    folder = jit_config.instance_path(config)
    folder.mkdir(parents=True, exist_ok=True)
    app = Flask(
        "jit",
        instance_path=str(folder),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _load_config(app, config)
    _bound_url_integers(app)
    _refuse_unreadable_input(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_template_helpers(app)
    _register_cli(app)
    return app


def _load_config(app: Flask, overrides: dict) -> None:
    settings = jit_config.defaults() | jit_config.from_environment() | overrides
    folder = Path(app.instance_path)
    settings["INSTANCE_PATH"] = str(folder)
    settings.setdefault("DATABASE_URL", jit_config.sqlite_url(folder))
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = jit_config.load_or_create_secret(folder)
    app.config.update(settings)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        MAX_CONTENT_LENGTH=settings["MAX_REQUEST_MB"] * 1024 * 1024,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings["SESSION_HOURS"]),
        SESSION_COOKIE_NAME="jit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["SECURE_COOKIES"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["SECURE_COOKIES"],
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=settings.get("PROPAGATE_EXCEPTIONS", False),
    )
    if settings["TRUSTED_PROXIES"]:
        count = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _bound_url_integers(app: Flask) -> None:
    """Make every ``<int:…>`` in a route refuse (404) numbers the database cannot hold."""
    from jit.inputs import BoundedIntegerConverter

    app.url_map.converters["int"] = BoundedIntegerConverter


def _engine_options(settings: dict) -> dict:
    """Size the connection pool; ping pooled connections only where they can go stale.

    A SQLite connection is a local file that never drops; pinging it cost every chat
    event an extra statement. Over a network a connection can die while pooled.
    """
    pool = {
        "pool_size": settings["DATABASE_POOL_SIZE"],
        "max_overflow": settings["DATABASE_POOL_OVERFLOW"],
        "pool_timeout": settings["DATABASE_POOL_TIMEOUT"],
    }
    if settings["DATABASE_URL"].startswith("sqlite"):
        return pool
    return pool | {"pool_pre_ping": True}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Give SQLite write-ahead logging, enforced foreign keys and a wait on busy locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _init_extensions(app: Flask) -> None:
    from jit import models  # noqa: F401  (register every table before Alembic looks)

    for package in DOMAIN_PACKAGES:
        domain_module(package, "models")
    db.init_app(app)
    wal.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str):
    """Return the account behind a live sign-in session, or None.

    None once the account is disabled, its session token rotated (password change), or
    this browser's session ended (sign-out) or expired. The session row is kept on
    ``g.user_session`` for sign-out and the account page.
    """
    from jit.accounts import sessions

    loaded = sessions.load(session_id, session.get(sessions.KEY))
    if loaded is None:
        return None
    user, g.user_session = loaded
    return user


def _register_blueprints(app: Flask) -> None:
    from jit import closeout
    from jit.accounts.views import bp as accounts_bp
    from jit.admin.views import bp as admin_bp
    from jit.closeout.views import bp as closeout_bp
    from jit.directory.views import bp as directory_bp
    from jit.operations.health import bp as operations_bp
    from jit.teams.audit_views import bp as audit_bp
    from jit.teams.views import bp as teams_bp

    core = (accounts_bp, admin_bp, directory_bp, teams_bp, audit_bp, operations_bp, closeout_bp)
    for blueprint in core:
        app.register_blueprint(blueprint)
    closeout.init_app(app)
    for package in DOMAIN_PACKAGES:
        views = domain_module(package, "views")
        if views is not None:
            app.register_blueprint(views.bp)
        init_app = getattr(domain_package(package), "init_app", None)
        if init_app is not None:
            init_app(app)


# Pages a signed-in person may reach before enrolling a second factor that is required.
_MFA_ENROLMENT_ENDPOINTS = {"accounts.mfa_setup", "accounts.logout", "static"}


def _refuse_unreadable_input(app: Flask) -> None:
    """Refuse a NUL before any hook (the packages' too) looks a value up in the database."""
    from jit.web import refuse_nul_characters

    app.before_request(refuse_nul_characters)


def _register_hooks(app: Flask) -> None:
    from jit.operations import logs
    from jit.web import add_security_headers, refuse_json_bodies, register_error_pages

    logs.init_app(app)
    app.before_request(refuse_json_bodies)

    @app.before_request
    def require_mfa_enrolment():
        if (
            app.config["REQUIRE_MFA"]
            and current_user.is_authenticated
            and not current_user.has_mfa
            and request.endpoint not in _MFA_ENROLMENT_ENDPOINTS
        ):
            flash("This workspace requires a second factor. Set it up to continue.", "warning")
            return redirect(url_for("accounts.mfa_setup"))
        return None

    @app.before_request
    def note_session_seen():
        # Throttled inside note_seen: at most one write per session every few minutes.
        if request.endpoint != "static" and current_user.is_authenticated:
            from jit.accounts import sessions

            if sessions.note_seen(g.user_session):
                db.session.commit()

    app.after_request(add_security_headers)
    register_error_pages(app)


def _register_template_helpers(app: Flask) -> None:
    from jit import formatting

    formatting.register(app)


def _register_cli(app: Flask) -> None:
    from jit.commands import register_commands

    register_commands(app)
