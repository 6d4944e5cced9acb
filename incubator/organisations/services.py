"""Rules about organisations, industries and intellectual property (views, CLI, seeders and tests call these)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..audit import services as audit
from ..extensions import db
from ..saving import FieldRuleBroken
from . import credit_code as codes
from .models import IP_KINDS, IP_STATUSES, LISTING_STATUSES, ORGANISATION_KINDS, Industry, IntellectualProperty, Organisation

# The zone's industries (DESIGN.md §2), named as the zone names them: the leading clusters 高端装备制造,
# 电子信息 and 新能源新材料, the emerging ones 人工智能, 大数据 and 生物医药; admins edit the list.
DEFAULT_INDUSTRIES = (
    ("high_end_equipment", "高端装备制造", "High-end equipment manufacturing"),
    ("electronic_information", "电子信息", "Electronic information"),
    ("new_energy_materials", "新能源新材料", "New energy and new materials"),
    ("artificial_intelligence", "人工智能", "Artificial intelligence"),
    ("big_data", "大数据", "Big data"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("integrated_circuits", "集成电路", "Integrated circuits"),
    ("modern_agriculture", "现代农业", "Modern agriculture"),
    ("other", "其他", "Other"),
)

# Names the defaults had before (migration 0016 renames an unchanged default): spreadsheets kept with the
# old names still import, as long as no industry of the list carries the name itself.
INDUSTRY_ALIASES = {"高端装备": "high_end_equipment", "high-end equipment": "high_end_equipment",
                    "新能源与新材料": "new_energy_materials"}

ORGANISATION_FIELDS = ("name", "kind", "credit_code", "industry_id", "founded_on", "address", "contact_name",
                       "contact_phone", "contact_email", "registered_in_zone", "high_tech_cert_no",
                       "high_tech_valid_from", "high_tech_valid_until", "listing_status", "listing_date")


class OrganisationError(FieldRuleBroken):
    """A rule an organisation's data breaks; ``field`` names the form field it concerns."""


def credit_code_problem(value: str | None):
    """The localized message saying what is wrong with a credit code (position named), or None."""
    code = codes.normalise(value)
    if not code:
        return None
    found = codes.problem(code)
    return found[0] if found else None


def clean_credit_code(value: str | None, organisation_id: int | None = None) -> str | None:
    """Normalise, check and ensure uniqueness; an empty code is None (a team not yet registered)."""
    code = codes.normalise(value)
    if not code:
        return None
    problem = credit_code_problem(code)
    if problem:
        raise OrganisationError(problem, "credit_code")
    query = select(Organisation.id).where(Organisation.credit_code == code)
    if organisation_id is not None:
        query = query.where(Organisation.id != organisation_id)
    if db.session.scalar(query) is not None:
        raise OrganisationError(_l("Another organisation already has the credit code %(code)s.", code=code),
                                "credit_code")
    return code


