"""Rules of the startups area: applications and their states, review, admission, incubation, graduation and
quarterly reports. Plain functions: they change the session and flush, never commit (the caller commits)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import clock, formatting, versioning
from ..access import platform_ids_for, report_changeable, report_visible, scoped, sees_everything
from ..audit import services as audit
from ..database import wan_to_yuan
from ..extensions import db
from ..saving import FieldRuleBroken
from ..organisations import credit_code as credit_codes
from ..organisations.models import Organisation
from ..periods import Period
from ..platforms.models import Platform, platform_managers
from .. import uploads
from .models import (REPORT_FIGURES, Application, ApplicationDocument,
                     GraduationCriteriaVersion, Incubation, QuarterlyReport, ReviewAssignment, ReviewMeeting,
                     ReviewScore, RubricCriterion)

DEFAULT_SETTINGS = {
    "INCUBATION_MAX_MONTHS": 48,
    # industry code -> months (longer cycles: biomedicine, modern agriculture, integrated circuits)
    "INCUBATION_MAX_MONTHS_BY_INDUSTRY": {"biomedicine": 60, "modern_agriculture": 60, "integrated_circuits": 60},
    "INCUBATION_ALERT_MONTH": 44,
    "TENANT_MAX_AGE_MONTHS": 24,
    "REPORT_DEADLINE_DAYS": 15,
    "SENSITIVE_DOCUMENT_RETENTION_DAYS": 90,
}


def setting(name: str):
    return current_app.config.get(name, DEFAULT_SETTINGS[name])


class StartupError(FieldRuleBroken):
    """A rule refused the action; the message is shown to the user."""


class IllegalTransition(StartupError):
    pass


def _refuse_if_changed(record, sent) -> None:
    """Refuse a change made from a version of ``record`` that is no longer the current one
    (``versioning.conflicts``: the one edit-conflict rule); the problem is named ``version``."""
    for field, message in versioning.conflicts(record, sent).items():
        raise StartupError(message, field=field)


# --- application states -----------------------------------------------------------------------------

# (state, action) -> next state. Anything not listed is refused.
APPLICATION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "start_review"): "under_review",
    ("submitted", "return"): "returned",
    ("under_review", "return"): "returned",
    ("under_review", "admit"): "admitted",
    ("under_review", "reject"): "rejected",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("under_review", "withdraw"): "withdrawn",
    ("returned", "withdraw"): "withdrawn",
}
APPLICATION_ACTIONS = ("submit", "start_review", "return", "admit", "reject", "withdraw")
ACTION_ROLES = {"submit": {"startup"}, "withdraw": {"startup"}, "start_review": {"manager", "admin"},
                "return": {"manager", "admin"}, "admit": {"manager", "admin"}, "reject": {"manager", "admin"}}
EDITABLE_STATES = ("draft", "returned")
FINAL_STATES = ("admitted", "rejected", "withdrawn")


def state_label(status: str):
    return {"draft": _l("Draft"), "submitted": _l("Submitted"), "under_review": _l("Under review"),
            "returned": _l("Returned for more information"), "admitted": _l("Admitted"),
            "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn"), "verified": _l("Verified")}.get(status, status)


def action_label(action: str):
    return {"submit": _l("submitted"), "start_review": _l("put under review"), "return": _l("returned"),
            "admit": _l("admitted"), "reject": _l("rejected"), "withdraw": _l("withdrawn"),
            "verify": _l("verified"), "reopen": _l("reopened")}.get(action, action)


def next_status(status: str, action: str) -> str:
    """The state after ``action``, or ``IllegalTransition``."""
    try:
        return APPLICATION_TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(_l("This application is %(status)s; it cannot be %(action)s now.",
                                   status=state_label(status), action=action_label(action))) from None


def _transition(application: Application, action: str, *, reason: str | None = None, actor=None) -> None:
    before = {"status": application.status}
    application.status = next_status(application.status, action)
    now = clock.utcnow()
    if action == "submit":
        application.submitted_at = now
        application.return_reason = None
    elif action == "return":
        application.return_reason = reason
    elif action in ("admit", "reject", "withdraw"):
        application.decided_at = now
        application.decided_by_id = getattr(actor, "id", None)
        application.decision_reason = reason
    db.session.flush()
    audit.record(f"application_{action}", application, before=before, after={"status": application.status},
                 reason=reason)


# --- application visibility -------------------------------------------------------------------------

def visible_applications(user):
    """A SELECT of the applications ``user`` may see (404 for the rest)."""
    query = select(Application)
    if user.role == "admin":  # several zones: the applications to their zones' platforms
        return scoped(query, platform_ids_for(user), Application.platform_id)
    if user.role == "manager":
        return query.where(Application.platform_id.in_(platform_ids_for(user)),
                           Application.status != "draft")
    if user.role == "reviewer":
        return query.where(Application.id.in_(
            select(ReviewAssignment.application_id).where(ReviewAssignment.reviewer_id == user.id)))
    if user.role == "startup":
        mine = Application.applicant_id == user.id
        if user.organisation_id:
            mine = or_(mine, and_(Application.organisation_id == user.organisation_id,
                                  Application.binding_status.in_(("none", "confirmed"))))
        return query.where(mine)
    return query.where(Application.id.is_(None))


def application_for(user, application_id: int) -> Application | None:
    return db.session.scalar(visible_applications(user).where(Application.id == application_id))


def applicant_companies_scope(user):
    """Managers also read the companies whose application to one of their platforms has a confirmed binding and
    is under way or admitted (access.register_company_scope). A pending or refused binding gives no sight of the
    company on record: only the application itself (what the applicant typed) is visible until a manager confirms
    the binding. A rejected or withdrawn application gives none either (DESIGN: current relationships only)."""
    if user.role != "manager":
        return None
    return select(Application.organisation_id).where(
        Application.platform_id.in_(platform_ids_for(user)), Application.organisation_id.is_not(None),
        Application.binding_status == "confirmed", Application.status.not_in(("draft", "rejected", "withdrawn")))


def may_edit(user, application: Application) -> bool:
    return user.role == "startup" and application.status in EDITABLE_STATES and (
        application.applicant_id == user.id
        or (user.organisation_id is not None and application.organisation_id == user.organisation_id))


# --- the application form's steps -------------------------------------------------------------------

STEPS = ("company", "team", "technology", "market", "funding", "space", "documents")
STEP_FIELDS = {
    "company": ("company_name", "credit_code", "not_registered", "founded_on", "industry_id", "address",
                "registered_in_zone", "contact_phone"),
    "team": ("team",),
    "technology": ("technology", "ip_summary"),
    "market": ("market", "business_model"),
    "funding": ("funding_needed", "funding_use"),
    "space": ("platform_id", "space_kind", "stations_wanted", "space_note"),
    "documents": (),
}


def start_application(user) -> Application:
    """A new draft; a founder already bound to a company starts with its facts."""
    application = unsaved_application(user)
    db.session.add(application)
    db.session.flush()
    audit.record("application_created", application, after={"status": "draft"})
    return application


def start_application_with_company(user, values: dict) -> Application:
    """The draft created when its first step (the company's facts) is saved: a founder who opens a new
    application and leaves leaves nothing behind, so blank drafts never pile up."""
    application = start_application(user)
    save_step(application, "company", values)
    return application


def unsaved_application(user) -> Application:
    """A draft not yet in the database: what the first step's form shows (a bound founder's company facts)."""
    application = Application(applicant_id=user.id, status="draft", steps_done=[], team=[])
    if user.organisation_id:
        org = db.session.get(Organisation, user.organisation_id)
        application.organisation_id = org.id
        application.binding_status = "confirmed"
        application.company_name, application.credit_code = org.name, org.credit_code
        application.not_registered = org.credit_code is None
        application.founded_on, application.industry_id = org.founded_on, org.industry_id
        application.address, application.registered_in_zone = org.address, org.registered_in_zone
        application.contact_phone = org.contact_phone
    return application


def save_step(application: Application, step: str, values: dict) -> None:
    """Store one step's values on a draft (or returned) application; audited with before and after. The form's
    edit conflict is the view's (``versioning.unchanged``)."""
    if step not in STEPS:
        raise StartupError(_l("Unknown step."))
    if application.status not in EDITABLE_STATES:
        raise IllegalTransition(_l("This application can no longer be changed."))
    fields = STEP_FIELDS[step]
    with audit.track_changes("application_saved", application, fields=fields, always=True,
                             extra_after={"step": step}):
        if step == "company":
            _apply_company(application, values)
        else:
            for name in fields:
                if name in values:
                    value = values[name]
                    if name == "funding_needed":
                        value = wan_to_yuan(value) if value is not None else 0
                    if name == "platform_id" and value is not None:
                        platform = db.session.get(Platform, int(value))
                        if platform is None or platform.status != "active":
                            raise StartupError(_l("Choose a platform from the list."))
                    setattr(application, name, value)
        done = list(application.steps_done or [])
        if step not in done:
            done.append(step)
        application.steps_done = done


