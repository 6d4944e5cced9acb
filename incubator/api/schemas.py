"""The shapes the API answers with (marshmallow): they document the OpenAPI description and dump the data.

Money is always two fields: ``<name>_wan``, the exact amount in 万元 as a decimal string (four places, never a
float), and ``<name>_yuan``, the same as an integer number of yuan. Periods are written ``2026Q3``.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ..outcomes.catalogue import KINDS
from ..periods import Period, PeriodError
from ..partnerships.models import DEAL_KINDS, PARTNERSHIP_KINDS, TALENT_CATEGORIES
from ..platforms.models import PLATFORM_KINDS, PLATFORM_LEVELS, PLATFORM_STATUSES
from ..organisations.models import ORGANISATION_KINDS
from ..startups.models import INCUBATION_STATUSES, REPORT_COUNT_FIELDS, REPORT_MONEY_FIELDS, REPORT_STATUSES

PERIOD_PATTERN = r"^[0-9]{4}Q[1-4]$"
F = ma.fields


def nullable(field_class, **kwargs):
    return field_class(allow_none=True, **kwargs)


def money_fields(name: str) -> dict:
    return {
        f"{name}_wan": F.String(required=True, metadata={"description": f"{name} in 万元, exact (4 decimals)",
                                                         "example": "123.4500"}),
        f"{name}_yuan": F.Integer(required=True, metadata={"description": f"{name} in yuan", "example": 1234500}),
    }


class Strict(ma.Schema):
    class Meta:
        ordered = True


class ManagerSchema(Strict):
    id = F.Integer(required=True)
    name = nullable(F.String)


class RecognitionSchema(Strict):
    level = F.String(required=True, validate=validate.OneOf(PLATFORM_LEVELS))
    recognized_on = F.Date(required=True)
    issuing_body = F.String(required=True)
    document_no = nullable(F.String)
    expires_on = nullable(F.Date)


class PlatformSchema(Strict):
    id = F.Integer(required=True)
    code = F.String(required=True)
    name = F.String(required=True)
    kind = F.String(required=True, validate=validate.OneOf(PLATFORM_KINDS))
    level = F.String(required=True, validate=validate.OneOf(PLATFORM_LEVELS))
    status = F.String(required=True, validate=validate.OneOf(PLATFORM_STATUSES))
    host_id = nullable(F.Integer)
    operating_since = nullable(F.Date)
    recognized_on = nullable(F.Date)
    expires_on = nullable(F.Date)
    area_m2 = nullable(F.String, metadata={"description": "Floor area in m², exact decimal"})
    stations = nullable(F.Integer)
    managers = F.List(F.Nested(ManagerSchema), required=True,
                      metadata={"description": "The managers assigned: their platform scope includes this one"})
    recognitions = F.List(F.Nested(RecognitionSchema), required=True)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class OrganisationSchema(Strict):
    id = F.Integer(required=True)
    credit_code = nullable(F.String, metadata={"description": "统一社会信用代码; none until registered"})
    name = F.String(required=True)
    kind = F.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    industry = nullable(F.String, metadata={"description": "The industry's code"})
    founded_on = nullable(F.Date)
    registered_in_zone = F.Boolean(required=True)
    high_tech_cert_no = nullable(F.String)
    high_tech_valid_from = nullable(F.Date)
    high_tech_valid_until = nullable(F.Date)
    listing_status = F.String(required=True)
    listing_date = nullable(F.Date)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class IncubationSchema(Strict):
    id = F.Integer(required=True)
    organisation_id = F.Integer(required=True)
    platform_id = F.Integer(required=True)
    admitted_on = F.Date(required=True)
    status = F.String(required=True, validate=validate.OneOf(INCUBATION_STATUSES))
    ended_on = nullable(F.Date)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


ReportSchema = Strict.from_dict({
    "id": F.Integer(required=True),
    "organisation_id": F.Integer(required=True),
    "period": F.String(required=True, metadata={"example": "2026Q3"}),
    "quarter_end": F.Date(required=True),
    "status": F.String(required=True, validate=validate.OneOf(REPORT_STATUSES)),
    **{key: value for name in REPORT_MONEY_FIELDS for key, value in money_fields(name).items()},
    **{name: F.Integer(required=True) for name in REPORT_COUNT_FIELDS},
    "submitted_at": nullable(F.DateTime),
    "verified_at": nullable(F.DateTime),
    "created_at": F.DateTime(required=True),
    "updated_at": F.DateTime(required=True),
}, name="ReportSchema")


class IndicatorSchema(Strict):
    code = F.String(required=True, metadata={"example": "REVENUE"})
    name_zh = F.String(required=True)
    name_en = F.String(required=True)
    unit = F.String(required=True, metadata={"example": "wan"})
    kind = F.String(required=True, validate=validate.OneOf(KINDS))
    default_weight = F.String(required=True, metadata={"example": "1"})
    from_reports = F.Boolean(required=True)


class TargetSchema(Strict):
    id = F.Integer(required=True)
    year = F.Integer(required=True)
    scope = F.String(required=True, metadata={"description": "ZONE or a platform code"})
    platform_id = nullable(F.Integer)
    indicator = F.String(required=True)
    value = F.String(required=True, metadata={"description": "In the indicator's unit, exact decimal"})
    status = F.String(required=True)
    updated_at = F.DateTime(required=True)


class PartnershipSchema(Strict):
    id = F.Integer(required=True)
    reference = F.String(required=True)
    partner_id = F.Integer(required=True)
    kind = F.String(required=True, validate=validate.OneOf(PARTNERSHIP_KINDS))
    title = F.String(required=True)
    starts_on = F.Date(required=True)
    ends_on = nullable(F.Date)
    company_id = nullable(F.Integer)
    platform_id = nullable(F.Integer)
    contract_value_wan = money_fields("contract_value")["contract_value_wan"]
    contract_value_yuan = money_fields("contract_value")["contract_value_yuan"]
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class CohortSchema(Strict):
    id = F.Integer(required=True)
    partnership_id = F.Integer(required=True)
    cohort_year = F.Integer(required=True)
    enrolled = F.Integer(required=True)
    completed = F.Integer(required=True)
    hired_in_zone = F.Integer(required=True)
    completed_on = nullable(F.Date)
    updated_at = F.DateTime(required=True)


class DealSchema(Strict):
    id = F.Integer(required=True)
    reference = F.String(required=True)
    deal_date = F.Date(required=True)
    title = F.String(required=True)
    kind = F.String(required=True, validate=validate.OneOf(DEAL_KINDS))
    source_id = F.Integer(required=True)
    recipient_id = F.Integer(required=True)
    value_wan = money_fields("value")["value_wan"]
    value_yuan = money_fields("value")["value_yuan"]
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class TalentSchema(Strict):
    id = F.Integer(required=True)
    name = F.String(required=True)
    category = F.String(required=True, validate=validate.OneOf(TALENT_CATEGORIES))
    members = F.Integer(required=True)
    field = nullable(F.String)
    joined_on = F.Date(required=True)
    company_id = nullable(F.Integer)
    platform_id = nullable(F.Integer)
    institution_id = nullable(F.Integer)
    created_at = F.DateTime(required=True)
    updated_at = F.DateTime(required=True)


class DeletionSchema(Strict):
    resource = F.String(required=True, metadata={"example": "partnerships"})
    id = F.Integer(required=True)
    deleted_at = F.DateTime(required=True)


# --- the evaluation ----------------------------------------------------------------------------------

class IndicatorResultSchema(Strict):
    indicator = F.String(required=True)
    period_value = nullable(F.String)
    ytd_value = nullable(F.String)
    ytd_prev_year = nullable(F.String)
    yoy_growth_pct = nullable(F.String)
    target = nullable(F.String)
    achievement = nullable(F.String)
    expected = F.String(required=True)
    status = nullable(F.String, validate=validate.OneOf(["on_track", "at_risk", "behind"]))


class ScopeResultSchema(Strict):
    scope_type = F.String(required=True, validate=validate.OneOf(["zone", "platform"]))
    code = F.String(required=True)
    name = nullable(F.String)
    platform_id = nullable(F.Integer)
    kind = nullable(F.String)
    level = nullable(F.String)
    score = nullable(F.String)
    rating = nullable(F.String, validate=validate.OneOf(["A", "B", "C", "D"]))
    results = F.List(F.Nested(IndicatorResultSchema), required=True)


class EvaluationSchema(Strict):
    period = F.String(required=True, metadata={"example": "2026Q3"})
    published = F.Boolean(required=True)
    version = nullable(F.Integer, metadata={"description": "The published version; null for live figures"})
    generated_at = F.DateTime(required=True)
    zone = F.Nested(ScopeResultSchema, required=True)
    platforms = F.List(F.Nested(ScopeResultSchema), required=True)
    company_total = F.Integer(required=True)


CompanyResultSchema = Strict.from_dict({
    "organisation_id": nullable(F.Integer),
    "credit_code": nullable(F.String),
    "name": F.String(required=True),
    "platform_code": nullable(F.String, metadata={"description": "Where it was incubating at quarter end"}),
    "values": F.Dict(keys=F.String(), values=F.List(F.String(allow_none=True)), required=True,
                     metadata={"description": "Per report indicator: [period_value, ytd_value]"}),
}, name="CompanyResultSchema")


class EvaluationVersionSchema(Strict):
    id = F.Integer(required=True)
    period = F.String(required=True)
    version = F.Integer(required=True)
    published_at = F.DateTime(required=True)
    published_by_email = nullable(F.String)
    digest = nullable(F.String)
    company_count = nullable(F.Integer)
    note = nullable(F.String)


# --- envelopes and query strings ---------------------------------------------------------------------------

def page_schema(item_schema, name: str):
    return Strict.from_dict({
        "items": F.List(F.Nested(item_schema), required=True),
        "next_cursor": nullable(F.String, required=True,
                                metadata={"description": "Pass as cursor= for the next page; null on the last"}),
        "total": nullable(F.Integer, required=True,
                          metadata={"description": "Records matching the filters (all pages); null when costly"}),
    }, name=name)


class ListQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    limit = F.Integer(load_default=100, validate=validate.Range(1, 500),
                      metadata={"description": "Records per page, at most 500"})
    cursor = F.String(validate=validate.Length(max=200),
                      metadata={"description": "next_cursor of the previous page (opaque)"})


class SyncQuery(ListQuery):
    updated_since = F.AwareDateTime(default_timezone=None, metadata={
        "description": "Only records changed at or after this moment (ISO 8601 with a time zone)"})


def filters_schema(name: str, **fields):
    return SyncQuery.from_dict(fields, name=name)


def _a_known_quarter(text: str) -> None:
    """The pattern alone admits years the app refuses (Period.parse: 1900-2999): those answer 400, never 500."""
    try:
        Period.parse(text)
    except PeriodError as error:
        raise ma.ValidationError("Not a quarter of the years 1900 to 2999.") from error


def period_field(description: str):
    return F.String(validate=[validate.Regexp(PERIOD_PATTERN), _a_known_quarter],
                    metadata={"description": description, "example": "2026Q3"})


class DeletionsQuery(ListQuery):
    since = F.AwareDateTime(required=True, metadata={"description": "Deletions at or after this moment"})


class EvaluationQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    version = F.Integer(validate=validate.Range(1, 1_000_000),
                        metadata={"description": "A published version (default: the latest published)"})
    live = F.Boolean(load_default=False, metadata={"description": "The live figures instead of a published version"})


class EvaluationCompaniesQuery(EvaluationQuery, ListQuery):
    pass


class VersionsQuery(ListQuery):
    period = period_field("Versions of this quarter only")