def _check(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise OrganisationError(_l("Enter the name."), "name")
    if values.get("kind") not in ORGANISATION_KINDS:
        raise OrganisationError(_l("Choose a kind."), "kind")
    if values.get("listing_status", "none") not in LISTING_STATUSES:
        raise OrganisationError(_l("Choose a listing status."), "listing_status")
    start, end = values.get("high_tech_valid_from"), values.get("high_tech_valid_until")
    if start and end and end < start:
        raise OrganisationError(_l("The recognition cannot end before it starts."), "high_tech_valid_until")
    if (start or end) and not values.get("high_tech_cert_no"):
        raise OrganisationError(_l("Enter the certificate number of the high-tech enterprise recognition."),
                                "high_tech_cert_no")
    if values.get("listing_status", "none") == "none" and values.get("listing_date"):
        values["listing_date"] = None
    industry_id = values.get("industry_id")
    if industry_id and db.session.get(Industry, industry_id) is None:
        raise OrganisationError(_l("Choose an industry from the list."), "industry_id")


def create_organisation(**values) -> Organisation:
    """Add an organisation (checked, audited); ``credit_code`` may be empty for an unregistered team."""
    values = {key: values.get(key) for key in ORGANISATION_FIELDS if key in values}
    values["name"] = (values.get("name") or "").strip()
    values.setdefault("listing_status", "none")
    values.setdefault("registered_in_zone", False)
    _check(values)
    values["credit_code"] = clean_credit_code(values.get("credit_code"))
    organisation = Organisation(**values)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation_created", organisation, after=audit.snapshot(organisation))
    return organisation


def update_organisation(organisation: Organisation, **values) -> Organisation:
    """Change an organisation's facts; only changed values are audited."""
    merged = {key: getattr(organisation, key) for key in ORGANISATION_FIELDS}
    merged.update({key: value for key, value in values.items() if key in ORGANISATION_FIELDS})
    merged["name"] = (merged.get("name") or "").strip()
    _check(merged)
    merged["credit_code"] = clean_credit_code(merged.get("credit_code"), organisation.id)
    audit.apply_changes("organisation_updated", organisation, merged, ignore=("name_sort",))
    return organisation


def search_filter(query, text: str | None):
    """Filter a SELECT of organisations by a part of the name or of the credit code."""
    text = (text or "").strip()
    if not text:
        return query
    pattern = f"%{text}%"
    return query.where(or_(Organisation.name.ilike(pattern), Organisation.credit_code.ilike(pattern.upper()),
                           Organisation.name_sort.ilike(pattern.lower())))


# --- industries -----------------------------------------------------------------------------------

def _name_key(name: str | None) -> str:
    return (name or "").strip().lower()


def ensure_default_industries() -> list[Industry]:
    """Create the zone's default industries that are missing; returns all of them.

    A default is missing when neither its code nor one of its names is on the list and it was never
    created before: an industry an administrator renamed, recoded or deactivated is theirs and stays as it
    is (never a second copy; the audit trail remembers the codes created).
    """
    from ..audit.models import AuditEvent

    existing = {industry.code: industry for industry in db.session.scalars(select(Industry))}
    names = {_name_key(name) for industry in existing.values() for name in (industry.name_zh, industry.name_en)}
    created_once = {(after or {}).get("code") for after in db.session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "industry_created").order_by(AuditEvent.id))}
    for order, (code, name_zh, name_en) in enumerate(DEFAULT_INDUSTRIES, start=1):
        if (code not in existing and code not in created_once and _name_key(name_zh) not in names
                and _name_key(name_en) not in names):
            industry = Industry(code=code, name_zh=name_zh, name_en=name_en, sort_order=order * 10, is_active=True)
            db.session.add(industry)
            db.session.flush()
            audit.record("industry_created", industry, after=audit.snapshot(industry))
            existing[code] = industry
            names.update((_name_key(name_zh), _name_key(name_en)))
    return sorted(existing.values(), key=lambda item: (item.sort_order, item.id))


def active_industries() -> list[Industry]:
    return list(db.session.scalars(select(Industry).where(Industry.is_active.is_(True))
                                   .order_by(Industry.sort_order, Industry.id)))


def save_industry(industry: Industry | None, *, code: str, name_zh: str, name_en: str, sort_order: int,
                  is_active: bool) -> Industry:
    """Add (``industry`` None) or change an industry of the list; codes are unique."""
    code = (code or "").strip().lower()
    if not code:
        raise OrganisationError(_l("Enter a code."), "code")
    clash = select(Industry.id).where(func.lower(Industry.code) == code)
    if industry is not None:
        clash = clash.where(Industry.id != industry.id)
    if db.session.scalar(clash) is not None:
        raise OrganisationError(_l("Another industry already has the code %(code)s.", code=code), "code")
    if not (name_zh or "").strip() or not (name_en or "").strip():
        raise OrganisationError(_l("Enter the name in both languages."), "name_zh")
    for field_name, name in (("name_zh", name_zh), ("name_en", name_en)):
        taken = select(Industry.id).where(or_(func.lower(Industry.name_zh) == _name_key(name),
                                              func.lower(Industry.name_en) == _name_key(name)))
        if industry is not None:
            taken = taken.where(Industry.id != industry.id)
        if db.session.scalar(taken) is not None:
            raise OrganisationError(_l("Another industry already has the name %(name)s.", name=name.strip()),
                                    field_name)
    values = {"code": code, "name_zh": name_zh.strip(), "name_en": name_en.strip(), "sort_order": sort_order,
              "is_active": bool(is_active)}
    if industry is None:
        industry = Industry(**values)
        db.session.add(industry)
        db.session.flush()
        audit.record("industry_created", industry, after=audit.snapshot(industry))
        return industry
    audit.apply_changes("industry_updated", industry, values)
    return industry