def _apply_company(application: Application, values: dict) -> None:
    not_registered = bool(values.get("not_registered"))
    code = credit_codes.normalise(values.get("credit_code"))
    if not not_registered:
        if not code:
            raise StartupError(_l("Enter the credit code, or tick \"not yet registered\"."))
        problem = credit_codes.problem(code)
        if problem:
            raise StartupError(problem[0])
    else:
        code = None
    for name in ("company_name", "founded_on", "industry_id", "address", "registered_in_zone", "contact_phone"):
        if name in values:
            setattr(application, name, values[name])
    application.not_registered, application.credit_code = not_registered, code
    applicant = application.applicant
    existing = db.session.scalar(select(Organisation).where(Organisation.credit_code == code)) if code else None
    if existing is not None:
        # Compared before the assignment: a changed company always needs a new confirmation.
        same_company = application.organisation_id == existing.id
        application.organisation_id = existing.id
        if applicant.organisation_id == existing.id:
            application.binding_status = "confirmed"
        elif not (same_company and application.binding_status == "confirmed"):
            # An organisation on record the applicant does not belong to: a manager confirms the applicant
            # speaks for it; until then the binding gives nobody sight of it (``applicant_companies_scope``).
            application.binding_status = "pending"
    else:
        if application.organisation_id and application.binding_status == "pending":
            application.organisation_id = None
        if application.organisation_id is None or application.binding_status in ("pending", "refused"):
            application.binding_status = "none"
        if application.organisation_id is not None and application.binding_status == "none":
            org = db.session.get(Organisation, application.organisation_id)
            if org is not None and org.credit_code and org.credit_code != code:
                application.organisation_id = None


def attach_document(application: Application, kind: str, file_storage, user, *, consent: bool = False):
    """Upload (or replace) one document of the application. The ID needs explicit PIPL consent."""
    from .models import DOCUMENT_KINDS

    if kind not in DOCUMENT_KINDS:
        raise StartupError(_l("Unknown document."))
    if application.status not in EDITABLE_STATES:
        raise IllegalTransition(_l("This application can no longer be changed."))
    sensitive = kind == "legal_rep_id"
    if sensitive and not consent:
        raise StartupError(_l("Tick the consent to the processing of the legal representative's ID first."))
    allowed = uploads.IMAGE_TYPES if kind in ("legal_rep_id", "business_licence") else uploads.DOCUMENT_TYPES
    stored = uploads.store_upload(file_storage, kind=kind, allowed=allowed, owner=user,
                                  organisation_id=application.organisation_id if application.binding_status
                                  in ("none", "confirmed") else None, sensitive=sensitive)
    existing = db.session.scalar(select(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id, ApplicationDocument.kind == kind))
    if existing is not None:
        uploads.delete_stored(existing.file, reason="replaced")
        existing.file_id = stored.id
        existing.file = stored
        existing.created_at = clock.utcnow()
        document = existing
    else:
        document = ApplicationDocument(application_id=application.id, kind=kind, file_id=stored.id)
        db.session.add(document)
        application.documents.append(document)
    if sensitive:
        application.pipl_consent_at = clock.utcnow()
        audit.record("pipl_consent", application, after={"document": kind, "consent_at": application.pipl_consent_at})
    db.session.flush()
    audit.record("application_document", application, after={"kind": kind, "file_id": stored.id,
                                                              "name": stored.original_name})
    return document


def record_document_view(application: Application, document: ApplicationDocument, user) -> None:
    """Every view of a sensitive document (the legal representative's ID) is logged."""
    if document.file.sensitive:
        audit.record("sensitive_document_viewed", document.file,
                     after={"application_id": application.id, "kind": document.kind, "viewer": user.email})


