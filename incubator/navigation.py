"""Navigation and home-page panels by role: each area registers its entries, the layout iterates."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, url_for


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy gettext string
    roles: frozenset[str]
    order: int = 100
    active_prefix: str | None = None

    def url(self) -> str:
        return url_for(self.endpoint)


@dataclass(frozen=True)
class HomePanel:
    template: str
    roles: frozenset[str]
    context: Callable[[object], dict] = field(default=lambda user: {})
    order: int = 100


_nav: list[NavItem] = []
_panels: list[HomePanel] = []


def register_nav(endpoint: str, label, roles, order: int = 100, active_prefix: str | None = None) -> None:
    if any(item.endpoint == endpoint for item in _nav):
        return  # create_app may run many times in one process (tests)
    _nav.append(NavItem(endpoint, label, frozenset(roles), order, active_prefix))
    _nav.sort(key=lambda item: item.order)


def register_home_panel(template: str, roles, context: Callable[[object], dict] | None = None, order: int = 100):
    if any(panel.template == template for panel in _panels):
        return
    _panels.append(HomePanel(template, frozenset(roles), context or (lambda user: {}), order))
    _panels.sort(key=lambda panel: panel.order)


def nav_for(role: str | None) -> list[NavItem]:
    """The menu of ``role``: entries of areas this app has registered (the registry is per process)."""
    endpoints = current_app.view_functions
    return [item for item in _nav if role in item.roles and item.endpoint in endpoints]


def panels_for(user) -> list[tuple[HomePanel, dict]]:
    return [(panel, panel.context(user)) for panel in _panels if user.role in panel.roles]
