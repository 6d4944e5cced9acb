"""My account → API tokens: create (shown once), list and revoke; administrators see and revoke everyone's."""
from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import ConfirmForm
from ..saving import act, save
from . import pages, tokens
from .forms import TokenForm


@pages.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = TokenForm()
    created = None
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if saved := save(form, lambda: tokens.create_token(user, form.name.data, days=form.days.data,
                                                           area=form.area.data or None)):
            created = saved.result[1]  # shown on this response only: the database keeps its hash
            form = TokenForm(formdata=None)
    status = 400 if form.errors else 200
    return render_template("api/tokens.html", form=form, created=created, tokens=tokens.tokens_of(user),
                           all_tokens=tokens.all_tokens() if user.role == "admin" else None,
                           areas=tokens.AREAS, confirm_form=ConfirmForm()), status


@pages.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    form = ConfirmForm()
    token = tokens.token_for_revoking(current_user, token_id)
    if token is None:
        abort(404)
    return act(lambda: tokens.revoke(token, current_user._get_current_object()), form=form,
               message=_("The token %(name)s no longer works.", name=token.name),
               next_page=url_for("api_pages.api_tokens"))


@pages.route("/api/v1/reference")
def reference():
    """The interactive reference of the API (Swagger UI served by the app itself, no CDN)."""
    return render_template("api/reference.html")