def missing_items(application: Application) -> list:
    """What stops the application being submitted (empty: complete)."""
    missing = []
    if not application.company_name:
        missing.append(_l("Company facts: the company name"))
    if not application.not_registered and not application.credit_code:
        missing.append(_l("Company facts: the credit code or \"not yet registered\""))
    if not application.not_registered and not application.founded_on:
        missing.append(_l("Company facts: the date of founding"))
    if not application.industry_id:
        missing.append(_l("Company facts: the industry"))
    if not application.team:
        missing.append(_l("Team: at least one founder"))
    if not (application.technology or "").strip():
        missing.append(_l("Technology and IP: the technology"))
    if not (application.market or "").strip() or not (application.business_model or "").strip():
        missing.append(_l("Market and business plan"))
    if "funding" not in (application.steps_done or []):
        missing.append(_l("Funding needs"))
    if not application.platform_id:
        missing.append(_l("Platform and space: the platform applied to"))
    required_documents = ["business_plan", "pitch_deck"]
    if not application.not_registered:
        required_documents += ["business_licence", "legal_rep_id"]
    labels = document_labels()
    for kind in required_documents:
        if application.document(kind) is None:
            missing.append(_l("Documents: %(name)s", name=labels[kind]))
    if application.document("legal_rep_id") is not None and application.pipl_consent_at is None:
        missing.append(_l("Documents: consent to the processing of the ID"))
    return missing


def document_labels() -> dict:
    return {"business_licence": _l("Business licence"), "business_plan": _l("Business plan"),
            "pitch_deck": _l("Pitch deck"), "legal_rep_id": _l("ID of the legal representative")}


def submit_application(application: Application, user) -> None:
    missing = missing_items(application)
    if missing:
        raise StartupError(_l("The application is not complete: %(items)s",
                              items="; ".join(str(item) for item in missing)))
    _transition(application, "submit")
    if application.organisation_id is None:
        org = Organisation(kind="startup", name=application.company_name, name_sort=application.company_name,
                           credit_code=application.credit_code, founded_on=application.founded_on,
                           industry_id=application.industry_id, address=application.address,
                           registered_in_zone=application.registered_in_zone,
                           contact_phone=application.contact_phone, contact_name=user.name,
                           contact_email=user.email)
        db.session.add(org)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise StartupError(_l("An organisation with this credit code was registered meanwhile; "
                                  "save the company facts again.")) from None
        audit.record("create", org, after=audit.snapshot(org))
        application.organisation_id = org.id
        application.binding_status = "confirmed"
        if user.organisation_id is None:
            user.organisation_id = org.id
            audit.record("user_bound", user, after={"organisation_id": org.id})
    if application.binding_status == "confirmed":
        _bind_documents(application)
    managers = application.platform.managers if application.platform else []
    from ..notifications.services import notify

    notify(managers, _l("New application: %(name)s"), link=f"/applications/{application.id}",
           name=application.display_name)
    db.session.flush()


def _bind_documents(application: Application) -> None:
    for document in application.documents:
        if document.file.organisation_id is None:
            document.file.organisation_id = application.organisation_id


def withdraw_application(application: Application, reason: str | None = None) -> None:
    _transition(application, "withdraw", reason=reason)


def confirm_binding(application: Application, confirm: bool, reason: str | None = None) -> None:
    """A manager confirms (or refuses) that the applicant speaks for an organisation already on record."""
    if application.binding_status != "pending":
        raise StartupError(_l("There is no binding waiting for confirmation."))
    application.binding_status = "confirmed" if confirm else "refused"
    applicant = application.applicant
    if confirm:
        before = {"organisation_id": applicant.organisation_id}
        applicant.organisation_id = application.organisation_id
        audit.record("user_bound", applicant, before=before, after={"organisation_id": application.organisation_id},
                     reason=reason)
        _bind_documents(application)
    else:
        application.organisation_id = None
    db.session.flush()
    audit.record("binding_confirmed" if confirm else "binding_refused", application,
                 after={"binding_status": application.binding_status}, reason=reason)


def return_application(application: Application, reason: str, actor) -> None:
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason for the return: the founder sees it."))
    _transition(application, "return", reason=reason.strip(), actor=actor)
    from ..notifications.services import notify

    notify([application.applicant], _l("Your application was returned for more information"),
           body=reason, link=f"/applications/{application.id}")


def reject_application(application: Application, reason: str, actor) -> None:
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason for the rejection: the founder sees it."))
    _transition(application, "reject", reason=reason.strip(), actor=actor)
    from ..notifications.services import notify

    notify([application.applicant], _l("Decision on your application"), body=reason,
           link=f"/applications/{application.id}")


# --- review ------------------------------------------------------------------------------------------

DEFAULT_RUBRIC = [("技术创新性", "Technical innovation", 30), ("团队能力", "Team", 25),
                  ("市场前景", "Market potential", 25), ("商业模式与财务", "Business model and finance", 20)]


def rubric_for(platform_id: int | None, zone_id: int | None = None) -> list[RubricCriterion]:
    """The platform's active criteria, else its zone's default rubric (created on first use). Without a
    platform: the default rubric of ``zone_id``, by default the deployment's first zone."""
    rows = list(db.session.scalars(select(RubricCriterion).where(
        RubricCriterion.platform_id == platform_id, RubricCriterion.is_active).order_by(
        RubricCriterion.sort_order, RubricCriterion.id))) if platform_id else []
    if rows:
        return rows
    if platform_id:  # usually in the identity map already: no query
        platform = db.session.get(Platform, platform_id)
        zone_id = platform.zone_id if platform is not None else zone_id
    if zone_id is None:
        from ..zones.services import first_zone

        zone_id = first_zone().id
    rows = list(db.session.scalars(select(RubricCriterion).where(
        RubricCriterion.platform_id.is_(None), RubricCriterion.zone_id == zone_id, RubricCriterion.is_active).order_by(
        RubricCriterion.sort_order, RubricCriterion.id)))
    if not rows:
        for order, (zh, en, weight) in enumerate(DEFAULT_RUBRIC):
            rows.append(RubricCriterion(platform_id=None, zone_id=zone_id, name_zh=zh, name_en=en, weight=weight,
                                        sort_order=order))
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:
            audit.record("create", row, after=audit.snapshot(row))
    return rows


