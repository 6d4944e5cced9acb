"""The home-page panel of alerts and the recognition tab of the platform page."""
from __future__ import annotations

from .. import clock
from .alerts import alerts_for


def alerts_panel(user) -> dict:
    return {"alerts": alerts_for(user)}


def platform_tab(platform) -> dict:
    from .services import PLATFORM_SUBJECTS, platform_gap

    if platform.kind not in PLATFORM_SUBJECTS:
        return {"results": [], "assessed": False, "year": clock.today().year}
    year = clock.today().year
    return {"results": platform_gap(platform, year), "assessed": True, "year": year}
