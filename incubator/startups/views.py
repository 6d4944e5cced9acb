"""Routes of applications and their review (thin: the rules are in services)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import clock, formatting, uploads, versioning
from ..access import platform_ids_for, roles_required, upload_limit
from ..audit import services as audit
from ..auth.models import User
from ..database import yuan_to_wan
from ..extensions import db
from ..saving import act, attempt, confirmed, save
from ..i18n import localized
from ..organisations.models import Industry
from ..platforms.kinds import tenant_taking_kinds
from ..platforms.models import Platform
from ..pages import page_of
from . import bp
from . import forms as f
from . import services as svc
from .models import APPLICATION_STATUSES, DOCUMENT_KINDS, Application, ReviewAssignment, \
    ReviewMeeting, RubricCriterion
from .policy import may_see_document, speaks_for

STEP_FORMS = {"company": f.CompanyForm, "team": f.TeamForm, "technology": f.TechnologyForm,
              "market": f.MarketForm, "funding": f.FundingForm, "space": f.SpaceForm}


def status_labels():
    return {"draft": _l("Draft"), "submitted": _l("Submitted"), "under_review": _l("Under review"),
            "returned": _l("Returned for more information"), "admitted": _l("Admitted"),
            "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn")}


def step_labels():
    return {"company": _l("Company facts"), "team": _l("Team"), "technology": _l("Technology and IP"),
            "market": _l("Market and business plan"), "funding": _l("Funding needs"),
            "space": _l("Platform and space"), "documents": _l("Documents")}


@bp.app_context_processor
def startup_labels():
    return {"application_status_labels": status_labels(), "step_labels": step_labels(),
            "document_labels": svc.document_labels(), "space_kind_labels": dict(f.space_kind_choices())}


def _application_or_404(application_id: int) -> Application:
    application = svc.application_for(current_user, application_id)
    if application is None:
        abort(404)
    return application


def _editable_or_404(application_id: int) -> Application:
    application = _application_or_404(application_id)
    if not svc.may_edit(current_user, application):
        abort(404 if current_user.role != "startup" else 409)
    return application


# --- lists --------------------------------------------------------------------------------------------

APPLICATION_SORTS = {"updated": Application.updated_at, "submitted": Application.submitted_at,
                     "name": Application.company_name, "status": Application.status}


@bp.route("/applications")
@roles_required("admin", "manager", "startup", "reviewer")
def applications():
    if current_user.role == "reviewer":
        return redirect(url_for("startups.reviews"))
    filters = f.ApplicationFilterForm(request.args)
    filters.status.choices = [("", _("All states"))] + list(status_labels().items())
    query = svc.visible_applications(current_user)
    if filters.q.data:
        pattern = f"%{filters.q.data.strip()}%"
        query = query.where(or_(Application.company_name.ilike(pattern), Application.credit_code.ilike(pattern)))
    if filters.status.data in APPLICATION_STATUSES:
        query = query.where(Application.status == filters.status.data)
    sort = request.args.get("sort", "-updated")
    column = APPLICATION_SORTS.get(sort.lstrip("-"), Application.updated_at)
    query = query.order_by(column.desc() if sort.startswith("-") else column, Application.id.desc())
    query = query.options(selectinload(Application.documents))
    page = page_of(query)
    scores = svc.average_scores([a.id for a in page.items]) if current_user.role != "startup" else {}
    return render_template("startups/applications.html", page=page, filters=filters, sort=sort, scores=scores,
                           confirm_form=f.ConfirmForm())


@bp.route("/applications/new")
@roles_required("startup")
def application_new():
    """The first step of a new application; nothing is stored until it is saved (``application_create``)."""
    founder = current_user._get_current_object()
    form = f.CompanyForm(obj=svc.unsaved_application(founder))
    form.industry_id.choices = _industry_choices()
    return render_template("startups/application_step.html", application=svc.unsaved_application(founder),
                           step="company", form=form, steps=svc.STEPS, new=True)


@bp.route("/applications", methods=["POST"])
@roles_required("startup")
def application_create():
    """Save the first step: the draft is created with it, so opening "new application" leaves no blank."""
    founder = current_user._get_current_object()
    form = f.CompanyForm()
    form.industry_id.choices = _industry_choices()
    if form.validate_on_submit() and (saved := attempt(
            lambda: svc.start_application_with_company(founder, _step_values("company", form)).id)):
        flash(_("Saved as a draft."), "success")
        return redirect(url_for("startups.application_step", application_id=saved.result, step="team"))
    return render_template("startups/application_step.html", application=svc.unsaved_application(founder),
                           step="company", form=form, steps=svc.STEPS, new=True)


# --- the steps -------------------------------------------------------------------------------------------

def _industry_choices():
    rows = db.session.scalars(select(Industry).where(Industry.is_active).order_by(Industry.sort_order, Industry.id))
    return [(0, _("— choose —"))] + [(row.id, localized(row.name_zh, row.name_en)) for row in rows]


def _platform_choices():
    rows = db.session.scalars(select(Platform).where(Platform.status == "active",
                                                     Platform.kind.in_(tenant_taking_kinds()))
                              .order_by(Platform.code))
    return [(0, _("— choose —"))] + [(row.id, f"{row.name} ({row.code})") for row in rows]


def _step_values(step: str, form) -> dict:
    if step == "team":
        return {"team": f.team_from_form(form)}
    names = svc.STEP_FIELDS[step]
    values = {name: getattr(form, name).data for name in names if hasattr(form, name)}
    if "industry_id" in values and not values["industry_id"]:
        values["industry_id"] = None
    if "platform_id" in values and not values["platform_id"]:
        values["platform_id"] = None
    if "stations_wanted" in values:
        values["stations_wanted"] = values["stations_wanted"] or 0
    return values


@bp.route("/applications/<int:application_id>/step/<step>", methods=["GET", "POST"])
@roles_required("startup")
def application_step(application_id: int, step: str):
    application = _editable_or_404(application_id)
    if step == "documents":
        return _documents_page(application, f.DocumentForm())
    if step not in STEP_FORMS:
        abort(404)
    form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(obj=application)
    if hasattr(form, "industry_id"):
        form.industry_id.choices = _industry_choices()
    if hasattr(form, "platform_id"):
        form.platform_id.choices = _platform_choices()
    versioning.opened(form, application)
    if request.method == "GET":
        if step == "team":
            f.team_into_form(form, application.team)
        if step == "funding":
            form.funding_needed.data = yuan_to_wan(application.funding_needed) if application.funding_needed \
                or "funding" in (application.steps_done or []) else None
    if form.validate_on_submit() and versioning.unchanged(form, application) \
            and attempt(lambda: svc.save_step(application, step, _step_values(step, form))):
        flash(_("Saved as a draft."), "success")
        following = svc.STEPS[svc.STEPS.index(step) + 1]
        return redirect(url_for("startups.application_step", application_id=application.id, step=following))
    return render_template("startups/application_step.html", application=application, step=step, form=form,
                           steps=svc.STEPS, team_rows=range(f.TEAM_ROWS))


def _documents_page(application, form, status=200):
    return render_template("startups/application_documents.html", application=application, step="documents",
                           steps=svc.STEPS, form=form, kinds=DOCUMENT_KINDS, missing=svc.missing_items(application),
                           confirm_form=f.ConfirmForm()), status


@bp.route("/applications/<int:application_id>/documents", methods=["POST"])
@roles_required("startup")
@upload_limit("UPLOAD_MAX_BYTES")
def application_upload(application_id: int):
    application = _editable_or_404(application_id)
    form = f.DocumentForm()
    if uploads.refuse_too_large(form):
        return _documents_page(application, form, 413)
    if form.validate_on_submit():
        if form.kind.data not in DOCUMENT_KINDS:
            abort(400)
        saved = save(form, lambda: svc.attach_document(application, form.kind.data, request.files.get("file"),
                                                       current_user, consent=form.consent.data),
                     aliases={None: "file"})
        if not saved:
            application = _editable_or_404(application_id)  # read again after the rollback
            return _documents_page(application, form, 413 if isinstance(saved.error, uploads.FileTooLarge) else 422)
        flash(_("The document has been uploaded."), "success")
    return redirect(url_for("startups.application_step", application_id=application_id, step="documents"))


@bp.route("/applications/<int:application_id>/documents/<int:document_id>")
@roles_required("admin", "manager", "startup", "reviewer")
def application_document(application_id: int, document_id: int):
    application = _application_or_404(application_id)
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None or document.file.deleted_at is not None \
            or not may_see_document(current_user, application, document):
        abort(404)
    attempt(lambda: svc.record_document_view(application, document, current_user))
    return uploads.send_stored_file(document.file)


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@roles_required("startup")
def application_submit(application_id: int):
    application = _editable_or_404(application_id)
    return act(lambda: svc.submit_application(application, current_user._get_current_object()),
               message=_("Your application has been submitted."),
               next_page=url_for("startups.application_detail", application_id=application_id),
               failed_page=url_for("startups.application_step", application_id=application_id, step="documents"))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required("startup")
def application_withdraw(application_id: int):
    application = _application_or_404(application_id)
    if not speaks_for(current_user, application):
        abort(404)
    return act(lambda: svc.withdraw_application(application), message=_("The application has been withdrawn."),
               next_page=url_for("startups.application_detail", application_id=application_id))


# --- the application page and decisions ------------------------------------------------------------------

@bp.route("/applications/<int:application_id>")
@roles_required("admin", "manager", "startup", "reviewer")
def application_detail(application_id: int):
    return render_template("startups/application_detail.html",
                           **_detail_context(_application_or_404(application_id)))


def _detail_context(application: Application, admit_form=None) -> dict:
    """What the application page shows; ``admit_form``: a refused admission, shown again as it was typed."""
    context = {"application": application, "confirm_form": f.ConfirmForm(), "steps": svc.STEPS,
               "may_edit": svc.may_edit(current_user, application)}
    if current_user.role in ("admin", "manager"):
        assignments = list(db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id).order_by(ReviewAssignment.id)))
        # The zone's default rubric may be created here.
        criteria = attempt(lambda: svc.rubric_for(application.platform_id)).result
        reviewers = db.session.scalars(select(User).where(User.role == "reviewer", User.is_enabled)
                                       .order_by(User.name))
        assign_form = f.AssignForm()
        assign_form.reviewer_id.choices = [(u.id, f"{u.name} <{u.email}>") for u in reviewers]
        if admit_form is None:
            admit_form = f.AdmitForm(formdata=None, admitted_on=clock.today())
            admit_form.unit_ids.choices = _unit_choices(application, clock.today(), None)
        context.update(assignments=assignments, criteria=criteria,
                       score_maps={a.id: {s.criterion_id: s.score for s in a.scores} for a in assignments}, assign_form=assign_form,
                       average=svc.average_scores([application.id]).get(application.id),
                       admit_form=admit_form, reason_form=f.ReasonForm(), binding_form=f.BindingForm(),
                       warnings=svc.admission_warnings(application, clock.today()),
                       history=audit.history_of(application))
    if current_user.role == "startup":
        context["missing"] = svc.missing_items(application) if application.status in svc.EDITABLE_STATES else []
    return context


def _managed_or_404(application_id: int) -> Application:
    if current_user.role not in ("admin", "manager"):
        abort(403)
    return _application_or_404(application_id)


def _decision(application_id: int, action):
    application = _managed_or_404(application_id)
    if attempt(lambda: action(application)):
        flash(_("Saved."), "success")
    return redirect(url_for("startups.application_detail", application_id=application_id))


@bp.route("/applications/<int:application_id>/start-review", methods=["POST"])
@roles_required("admin", "manager")
def application_start_review(application_id: int):
    confirmed()
    return _decision(application_id, lambda a: svc.start_review(a, current_user))


@bp.route("/applications/<int:application_id>/return", methods=["POST"])
@roles_required("admin", "manager")
def application_return(application_id: int):
    form = f.ReasonForm()
    return _decision(application_id, lambda a: svc.return_application(a, form.reason.data or "", current_user))


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
@roles_required("admin", "manager")
def application_reject(application_id: int):
    form = f.ReasonForm()
    return _decision(application_id, lambda a: svc.reject_application(a, form.reason.data or "", current_user))


def _unit_choices(application, starts_on, ends_on):
    """The units free on the admission's dates (a unit already let then is not offered)."""
    return [(u.id, f"{u.code} {u.name or ''} · {u.area_m2} m² · "
                   + _("%(rent)s yuan a month", rent=formatting.fixed(u.monthly_rent, 0)))
            for u in svc.tenant_units(application.platform_id, starts_on, ends_on)]


