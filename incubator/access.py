"""Who may do what: role checks as decorators, record checks as query helpers (404 for the unseen)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from flask import abort, request
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Only logged-in users with one of ``roles`` reach the view; others get 403 (login page if anonymous)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


admin_required = roles_required("admin")


def upload_limit(config_key: str):
    """Let this endpoint accept files up to the setting ``config_key`` each (``UPLOAD_MAX_BYTES``, ...).

    A file above it is read to its end but not kept (``uploads.too_large``), so the view can show its
    form again with the message and what the user typed; the whole body may reach
    ``UPLOAD_BODY_FACTOR`` times the file limit (several files, or one too big) before the plain 413.
    """

    def decorator(view):
        view.upload_limit_key = config_key
        return view

    return decorator


def apply_upload_limit(app) -> None:
    """Before each request, and before every other hook: an endpoint marked by ``upload_limit`` accepts
    larger bodies. First, because CSRF protection (and anything else) may read the form, and a body is
    parsed once, under the limit in force at that moment."""

    def _raise_limit_for_uploads():
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "upload_limit_key", None)
        if key:
            limit = app.config[key]
            request.upload_file_limit = limit
            request.max_content_length = limit * app.config["UPLOAD_BODY_FACTOR"] + app.config["MAX_FORM_MEMORY_SIZE"]

    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_uploads)


def get_visible_or_404(query_result):
    """Return the row, or answer 404 when the scoped query found nothing."""
    if query_result is None:
        abort(404)
    return query_result


# --- record scoping: what each user may see, as SELECTs of ids to filter queries with --------------
# ``None`` means "everything" (administrators). Scope comes from current, confirmed relationships only:
#   change  -- a manager: companies with an ongoing incubation or tenancy on one of their platforms;
#              a founder: their own company.
#   read    -- what may be changed, plus (managers) companies whose incubation on one of their platforms has
#              ended, and companies whose application to one of their platforms has a confirmed binding.
#   quarter -- a manager reads a report-like record of a quarter when the company is changeable, or when the
#              quarter end is placed on one of their platforms (the placement rule of spec/evaluation.md).
# A pending binding, a rejected application, an ended tenancy or an import row never grants sight. Areas may
# widen a role's *read* scope by registering a function (user -> SELECT of organisation ids or None).

_company_scope_extensions: list = []


# --- zones: the tenants of a deployment ----------------------------------------------------------------------
# Every scope below is first a scope of zones. In a deployment of one zone nothing changes (an administrator
# sees everything, ``None``); with several, an administrator sees their zone, and a region's staff (an account
# with ``region_id``) read the zones of their region and change nothing. Organisations are the deployment's:
# a zone sees an organisation through its relationships with the zone (``zone_company_ids``).

def zone_ids_for(user):
    """The zones ``user`` works in: None for the whole deployment (it has one zone), else a SELECT of ids."""
    from sqlalchemy import select

    from .zones.models import Zone

    if getattr(user, "region_id", None) is not None:
        from .zones.services import region_zone_ids

        return region_zone_ids(user.region_id)
    if (getattr(user, "deployment_zone_count", None) or 0) <= 1:
        return None
    return select(Zone.id).where(Zone.id == user.zone_id)


def in_acting_zones(column) -> list:
    """``[]`` or ``[condition]``: the rows of the signed-in user's zones, for the queries of a zone's own records
    (targets, weights, published evaluations) that take no user. Nothing to add outside a request, for an
    anonymous visitor and in a one-zone deployment."""
    zones = acting_zone_ids()
    return [] if zones is None else [column.in_(zones)]


@contextmanager
def acting_as(user):
    """Compute for ``user``'s zones outside a request: a background job run for the account that asked for it
    (a zone's evaluation export must be that zone's, wherever the worker runs)."""
    from flask import g

    previous = g.get("zone_acting_user")
    g.zone_acting_user = user
    try:
        yield
    finally:
        g.zone_acting_user = previous


def _acting_user():
    from flask import g, has_app_context, has_request_context
    from flask_login import current_user

    if has_app_context() and g.get("zone_acting_user") is not None:
        return g.zone_acting_user
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def acting_zone_ids():
    """The zones of the acting user (``acting_as``, else the signed-in one) as a SELECT, or None (everything:
    the command line, an anonymous visitor, a one-zone deployment). The zone-wide figures (evaluation,
    dashboards) and a zone's own records (targets, weights, published evaluations) are read for these."""
    user = _acting_user()
    return None if user is None else zone_ids_for(user)


