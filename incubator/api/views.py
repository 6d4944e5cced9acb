"""The endpoints of ``/api/v1``: thin views over ``resources`` (lists and details), the indicator catalogue,
the evaluation and its published versions, and the deletions feed. Every endpoint is read-only, takes a
personal token in ``Authorization: Bearer`` only, and answers problem details on error."""
from __future__ import annotations

import base64
import binascii
from datetime import timezone

from flask import Blueprint as FlaskBlueprint, abort, g, request
from flask_smorest import Blueprint
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload
from webargs.flaskparser import FlaskParser

from .. import clock
from ..database import write_intent
from ..extensions import db
from ..operations.logs import security_log
from ..periods import Period, PeriodError
from ..saving import attempt
from . import schemas as s
from .problems import handle_http_exception, handle_server_error
from .resources import resources
from .tokens import authenticate

ADMIN_ONLY = ("admin",)  # the evaluation pages of the web are the administrators' (``evaluation.views``)
PROBLEM_CODES = (401, 403, 404, 429)


class QueryParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a wrong parameter is a bad request (RFC 9457 problem), not 422


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = QueryParser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="Read-only data of the zone, scoped like the web pages of the token's owner.")
bp.register_error_handler(Exception, handle_server_error)
from werkzeug.exceptions import HTTPException  # noqa: E402

bp.register_error_handler(HTTPException, handle_http_exception)


# --- authentication -----------------------------------------------------------------------------------------

def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.before_request
def authenticate_request():
    token = bearer_token()
    if token is None:
        security_log.warning("api request without a token", extra={
            "event": "api_auth_failed", "reason": "missing", "address": request.remote_addr})
        abort(401)
    # Marking the token used is a write: take SQLite's write lock at the start of that short transaction, then
    # read the rest with a deferred one (as ``auth.session_store`` does for sessions).
    previous = write_intent.set(True)
    try:
        row = attempt(lambda: authenticate(token)).result
    finally:
        write_intent.reset(previous)
    if row is None:
        security_log.warning("api token refused", extra={
            "event": "api_auth_failed", "reason": "invalid", "address": request.remote_addr})
        abort(401)
    g.api_token = row
    g.api_user = row.user


def require(area: str, roles: tuple[str, ...] | None = None) -> None:
    """403 when the token is limited to another area, or its owner's role may not open this in the web."""
    if g.api_token.area not in (None, area) or (roles is not None and g.api_user.role not in roles):
        abort(403)


def documented(func):
    """The problem responses every endpoint may give (400 comes with the query parameters)."""
    for code in PROBLEM_CODES:
        func = bp.alt_response(code, response=_RESPONSE_NAMES[code])(func)
    return func


_RESPONSE_NAMES = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 429: "TOO_MANY_REQUESTS"}


# Ids are 32-bit integers in both databases. A larger number in a path is a record that cannot exist (404); it
# is checked in the view because werkzeug's ``int(max=...)`` converter would answer its own HTML 404 instead.
MAX_ID = 2**31 - 1


def existing_id_or_404(record_id: int) -> int:
    if not 1 <= record_id <= MAX_ID:
        abort(404)
    return record_id


# --- cursors --------------------------------------------------------------------------------------------

def encode_cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The position in a cursor made by ``encode_cursor(kind, ...)``; 400 for anything else.

    A cursor only says where a page starts: every page is scoped and filtered afresh, so a forged cursor
    reads nothing a token could not read from the first page."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, _, position = text.rpartition(":")
        value = int(position)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value, name = -1, ""
    if name != kind or not 0 <= value <= MAX_ID:
        abort(400, description="This cursor is not one this list gave.")
    return value


# --- the synchronised resources ------------------------------------------------------------------------------

def scoped_rows(resource, args):
    """The SELECT of a list: scoped as the web, then each filter given, in id order."""
    query = resource.rows(g.api_user)
    for name, item in resource.filters.items():
        if args.get(name) is not None:
            query = item.apply(query, args[name])
    if args.get("updated_since") is not None:
        query = query.where(resource.updated_column >= args["updated_since"].astimezone(timezone.utc))
    return query.order_by(None)


def loader_options(resource) -> tuple:
    """Only the relationships a resource prints are loaded (by its own options): the models' default joined
    loads would otherwise pull in, for example, each partnership's platform and that platform's managers."""
    return (lazyload("*"), *resource.options)