@bp.route("/applications/<int:application_id>/admit", methods=["POST"])
@roles_required("admin", "manager")
def application_admit(application_id: int):
    application = _managed_or_404(application_id)
    form = f.AdmitForm()
    form.unit_ids.choices = _unit_choices(application, form.admitted_on.data or clock.today(),
                                          form.tenancy_ends_on.data)
    if form.validate_on_submit() and save(form, lambda: svc.admit_application(
            application, current_user, admitted_on=form.admitted_on.data, reason=form.reason.data,
            override_reason=form.override_reason.data,
            tenancy={"units": form.unit_ids.data or [], "ends_on": form.tenancy_ends_on.data})):
        flash(_("Saved."), "success")
        return redirect(url_for("startups.application_detail", application_id=application_id))
    application = _application_or_404(application_id)  # as it is now (the change was rolled back)
    if application.status != "under_review":  # no admission form on the page to show the messages in
        for message in (str(e) for errors in form.errors.values() for e in errors):
            flash(message, "danger")
        return redirect(url_for("startups.application_detail", application_id=application_id))
    # Every field as typed (dates, reasons, units) beside its message; the units offered follow the dates.
    return render_template("startups/application_detail.html",
                           **_detail_context(application, admit_form=form)), 422


@bp.route("/applications/<int:application_id>/binding", methods=["POST"])
@roles_required("admin", "manager")
def application_binding(application_id: int):
    form = f.BindingForm()
    if not form.validate_on_submit():
        abort(400)
    return _decision(application_id, lambda a: svc.confirm_binding(a, form.decision.data == "confirm",
                                                                   form.reason.data))