def acting_zone_company_ids():
    """The organisations of the signed-in user's zones (``zone_company_ids``), or None for all."""
    zones = acting_zone_ids()
    return None if zones is None else zone_company_ids(zones)


def acting_zone_platform_ids():
    """The platforms of the signed-in user's zones, or None for all."""
    zones = acting_zone_ids()
    return None if zones is None else zone_platform_ids(zones)


def account_ids_for(user):
    """The accounts an administrator may list and open: None for all (a one-zone deployment), else a SELECT
    of the ids of the accounts of their zones (a region's own staff are no zone's)."""
    from sqlalchemy import select

    from .auth.models import User

    zones = zone_ids_for(user)
    return None if zones is None else select(User.id).where(User.zone_id.in_(zones))


def is_region_staff(user) -> bool:
    return getattr(user, "region_id", None) is not None


def sees_everything(user) -> bool:
    """An administrator of a one-zone deployment: every record, as before zones existed."""
    return user.role == "admin" and not is_region_staff(user) and zone_ids_for(user) is None


def zone_platform_ids(zones):
    """A SELECT of the ids of the platforms of ``zones`` (a SELECT of zone ids)."""
    from sqlalchemy import select

    from .platforms.models import Platform

    return select(Platform.id).where(Platform.zone_id.in_(zones))


def zone_company_ids(zones, today=None, *, ongoing_only=False):
    """The organisations ``zones`` have a relationship with, as a SELECT of ids: incubated or renting on one of
    their platforms (ongoing only, with ``ongoing_only``: what the zone may change), applying to one, hosting
    one, or the company of one of their accounts (a founder, a partner's contact)."""
    from sqlalchemy import select

    from .auth.models import User
    from .platforms.models import Platform, Tenancy
    from .startups.models import Application, Incubation

    platforms = zone_platform_ids(zones)
    if ongoing_only:
        incubations, tenancies = ongoing_incubations(today).subquery(), ongoing_tenancies(today).subquery()
        stays = [select(incubations.c.organisation_id).where(incubations.c.platform_id.in_(platforms)),
                 select(tenancies.c.organisation_id).where(tenancies.c.platform_id.in_(platforms))]
    else:
        stays = [select(Incubation.organisation_id).where(Incubation.zone_id.in_(zones)),
                 select(Tenancy.organisation_id).where(Tenancy.platform_id.in_(platforms))]
    return _union(stays + [
        select(Application.organisation_id).where(Application.platform_id.in_(platforms),
                                                  Application.organisation_id.is_not(None)),
        select(Platform.host_id).where(Platform.zone_id.in_(zones), Platform.host_id.is_not(None)),
        select(User.organisation_id).where(User.zone_id.in_(zones), User.organisation_id.is_not(None))])


def register_company_scope(extension) -> None:
    if extension not in _company_scope_extensions:
        _company_scope_extensions.append(extension)


def platform_ids_for(user):
    """The platforms ``user`` may see: None for all, else a SELECT of platform ids."""
    from sqlalchemy import false, select

    from .platforms.models import Platform, platform_managers

    if is_region_staff(user):
        return zone_platform_ids(zone_ids_for(user))
    if user.role == "admin":
        zones = zone_ids_for(user)
        return None if zones is None else zone_platform_ids(zones)
    if user.role == "manager":
        return select(platform_managers.c.platform_id).where(platform_managers.c.user_id == user.id)
    return select(Platform.id).where(false())


def ongoing(ended, today):
    """An incubation or tenancy is ongoing when it has not ended before ``today`` (one that starts later counts:
    the platform already manages it)."""
    from sqlalchemy import or_

    return or_(ended.is_(None), ended >= today)


def ongoing_incubations(today=None):
    """A SELECT of (organisation_id, platform_id) of the incubations not ended before ``today``."""
    from sqlalchemy import select

    from . import clock
    from .startups.models import Incubation

    today = today or clock.today()
    return select(Incubation.organisation_id, Incubation.platform_id).where(
        ongoing(Incubation.ended_on, today))


