"""Navigation and home-page panels by role: each area registers its entries, the layout iterates.

The menu is grouped: every entry names one of the few ``NAV_GROUPS``; a role sees only the groups that
hold an entry it may open, and a group with a single entry shows as a plain link.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, g, has_request_context, request, url_for
from flask_login import current_user
from flask_babel import lazy_pgettext


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object  # a lazy gettext string
    order: int


# At most about seven groups, so that the bar fits a 1366-pixel screen in both languages; the English
# words are short, with a context of their own ("Platforms" the group is 平台与空间, not 平台).
NAV_GROUPS: dict[str, NavGroup] = {group.key: group for group in (
    NavGroup("spaces", lazy_pgettext("menu group", "Platforms"), 10),
    NavGroup("companies", lazy_pgettext("menu group", "Companies"), 20),
    NavGroup("partnerships", lazy_pgettext("menu group", "Partnerships"), 30),
    NavGroup("goals", lazy_pgettext("menu group", "Evaluation"), 40),
    NavGroup("policies", lazy_pgettext("menu group", "Policies"), 50),
    NavGroup("data", lazy_pgettext("menu group", "Data"), 60),
    NavGroup("system", lazy_pgettext("menu group", "System"), 70),
)}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy gettext string
    roles: frozenset[str]
    order: int = 100
    active_prefix: str | None = None
    group: str | None = None  # a key of NAV_GROUPS; None: a top-level link (Home)
    # user -> whether this user of the roles has a use for the entry (an applicant files no quarterly report);
    # asked once per request.
    shown_to: Callable[[object], bool] | None = field(default=None, compare=False)

    def url(self) -> str:
        return url_for(self.endpoint)

    def is_current(self) -> bool:
        """The page being shown is this entry or one of its records (by endpoint or address prefix)."""
        if request.endpoint == self.endpoint:
            return True
        prefix = self.active_prefix or self.url().rstrip("/")
        return bool(prefix) and prefix != "/" and (request.path == prefix or request.path.startswith(prefix.rstrip("/") + "/"))


@dataclass(frozen=True)
class MenuEntry:
    """One place in the bar: a group with its items, or (``group`` None) a single link."""
    group: NavGroup | None
    items: tuple[NavItem, ...]

    @property
    def label(self):
        return self.group.label if self.group is not None and len(self.items) > 1 else self.items[0].label

    @property
    def key(self) -> str:
        return self.group.key if self.group is not None else self.items[0].endpoint.replace(".", "-")

    def is_current(self) -> bool:
        return any(item.is_current() for item in self.items)


@dataclass(frozen=True)
class HomePanel:
    template: str
    roles: frozenset[str]
    context: Callable[[object], dict] = field(default=lambda user: {})
    order: int = 100


_nav: list[NavItem] = []
_panels: list[HomePanel] = []


def register_nav(endpoint: str, label, roles, order: int = 100, active_prefix: str | None = None,
                 group: str | None = None, shown_to: Callable[[object], bool] | None = None) -> None:
    if group is not None and group not in NAV_GROUPS:
        raise ValueError(f"unknown navigation group {group!r} for {endpoint}")
    if any(item.endpoint == endpoint for item in _nav):
        return  # create_app may run many times in one process (tests)
    _nav.append(NavItem(endpoint, label, frozenset(roles), order, active_prefix, group, shown_to))
    _nav.sort(key=lambda item: item.order)


def register_home_panel(template: str, roles, context: Callable[[object], dict] | None = None, order: int = 100):
    if any(panel.template == template for panel in _panels):
        return
    _panels.append(HomePanel(template, frozenset(roles), context or (lambda user: {}), order))
    _panels.sort(key=lambda panel: panel.order)


def nav_for(role: str | None) -> list[NavItem]:
    """The menu of ``role`` (for the signed-in user, when the role is theirs): entries of areas this app has
    registered (the registry is per process) that the user has a use for."""
    endpoints = current_app.view_functions
    return [item for item in _nav if role in item.roles and item.endpoint in endpoints and _shown(item, role)]


def _shown(item: NavItem, role: str | None) -> bool:
    if item.shown_to is None or not has_request_context():
        return True
    user = current_user
    if not getattr(user, "is_authenticated", False) or user.role != role:
        return True  # a role's menu asked about in general (tests, documentation)
    answers = g.setdefault("nav_shown", {})
    if item.endpoint not in answers:
        answers[item.endpoint] = bool(item.shown_to(user))
    return answers[item.endpoint]


def menu_for(role: str | None) -> list[MenuEntry]:
    """The grouped bar of ``role``: top-level links first, then the groups in their order."""
    items = nav_for(role)
    entries = [MenuEntry(None, (item,)) for item in items if item.group is None]
    for group in sorted(NAV_GROUPS.values(), key=lambda group: group.order):
        members = tuple(item for item in items if item.group == group.key)
        if members:
            entries.append(MenuEntry(group, members))
    return entries


def current_place(role: str | None) -> tuple[NavGroup | None, NavItem | None]:
    """The group and entry the current page belongs to (the longest matching address wins)."""
    matches = [item for item in nav_for(role) if item.is_current()]
    if not matches:
        return None, None
    exact = [item for item in matches if item.endpoint == request.endpoint]
    best = exact[0] if exact else max(matches, key=lambda item: len(item.active_prefix or item.url()))
    return (NAV_GROUPS.get(best.group) if best.group else None), best


def panels_for(user) -> list[tuple[HomePanel, dict]]:
    return [(panel, panel.context(user)) for panel in _panels if user.role in panel.roles]