@bp.route("/applications/<int:application_id>/assign", methods=["POST"])
@roles_required("admin", "manager")
def application_assign(application_id: int):
    form = f.AssignForm()
    reviewer = db.session.get(User, form.reviewer_id.data or 0) if form.reviewer_id.data else None
    if reviewer is None:
        try:
            reviewer = db.session.get(User, int(request.form.get("reviewer_id", "0")))
        except ValueError:
            reviewer = None
    if reviewer is None or reviewer.role != "reviewer":
        flash(_("Choose a reviewer."), "danger")
        return redirect(url_for("startups.application_detail", application_id=application_id))
    return _decision(application_id, lambda a: svc.assign_reviewer(a, reviewer, current_user))


# --- reviewers and meetings -------------------------------------------------------------------------------

@bp.route("/reviewers/invite", methods=["GET", "POST"])
@roles_required("admin", "manager")
def reviewer_invite():
    form = f.InviteReviewerForm()
    if form.validate_on_submit():
        def invite():
            user, token = svc.invite_reviewer(form.email.data, form.name.data, current_user)
            if token:
                from ..notifications import mail

                link = url_for("auth.reset_password_view", token=token, _external=True)
                mail.send_template(user, "auth/email/reset_password.txt", subject=_l("Set a new password"),
                                   link=link, hours=current_app.config["PASSWORD_RESET_HOURS"])
            return user

        if saved := save(form, invite, aliases={None: "email"}):
            flash(_("%(email)s can now review applications; they have been sent a link to set a password.",
                    email=saved.result.email), "success")
            return redirect(url_for("startups.meetings"))
    reviewers = list(db.session.scalars(select(User).where(User.role == "reviewer").order_by(User.name)))
    return render_template("startups/reviewer_invite.html", form=form, reviewers=reviewers)