def add_criterion(platform: Platform, name_zh: str, name_en: str, weight: int) -> RubricCriterion:
    if not 0 < weight <= 100:
        raise StartupError(_l("A weight is between 1 and 100."))
    order = db.session.scalar(select(func.count()).where(RubricCriterion.platform_id == platform.id)) or 0
    row = RubricCriterion(platform_id=platform.id, name_zh=name_zh, name_en=name_en or name_zh, weight=weight,
                          sort_order=order)
    db.session.add(row)
    db.session.flush()
    audit.record("create", row, after=audit.snapshot(row))
    return row


def deactivate_criterion(row: RubricCriterion) -> None:
    row.is_active = False
    db.session.flush()
    audit.record("update", row, before={"is_active": True}, after={"is_active": False})


def invite_reviewer(email: str, name: str, inviter) -> tuple:
    """Create a reviewer account for an outside expert and mail a link to set the password."""
    from ..auth.services import create_user, find_user, issue_reset_token

    existing = find_user(email)
    if existing is not None:
        if existing.role != "reviewer":
            raise StartupError(_l("This e-mail address belongs to an account that is not a reviewer."))
        return existing, None
    password = secrets.token_urlsafe(24) + "aA1!"
    user = create_user(email, "reviewer", password, name=name)
    token = issue_reset_token(user)
    audit.record("reviewer_invited", user, after={"invited_by": inviter.email})
    return user, token


def start_review(application: Application, actor) -> None:
    _transition(application, "start_review", actor=actor)


def assign_reviewer(application: Application, reviewer, actor, meeting: ReviewMeeting | None = None):
    """Give ``reviewer`` the application to score; a submitted application goes under review."""
    if reviewer.role != "reviewer" or not reviewer.is_enabled:
        raise StartupError(_l("Choose an enabled reviewer account."))
    if application.status == "submitted":
        start_review(application, actor)
    if application.status != "under_review":
        raise IllegalTransition(_l("Only an application under review can be assigned."))
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.application_id == application.id, ReviewAssignment.reviewer_id == reviewer.id))
    if assignment is None:
        assignment = ReviewAssignment(application_id=application.id, reviewer_id=reviewer.id,
                                      meeting_id=meeting.id if meeting else None)
        db.session.add(assignment)
        db.session.flush()
        audit.record("review_assigned", assignment, after={"application_id": application.id,
                                                           "reviewer": reviewer.email,
                                                           "meeting_id": assignment.meeting_id})
        from ..notifications.services import notify

        notify([reviewer], _l("An application to review: %(name)s"), link=f"/reviews/{assignment.id}",
               name=application.display_name)
    elif meeting is not None and assignment.meeting_id is None:
        assignment.meeting_id = meeting.id
    return assignment


def create_meeting(platform: Platform, title: str, held_on: date, location: str | None, panel: list,
                   applications: list[Application], actor) -> ReviewMeeting:
    """A review meeting: every panel member is assigned every listed application."""
    if not panel:
        raise StartupError(_l("Choose at least one reviewer for the panel."))
    if not applications:
        raise StartupError(_l("Choose at least one application."))
    for application in applications:
        if application.platform_id != platform.id:
            raise StartupError(_l("Every application must be to this platform."))
    meeting = ReviewMeeting(platform_id=platform.id, title=title, held_on=held_on, location=location,
                            created_by_id=actor.id, panel=list(panel))
    db.session.add(meeting)
    db.session.flush()
    audit.record("create", meeting, after={**audit.snapshot(meeting), "panel": [u.email for u in panel],
                                           "applications": [a.id for a in applications]})
    for application in applications:
        for reviewer in panel:
            assign_reviewer(application, reviewer, actor, meeting)
    return meeting


def submit_scores(assignment: ReviewAssignment, scores: dict[int, int], comment: str | None,
                  conflict_declared: bool, conflict_note: str | None):
    """A reviewer's scores (0-10 per criterion) and comment, or a declared conflict of interest (recusal). The
    form's edit conflict is the view's (``versioning.unchanged``)."""
    application = assignment.application
    if application.status != "under_review":
        raise IllegalTransition(_l("This application is no longer under review."))
    before = {"status": assignment.status, "weighted_score": assignment.weighted_score,
              "scores": {s.criterion_id: s.score for s in assignment.scores}}
    assignment.conflict_declared = bool(conflict_declared)
    assignment.conflict_note = (conflict_note or "").strip() or None
    assignment.comment = (comment or "").strip() or None
    assignment.submitted_at = clock.utcnow()
    if conflict_declared:
        if not assignment.conflict_note:
            raise StartupError(_l("Describe the conflict of interest."))
        assignment.status = "recused"
        assignment.scores.clear()
        assignment.weighted_score = None
    else:
        criteria = rubric_for(application.platform_id)
        by_id = {s.criterion_id: s for s in assignment.scores}
        for criterion in criteria:
            value = scores.get(criterion.id)
            if value is None or not 0 <= int(value) <= 10:
                raise StartupError(_l("Give every criterion a score from 0 to 10."))
            if criterion.id in by_id:
                by_id[criterion.id].score = int(value)
            else:
                assignment.scores.append(ReviewScore(criterion_id=criterion.id, score=int(value)))
        keep = {criterion.id for criterion in criteria}
        for row in list(assignment.scores):
            if row.criterion_id not in keep:
                assignment.scores.remove(row)
        assignment.weighted_score = weighted(criteria, scores)
        assignment.status = "submitted"
    db.session.flush()
    audit.record("review_scored", assignment, before=before, after={
        "status": assignment.status, "weighted_score": assignment.weighted_score,
        "scores": {s.criterion_id: s.score for s in assignment.scores}, "comment": assignment.comment,
        "conflict_declared": assignment.conflict_declared})


def weighted(criteria, scores: dict[int, int]) -> int:
    """The weighted average in hundredths of a point (0..1000), rounded half up."""
    total_weight = sum(c.weight for c in criteria)
    if not total_weight:
        return 0
    value = Decimal(sum(c.weight * int(scores[c.id]) for c in criteria)) * 100 / total_weight
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def average_scores(application_ids) -> dict[int, tuple[int | None, int]]:
    """application id -> (average weighted score in hundredths, number of scored reviews): one query."""
    if not application_ids:
        return {}
    rows = db.session.execute(select(
        ReviewAssignment.application_id, func.avg(ReviewAssignment.weighted_score),
        func.count(ReviewAssignment.weighted_score)).where(
        ReviewAssignment.application_id.in_(list(application_ids)), ReviewAssignment.status == "submitted")
        .group_by(ReviewAssignment.application_id))
    return {app_id: (None if avg is None else int(Decimal(str(avg)).quantize(Decimal(1), rounding="ROUND_HALF_UP")),
                     n) for app_id, avg, n in rows}


