"""Tabs of the platform page: a registry, so other areas add a tab (or fill one) without editing this one.

``register_platform_tab("indicators", _l("Indicators"), "evaluation/platform_tab.html",
lambda platform: {...}, order=40)`` — the template reads ``tab`` (the context dict) and ``platform``.
A tab registered under a key this area already shows (``indicators``) replaces its empty state.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlatformTab:
    key: str
    label: object  # a lazy gettext string
    template: str
    context: Callable[[object], dict] = field(default=lambda platform: {})
    order: int = 100


_tabs: dict[str, PlatformTab] = {}


def register_platform_tab(key: str, label, template: str, context_fn: Callable[[object], dict] | None = None,
                          order: int = 100, replace: bool = True) -> None:
    """Add the tab ``key`` to every platform page whose kind lists it (or to all kinds when unlisted).

    :param context_fn: ``platform -> dict`` computed only when the tab is shown.
    :param replace: a second registration under the same key replaces the first (an area's content
        replaces this area's placeholder); ``False`` keeps the first.
    """
    if key in _tabs and not replace:
        return
    _tabs[key] = PlatformTab(key, label, template, context_fn or (lambda platform: {}), order)


def registered_tabs() -> list[PlatformTab]:
    return sorted(_tabs.values(), key=lambda tab: (tab.order, tab.key))


def get_tab(key: str) -> PlatformTab | None:
    return _tabs.get(key)
