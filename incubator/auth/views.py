"""Routes of the accounts area (thin: the rules are in services)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from ..access import account_ids_for, admin_required, id_in, scoped
from ..audit import services as audit
from ..extensions import db
from ..redirects import safe_next
from ..saving import act, attempt, confirmed, recorded, save, settle
from ..notifications import mail
from ..pages import page_of
from . import bp
from . import mfa, registration, totp
from .forms import (AdminPasswordForm, ChangePasswordForm, ConfirmForm, ConfirmRegistrationForm, ForgotPasswordForm,
                    LoginForm, MfaConfirmForm, MfaDisableForm, MfaLoginForm, ProfileForm, RecoveryCodesForm,
                    RegistrationForm, ResetPasswordForm, UserCreateForm, UserEditForm, UserFilterForm)
from .models import User
from .services import (AccountLocked, authenticate, check_current_password, complete_login,
                       count_login_failure, create_user, find_user, issue_reset_token, login_locked,
                       normalise_email, reset_password, set_enabled, set_password, update_user, valid_reset_token)
from .session_store import active_sessions, end_user_sessions, purge_expired_sessions


def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_enabled else None


def start_session(user: User) -> None:
    session.regenerate()  # a new identifier at login (no fixation)
    lang = session.get("lang")
    session.clear()
    if lang:  # the language picked on the login page is the user's choice from now on
        user.locale = lang
    login_user(user)


def end_locked_session(message):
    """A password check in a logged-in session locked the address: the session ends with it (whoever holds
    a stolen session gets no more guesses), and the login page says why. The check ran through
    ``saving.recorded``: the failure counter, the lock and their audit events are committed already."""
    user = current_user._get_current_object()
    mfa.security_log.warning("session ended by the login lock", extra={"event": "session_locked_out",
                                                                       "user_id": user.id})
    logout_user()
    session.regenerate()
    session.clear()
    flash(str(message), "danger")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        def log_in():
            result = authenticate(form.email.data, form.password.data)
            if result.second_step:
                # Not logged in yet: the server-side session remembers who still owes a code.
                mfa.start_pending(session, result.user, safe_next(request.args.get("next")))
            elif result.user is not None:
                purge_expired_sessions(current_app)
                start_session(result.user)
            return result

        result = recorded(log_in).result  # a refused login keeps its failure counter and audit event
        if result.second_step:
            return redirect(url_for("auth.login_verify"))
        if result.user is not None:
            return redirect(safe_next(request.args.get("next")))
        flash(str(result.error), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/login/verify", methods=["GET", "POST"])
def login_verify():
    """The second step of a login: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, next_path = mfa.pending_user(session)
    if user is None:
        flash(_("Your login has expired. Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = MfaLoginForm()
    if form.validate_on_submit():
        def verify() -> tuple[str | None, object | None]:
            """(how the second step passed, None) or (None, the lock's message or None)."""
            locked = login_locked(user.email)
            if locked is None:
                method = mfa.verify_second_factor(user, form.code.data)
                if method is not None:
                    complete_login(user)
                    purge_expired_sessions(current_app)
                    start_session(user)  # a new session identifier; the pending state goes with the old one
                    return method, None
                locked = count_login_failure(user.email, user, action="mfa_failure")
                mfa.security_log.warning("second step failed", extra={"event": "mfa_failed", "user_id": user.id})
            if locked is not None:
                session.pop(mfa.PENDING_KEY, None)
            return None, locked

        method, locked = recorded(verify).result  # a wrong code keeps its failure counter and audit event
        if method is not None:
            if method == "recovery_code":
                flash(_("You used a recovery code; %(n)d are left. Make new ones on your account page "
                        "if you are running out.", n=mfa.recovery_codes_left(user.id)), "warning")
            return redirect(next_path or url_for("main.home"))
        if locked is not None:
            flash(str(locked), "danger")
            return redirect(url_for("auth.login"))
        form.code.errors.append(_("This code is not correct or has already been used."))
    return render_template("auth/login_verify.html", form=form, minutes=mfa.pending_minutes())


@bp.before_app_request
def require_admin_mfa():
    """With ``REQUIRE_ADMIN_MFA`` on, an administrator without two-step verification reaches only the
    set-up pages, logout and the language switch until it is set up."""
    if not current_app.config.get("REQUIRE_ADMIN_MFA"):
        return None
    endpoint = request.endpoint or ""
    if endpoint in MFA_ENROLMENT_ENDPOINTS or endpoint == "static" or endpoint.endswith(".static"):
        return None
    if not current_user.is_authenticated or not mfa.must_enrol(current_user):
        return None
    flash(_("Administrators must set up two-step verification before they continue."), "warning")
    return redirect(url_for("auth.mfa_setup"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    attempt(lambda: audit.record("logout", current_user._get_current_object()))
    lang = current_user.locale or session.get("lang")
    logout_user()
    session.regenerate()  # the old identifier ends on the server; a new anonymous one follows
    session.clear()
    if lang:
        session["lang"] = lang  # the login page stays in the language the user was reading
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        attempt(lambda: registration.request_registration(form.email.data, form.name.data, form.password.data,
                                                          locale=session.get("lang")))
        # The same answer whether or not the address has an account (auth/registration.py).
        flash(_("Check your mailbox: we have sent a message to %(email)s. Open the link in it to activate "
                "your account.", email=normalise_email(form.email.data)), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = registration.pending_registration(token)
    if pending is None:
        flash(str(registration.INVALID_LINK), "danger")
        return redirect(url_for("auth.register"))
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        def activate():
            start_session(registration.confirm_registration(token, form.password.data))

        saved = save(form, activate, aliases={None: "password"})
        if saved:
            flash(_("Welcome! Your account is ready; you can now apply to a platform."), "success")
            return redirect(url_for("main.home"))
        if isinstance(saved.error, registration.LinkInvalid):
            flash(str(saved.error), "danger")
            return redirect(url_for("auth.register"))
    return render_template("auth/register_confirm.html", form=form, email=pending.email)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        def send_link():
            user = find_user(form.email.data)
            if user is not None and user.is_enabled:
                token = issue_reset_token(user)
                link = url_for("auth.reset_password_view", token=token, _external=True)
                mail.send_template(user, "auth/email/reset_password.txt",
                                   subject=_l("Set a new password"), link=link,
                                   hours=current_app.config["PASSWORD_RESET_HOURS"])

        attempt(send_link)
        # The same answer whether or not the address has an account.
        flash(_("If an account uses this address, we have sent it a link to set a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password_view(token: str):
    if valid_reset_token(token) is None:
        flash(_("This reset link is invalid or has expired. Please ask for a new one."), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit() and attempt(lambda: reset_password(token, form.password.data)):
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        attempt(lambda: update_user(current_user._get_current_object(), name=form.name.data, locale=form.locale.data))
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, sessions=active_sessions(current_user.id),
                           current_row=session.row_id, confirm_form=ConfirmForm(),
                           codes_form=RecoveryCodesForm(), disable_form=MfaDisableForm(),
                           codes_left=mfa.recovery_codes_left(current_user.id) if current_user.mfa_enabled
                           else None)


# --- two-step verification of the user's own account ---------------------------------------------

MFA_ENROLMENT_ENDPOINTS = frozenset({"auth.mfa_setup", "auth.mfa_start", "auth.logout", "main.set_language"})
MFA_ISSUER = "Incubator"


@bp.route("/account/mfa", methods=["GET", "POST"])
@login_required
def mfa_setup():
    """Enrolment: the key as a QR code and in groups for typing, then a current code to switch it on."""
    user = current_user._get_current_object()
    if user.mfa_enabled:
        flash(_("Two-step verification is already on."), "info")
        return redirect(url_for("auth.account"))
    secret = mfa.pending_secret(user)
    form = MfaConfirmForm()
    if secret is not None and form.validate_on_submit() and (
            saved := save(form, lambda: mfa.confirm_enrolment(user, form.code.data), aliases={None: "code"})):
        flash(_("Two-step verification is on."), "success")
        return render_template("auth/mfa_recovery_codes.html", codes=saved.result, first=True)
    elif request.method == "POST" and secret is None:
        flash(_("Start the set-up again: no key is waiting for confirmation."), "danger")
    uri = totp.provisioning_uri(secret, user.email, MFA_ISSUER) if secret else None
    return render_template("auth/mfa_setup.html", form=form, secret=secret,
                           grouped_secret=totp.grouped(secret) if secret else None,
                           qr_svg=totp.qr_svg(uri) if uri else None, otpauth_uri=uri,
                           start_form=ConfirmForm(), required=mfa.must_enrol(user))


@bp.route("/account/mfa/start", methods=["POST"])
@login_required
def mfa_start():
    """Make a new key (a key not yet confirmed is replaced)."""
    confirmed()
    saved = settle(lambda: mfa.begin_enrolment(current_user._get_current_object()))
    if not saved:  # already on: not an error, a hint
        flash(str(saved.error), "info")
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.mfa_setup"))


@bp.route("/account/mfa/recovery-codes", methods=["POST"])
@login_required
def mfa_recovery_codes():
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        # A refused proof keeps its failure counter and audit event.
        outcome = recorded(lambda: mfa.regenerate_recovery_codes(current_user._get_current_object(), form.proof.data))
        if isinstance(outcome.error, AccountLocked):
            return end_locked_session(outcome.error.args[0])
        if not outcome:
            flash(str(outcome.error), "danger")
        else:
            flash(_("New recovery codes are ready; the old ones no longer work."), "success")
            return render_template("auth/mfa_recovery_codes.html", codes=outcome.result, first=False)
    else:
        flash(_("Enter your password or a current code to make new recovery codes."), "danger")
    return redirect(url_for("auth.account"))


@bp.route("/account/mfa/disable", methods=["POST"])
@login_required
def mfa_disable():
    form = MfaDisableForm()
    if form.validate_on_submit():
        # A refusal keeps its failure counter, and a recovery code checked and used stays used.
        outcome = recorded(lambda: mfa.disable(current_user._get_current_object(), form.password.data, form.code.data))
        if isinstance(outcome.error, AccountLocked):
            return end_locked_session(outcome.error.args[0])
        if not outcome:
            flash(str(outcome.error), "danger")
        else:
            flash(_("Two-step verification is off."), "success")
    else:
        flash(_("Enter your password and a current code to turn two-step verification off."), "danger")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form._user_email = current_user.email
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # A wrong current password keeps its failure counter and audit event.
        check = recorded(lambda: check_current_password(user, form.current_password.data)).result
        if check.locked:
            return end_locked_session(check.message)
        if not check.ok:
            form.current_password.errors.append(str(check.message or _("The current password is not correct.")))
        else:
            def change():
                set_password(user, form.password.data, keep_session_row=session.row_id)
                session.regenerate()

            if save(form, change, aliases={None: "password"}):
                flash(_("Your password has been changed; your other sessions have ended."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    def end_them():
        ended = end_user_sessions(current_user.id, keep_row_id=session.row_id)
        audit.record("sessions_ended", current_user._get_current_object(), after={"sessions_ended": ended})

    return act(end_them, message=_("Your other sessions have ended."), next_page=url_for("auth.account"))


# --- user administration -------------------------------------------------------------------------

USER_SORTS = {
    "email": User.email, "name": User.name, "role": User.role,
    "created": User.created_at, "last_login": User.last_login_at,
}


@bp.route("/admin/users")
@admin_required
def users():
    filters = UserFilterForm(request.args)
    query = scoped(select(User), account_ids_for(current_user), User.id)
    if filters.q.data:
        pattern = f"%{filters.q.data.strip()}%"
        query = query.where(or_(User.email.ilike(pattern), User.name.ilike(pattern)))
    if filters.role.data:
        query = query.where(User.role == filters.role.data)
    if filters.status.data:
        query = query.where(User.is_enabled == (filters.status.data == "enabled"))
    sort = request.args.get("sort", "email")
    column = USER_SORTS.get(sort.lstrip("-"), User.email)
    query = query.order_by(column.desc() if sort.startswith("-") else column, User.id)
    page = page_of(query)
    return render_template("auth/users.html", page=page, filters=filters, sort=sort)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit() and (saved := attempt(lambda: create_user(
            form.email.data, form.role.data, form.password.data, name=form.name.data, locale=form.locale.data))):
        flash(_("User %(email)s has been created.", email=saved.result.email), "success")
        return redirect(url_for("auth.user_edit", user_id=saved.result.id))
    return render_template("auth/user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not id_in(account_ids_for(current_user), user.id):
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != "admin":
            flash(_("You cannot take the administrator role from yourself."), "danger")
        elif save(form, lambda: update_user(user, name=form.name.data, role=form.role.data, locale=form.locale.data)):
            flash(_("The user has been saved."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=user, password_form=AdminPasswordForm(),
                           mfa_codes_left=mfa.recovery_codes_left(user.id) if user.mfa_enabled else None,
                           confirm_form=ConfirmForm(), sessions=active_sessions(user.id),
                           history=audit.history_of(user))


@bp.route("/admin/users/<int:user_id>/enabled", methods=["POST"])
@admin_required
def user_toggle(user_id: int):
    user = _user_or_404(user_id)
    confirmed()
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "danger")
    elif attempt(lambda: set_enabled(user, not user.is_enabled)):
        flash(_("The account is now enabled.") if user.is_enabled
              else _("The account is now disabled and its sessions have ended."), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = AdminPasswordForm()
    form._user_email = user.email
    if form.validate_on_submit():
        if attempt(lambda: set_password(user, form.password.data, reason="set by an administrator")):
            flash(_("The password has been set and the user's sessions have ended."), "success")
    else:
        for error in form.password.errors:
            flash(str(error), "danger")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-link", methods=["POST"])
@admin_required
def user_reset_link(user_id: int):
    user = _user_or_404(user_id)

    def send_link():
        link = url_for("auth.reset_password_view", token=issue_reset_token(user), _external=True)
        mail.send_template(user, "auth/email/reset_password.txt", subject=_l("Set a new password"), link=link,
                           hours=current_app.config["PASSWORD_RESET_HOURS"])

    return act(send_link, message=_("A reset link has been sent to %(email)s.", email=user.email),
               next_page=url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/sessions/end", methods=["POST"])
@admin_required
def user_end_sessions(user_id: int):
    user = _user_or_404(user_id)

    def end_them():
        ended = end_user_sessions(user.id)
        audit.record("sessions_ended", user, after={"sessions_ended": ended})
        return ended

    return act(end_them, message=lambda ended: _("%(n)d sessions have ended.", n=ended),
               next_page=url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/mfa/reset", methods=["POST"])
@admin_required
def user_mfa_reset(user_id: int):
    """Turn off a user's two-step verification (lost phone): sessions end, the user is told."""
    user = _user_or_404(user_id)
    confirmed()
    if user.id == current_user.id:
        flash(_("Turn your own two-step verification off on your account page."), "danger")
    elif not user.mfa_enabled and not user.totp_secret:
        flash(_("Two-step verification is not set up for this user."), "info")
    elif saved := attempt(lambda: mfa.admin_reset(user, reason="reset by an administrator")):
        flash(_("Two-step verification has been reset; %(n)d sessions have ended and the user has been "
                "told.", n=saved.result), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))
