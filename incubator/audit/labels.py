"""Readable names of audit actions and sources; areas add theirs with ``register_action_labels``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

_ACTION_LABELS: dict[str, object] = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "enable": _l("Account enabled"),
    "disable": _l("Account disabled"),
    "login_success": _l("Logged in"),
    "login_failure": _l("Failed login"),
    "login_lockout": _l("Locked after failed logins"),
    "login_locked": _l("Login refused: locked"),
    "login_refused_disabled": _l("Login refused: account disabled"),
    "logout": _l("Logged out"),
    "password_change": _l("Password changed"),
    "password_reset_requested": _l("Password reset requested"),
    "sessions_ended": _l("Sessions ended"),
}

SOURCE_LABELS = {
    "web": _l("Web"), "import": _l("Import"), "cli": _l("Command line"), "system": _l("System"),
}


def register_action_labels(labels: dict) -> None:
    """Name an area's actions (``{"report_verified": _l("Report verified")}``) for the audit pages."""
    _ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The readable name of an action, or its code when no area has named it."""
    label = _ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def source_label(source: str) -> str:
    label = SOURCE_LABELS.get(source)
    return str(label) if label is not None else source
