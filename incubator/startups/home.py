"""The startups area's tasks on home pages: applications to decide, bindings to confirm, reports to verify,
reviews to score, the report due and applications returned to their founder."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, formatting
from ..home_tasks import TaskKind, register_task
from . import services as svc
from .models import Application, ReviewAssignment

DECIDERS = frozenset({"admin", "manager"})


def _applications(user, *statuses):
    return svc.visible_applications(user).where(Application.status.in_(statuses))


def _bindings_to_confirm(user):
    return _applications(user, "submitted", "under_review").where(Application.binding_status == "pending")


def _reviews_to_score(user):
    """The reviewer's assignments still open on an application under review (the only state scores are taken)."""
    return (select(ReviewAssignment.id).join(Application, Application.id == ReviewAssignment.application_id)
            .where(ReviewAssignment.reviewer_id == user.id, ReviewAssignment.status == "assigned",
                   Application.status == "under_review"))


def _returned_applications(user):
    return _applications(user, "returned") if user.role == "startup" else None


def _report_context(user) -> dict:
    due = svc.due_period()
    return {"period": str(due), "date": formatting.local_date(svc.deadline(due))}


def _report_overdue(user) -> bool:
    return clock.today() > svc.deadline(svc.due_period())


def register_home_tasks() -> None:
    register_task(TaskKind(
        "applications_submitted", _l("New applications to review"), DECIDERS,
        lambda user: _applications(user, "submitted"),
        lambda user: url_for("startups.applications", status="submitted"), order=10,
        endpoint="startups.applications"))
    register_task(TaskKind(
        "applications_under_review", _l("Applications under review to decide"), DECIDERS,
        lambda user: _applications(user, "under_review"),
        lambda user: url_for("startups.applications", status="under_review"), order=11,
        endpoint="startups.applications"))
    register_task(TaskKind(
        "bindings_to_confirm", _l("Company bindings to confirm"), DECIDERS, _bindings_to_confirm,
        lambda user: url_for("startups.applications"), order=12,
        endpoint="startups.applications"))
    register_task(TaskKind(
        "reports_to_verify", _l("Quarterly reports to verify"), DECIDERS, svc.reports_to_verify,
        lambda user: url_for("startups.reports", status="submitted"), order=20, endpoint="startups.reports"))
    register_task(TaskKind(
        "reviews_to_score", _l("Applications to score"), frozenset({"reviewer"}), _reviews_to_score,
        lambda user: url_for("startups.reviews"), order=10, endpoint="startups.reviews"))
    register_task(TaskKind(
        "report_due", _l("Quarterly report %(period)s to file by %(date)s"), frozenset({"startup"}),
        lambda user: svc.report_outstanding(user, svc.due_period()),
        lambda user: url_for("startups.report_form", period=str(svc.due_period())), order=10,
        endpoint="startups.report_form", context=_report_context, urgent=_report_overdue,
        urgent_label=_l("Quarterly report %(period)s was due on %(date)s: file it now")))
    register_task(TaskKind(
        "applications_returned", _l("Applications returned to you for more information"), frozenset({"startup"}),
        _returned_applications, lambda user: url_for("startups.applications", status="returned"), order=20,
        endpoint="startups.applications"))
