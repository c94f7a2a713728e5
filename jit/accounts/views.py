"""Sign-in, sign-out, second factor and the person's own account page."""

import time

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from jit.accounts import security, services, sessions
from jit.accounts.forms import (
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    ReauthenticateForm,
    SecondFactorForm,
    TimeZoneForm,
)
from jit.accounts.models import User
from jit.extensions import db
from jit.forms import ConfirmForm
from jit.inputs import safe_local_path

bp = Blueprint("accounts", __name__)

# How long the password step stays valid while the person fetches their code.
_SECOND_FACTOR_SECONDS = 300


def _safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site fit for a redirect, else the dashboard."""
    return safe_local_path(target) or url_for("teams.dashboard")


def _open_session(user: User) -> str:
    """Open the server-side session of this sign-in, in the sign-in's transaction."""
    return sessions.start(
        user, user_agent=request.headers.get("User-Agent"), ip_address=request.remote_addr
    )


def _sign_in(user: User, key: str) -> None:
    session.clear()
    login_user(user)
    session[sessions.KEY] = key
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("teams.dashboard"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            outcome, user = services.check_password_step(
                form.email.data, form.password.data, request.remote_addr
            )
        except services.AccountError as refused:
            db.session.commit()  # keep the audit entry and the failure count
            error = str(refused)
            status = 429 if isinstance(refused, services.LockedOut) else 200
        else:
            next_url = _safe_next(request.args.get("next"))
            if outcome is services.SignIn.NEEDS_SECOND_FACTOR:
                db.session.commit()
                session.clear()
                session["second_factor"] = {
                    "user_id": user.id,
                    "token": user.session_token,
                    "started": int(time.time()),
                    "next": next_url,
                }
                return redirect(url_for("accounts.second_factor"))
            key = _open_session(user)
            db.session.commit()
            _sign_in(user, key)
            return redirect(next_url)
    return render_template("accounts/login.html", form=form, error=error), status


def _pending_second_factor() -> tuple[User, str] | None:
    pending = session.get("second_factor")
    if not pending or time.time() - pending.get("started", 0) > _SECOND_FACTOR_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or user.is_disabled or user.session_token != pending["token"]:
        return None
    return user, pending["next"]


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    pending = _pending_second_factor()
    if pending is None:
        session.pop("second_factor", None)
        flash("Sign in again: the sign-in step expired.", "info")
        return redirect(url_for("accounts.login"))
    user, next_url = pending
    form = SecondFactorForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            method = services.check_second_factor(user, form.code.data, request.remote_addr)
        except services.AccountError as refused:
            db.session.commit()
            error = str(refused)
            status = 429 if isinstance(refused, services.LockedOut) else 200
        else:
            key = _open_session(user)
            db.session.commit()
            _sign_in(user, key)
            if method == "recovery_code":
                left = services.unused_recovery_codes(user)
                flash(
                    f"You used a recovery code; {left} remain. Generate new ones on your "
                    "account page if you are running low.",
                    "warning",
                )
            return redirect(next_url)
    return render_template("accounts/second_factor.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    # Ends this browser's session row, so a copy of the cookie stops working too; the
    # person's other browsers stay signed in.
    sessions.sign_out(current_user, g.user_session)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.get("/account")
@login_required
def account():
    form = TimeZoneForm(time_zone=current_user.time_zone)
    return _account_page(form)


def _account_page(form: TimeZoneForm):
    return render_template(
        "accounts/account.html",
        form=form,
        reauth_form=ReauthenticateForm(),
        unused_codes=services.unused_recovery_codes(current_user),
        sessions=sessions.active(current_user),
        this_session=g.user_session,
        confirm_form=ConfirmForm(),
    )


@bp.post("/account/time-zone")
@login_required
def change_time_zone():
    form = TimeZoneForm()
    if form.validate_on_submit():
        services.set_time_zone(current_user, form.time_zone.data)
        db.session.commit()
        flash("Times are now shown in " + form.time_zone.data + ".", "success")
        return redirect(url_for("accounts.account"))
    return _account_page(form), 400


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if session_id == g.user_session.id:
        abort(404)  # this browser signs out with the sign-out button
    try:
        sessions.end_other(current_user, session_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash("That session is signed out.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep=g.user_session,
            )
        except services.AccountError as refused:
            db.session.commit()
            error = str(refused)
        else:
            db.session.commit()
            # The token changed, which ends other sessions; keep this one.
            login_user(current_user)
            flash("Your password is changed. Other sessions of your account have ended.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form, error=error)


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def mfa_setup():
    if current_user.has_mfa:
        flash("Your second factor is already set up.", "info")
        return redirect(url_for("accounts.account"))
    form = EnrolForm()
    error = None
    secret = services.pending_totp_secret(current_user)
    db.session.commit()
    if form.validate_on_submit():
        try:
            codes = services.confirm_mfa_enrolment(current_user, form.code.data)
        except services.AccountError as refused:
            error = str(refused)
        else:
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=True)
    uri = security.totp_uri(secret, current_user.email)
    return render_template(
        "accounts/mfa_setup.html",
        form=form,
        error=error,
        secret=secret,
        qr_data_uri=security.totp_qr_data_uri(uri),
    )


@bp.post("/account/mfa/recovery-codes")
@login_required
def regenerate_recovery_codes():
    if not current_user.has_mfa:
        abort(404)
    form = ReauthenticateForm()
    if not (
        form.validate_on_submit()
        and security.verify_password(current_user.password_hash, form.password.data)
    ):
        flash("Enter your current password to generate new recovery codes.", "error")
        return redirect(url_for("accounts.account"))
    codes = services.regenerate_recovery_codes(current_user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, first_time=False)