# --- intellectual property ------------------------------------------------------------------------

IP_FIELDS = ("kind", "number", "title", "status", "filed_on", "granted_on", "expires_on", "notes")


def _check_ip(values: dict, organisation_id: int, ip_id: int | None = None) -> None:
    if values.get("kind") not in IP_KINDS:
        raise OrganisationError(_l("Choose a kind."), "kind")
    if values.get("status") not in IP_STATUSES:
        raise OrganisationError(_l("Choose a status."), "status")
    if not (values.get("number") or "").strip():
        raise OrganisationError(_l("Enter the number."), "number")
    if not (values.get("title") or "").strip():
        raise OrganisationError(_l("Enter the title."), "title")
    filed, granted, expires = values.get("filed_on"), values.get("granted_on"), values.get("expires_on")
    if values["status"] in ("granted", "expired") and not granted:
        raise OrganisationError(_l("Enter the date it was granted."), "granted_on")
    if filed and granted and granted < filed:
        raise OrganisationError(_l("It cannot be granted before it was filed."), "granted_on")
    if expires and (granted or filed) and expires <= (granted or filed):
        raise OrganisationError(_l("It cannot expire before it was granted or filed."), "expires_on")
    clash = select(IntellectualProperty.id).where(IntellectualProperty.organisation_id == organisation_id,
                                                  IntellectualProperty.kind == values["kind"],
                                                  IntellectualProperty.number == values["number"].strip())
    if ip_id is not None:
        clash = clash.where(IntellectualProperty.id != ip_id)
    if db.session.scalar(clash) is not None:
        raise OrganisationError(_l("This organisation already has this number recorded."), "number")


def add_ip(organisation: Organisation, **values) -> IntellectualProperty:
    values = {key: values.get(key) for key in IP_FIELDS}
    _check_ip(values, organisation.id)
    values["number"] = values["number"].strip()
    item = IntellectualProperty(organisation_id=organisation.id, **values)
    db.session.add(item)
    db.session.flush()
    audit.record("ip_created", item, after=audit.snapshot(item))
    audit.record("ip_added", organisation, after={"ip": f"{item.kind} {item.number}"})
    return item


def update_ip(item: IntellectualProperty, **values) -> IntellectualProperty:
    merged = {key: getattr(item, key) for key in IP_FIELDS}
    merged.update({key: value for key, value in values.items() if key in IP_FIELDS})
    _check_ip(merged, item.organisation_id, item.id)
    merged["number"] = merged["number"].strip()
    change = audit.apply_changes("ip_updated", item, merged)
    if change:  # also on the organisation, so its history tab shows it
        audit.record("ip_updated", entity_type="organisations", entity_id=item.organisation_id,
                     before=change.before, after={"ip": item.number, **change.after})
    return item


def delete_ip(item: IntellectualProperty) -> None:
    audit.record("ip_deleted", item, before=audit.snapshot(item))
    audit.record("ip_deleted", entity_type="organisations", entity_id=item.organisation_id,
                 before={"ip": f"{item.kind} {item.number}"})
    db.session.delete(item)
    db.session.flush()


def is_high_tech_today(organisation: Organisation, today: date) -> bool:
    return organisation.is_high_tech_on(today)