def ongoing_tenancies(today=None):
    """A SELECT of (organisation_id, platform_id) of the tenancies not ended before ``today``."""
    from sqlalchemy import select

    from . import clock
    from .platforms.models import Tenancy

    today = today or clock.today()
    return select(Tenancy.organisation_id, Tenancy.platform_id).where(
        ongoing(Tenancy.ends_on, today))


def _no_companies():
    from sqlalchemy import false, select

    from .organisations.models import Organisation

    return select(Organisation.id).where(false())


def _union(parts):
    from sqlalchemy import select, union

    if not parts:
        return _no_companies()
    return parts[0] if len(parts) == 1 else select(union(*parts).subquery().c[0])


def changeable_company_ids_for(user, today=None):
    """The organisations whose records ``user`` may change: None for all (admins), else a SELECT of ids."""
    from sqlalchemy import select

    from .organisations.models import Organisation

    if is_region_staff(user):
        return _no_companies()  # a region reads, never changes
    if user.role == "admin":
        zones = zone_ids_for(user)
        return None if zones is None else zone_company_ids(zones, today, ongoing_only=True)
    if user.role == "manager":
        platforms = platform_ids_for(user)
        incubations = ongoing_incubations(today).subquery()
        tenancies = ongoing_tenancies(today).subquery()
        return _union([
            select(incubations.c.organisation_id).where(incubations.c.platform_id.in_(platforms)),
            select(tenancies.c.organisation_id).where(tenancies.c.platform_id.in_(platforms))])
    if user.role == "startup" and user.organisation_id:
        return select(Organisation.id).where(Organisation.id == user.organisation_id)
    return _no_companies()


def company_ids_for(user, today=None):
    """The organisations ``user`` may read as companies: None for all, else a SELECT of ids.

    Everything ``changeable_company_ids_for`` gives, plus for a manager the companies once incubated on one of
    their platforms (whose quarters are then limited by ``report_visible``) and the registered extensions
    (companies bound, confirmed, to an application to their platforms).
    """
    from sqlalchemy import select

    from .startups.models import Incubation

    if is_region_staff(user) or user.role == "admin":
        zones = zone_ids_for(user)
        return None if zones is None else zone_company_ids(zones, today)
    parts = [changeable_company_ids_for(user, today)]
    if user.role == "manager":
        parts.append(select(Incubation.organisation_id).where(Incubation.platform_id.in_(platform_ids_for(user))))
    for extension in _company_scope_extensions:
        extra = extension(user)
        if extra is not None:
            parts.append(extra)
    return _union(parts)


def placed_on(organisation_id, quarter_end, platform_ids):
    """A condition: the quarter ending ``quarter_end`` of ``organisation_id`` is placed on one of ``platform_ids``
    (a SELECT), by the placement rule of spec/evaluation.md, the same expression the evaluation uses."""
    from .outcomes.computations import placement

    return placement(organisation_id, quarter_end).in_(platform_ids)


def placed_platform(incubations, day):
    """The platform id a day of a company is placed on, from its incubations given as (admitted_on, ended_on,
    platform_id, platform_code) tuples; None when no incubation covers the day. The rule of spec/evaluation.md in
    Python (as ``outcomes.computations.quarter_end_placements``): among the incubations covering the day, the one
    admitted last decides, on the same day the lower platform code by code point."""
    covering = [(admitted, code, platform) for admitted, ended, platform, code in incubations
                if admitted <= day and (ended is None or ended >= day)]
    if not covering:
        return None
    latest = max(admitted for admitted, _code, _platform in covering)
    return min((code, platform) for admitted, code, platform in covering if admitted == latest)[1]


def _reads_by_placement(user) -> bool:
    """Managers, a zone's administrators in a deployment of several zones and a region's staff read a former
    company's quarters that were placed on (one of) their platforms."""
    return user.role in ("manager", "admin") or is_region_staff(user)


def readable_quarters(user, organisation_id: int, quarters) -> set | None:
    """Which of ``quarters`` (Periods) of a company ``user`` may read the figures of: None for all of them.

    Admins, and anyone who may change the company, read every quarter; a manager reading a former incubatee
    reads the quarters whose end is placed on one of their platforms; anyone else none."""
    from .extensions import db

    if sees_everything(user) or may_change_company(user, organisation_id):
        return None
    if not _reads_by_placement(user) or not quarters:
        return set()
    from .outcomes.computations import quarter_end_placements

    mine = set(db.session.scalars(platform_ids_for(user)))
    placements = quarter_end_placements(quarters)
    return {quarter for quarter in quarters
            if placements.get((organisation_id, (quarter.year, quarter.quarter))) in mine}


