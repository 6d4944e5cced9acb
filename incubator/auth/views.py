"""Routes of the accounts area (thin: the rules are in services)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from ..access import admin_required
from ..audit import services as audit
from ..extensions import db
from ..notifications import mail
from . import bp
from .forms import (AdminPasswordForm, ChangePasswordForm, ConfirmForm, ForgotPasswordForm, LoginForm,
                    ProfileForm, RegistrationForm, ResetPasswordForm, UserCreateForm, UserEditForm,
                    UserFilterForm)
from .models import User
from .services import (AccountError, authenticate, create_user, find_user, issue_reset_token, reset_password,
                       set_enabled, set_password, update_user, valid_reset_token)
from .session_store import active_sessions, end_user_sessions, purge_expired_sessions


def load_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_enabled else None


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.home")


def start_session(user: User) -> None:
    session.regenerate()  # a new identifier at login (no fixation)
    lang = session.get("lang")
    session.clear()
    if lang and not user.locale:
        user.locale = lang
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data)
        if result.user is not None:
            purge_expired_sessions(current_app)
            start_session(result.user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        db.session.commit()  # the failure counter and its audit event persist
        flash(str(result.error), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", current_user._get_current_object())
    db.session.commit()
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
        try:
            user = create_user(form.email.data, "startup", form.password.data, name=form.name.data,
                               locale=session.get("lang"))
        except AccountError as error:
            flash(str(error), "danger")
        else:
            start_session(user)
            db.session.commit()
            flash(_("Welcome! Your account is ready; you can now apply to a platform."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.is_enabled:
            token = issue_reset_token(user)
            link = url_for("auth.reset_password_view", token=token, _external=True)
            mail.send_template(user, "auth/email/reset_password.txt",
                               subject=_l("Set a new password"), link=link,
                               hours=current_app.config["PASSWORD_RESET_HOURS"])
        db.session.commit()
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
    if form.validate_on_submit():
        try:
            reset_password(token, form.password.data)
        except AccountError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        update_user(current_user._get_current_object(), name=form.name.data, locale=form.locale.data)
        db.session.commit()
        flash(_("Your settings have been saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, sessions=active_sessions(current_user.id),
                           current_row=session.row_id, confirm_form=ConfirmForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form._user_email = current_user.email
    if form.validate_on_submit():
        from werkzeug.security import check_password_hash

        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            set_password(current_user._get_current_object(), form.password.data, keep_session_row=session.row_id)
            session.regenerate()
            db.session.commit()
            flash(_("Your password has been changed; your other sessions have ended."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    if ConfirmForm().validate_on_submit():
        ended = end_user_sessions(current_user.id, keep_row_id=session.row_id)
        audit.record("sessions_ended", current_user._get_current_object(), after={"sessions_ended": ended})
        db.session.commit()
        flash(_("Your other sessions have ended."), "success")
    return redirect(url_for("auth.account"))


# --- user administration -------------------------------------------------------------------------

USER_SORTS = {
    "email": User.email, "name": User.name, "role": User.role,
    "created": User.created_at, "last_login": User.last_login_at,
}


@bp.route("/admin/users")
@admin_required
def users():
    filters = UserFilterForm(request.args)
    query = select(User)
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
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("auth/users.html", page=page, filters=filters, sort=sort)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.role.data, form.password.data, name=form.name.data,
                               locale=form.locale.data)
        except AccountError as error:
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("User %(email)s has been created.", email=user.email), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=None)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
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
        else:
            update_user(user, name=form.name.data, role=form.role.data, locale=form.locale.data)
            db.session.commit()
            flash(_("The user has been saved."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/user_form.html", form=form, user=user, password_form=AdminPasswordForm(),
                           confirm_form=ConfirmForm(), sessions=active_sessions(user.id),
                           history=audit.history_of(user))


@bp.route("/admin/users/<int:user_id>/enabled", methods=["POST"])
@admin_required
def user_toggle(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot disable your own account."), "danger")
        else:
            set_enabled(user, not user.is_enabled)
            db.session.commit()
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
        set_password(user, form.password.data, reason="set by an administrator")
        db.session.commit()
        flash(_("The password has been set and the user's sessions have ended."), "success")
    else:
        for error in form.password.errors:
            flash(str(error), "danger")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/reset-link", methods=["POST"])
@admin_required
def user_reset_link(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        token = issue_reset_token(user)
        link = url_for("auth.reset_password_view", token=token, _external=True)
        mail.send_template(user, "auth/email/reset_password.txt", subject=_l("Set a new password"), link=link,
                           hours=current_app.config["PASSWORD_RESET_HOURS"])
        db.session.commit()
        flash(_("A reset link has been sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/sessions/end", methods=["POST"])
@admin_required
def user_end_sessions(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        ended = end_user_sessions(user.id)
        audit.record("sessions_ended", user, after={"sessions_ended": ended})
        db.session.commit()
        flash(_("%(n)d sessions have ended.", n=ended), "success")
    return redirect(url_for("auth.user_edit", user_id=user.id))