# --- admission ----------------------------------------------------------------------------------------

def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    import calendar

    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def admission_warnings(application: Application, entry: date) -> list:
    """The national rules for a tenant (在孵企业) that this company does not meet, as warnings."""
    warnings = []
    founded = application.founded_on or (application.organisation.founded_on if application.organisation else None)
    limit = setting("TENANT_MAX_AGE_MONTHS")
    if founded is not None and months_between(founded, entry) > limit:
        warnings.append(_l("Founded on %(founded)s, more than %(n)d months before entry.", founded=founded.isoformat(),
                           n=limit))
    in_zone = application.organisation.registered_in_zone if application.organisation else \
        application.registered_in_zone
    if not in_zone:
        warnings.append(_l("Not registered in the zone."))
    return warnings


def tenancy_available() -> bool:
    try:
        from ..platforms import services as platform_services
    except ImportError:
        return False
    return hasattr(platform_services, "create_tenancy")


def admit_application(application: Application, actor, *, admitted_on: date, reason: str,
                      override_reason: str | None = None, tenancy: dict | None = None) -> Incubation:
    """Admit: the incubation record (and optionally a tenancy); unmet tenant rules need an override reason."""
    if application.binding_status == "pending":
        raise StartupError(_l("Confirm or refuse the applicant's binding to the organisation first."))
    if application.organisation_id is None:
        raise StartupError(_l("The application has no company on record."))
    warnings = admission_warnings(application, admitted_on)
    if warnings and not (override_reason or "").strip():
        raise StartupError(_l("The company does not meet every rule for a tenant: %(items)s Give a reason to "
                              "admit it anyway.", items=" ".join(str(w) for w in warnings)))
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason for the decision."))
    _transition(application, "admit", reason=reason.strip(), actor=actor)
    incubation = Incubation(organisation_id=application.organisation_id, platform_id=application.platform_id,
                            admitted_on=admitted_on, status="incubating")
    db.session.add(incubation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise StartupError(_l("This company already has an incubation here starting that day.")) from None
    application.incubation_id = incubation.id
    audit.record("create", incubation, after=audit.snapshot(incubation))
    if warnings:
        application.rule_override_reason = override_reason.strip()
        audit.record("admission_rule_override", application,
                     after={"warnings": [str(w) for w in warnings]}, reason=override_reason.strip())
    if tenancy and tenancy.get("units"):
        _admission_tenancy(application, admitted_on, tenancy)
    from ..notifications.services import notify

    notify([application.applicant], _l("Decision on your application"), body=_l("Admitted"),
           link=f"/applications/{application.id}")
    db.session.flush()
    return incubation


def tenant_units(platform_id: int | None, starts_on: date | None = None, ends_on: date | None = None) -> list:
    """The platform's active units let to tenants (for the optional tenancy at admission); with ``starts_on``
    only those free from ``starts_on`` to ``ends_on`` (None: open end), so a let unit is never offered."""
    if not platform_id or not tenancy_available():
        return []
    from ..platforms.models import SpaceUnit
    from ..platforms.services import units_let_between

    query = select(SpaceUnit).where(SpaceUnit.platform_id == platform_id, SpaceUnit.is_active,
                                    SpaceUnit.purpose == "tenant")
    if starts_on is not None:
        query = query.where(SpaceUnit.id.not_in(units_let_between(starts_on, ends_on)))
    return list(db.session.scalars(query.order_by(SpaceUnit.code)))


def _admission_tenancy(application: Application, starts_on: date, tenancy: dict) -> None:
    """Let the chosen units to the admitted company from the admission date (platforms area's rules)."""
    from ..platforms import services as platform_services
    from ..platforms.models import SpaceUnit

    ids = [int(unit_id) for unit_id in tenancy["units"]]
    units = list(db.session.scalars(select(SpaceUnit).where(SpaceUnit.id.in_(ids),
                                                            SpaceUnit.platform_id == application.platform_id)))
    if len(units) != len(set(ids)):
        raise StartupError(_l("Choose units of this platform."))
    company = db.session.get(Organisation, application.organisation_id)
    try:
        platform_services.create_tenancy(company, units, starts_on, tenancy.get("ends_on"),
                                         sum(unit.monthly_rent for unit in units),
                                         notes=f"application {application.id}")
    except platform_services.PlatformError as error:
        # The admission form names its fields otherwise: the units and the tenancy's end are its own.
        field = {"units": "unit_ids", "ends_on": "tenancy_ends_on"}.get(error.field)
        raise StartupError(error.message, field=field) from None


# --- incubations ------------------------------------------------------------------------------------

def visible_incubations(user):
    query = select(Incubation)
    if user.role == "admin":  # several zones: their zone's platforms
        platforms = platform_ids_for(user)
        return query if platforms is None else query.where(Incubation.platform_id.in_(platforms))
    if user.role == "manager":
        return query.where(Incubation.platform_id.in_(platform_ids_for(user)))
    if user.role == "startup" and user.organisation_id:
        return query.where(Incubation.organisation_id == user.organisation_id)
    return query.where(Incubation.id.is_(None))


def time_limit_months(incubation: Incubation) -> int:
    industry = incubation.organisation.industry
    by_industry = setting("INCUBATION_MAX_MONTHS_BY_INDUSTRY")
    return by_industry.get(industry.code, setting("INCUBATION_MAX_MONTHS")) if industry else \
        setting("INCUBATION_MAX_MONTHS")


def earliest_alert_month() -> int:
    """The first month in which any incubation (of any industry) is alerted about its time limit."""
    shortest = min([setting("INCUBATION_MAX_MONTHS"), *setting("INCUBATION_MAX_MONTHS_BY_INDUSTRY").values()])
    return max(0, shortest - max(0, setting("INCUBATION_MAX_MONTHS") - setting("INCUBATION_ALERT_MONTH")))


@dataclass
class TimeStatus:
    months: int
    limit: int
    ends_on: date
    alert: bool
    overdue: bool
    started: bool = True  # False: admitted from a day still to come (no month has run yet)


def time_status(incubation: Incubation, today: date | None = None) -> TimeStatus:
    today = today or clock.today()
    end = incubation.ended_on or today
    started = incubation.admitted_on <= today
    # An admission dated in the future has run no month yet (not minus one).
    months = max(0, months_between(incubation.admitted_on, end)) if started else 0
    limit = time_limit_months(incubation)
    # The alert comes as long before the limit as month 44 comes before the default 48 months.
    alert_from = limit - max(0, setting("INCUBATION_MAX_MONTHS") - setting("INCUBATION_ALERT_MONTH"))
    running = incubation.status == "incubating"
    return TimeStatus(months, limit, add_months(incubation.admitted_on, limit),
                      started and running and months >= alert_from, started and running and months >= limit,
                      started)


DEFAULT_CRITERIA = [
    {"code": "high_tech", "kind": "high_tech", "threshold": None, "enabled": True},
    {"code": "financing", "kind": "financing_total", "threshold": 5_000_000, "enabled": True},
    {"code": "revenue_two_years", "kind": "revenue_two_years", "threshold": 10_000_000, "enabled": True},
    {"code": "listed_or_acquired", "kind": "listed_or_acquired", "threshold": None, "enabled": True},
]
CRITERION_KINDS = ("high_tech", "financing_total", "revenue_two_years", "listed_or_acquired")


def criterion_label(item: dict):
    kind = item["kind"]
    if kind == "high_tech":
        return _l("Recognised as a high-tech enterprise")
    if kind == "financing_total":
        return _l("Cumulative equity financing above %(amount)s 万元", amount=formatting.yuan_amount(item["threshold"], 0))
    if kind == "revenue_two_years":
        return _l("Revenue over two consecutive years above %(amount)s 万元 in total",
                  amount=formatting.yuan_amount(item["threshold"], 0))
    return _l("Acquired or listed")


def current_criteria() -> GraduationCriteriaVersion:
    row = db.session.scalar(select(GraduationCriteriaVersion).order_by(GraduationCriteriaVersion.number.desc())
                            .limit(1))
    if row is None:
        row = GraduationCriteriaVersion(number=1, criteria=DEFAULT_CRITERIA, note="national rules (default)")
        db.session.add(row)
        db.session.flush()
        audit.record("create", row, after=audit.snapshot(row))
    return row


def save_criteria(criteria: list[dict], note: str | None, actor) -> GraduationCriteriaVersion:
    """A new version of the graduation criteria (the old ones stay, for the record)."""
    previous = current_criteria()
    for item in criteria:
        if item["kind"] not in CRITERION_KINDS:
            raise StartupError(_l("Unknown criterion."))
        if item["kind"] in ("financing_total", "revenue_two_years") and (item.get("threshold") is None
                                                                          or item["threshold"] < 0):
            raise StartupError(_l("Give a threshold of at least 0."))
    if not any(item.get("enabled") for item in criteria):
        raise StartupError(_l("Keep at least one criterion enabled."))
    row = GraduationCriteriaVersion(number=previous.number + 1, criteria=criteria, note=note, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record("create", row, before={"criteria": previous.criteria}, after={"criteria": criteria}, reason=note)
    return row


def yearly_verified(organisation_id: int, figure: str) -> dict[int, int]:
    column = getattr(QuarterlyReport, figure)
    rows = db.session.execute(select(QuarterlyReport.year, func.sum(column)).where(
        QuarterlyReport.organisation_id == organisation_id, QuarterlyReport.status == "verified")
        .group_by(QuarterlyReport.year))
    return {year: int(total or 0) for year, total in rows}


def evaluate_criteria(org: Organisation, today: date | None = None) -> tuple[GraduationCriteriaVersion, list[dict]]:
    """Each enabled criterion with whether the company meets it and the figure behind it."""
    today = today or clock.today()
    version = current_criteria()
    financing = sum(yearly_verified(org.id, "financing").values())
    revenue = yearly_verified(org.id, "revenue")
    best_pair = max((revenue.get(y, 0) + revenue.get(y + 1, 0) for y in revenue), default=0)
    results = []
    for item in version.criteria:
        if not item.get("enabled"):
            continue
        kind = item["kind"]
        if kind == "high_tech":
            met, figure = bool(org.is_high_tech_on(today) or (org.high_tech_cert_no and not org.high_tech_valid_until)), \
                org.high_tech_cert_no or ""
        elif kind == "financing_total":
            met, figure = financing > item["threshold"], financing
        elif kind == "revenue_two_years":
            met, figure = best_pair > item["threshold"], best_pair
        else:
            met, figure = org.listing_status in ("listed", "acquired"), org.listing_status
        results.append({"item": item, "label": criterion_label(item), "met": met, "figure": figure})
    return version, results


def end_incubation(incubation: Incubation, status: str, ended_on: date, reason: str, actor) -> None:
    """Graduate (at least one criterion met) or record an exit; both need a date and a reason."""
    if incubation.status != "incubating":
        raise IllegalTransition(_l("This incubation has already ended."))
    if status not in ("graduated", "exited"):
        raise StartupError(_l("Unknown outcome."))
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason."))
    if ended_on < incubation.admitted_on:
        raise StartupError(_l("The date may not be before the admission."))
    extra = {}
    if status == "graduated":
        version, results = evaluate_criteria(incubation.organisation, ended_on)
        met = [r["item"]["code"] for r in results if r["met"]]
        if not met:
            raise StartupError(_l("The company meets none of the graduation criteria; record an exit instead."))
        extra = {"criteria_version": version.number, "criteria_met": met}
    before = audit.snapshot(incubation, ["status", "ended_on", "end_reason"])
    incubation.status, incubation.ended_on, incubation.end_reason = status, ended_on, reason.strip()
    db.session.flush()
    audit.record("incubation_" + status, incubation, before=before,
                 after={**audit.snapshot(incubation, ["status", "ended_on", "end_reason"]), **extra},
                 reason=reason.strip())


def company_history(org_id: int) -> list[Incubation]:
    return list(db.session.scalars(select(Incubation).where(Incubation.organisation_id == org_id)
                                   .order_by(Incubation.admitted_on.desc())))


# --- quarterly reports --------------------------------------------------------------------------------

def deadline(period: Period) -> date:
    return period.end + timedelta(days=setting("REPORT_DEADLINE_DAYS"))


def due_period(today: date | None = None) -> Period:
    """The quarter whose report is due next: the last quarter that has ended."""
    return Period.containing(today or clock.today()).previous()


def visible_reports(user):
    """The reports ``user`` may read: a founder their company's; a manager every quarter of the companies they may
    change, and a former incubatee's quarters placed on their platforms (``access.report_visible``)."""
    condition = report_visible(user, QuarterlyReport.organisation_id, QuarterlyReport.quarter_end)
    query = select(QuarterlyReport)
    return query if condition is None else query.where(condition)


def reports_to_verify(user):
    """Submitted reports this user may verify: managers those they may change (``may_verify``), admins all."""
    query = select(QuarterlyReport).where(QuarterlyReport.status == "submitted")
    if user.role == "admin" and sees_everything(user):
        return query
    if user.role not in ("manager", "admin"):
        return query.where(false())
    return query.where(report_changeable(user, QuarterlyReport.organisation_id, QuarterlyReport.quarter_end))


def may_verify(user, report: QuarterlyReport) -> bool:
    """Admins any report; a manager a report of a company incubating or renting on their platforms now, for a
    quarter placed on one of their platforms (the placement rule of spec/evaluation.md)."""
    if user.role == "admin" and sees_everything(user):
        return True
    if user.role not in ("manager", "admin"):
        return False
    return db.session.scalar(select(func.count()).where(
        QuarterlyReport.id == report.id,
        report_changeable(user, QuarterlyReport.organisation_id, QuarterlyReport.quarter_end))) > 0


def report_checks(values: dict) -> tuple[list, list]:
    """(errors, flags) of a report's figures: R&D staff ≤ staff is an error, R&D over revenue a flag."""
    errors, flags = [], []
    for name in REPORT_FIGURES:
        if values.get(name) is not None and values[name] < 0:
            errors.append(_l("Amounts and counts may not be negative."))
            break
    if (values.get("rd_staff") or 0) > (values.get("employees") or 0):
        errors.append(_l("R&D staff may not exceed the staff at quarter end."))
    if (values.get("rd_expense") or 0) > (values.get("revenue") or 0):
        flags.append(_l("R&D spending is above revenue: accepted, but flagged for the manager."))
    return errors, flags


def get_report(org_id: int, period: Period) -> QuarterlyReport | None:
    return db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.organisation_id == org_id,
                                                           QuarterlyReport.period == str(period)))


