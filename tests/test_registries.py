"""Registries are the single source: lists elsewhere are derived from them, never restated."""
from __future__ import annotations

from incubator.outcomes.catalogue import CATALOGUE, STOCK, Measure
from incubator.outcomes.computations import STOCK_MEASURES
from incubator.outcomes.labels import PLATFORM_KIND_LABELS
from incubator.platforms.kinds import KINDS, LEVEL_LABELS, PlatformKind, register_kind, tenant_taking_kinds
from incubator.platforms.models import PLATFORM_KINDS, PLATFORM_LEVELS, Platform


def test_platform_kinds_and_their_labels_come_from_the_registry():
    assert PLATFORM_KINDS == tuple(KINDS)
    assert {code: str(label) for code, label in PLATFORM_KIND_LABELS.items()} == \
        {code: str(kind.label) for code, kind in KINDS.items()}
    assert tuple(LEVEL_LABELS) == PLATFORM_LEVELS
    check = next(c for c in Platform.__table__.constraints if str(getattr(c, "sqltext", "")).startswith("kind IN"))
    assert str(check.sqltext) == "kind IN (" + ",".join(f"'{kind}'" for kind in KINDS) + ")"


def test_tenant_taking_kinds_follow_the_registry_flag():
    assert tenant_taking_kinds() == ("maker_space", "incubator")
    register_kind(PlatformKind("science_park", "Science park", "Park", takes_tenants=True))
    try:
        assert tenant_taking_kinds() == ("maker_space", "incubator", "science_park")
    finally:
        del KINDS["science_park"]


def test_stock_measures_are_the_catalogue_s_stock_indicators():
    stock = {i.computation.measure for i in CATALOGUE if i.kind == STOCK and isinstance(i.computation, Measure)}
    flow = {i.computation.measure for i in CATALOGUE if i.kind != STOCK and isinstance(i.computation, Measure)}
    assert STOCK_MEASURES == stock == {"employees", "rd_staff", "incubating", "partnerships"}
    assert not stock & flow, "a measure is either summed or read at quarter end, never both"