def report_visible(user, organisation_id, quarter_end):
    """A condition on report-like rows (a company's figures of a quarter) that ``user`` may read; None for all.

    A founder: their own company's. A manager: every quarter of a company they may change, and the quarters
    placed on their platforms of any other company (a former incubatee's time with them)."""
    from sqlalchemy import or_

    if sees_everything(user):
        return None
    changeable = organisation_id.in_(changeable_company_ids_for(user))
    if not _reads_by_placement(user):
        return changeable
    return or_(changeable, placed_on(organisation_id, quarter_end, platform_ids_for(user)))


def report_changeable(user, organisation_id, quarter_end):
    """A condition: ``user`` may change (verify, return, import) the report-like row; None for all.

    A manager: the company is changeable by them and the quarter is placed on one of their platforms, or on
    none — a quarter before the company's first incubation, or of a company that only rents space, belongs to no
    other platform, and without this its current platform could not verify the report its founder is asked for."""
    from sqlalchemy import and_, or_

    from .outcomes.computations import placement

    if sees_everything(user):
        return None
    changeable = organisation_id.in_(changeable_company_ids_for(user))
    if not _reads_by_placement(user):
        return changeable
    placed = placement(organisation_id, quarter_end)
    return and_(changeable, or_(placed.in_(platform_ids_for(user)), placed.is_(None)))


def id_in(ids, value) -> bool:
    """Whether ``value`` is in the SELECT ``ids`` (True when ``ids`` is None: everything)."""
    from sqlalchemy import select

    from .extensions import db

    if ids is None:
        return True
    if value is None:
        return False
    subquery = ids.subquery()
    return db.session.scalar(select(subquery.c[0]).where(subquery.c[0] == value).limit(1)) is not None


def may_change_company(user, organisation_id) -> bool:
    return id_in(changeable_company_ids_for(user), organisation_id)


def may_read_company(user, organisation_id) -> bool:
    return id_in(company_ids_for(user), organisation_id)


def scoped(query, ids, column):
    """Filter ``query`` to rows whose ``column`` is in ``ids`` (unchanged when ``ids`` is None)."""
    return query if ids is None else query.where(column.in_(ids))


# --- named actions: the one rule a view enforces and a template asks (``can``) ----------------------------
# Each area's ``policy.py`` defines its actions here ("claim.recommend", "target.set", ...): the roles that may
# take it (the view's decorator, 403 for the others) and, for an action on a record, the rule on that record
# (the view's 404 or refusal). Templates call ``can(name, record)`` for the current user, so a page offers a
# button exactly when the view behind it accepts the request.


@dataclass(frozen=True)
class Action:
    """A thing a user may do: ``roles`` may take it, and on a record only where ``rule(user, record)`` holds."""

    name: str
    roles: frozenset
    rule: Callable[[Any, Any], bool] | None = None

    def allows(self, user, record=None) -> bool:
        if user is None or not getattr(user, "is_authenticated", False) or user.role not in self.roles:
            return False
        return self.rule is None or bool(self.rule(user, record))


ACTIONS: dict[str, Action] = {}


def define_action(name: str, roles, rule: Callable[[Any, Any], bool] | None = None) -> Action:
    """Register the action ``name`` (once: a second, different definition is a programming error)."""
    action = Action(name, frozenset(roles), rule)
    known = ACTIONS.setdefault(name, action)
    if known != action:
        raise ValueError(f"The action {name!r} is already defined differently.")
    return known


def allowed(user, name: str, record=None) -> bool:
    """Whether ``user`` may take the action ``name`` (on ``record``); an unknown name raises ``KeyError``."""
    return ACTIONS[name].allows(user, record)


def action_required(name: str):
    """A view reached only by the roles of the action ``name`` (403 for the others, login page if anonymous)."""
    view_decorator = roles_required(*sorted(ACTIONS[name].roles))

    def decorator(view):
        wrapped = view_decorator(view)
        wrapped.action_name = name
        return wrapped

    return decorator


def can(name: str, record=None) -> bool:
    """The template helper: whether the current user may take the action ``name`` (on ``record``)."""
    return allowed(current_user, name, record)