def save_report(org_id: int, period: Period, values: dict, *, version, submit: bool, actor) -> QuarterlyReport:
    """Create or change the company's report of ``period`` (money in yuan); optionally submit it.

    :param version: the version the form was opened at, as sent (``versioning.NOT_CREATED``: the form saw no
        report; None or empty: not checked). A report changed or created since is refused, its problem named
        ``version`` (``versioning.conflicts``): two tabs, two users or a double submission never silently
        overwrite each other.
    """
    if not period.has_ended():
        raise StartupError(_l("The quarter %(period)s has not ended yet: its report can be filed from %(date)s.",
                              period=str(period), date=period.first_day_after.isoformat()))
    errors, _flags = report_checks(values)
    if errors:
        raise StartupError(" ".join(str(e) for e in errors))
    report = get_report(org_id, period)
    if report is None:
        report = QuarterlyReport(organisation_id=org_id, status="draft")
        report.set_period(period)
        for name in REPORT_FIGURES:
            setattr(report, name, int(values.get(name) or 0))
        db.session.add(report)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # created at the same instant by another request: the unique key's conflict
            raise StartupError(versioning.STALE_MESSAGE, field="version") from None
        audit.record("report_created", report, after=audit.snapshot(report, ["period", *REPORT_FIGURES]))
    else:
        _refuse_if_changed(report, version)
        if report.status not in ("draft", "returned"):
            raise IllegalTransition(_l("This report is %(status)s and locked.", status=state_label(report.status)))
        audit.apply_changes("report_changed", report, {name: int(values.get(name) or 0) for name in REPORT_FIGURES},
                            fields=REPORT_FIGURES)
    if submit:
        _report_transition(report, "submit", actor)
        _notify_managers(report)
    return report


