"""Translated labels of the codes shown on pages (exports keep the codes themselves)."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {"on_track": _l("On track"), "at_risk": _l("At risk"), "behind": _l("Behind")}
STATUS_COLOURS = {"on_track": "#198754", "at_risk": "#fd7e14", "behind": "#dc3545", None: "#6c757d"}
RATING_LABELS = {"A": _l("Excellent"), "B": _l("Good"), "C": _l("Pass"), "D": _l("Fail")}
KIND_LABELS = {"flow": _l("Flow"), "stock": _l("Stock"), "ratio": _l("Ratio")}
PROBLEM_LABELS = {"missing_report": _l("Report missing"), "unverified_report": _l("Report not verified")}
PLATFORM_KIND_LABELS = {
    "maker_space": _l("Maker space"), "incubator": _l("Tech business incubator"), "key_lab": _l("Key laboratory"),
    "engineering_center": _l("Engineering technology research centre"),
    "academician_workstation": _l("Academician workstation"), "rd_institution": _l("Enterprise R&D institution"),
}
LEVEL_LABELS = {"national": _l("National"), "provincial": _l("Provincial"), "municipal": _l("Municipal"),
                "county": _l("County")}


def template_globals() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "RATING_LABELS": RATING_LABELS, "KIND_LABELS": KIND_LABELS,
            "PROBLEM_LABELS": PROBLEM_LABELS, "PLATFORM_KIND_LABELS": PLATFORM_KIND_LABELS,
            "LEVEL_LABELS": LEVEL_LABELS}
