"""Home page and language choice."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..home_tasks import tasks_for
from ..navigation import panels_for
from ..redirects import safe_next
from ..saving import attempt, confirmed
from . import bp


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@login_required
def home():
    return render_template("main/home.html", tasks=tasks_for(current_user), panels=panels_for(current_user))


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        confirmed()
        session["lang"] = lang
        if current_user.is_authenticated:
            attempt(lambda: setattr(current_user._get_current_object(), "locale", lang))
    return redirect(safe_next(request.form.get("next"), "main.index"))


@bp.route("/healthz")
def healthz():
    from sqlalchemy import text

    from ..jobs.services import health

    db.session.execute(text("SELECT 1"))
    # The queue's fields inform; they never fail the web's health (it serves while the worker is down).
    return {"status": "ok", **health()}