def _notify_managers(report: QuarterlyReport) -> None:
    """The managers of the platforms where the company is a tenant hear of a submitted report."""
    from ..auth.models import User
    from ..notifications.services import notify

    managers = db.session.scalars(select(User).join(platform_managers, platform_managers.c.user_id == User.id)
                                  .join(Incubation, Incubation.platform_id == platform_managers.c.platform_id)
                                  .where(Incubation.organisation_id == report.organisation_id,
                                         Incubation.status == "incubating").distinct())
    notify(list(managers), _l("Quarterly report %(period)s to verify: %(name)s"), link=f"/reports/id/{report.id}",
           period=report.period, name=report.organisation.name)


REPORT_TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "verify"): "verified",
    ("submitted", "return"): "returned",
    ("verified", "reopen"): "returned",
}


def _report_transition(report: QuarterlyReport, action: str, actor, reason: str | None = None) -> None:
    try:
        target = REPORT_TRANSITIONS[(report.status, action)]
    except KeyError:
        raise IllegalTransition(_l("This report is %(status)s; it cannot be %(action)s now.",
                                   status=state_label(report.status), action=action_label(action))) from None
    before = {"status": report.status}
    report.status = target
    now = clock.utcnow()
    if action == "submit":
        report.submitted_at = now
    elif action == "verify":
        report.verified_at, report.verified_by_id, report.returned_reason = now, actor.id, None
    else:
        report.returned_reason = reason
        report.verified_at = report.verified_by_id = None
    db.session.flush()
    audit.record(f"report_{action}", report, before=before, after={"status": target}, reason=reason)


def verify_report(report: QuarterlyReport, actor, *, version=None) -> None:
    """``version``: the one the page showed, as sent (None: not checked)."""
    _refuse_if_changed(report, version)
    if not report.period_obj.has_ended():
        raise StartupError(_l("The quarter %(period)s has not ended yet: its report can be verified from %(date)s.",
                              period=report.period, date=report.period_obj.first_day_after.isoformat()))
    errors, _ = report_checks(audit.snapshot(report, REPORT_FIGURES))
    if errors:
        raise StartupError(" ".join(str(e) for e in errors))
    _report_transition(report, "verify", actor)


def return_report(report: QuarterlyReport, actor, reason: str, *, version=None) -> None:
    """``version`` as in ``verify_report``."""
    _refuse_if_changed(report, version)
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason: the founder sees it."))
    _report_transition(report, "return", actor, reason.strip())
    _notify_company(report, _l("Your report %(period)s was returned"), reason.strip())