@bp.route("/meetings")
@roles_required("admin", "manager")
def meetings():
    query = select(ReviewMeeting).order_by(ReviewMeeting.held_on.desc(), ReviewMeeting.id.desc())
    ids = platform_ids_for(current_user)
    if ids is not None:
        query = query.where(ReviewMeeting.platform_id.in_(ids))
    page = page_of(query)
    return render_template("startups/meetings.html", page=page)


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles_required("admin", "manager")
def meeting_new():
    form = f.MeetingForm()
    platforms = svc.all_platforms_for(current_user)
    form.platform_id.choices = [(p.id, f"{p.name} ({p.code})") for p in platforms]
    form.panel.choices = [(u.id, f"{u.name} <{u.email}>") for u in db.session.scalars(
        select(User).where(User.role == "reviewer", User.is_enabled).order_by(User.name))]
    candidates = list(db.session.scalars(svc.visible_applications(current_user).where(
        Application.status.in_(("submitted", "under_review"))).order_by(Application.submitted_at)))
    form.applications.choices = [(a.id, f"{a.display_name} · {a.platform.code if a.platform else ''}")
                                 for a in candidates]
    if form.validate_on_submit():
        platform = next((p for p in platforms if p.id == form.platform_id.data), None)
        chosen = [a for a in candidates if a.id in set(form.applications.data)]
        panel = list(db.session.scalars(select(User).where(User.id.in_(form.panel.data), User.role == "reviewer")))
        if platform is None:
            abort(404)
        if saved := attempt(lambda: svc.create_meeting(platform, form.title.data, form.held_on.data,
                                                       form.location.data, panel, chosen, current_user)):
            flash(_("The review meeting has been created and the panel assigned."), "success")
            return redirect(url_for("startups.meeting_detail", meeting_id=saved.result.id))
    return render_template("startups/meeting_form.html", form=form)


