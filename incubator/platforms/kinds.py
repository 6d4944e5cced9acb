"""The registry of platform kinds: one entry per kind gives its label, its own fields and its pages.

Adding a kind is one entry here (plus the value in the ``kind`` check constraint of ``platforms``).
Kind-specific values are kept in ``Platform.attributes`` by field name.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# Tabs every platform page has, in order; a kind lists those of them it shows.
ALL_TABS = ("spaces", "tenants", "experts", "indicators", "history")


@dataclass(frozen=True)
class KindField:
    """A field only some kinds have: ``type`` is ``text``, ``count`` (whole ≥ 0) or ``date``."""

    name: str
    label: object
    type: str = "text"
    description: object = None


@dataclass(frozen=True)
class PlatformKind:
    code: str
    label: object
    short_label: object
    fields: tuple[KindField, ...] = ()
    tabs: tuple[str, ...] = ALL_TABS
    onsite_minimum: bool = False  # residencies carry an agreed minimum of on-site days a year
    takes_tenants: bool = False  # space units let to companies (maker spaces, incubators)

    def has_tab(self, key: str) -> bool:
        return key in self.tabs


KINDS: dict[str, PlatformKind] = {}


def register_kind(kind: PlatformKind) -> None:
    KINDS[kind.code] = kind


register_kind(PlatformKind(
    "maker_space", _l("Maker space"), _l("Maker space"),
    fields=(KindField("focus", _l("Focus")),
            KindField("mentors_on_staff", _l("Startup mentors on staff"), "count"),
            KindField("open_stations", _l("Open (shared) stations"), "count")),
    tabs=("spaces", "tenants", "experts", "indicators", "history"), takes_tenants=True,
))
register_kind(PlatformKind(
    "incubator", _l("Tech business incubator"), _l("Incubator"),
    fields=(KindField("focus", _l("Focus")),
            KindField("mentors_on_staff", _l("Startup mentors on staff"), "count"),
            KindField("incubation_area_m2", _l("Incubation area (m²)"), "count")),
    tabs=("spaces", "tenants", "experts", "indicators", "history"), takes_tenants=True,
))
register_kind(PlatformKind(
    "key_lab", _l("Key laboratory"), _l("Key lab"),
    fields=(KindField("discipline", _l("Discipline")),
            KindField("director", _l("Director")),
            KindField("supervising_department", _l("Supervising department"))),
    tabs=("spaces", "experts", "indicators", "history"),
))
register_kind(PlatformKind(
    "engineering_center", _l("Engineering technology research centre"), _l("Engineering centre"),
    fields=(KindField("technology_field", _l("Technology field")),
            KindField("director", _l("Director")),
            KindField("researchers", _l("Researchers"), "count")),
    tabs=("spaces", "experts", "indicators", "history"),
))
register_kind(PlatformKind(
    "academician_workstation", _l("Academician workstation"), _l("Academician workstation"),
    fields=(KindField("cooperation_field", _l("Field of cooperation")),
            KindField("agreement_signed_on", _l("Station agreement signed on"), "date")),
    tabs=("experts", "indicators", "history"), onsite_minimum=True,
))
register_kind(PlatformKind(
    "rd_institution", _l("Enterprise R&D institution"), _l("R&D institution"),
    fields=(KindField("rd_field", _l("R&D field")),
            KindField("rd_staff", _l("R&D staff"), "count")),
    tabs=("spaces", "experts", "indicators", "history"),
))


def kind_of(code: str) -> PlatformKind:
    return KINDS[code]


def tenant_taking_kinds() -> tuple[str, ...]:
    """The kinds whose space units are let to companies: the platforms a startup applies to."""
    return tuple(code for code, kind in KINDS.items() if kind.takes_tenants)


def kind_choices() -> list[tuple[str, object]]:
    return [(kind.code, kind.label) for kind in KINDS.values()]


LEVEL_LABELS = {
    "national": _l("National"), "provincial": _l("Provincial"), "municipal": _l("Municipal"), "county": _l("County"),
}
STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended"), "closed": _l("Closed")}
UNIT_KIND_LABELS = {
    "room": _l("Room"), "office": _l("Office"), "desk": _l("Desk"), "workshop_bay": _l("Workshop bay"),
    "lab_bench": _l("Lab bench"),
}
UNIT_PURPOSE_LABELS = {"tenant": _l("Tenant space"), "public_service": _l("Public service space")}
EXPERT_KIND_LABELS = {"academician": _l("Academician"), "professor": _l("Professor"), "mentor": _l("Startup mentor")}
ACADEMY_LABELS = {"CAS": _l("Chinese Academy of Sciences (CAS)"), "CAE": _l("Chinese Academy of Engineering (CAE)")}
RECORD_KIND_LABELS = {"joint_project": _l("Joint project"), "talent_trained": _l("Talents trained")}