def page_of(resource, args) -> dict:
    """One page: a fixed number of queries (the count, the rows, one per eager-loaded collection)."""
    model = resource.model
    query = scoped_rows(resource, args)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(model.id).subquery()))
    after = decode_cursor(resource.name, args.get("cursor"))
    limit = args["limit"]
    rows = db.session.scalars(query.where(model.id > after).options(*loader_options(resource))
                              .order_by(model.id).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [resource.dump(row) for row in rows],
            "next_cursor": encode_cursor(resource.name, rows[-1].id) if more else None, "total": total}


def one_of(resource, record_id: int) -> dict:
    row = db.session.scalar(resource.rows(g.api_user).where(resource.model.id == existing_id_or_404(record_id))
                            .options(*loader_options(resource)))
    if row is None:
        abort(404)
    return resource.dump(row)


def _query_schema(resource):
    fields = {}
    for name, item in resource.filters.items():
        fields[name] = item.field
    return s.filters_schema(f"{resource.schema.__name__.removesuffix('Schema')}Query", **fields)


def _register(resource):
    item_schema = resource.schema
    page = s.page_schema(item_schema, f"{item_schema.__name__.removesuffix('Schema')}Page")
    list_example = {"items": [resource.example], "next_cursor": encode_cursor(resource.name, resource.example["id"]),
                    "total": 250}

    @bp.arguments(_query_schema(resource), location="query", as_kwargs=False)
    @bp.response(200, page, example=list_example)
    @documented
    def list_view(args):
        require(resource.area)
        return page_of(resource, args)

    @bp.response(200, item_schema, example=resource.example)
    @documented
    def detail_view(record_id: int):
        require(resource.area)
        return one_of(resource, record_id)

    list_view.__doc__ = (f"{resource.title}: the token's scope, in id order, {resource.title.lower()} "
                         f"changed since updated_since; follow next_cursor to the last page.")
    detail_view.__doc__ = f"One of the {resource.title.lower()} (404 outside the token's scope)."
    list_view.__name__ = f"list_{resource.name.replace('-', '_')}"
    detail_view.__name__ = f"get_{resource.name.replace('-', '_')}"
    bp.route(f"/{resource.name}", endpoint=list_view.__name__, methods=["GET"])(list_view)
    bp.route(f"/{resource.name}/<int:record_id>", endpoint=detail_view.__name__,
             methods=["GET"])(detail_view)


for _resource in resources().values():
    # The id filters of every list are bounded like ids (a larger number is a bad request, not a database error).
    for _name, _filter in _resource.filters.items():
        if isinstance(_filter.field, s.F.Integer) and not _filter.field.validators:
            _filter.field.validators.append(s.validate.Range(1, MAX_ID))
    _register(_resource)


# --- the indicator catalogue ---------------------------------------------------------------------------------

def indicator_dump(indicator) -> dict:
    return {"code": indicator.code, "name_zh": indicator.zh, "name_en": indicator.en, "unit": indicator.unit.code,
            "kind": indicator.kind, "default_weight": str(indicator.default_weight),
            "from_reports": indicator.from_reports}


INDICATOR_EXAMPLE = {"code": "REVENUE", "name_zh": "营业收入", "name_en": "Revenue", "unit": "wan", "kind": "flow",
                     "default_weight": "1", "from_reports": True}


@bp.route("/indicators", methods=["GET"])
@bp.arguments(s.ListQuery, location="query", as_kwargs=False)
@bp.response(200, s.page_schema(s.IndicatorSchema, "IndicatorPage"),
             example={"items": [INDICATOR_EXAMPLE], "next_cursor": None, "total": 20})
@documented
def list_indicators(args):
    """The indicator catalogue, in catalogue order (the same for every token)."""
    from ..outcomes.catalogue import CATALOGUE

    require("outcomes")
    start = decode_cursor("indicators", args.get("cursor"))
    chosen = CATALOGUE[start:start + args["limit"]]
    following = start + len(chosen)
    return {"items": [indicator_dump(i) for i in chosen], "total": len(CATALOGUE),
            "next_cursor": encode_cursor("indicators", following) if following < len(CATALOGUE) else None}


@bp.route("/indicators/<code>", methods=["GET"])
@bp.response(200, s.IndicatorSchema, example=INDICATOR_EXAMPLE)
@documented
def get_indicator(code: str):
    """One indicator of the catalogue by its code."""
    from ..outcomes.catalogue import BY_CODE

    require("outcomes")
    if code not in BY_CODE:
        abort(404)
    return indicator_dump(BY_CODE[code])


# --- the evaluation ---------------------------------------------------------------------------------------------