@bp.route("/meetings/<int:meeting_id>")
@roles_required("admin", "manager", "reviewer")
def meeting_detail(meeting_id: int):
    meeting = db.session.get(ReviewMeeting, meeting_id)
    if meeting is None:
        abort(404)
    query = select(ReviewAssignment).where(ReviewAssignment.meeting_id == meeting.id)
    if current_user.role == "reviewer":
        query = query.where(ReviewAssignment.reviewer_id == current_user.id)
    elif current_user.role == "manager":
        ids = platform_ids_for(current_user)
        if not db.session.scalar(select(Platform.id).where(Platform.id == meeting.platform_id, Platform.id.in_(ids))):
            abort(404)
    assignments = list(db.session.scalars(query.order_by(ReviewAssignment.application_id, ReviewAssignment.id)))
    if current_user.role == "reviewer" and not assignments:
        abort(404)
    averages = svc.average_scores({a.application_id for a in assignments})
    return render_template("startups/meeting_detail.html", meeting=meeting, assignments=assignments,
                           averages=averages)


@bp.route("/reviews")
@roles_required("reviewer")
def reviews():
    query = select(ReviewAssignment).where(ReviewAssignment.reviewer_id == current_user.id).order_by(
        ReviewAssignment.status, ReviewAssignment.assigned_at.desc())
    page = page_of(query)
    return render_template("startups/reviews.html", page=page)


@bp.route("/reviews/<int:assignment_id>", methods=["GET", "POST"])
@roles_required("reviewer")
def review_score(assignment_id: int):
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.id == assignment_id, ReviewAssignment.reviewer_id == current_user.id))
    if assignment is None:
        abort(404)
    # The zone's default rubric may be created here.
    criteria = attempt(lambda: svc.rubric_for(assignment.application.platform_id)).result
    if request.method == "POST":
        form = f.score_form_for(criteria, formdata=request.form)
    else:
        form = f.score_form_for(criteria, obj=assignment)
        versioning.opened(form, assignment)
        for score in assignment.scores:
            field = getattr(form, f"score_{score.criterion_id}", None)
            if field is not None:
                field.data = score.score
    if form.validate_on_submit():
        scores = {c.id: getattr(form, f"score_{c.id}").data for c in criteria}
        if versioning.unchanged(form, assignment) and attempt(lambda: svc.submit_scores(
                assignment, scores, form.comment.data, form.conflict_declared.data, form.conflict_note.data)):
            flash(_("Your review has been saved."), "success")
            return redirect(url_for("startups.reviews"))
        assignment = db.session.get(ReviewAssignment, assignment_id)  # read again after the rollback
    return render_template("startups/review_form.html", assignment=assignment, criteria=criteria, form=form,
                           application=assignment.application)


@bp.route("/platforms/<int:platform_id>/rubric", methods=["GET", "POST"])
@roles_required("admin", "manager")
def rubric(platform_id: int):
    platform = next((p for p in svc.all_platforms_for(current_user) if p.id == platform_id), None)
    if platform is None:
        abort(404)
    form = f.CriterionForm()
    if form.validate_on_submit() and attempt(lambda: svc.add_criterion(platform, form.name_zh.data, form.name_en.data,
                                                                       form.weight.data)):
        flash(_("The criterion has been added."), "success")
        return redirect(url_for("startups.rubric", platform_id=platform.id))
    own = list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.platform_id == platform.id,
                                                               RubricCriterion.is_active)
                                  .order_by(RubricCriterion.sort_order)))
    effective = attempt(lambda: svc.rubric_for(platform.id)).result  # the zone's default may be created here
    return render_template("startups/rubric.html", platform=platform, form=form, own=own, effective=effective,
                           total=sum(c.weight for c in effective), confirm_form=f.ConfirmForm())


@bp.route("/platforms/<int:platform_id>/rubric/<int:criterion_id>/remove", methods=["POST"])
@roles_required("admin", "manager")
def rubric_remove(platform_id: int, criterion_id: int):
    platform = next((p for p in svc.all_platforms_for(current_user) if p.id == platform_id), None)
    row = db.session.get(RubricCriterion, criterion_id)
    if platform is None or row is None or row.platform_id != platform.id:
        abort(404)
    return act(lambda: svc.deactivate_criterion(row), message=_("The criterion has been removed."),
               next_page=url_for("startups.rubric", platform_id=platform.id))
