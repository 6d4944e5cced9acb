"""Who may take which step of an application, see which of its documents, and read review scores."""
from __future__ import annotations

from ..access import define_action
from . import services as svc
from .models import Application, ApplicationDocument

STAFF = ("admin", "manager")


def may_see_document(user, application: Application, document: ApplicationDocument) -> bool:
    """Reviewers see the business documents of their applications, never the ID."""
    if document.kind == "legal_rep_id":
        return user.role in STAFF or (user.role == "startup" and svc.may_edit(user, application)) \
            or (user.role == "startup" and application.applicant_id == user.id)
    return True


def speaks_for(user, application: Application) -> bool:
    """The founder who applied, or a founder of the company the application is for (who may withdraw it)."""
    return application.applicant_id == user.id or application.organisation_id == user.organisation_id


def is_visible(user, application: Application) -> bool:
    """Whether ``user`` sees the application at all (the views answer 404 otherwise)."""
    return svc.application_for(user, application.id) is not None


def _step_rule(step: str):
    """A step of the application's states is allowed on an application the user sees, where the state machine
    has it from the current state; withdrawing also needs the founder to speak for the application."""
    def rule(user, application: Application) -> bool:
        if (application.status, step) not in svc.APPLICATION_TRANSITIONS:
            return False
        if step == "withdraw" and not speaks_for(user, application):
            return False
        return is_visible(user, application)
    return rule


APPLICATION_STEPS = {step: define_action(f"application.{step}", svc.ACTION_ROLES[step], _step_rule(step))
                     for step in svc.APPLICATION_ACTIONS}
CREATE = define_action("application.create", ("startup",))
FOLLOW = define_action("application.follow", ("startup",))  # the founder's own view of where it stands
DECIDE = define_action("application.decide", STAFF, is_visible)  # the review and decision side of the page
READ_SCORES = define_action("application.read_scores", STAFF)
DOCUMENT = define_action("application.document", ("admin", "manager", "startup", "reviewer"),
                         lambda user, document: may_see_document(user, document.application, document))
MEETINGS = define_action("meeting.list", STAFF)
REVIEWS = define_action("review.list", ("reviewer",))
INCUBATION = define_action("incubation.read", STAFF)