def reopen_report(report: QuarterlyReport, actor, reason: str) -> None:
    """A verified report is locked; a correction reopens it with a reason (audited)."""
    if not (reason or "").strip():
        raise StartupError(_l("Give the reason for the correction."))
    _report_transition(report, "reopen", actor, reason.strip())
    _notify_company(report, _l("Your report %(period)s was reopened for correction"), reason.strip())


def _notify_company(report: QuarterlyReport, subject, body: str) -> None:
    from ..auth.models import User
    from ..notifications.services import notify

    users = db.session.scalars(select(User).where(User.organisation_id == report.organisation_id,
                                                  User.role == "startup"))
    notify(users, subject, body=body, link=f"/reports/{report.period}", period=report.period)


def tenants_during(platform_ids, period: Period):
    """SELECT of (organisation id, platform id) incubating at the quarter's end in the given platforms."""
    query = select(Incubation.organisation_id, Incubation.platform_id).where(
        Incubation.admitted_on <= period.end,
        or_(Incubation.ended_on.is_(None), Incubation.ended_on >= period.end))
    if platform_ids is not None:
        query = query.where(Incubation.platform_id.in_(platform_ids))
    return query


def report_outstanding(user, period: Period):
    """A SELECT of the founder's company (one row or none) when it was incubating at the end of ``period`` and
    its report of that quarter is not submitted yet (missing, a draft or returned); None for a user without a
    company. A company that only applied owes no report."""
    if user.role != "startup" or not user.organisation_id:
        return None
    tenants = tenants_during(None, period).where(Incubation.organisation_id == user.organisation_id)
    filed = select(QuarterlyReport.id).where(QuarterlyReport.organisation_id == user.organisation_id,
                                             QuarterlyReport.period == str(period),
                                             QuarterlyReport.status.in_(("submitted", "verified")))
    return select(Organisation.id).where(Organisation.id == user.organisation_id, tenants.exists(),
                                         ~filed.exists())


def files_reports(user) -> bool:
    """Whether a founder's company has ever been admitted or has reports: only then are quarterly reports theirs
    to file (an applicant's menu and home do not mention them)."""
    if user.role != "startup":
        return True
    if not user.organisation_id:
        return False
    admitted = select(Incubation.id).where(Incubation.organisation_id == user.organisation_id)
    reported = select(QuarterlyReport.id).where(QuarterlyReport.organisation_id == user.organisation_id)
    return bool(db.session.scalar(select(or_(admitted.exists(), reported.exists()))))


def missing_and_late(user, period: Period) -> list[dict]:
    """The tenants of the user's platforms whose report of ``period`` is missing or came after the deadline.

    One query, whatever the number of companies.
    """
    tenants = tenants_during(platform_ids_for(user), period).subquery()
    due = deadline(period)
    due_at = clock.zone_tz()
    from datetime import datetime, time

    cutoff = datetime.combine(due + timedelta(days=1), time(0), tzinfo=due_at)
    rows = db.session.execute(
        select(Organisation, Platform, QuarterlyReport.status, QuarterlyReport.submitted_at)
        .join(tenants, tenants.c.organisation_id == Organisation.id)
        .join(Platform, Platform.id == tenants.c.platform_id)
        .outerjoin(QuarterlyReport, and_(QuarterlyReport.organisation_id == Organisation.id,
                                         QuarterlyReport.period == str(period)))
        .order_by(Platform.code, Organisation.name_sort)
    ).unique().all()
    today = clock.today()
    result = []
    for org, platform, status, submitted_at in rows:
        if status in (None, "draft", "returned"):
            if today > due:
                result.append({"organisation": org, "platform": platform, "state": "missing", "status": status})
            else:
                result.append({"organisation": org, "platform": platform, "state": "open", "status": status})
        elif submitted_at is not None and submitted_at > cutoff:
            result.append({"organisation": org, "platform": platform, "state": "late", "status": status,
                           "submitted_at": submitted_at})
    return result


def company_series(org_id: int, limit: int = 12, user=None) -> list[QuarterlyReport]:
    """The company's latest reports ``user`` may read (None: all of them), oldest first (for its chart and table)."""
    query = select(QuarterlyReport) if user is None else visible_reports(user)
    rows = list(db.session.scalars(query.where(QuarterlyReport.organisation_id == org_id)
                                   .order_by(QuarterlyReport.year.desc(), QuarterlyReport.quarter.desc())
                                   .limit(limit)))
    return rows[::-1]


# --- sensitive documents ----------------------------------------------------------------------------------

def purge_sensitive_documents(today: date | None = None) -> int:
    """Delete the legal representatives' IDs of applications decided more than the retention period ago."""
    from datetime import datetime, time

    today = today or clock.today()
    days = setting("SENSITIVE_DOCUMENT_RETENTION_DAYS")
    cutoff = datetime.combine(today - timedelta(days=days), time(0), tzinfo=clock.zone_tz())
    rows = db.session.execute(
        select(ApplicationDocument, uploads.StoredFile)
        .join(uploads.StoredFile, uploads.StoredFile.id == ApplicationDocument.file_id)
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(ApplicationDocument.kind == "legal_rep_id", uploads.StoredFile.deleted_at.is_(None),
               Application.status.in_(FINAL_STATES), Application.decided_at < cutoff)).all()
    for _document, stored in rows:
        uploads.delete_stored(stored, reason=f"PIPL retention: {days} days after the decision")
    return len(rows)


# --- accounts ---------------------------------------------------------------------------------------------

def bind_founder(user, credit_code: str) -> None:
    """``create-user --role startup --company CODE``: a founder account of an existing company."""
    code = credit_codes.normalise(credit_code)
    org = db.session.scalar(select(Organisation).where(Organisation.credit_code == code)) if code else None
    if org is None:
        from ..auth.services import AccountError

        raise AccountError(f"no organisation with credit code {code}")
    if user.role != "startup":
        from ..auth.services import AccountError

        raise AccountError("--company binds founder accounts (--role startup)")
    user.organisation_id = org.id
    audit.record("user_bound", user, after={"organisation_id": org.id, "credit_code": code}, source="cli")


def all_platforms_for(user) -> list[Platform]:
    ids = platform_ids_for(user)
    query = select(Platform).order_by(Platform.code)
    if ids is not None:
        query = query.where(Platform.id.in_(ids))
    return list(db.session.scalars(query))


def managers_of(platform_id: int):
    from ..auth.models import User

    return db.session.scalars(select(User).join(platform_managers, platform_managers.c.user_id == User.id)
                              .where(platform_managers.c.platform_id == platform_id))