def period_or_404(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        abort(404)


def chosen_evaluation(period: Period, args):
    from ..evaluation.services import evaluation_for

    try:
        return evaluation_for(period, version=args.get("version"), live=args.get("live", False))
    except LookupError:
        abort(404)


def scope_dump(scope) -> dict:
    from ..evaluation.exports import r
    from ..outcomes.catalogue import BY_CODE

    results = []
    for item in scope.results:
        places = BY_CODE[item.code].places
        results.append({
            "indicator": item.code,
            **{name: _text(r(getattr(item, name), places)) for name in ("period_value", "ytd_value", "ytd_prev_year",
                                                                        "target")},
            "yoy_growth_pct": _text(r(item.yoy_growth_pct, 2)), "achievement": _text(r(item.achievement, 4)),
            "expected": _text(r(item.expected, 4)), "status": item.status})
    return {"scope_type": scope.scope_type, "code": scope.code, "name": scope.name, "platform_id": scope.platform_id,
            "kind": scope.kind, "level": scope.level, "score": _text(r(scope.score, 1)), "rating": scope.rating,
            "results": results}


def _text(value) -> str | None:
    return None if value is None else str(value)


RESULT_EXAMPLE = {"indicator": "REVENUE", "period_value": "12034.5000", "ytd_value": "35120.0000",
                  "ytd_prev_year": "30110.2500", "yoy_growth_pct": "16.64", "target": "50000.0000",
                  "achievement": "0.7024", "expected": "0.7500", "status": "at_risk"}
EVALUATION_EXAMPLE = {
    "period": "2026Q3", "published": True, "version": 2, "generated_at": "2026-10-20T10:00:00+08:00",
    "zone": {"scope_type": "zone", "code": "ZONE", "name": None, "platform_id": None, "kind": None, "level": None,
             "score": "96.3", "rating": "A", "results": [RESULT_EXAMPLE]},
    "platforms": [{"scope_type": "platform", "code": "PT-003", "name": "高新区众创空间", "platform_id": 3,
                   "kind": "maker_space", "level": "provincial", "score": "88.0", "rating": "B",
                   "results": [RESULT_EXAMPLE]}],
    "company_total": 212,
}


@bp.route("/evaluations/<period>", methods=["GET"])
@bp.arguments(s.EvaluationQuery, location="query", as_kwargs=False)
@bp.response(200, s.EvaluationSchema, example=EVALUATION_EXAMPLE)
@documented
def get_evaluation(args, period: str):
    """A quarter's evaluation of the zone and every platform: the latest published version, another
    (version=N), or the live figures (live=true, also when nothing is published). Administrators only."""
    require("evaluation", ADMIN_ONLY)
    evaluation = chosen_evaluation(period_or_404(period), args)
    return {"period": str(evaluation.period), "published": bool(evaluation.published),
            "version": evaluation.version, "generated_at": evaluation.generated_at,
            "zone": scope_dump(evaluation.zone), "platforms": [scope_dump(p) for p in evaluation.platforms],
            "company_total": evaluation.company_total()}


COMPANY_EXAMPLE = {"organisation_id": 41, "credit_code": "91330100MA2XXXXX0X", "name": "杭州某某智能科技有限公司",
                   "platform_code": "PT-003", "values": {"REVENUE": ["320.0000", "910.5000"]}}


@bp.route("/evaluations/<period>/companies", methods=["GET"])
@bp.arguments(s.EvaluationCompaniesQuery, location="query", as_kwargs=False)
@bp.response(200, s.page_schema(s.CompanyResultSchema, "CompanyResultPage"),
             example={"items": [COMPANY_EXAMPLE], "next_cursor": None, "total": 212})
@documented
def list_evaluation_companies(args, period: str):
    """The companies' report indicators of the evaluation chosen as for the evaluation itself, by credit code."""
    from ..evaluation.exports import r
    from ..outcomes.catalogue import REPORT_INDICATORS

    require("evaluation", ADMIN_ONLY)
    evaluation = chosen_evaluation(period_or_404(period), args)
    kind = f"companies-{evaluation.period}-{evaluation.version or 'live'}"
    start, limit = decode_cursor(kind, args.get("cursor")), args["limit"]
    rows = list(evaluation.iter_companies(offset=start, limit=limit + 1))
    more = len(rows) > limit
    items = [{"organisation_id": row.organisation_id, "credit_code": row.credit_code, "name": row.name,
              "platform_code": row.platform_code,
              "values": {i.code: [_text(r(row.values[i.code][0], i.places)), _text(r(row.values[i.code][1], i.places))]
                         for i in REPORT_INDICATORS}} for row in rows[:limit]]
    return {"items": items, "next_cursor": encode_cursor(kind, start + limit) if more else None,
            "total": evaluation.company_total()}


def version_dump(snapshot) -> dict:
    return {"id": snapshot.id, "period": snapshot.period, "version": snapshot.version,
            "published_at": snapshot.published_at, "published_by_email": snapshot.published_by_email,
            "digest": snapshot.digest, "company_count": snapshot.company_count, "note": snapshot.note}


VERSION_EXAMPLE = {"id": 5, "period": "2026Q3", "version": 2, "published_at": "2026-10-20T02:00:00+00:00",
                   "published_by_email": "chen@zone.gov.cn", "digest": "3f1c…", "company_count": 212,
                   "note": "Corrected one report"}


@bp.route("/evaluation-versions", methods=["GET"])
@bp.arguments(s.VersionsQuery, location="query", as_kwargs=False)
@bp.response(200, s.page_schema(s.EvaluationVersionSchema, "EvaluationVersionPage"),
             example={"items": [VERSION_EXAMPLE], "next_cursor": None, "total": 1})
@documented
def list_evaluation_versions(args):
    """Published evaluation versions, in id order (administrators only)."""
    from ..evaluation.models import EvaluationSnapshot as E

    require("evaluation", ADMIN_ONLY)
    query = select(E)
    if args.get("period"):
        query = query.where(E.period == str(Period.parse(args["period"])))
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(E.id).subquery()))
    after, limit = decode_cursor("evaluation-versions", args.get("cursor")), args["limit"]
    rows = db.session.scalars(query.where(E.id > after).order_by(E.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [version_dump(row) for row in rows], "total": total,
            "next_cursor": encode_cursor("evaluation-versions", rows[-1].id) if more else None}


@bp.route("/evaluation-versions/<int:version_id>", methods=["GET"])
@bp.response(200, s.EvaluationVersionSchema, example=VERSION_EXAMPLE)
@documented
def get_evaluation_version(version_id: int):
    """One published version (its figures: ``/evaluations/{period}?version=N``)."""
    from ..evaluation.models import EvaluationSnapshot

    require("evaluation", ADMIN_ONLY)
    snapshot = db.session.get(EvaluationSnapshot, existing_id_or_404(version_id))
    if snapshot is None:
        abort(404)
    return version_dump(snapshot)


# --- deletions -----------------------------------------------------------------------------------------------------

DELETION_EXAMPLE = {"resource": "partnerships", "id": 9, "deleted_at": "2026-10-02T03:00:00+00:00"}


@bp.route("/deletions", methods=["GET"])
@bp.arguments(s.DeletionsQuery, location="query", as_kwargs=False)
@bp.response(200, s.page_schema(s.DeletionSchema, "DeletionPage"),
             example={"items": [DELETION_EXAMPLE], "next_cursor": None, "total": None})
@documented
def list_deletions(args):
    """Records of the synchronised resources deleted since a moment, oldest first: a pull applies them after
    the lists' updated_since pages. Scoped by whose the record was; a limited token sees its area's only."""
    from ..access import company_ids_for, platform_ids_for
    from .models import DeletedRecord as D

    user, token = g.api_user, g.api_token
    query = select(D).where(D.deleted_at >= args["since"].astimezone(timezone.utc))
    if token.area is not None:
        query = query.where(D.resource.in_([r.name for r in resources().values() if r.area == token.area]))
    if user.role != "admin":
        visible = [D.company_id.in_(company_ids_for(user)), D.platform_id.in_(platform_ids_for(user))]
        if user.role == "partner" and user.organisation_id:
            visible.append(D.partner_id == user.organisation_id)
        query = query.where(or_(*visible))
    after, limit = decode_cursor("deletions", args.get("cursor")), args["limit"]
    rows = db.session.scalars(query.where(D.id > after).order_by(D.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [{"resource": row.resource, "id": row.record_id, "deleted_at": row.deleted_at} for row in rows],
            "next_cursor": encode_cursor("deletions", rows[-1].id) if more else None, "total": None}


# --- anything else under /api/v1 -------------------------------------------------------------------------------

def not_an_endpoint(rest: str):
    """Unknown paths are 404 and other methods 405, both as problem details (not the web's HTML pages)."""
    abort(404 if request.method in ("GET", "HEAD") else 405)


# Flask's own add_url_rule: flask-smorest's would document this catch-all as an operation of the API.
FlaskBlueprint.add_url_rule(bp, "/<path:rest>", "not_an_endpoint", not_an_endpoint,
                            methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
