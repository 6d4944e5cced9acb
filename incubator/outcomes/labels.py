"""Translated labels of the codes shown on pages (exports keep the codes themselves)."""
from flask_babel import lazy_gettext as _l

from ..formatting import STATUS_WORDS
from ..platforms.kinds import KINDS, LEVEL_LABELS

# One word per status in every language, from the formatting module (dashboard, evaluation, PDF, xlsx).
STATUS_LABELS = STATUS_WORDS
STATUS_COLOURS = {"on_track": "#198754", "at_risk": "#fd7e14", "behind": "#dc3545", None: "#6c757d"}
RATING_LABELS = {"A": _l("Excellent"), "B": _l("Good"), "C": _l("Pass"), "D": _l("Fail")}
KIND_LABELS = {"flow": _l("Flow"), "stock": _l("Stock"), "ratio": _l("Ratio")}
PROBLEM_LABELS = {"missing_report": _l("Report missing"), "unverified_report": _l("Report not verified")}
# Platform kinds and levels are labelled by their registry, never copied here.
PLATFORM_KIND_LABELS = {code: kind.label for code, kind in KINDS.items()}


def template_globals() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "RATING_LABELS": RATING_LABELS, "KIND_LABELS": KIND_LABELS,
            "PROBLEM_LABELS": PROBLEM_LABELS, "PLATFORM_KIND_LABELS": PLATFORM_KIND_LABELS,
            "LEVEL_LABELS": LEVEL_LABELS}
