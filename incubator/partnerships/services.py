"""Rules of the partnerships area: who sees which agreement, what may be recorded, set-based summaries.

Every function that changes data adds to the session, records an audit event and flushes; the caller
(a view, the CLI, the seeder, a test) commits once. A rule that is broken raises ``Problems``: a mapping
of form field -> localized message, so the web form shows each message beside its field and the
command line prints them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import defaultload

from .. import clock, versioning
from ..access import changeable_company_ids_for, company_ids_for, platform_ids_for, sees_everything
from ..audit import services as audit
from ..database import yuan_to_wan
from ..extensions import db
from ..organisations import credit_code as credit_codes
from ..organisations.models import COMPANY_KINDS, INSTITUTION_KINDS, Organisation
from ..organisations.services import OrganisationError, clean_credit_code
from ..platforms.models import Platform
from ..saving import RuleBroken
from ..sorting import pinyin_sort_key
from .models import (DEAL_KINDS, DELIVERABLE_STATUSES, PARTNERSHIP_KINDS, TALENT_CATEGORIES, Deliverable,
                     InstitutionContact, Partnership, PartnershipAttachment, Talent, TechTransferDeal,
                     TrainingCohort)

EXPIRING_DAYS = 90
AGREEMENT_STATUSES = ("active", "expiring", "upcoming", "ended")


class Problems(RuleBroken):
    """Broken rules of a partnership record, as {field name: message}; nothing has been changed."""


def _raise_if(problems: dict) -> None:
    if problems:
        raise Problems(problems)


# --- who may see and change what ---------------------------------------------------------------------

def agreement_scope(user):
    """A WHERE clause limiting agreements to those ``user`` may see (None: all of them).

    Administrators see everything; a manager sees agreements whose zone side is one of their platforms or
    one of those platforms' companies; a partner contact sees their own institution's agreements only.
    """
    if user.role == "admin" and sees_everything(user):
        return None
    if user.role in ("manager", "admin"):  # an administrator of several zones: their zones' side
        return or_(Partnership.platform_id.in_(platform_ids_for(user)),
                   Partnership.company_id.in_(company_ids_for(user)))
    if user.role == "partner" and user.organisation_id:
        return Partnership.partner_id == user.organisation_id
    return false()


def _scoped(query, clause):
    return query if clause is None else query.where(clause)


def visible_agreement_ids(user):
    return _scoped(select(Partnership.id), agreement_scope(user))


def get_agreement(user, agreement_id: int) -> Partnership | None:
    """The agreement if ``user`` may see it, else None (the view answers 404)."""
    return db.session.scalar(_scoped(select(Partnership).where(Partnership.id == agreement_id),
                                     agreement_scope(user)))


def may_edit_agreements(user) -> bool:
    return user.role in ("admin", "manager")


def may_change_agreement(user, agreement: Partnership) -> bool:
    """Whether an editor may change this agreement (and its deliverables, files and cohorts): admins any; a manager
    one of their platforms' or of a company they may change (the write scope of ``access``). A former
    incubatee's agreement stays readable, not changeable."""
    if user.role == "admin" and sees_everything(user):
        return True
    if user.role not in ("manager", "admin"):
        return False
    return (agreement.platform_id is not None and _id_in(platform_ids_for(user), agreement.platform_id)) or (
        agreement.company_id is not None and _id_in(changeable_company_ids_for(user), agreement.company_id))


def may_change_deal(user, deal: TechTransferDeal) -> bool:
    """Admins any deal; a manager a deal received by a company they may change."""
    return (user.role == "admin" and sees_everything(user)) or (
        user.role in ("manager", "admin") and _id_in(changeable_company_ids_for(user), deal.recipient_id))


def may_change_talent(user, talent: Talent) -> bool:
    """Admins any; a manager talent of their platforms or of a company they may change."""
    if user.role == "admin" and sees_everything(user):
        return True
    return user.role in ("manager", "admin") and (
        (talent.platform_id is not None and _id_in(platform_ids_for(user), talent.platform_id))
        or (talent.company_id is not None and _id_in(changeable_company_ids_for(user), talent.company_id)))


def may_report_figures(user, agreement: Partnership) -> bool:
    """Cohort figures and deliverable status: the partner contact of the institution, or an editor who may
    change the agreement."""
    if user.role == "partner":
        return bool(user.organisation_id) and agreement.partner_id == user.organisation_id
    return may_edit_agreements(user) and may_change_agreement(user, agreement)


def deal_scope(user):
    """Deals a user may see: all for administrators, those received by a manager's companies."""
    if user.role == "admin" and sees_everything(user):
        return None
    if user.role in ("manager", "admin"):
        return TechTransferDeal.recipient_id.in_(company_ids_for(user))
    return false()


def talent_scope(user):
    if user.role == "admin" and sees_everything(user):
        return None
    if user.role in ("manager", "admin"):
        return or_(Talent.platform_id.in_(platform_ids_for(user)), Talent.company_id.in_(company_ids_for(user)))
    return false()


def platform_choices(user) -> list[Platform]:
    query = select(Platform).order_by(Platform.code)
    ids = platform_ids_for(user)
    if ids is not None:
        query = query.where(Platform.id.in_(ids))
    return list(db.session.scalars(query).unique())


def company_choices(user) -> list[Organisation]:
    """The companies ``user`` may name in an agreement, deal or talent: those they may change (write scope)."""
    query = select(Organisation).where(Organisation.kind.in_(COMPANY_KINDS)).order_by(Organisation.name_sort,
                                                                                        Organisation.id)
    ids = changeable_company_ids_for(user)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids))
    return list(db.session.scalars(query).unique())


def institution_choices() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(INSTITUTION_KINDS))
                                   .order_by(Organisation.name_sort, Organisation.id)).unique())


def _id_in(ids_select, value: int) -> bool:
    """Whether ``value`` is among the ids a scoping SELECT returns (None = everything)."""
    if ids_select is None:
        return True
    sub = ids_select.subquery()
    return bool(db.session.scalar(select(func.count()).select_from(sub).where(sub.c[0] == value)))


# --- status of an agreement, as SQL and in Python -----------------------------------------------------

def status_clause(status: str, today: date):
    """The WHERE clause of one agreement list: active, expiring (within 90 days), upcoming or ended."""
    horizon = today + timedelta(days=EXPIRING_DAYS)
    not_ended = or_(Partnership.ends_on.is_(None), Partnership.ends_on >= today)
    if status == "active":
        return and_(Partnership.starts_on <= today, not_ended)
    if status == "expiring":
        return and_(Partnership.starts_on <= today, Partnership.ends_on >= today, Partnership.ends_on <= horizon)
    if status == "upcoming":
        return Partnership.starts_on > today
    if status == "ended":
        return Partnership.ends_on < today
    return true()


def agreement_status(agreement: Partnership, today: date | None = None) -> str:
    today = today or clock.today()
    if agreement.ends_on is not None and agreement.ends_on < today:
        return "ended"
    if agreement.starts_on > today:
        return "upcoming"
    if agreement.ends_on is not None and agreement.ends_on <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "active"


# --- agreements ----------------------------------------------------------------------------------------

AGREEMENT_FIELDS = ("reference", "partner_id", "kind", "title", "starts_on", "ends_on", "company_id",
                    "platform_id", "contract_value", "description")

AGREEMENT_SORTS = {
    "reference": Partnership.reference, "title": Partnership.title, "kind": Partnership.kind,
    "starts_on": Partnership.starts_on, "ends_on": Partnership.ends_on, "value": Partnership.contract_value,
}


def agreement_query(user, status: str = "", q: str = "", kind: str = "", partner_id: int | None = None,
                    sort: str = "-starts_on"):
    """The SELECT behind the agreement lists (one statement, partner and zone side joined eagerly)."""
    partner = Organisation.__table__.alias("partner_search")
    query = select(Partnership).join(partner, partner.c.id == Partnership.partner_id) \
        .options(defaultload(Partnership.platform).lazyload(Platform.managers))
    query = _scoped(query, agreement_scope(user))
    if status in AGREEMENT_STATUSES:
        query = query.where(status_clause(status, clock.today()))
    if kind in PARTNERSHIP_KINDS:
        query = query.where(Partnership.kind == kind)
    if partner_id:
        query = query.where(Partnership.partner_id == partner_id)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Partnership.title.ilike(pattern), Partnership.reference.ilike(pattern),
                                partner.c.name.ilike(pattern)))
    key = sort.lstrip("-")
    if key == "partner":
        column = partner.c.name_sort
    else:
        column = AGREEMENT_SORTS.get(key, Partnership.starts_on)
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(), Partnership.id.desc())
    return query


def status_counts(user) -> dict[str, int]:
    """How many visible agreements are in each list (one statement)."""
    today = clock.today()
    columns = [func.coalesce(func.sum(case((status_clause(name, today), 1), else_=0)), 0).label(name)
               for name in AGREEMENT_STATUSES]
    row = db.session.execute(_scoped(select(func.count(Partnership.id).label("all"), *columns),
                                     agreement_scope(user))).one()
    return {"all": row.all, **{name: int(getattr(row, name)) for name in AGREEMENT_STATUSES}}


def _check_agreement(user, data: dict, existing: Partnership | None = None) -> dict:
    problems: dict = {}
    partner = db.session.get(Organisation, data.get("partner_id") or 0)
    if partner is None or partner.kind not in INSTITUTION_KINDS:
        problems["partner_id"] = _l("The partner must be a university or research institute.")
    if data.get("kind") not in PARTNERSHIP_KINDS:
        problems["kind"] = _l("Choose a kind of agreement.")
    if not (data.get("reference") or "").strip():
        problems["reference"] = _l("Give the agreement a reference.")
    if not (data.get("title") or "").strip():
        problems["title"] = _l("Give the agreement a title.")
    if data.get("starts_on") is None:
        problems["starts_on"] = _l("Give the start date.")
    elif data.get("ends_on") is not None and data["ends_on"] < data["starts_on"]:
        problems["ends_on"] = _l("The end date may not be before the start date.")
    company_id, platform_id = data.get("company_id"), data.get("platform_id")
    if company_id and platform_id:
        problems["platform_id"] = _l("The zone side is either a company or a platform, not both.")
    if company_id:
        company = db.session.get(Organisation, company_id)
        if company is None or company.kind not in COMPANY_KINDS or not _id_in(changeable_company_ids_for(user), company_id):
            problems["company_id"] = _l("Choose one of the companies listed.")
    if platform_id and (db.session.get(Platform, platform_id) is None
                        or not _id_in(platform_ids_for(user), platform_id)):
        problems["platform_id"] = _l("Choose one of the platforms listed.")
    if user.role == "manager" and not company_id and not platform_id:
        problems["platform_id"] = _l("As a platform manager, record agreements of your platforms or of their "
                                     "companies: choose one.")
    if (data.get("contract_value") or 0) < 0:
        problems["contract_value"] = _l("The amount may not be negative.")
    reference = (data.get("reference") or "").strip()
    if reference:
        clash = select(Partnership.id).where(Partnership.reference == reference)
        if existing is not None:
            clash = clash.where(Partnership.id != existing.id)
        if db.session.scalar(clash) is not None:
            problems["reference"] = _l("Another agreement already uses the reference %(reference)s.",
                                       reference=reference)
    if existing is not None and existing.kind == "talent_training" and data.get("kind") != "talent_training":
        has_cohorts = db.session.scalar(select(func.count(TrainingCohort.id))
                                        .where(TrainingCohort.partnership_id == existing.id))
        if has_cohorts:
            problems["kind"] = _l("This agreement has training cohorts; it stays an order-based training "
                                  "agreement.")
    return problems


def _clean_agreement(data: dict) -> dict:
    values = {key: data.get(key) for key in AGREEMENT_FIELDS}
    values["reference"] = (values["reference"] or "").strip()
    values["title"] = (values["title"] or "").strip()
    values["description"] = (values["description"] or "").strip() or None
    values["contract_value"] = int(values["contract_value"] or 0)
    values["company_id"] = values["company_id"] or None
    values["platform_id"] = values["platform_id"] or None
    return values


def create_agreement(user, data: dict, source: str | None = None) -> Partnership:
    """Record an agreement; ``data`` holds the AGREEMENT_FIELDS (contract value in yuan)."""
    values = _clean_agreement(data)
    _raise_if(_check_agreement(user, values))
    agreement = Partnership(**values)
    db.session.add(agreement)
    db.session.flush()
    audit.record("partnership.created", agreement, after=audit.snapshot(agreement, AGREEMENT_FIELDS),
                 source=source)
    return agreement


def update_agreement(user, agreement: Partnership, data: dict) -> Partnership:
    _raise_if(versioning.conflicts(agreement, data.get("version")))
    values = _clean_agreement(data)
    _raise_if(_check_agreement(user, values, existing=agreement))
    audit.apply_changes("partnership.updated", agreement, values, fields=AGREEMENT_FIELDS)
    return agreement


def delete_agreement(agreement: Partnership) -> None:
    """Remove an agreement with its deliverables, cohorts and attachments (all kept in the audit trail)."""
    before = audit.snapshot(agreement, AGREEMENT_FIELDS)
    before["cohorts"] = [audit.snapshot(c, ("cohort_year", "enrolled", "completed", "hired_in_zone"))
                         for c in cohorts_of(agreement)]
    audit.record("partnership.deleted", agreement, before=before)
    for attachment in attachments_of(agreement):
        _remove_stored_file(attachment)
    db.session.delete(agreement)
    db.session.flush()


def deliverables_of(agreement: Partnership) -> list[Deliverable]:
    return list(db.session.scalars(select(Deliverable).where(Deliverable.partnership_id == agreement.id)
                                   .order_by(Deliverable.due_on, Deliverable.id)))


def cohorts_of(agreement: Partnership) -> list[TrainingCohort]:
    return list(db.session.scalars(select(TrainingCohort).where(TrainingCohort.partnership_id == agreement.id)
                                   .order_by(TrainingCohort.cohort_year)))


def attachments_of(agreement: Partnership) -> list[PartnershipAttachment]:
    return list(db.session.scalars(select(PartnershipAttachment)
                                   .where(PartnershipAttachment.partnership_id == agreement.id)
                                   .order_by(PartnershipAttachment.uploaded_at.desc(), PartnershipAttachment.id))
                .unique())


# --- deliverables -------------------------------------------------------------------------------------

DELIVERABLE_FIELDS = ("title", "due_on", "status", "delivered_on", "note")


def _check_deliverable(agreement: Partnership, title: str, due_on, status: str, delivered_on) -> dict:
    problems = {}
    if not (title or "").strip():
        problems["title"] = _l("Say what is to be delivered.")
    if due_on is None:
        problems["due_on"] = _l("Give the due date.")
    if status not in DELIVERABLE_STATUSES:
        problems["status"] = _l("Choose a status.")
    if delivered_on is not None and delivered_on < agreement.starts_on:
        problems["delivered_on"] = _l("The delivery date may not be before the agreement starts.")
    return problems


def add_deliverable(agreement: Partnership, title: str, due_on: date, status: str = "planned",
                    delivered_on: date | None = None, note: str | None = None) -> Deliverable:
    if status == "delivered" and delivered_on is None:
        delivered_on = clock.today()
    _raise_if(_check_deliverable(agreement, title, due_on, status, delivered_on))
    item = Deliverable(partnership_id=agreement.id, title=title.strip(), due_on=due_on, status=status,
                       delivered_on=delivered_on if status == "delivered" else None, note=(note or "").strip() or None)
    db.session.add(item)
    db.session.flush()
    audit.record("deliverable.created", item, after={"partnership_id": agreement.id,
                                                     **audit.snapshot(item, DELIVERABLE_FIELDS)})
    return item


def update_deliverable_status(deliverable: Deliverable, agreement: Partnership, status: str,
                              delivered_on: date | None = None, note: str | None = None) -> Deliverable:
    """Change a deliverable's status (what a partner contact may do); delivering dates it today by default."""
    if status == "delivered" and delivered_on is None:
        delivered_on = deliverable.delivered_on or clock.today()
    if status != "delivered":
        delivered_on = None
    _raise_if(_check_deliverable(agreement, deliverable.title, deliverable.due_on, status, delivered_on))
    values = {"status": status, "delivered_on": delivered_on}
    if note is not None:
        values["note"] = note.strip() or None
    audit.apply_changes("deliverable.updated", deliverable, values, fields=DELIVERABLE_FIELDS)
    return deliverable


def delete_deliverable(deliverable: Deliverable) -> None:
    audit.record("deliverable.deleted", deliverable, before={"partnership_id": deliverable.partnership_id,
                                                             **audit.snapshot(deliverable, DELIVERABLE_FIELDS)})
    db.session.delete(deliverable)
    db.session.flush()


def is_overdue(deliverable: Deliverable, today: date | None = None) -> bool:
    return deliverable.status in ("planned", "in_progress") and deliverable.due_on < (today or clock.today())


# --- order-based training cohorts ----------------------------------------------------------------------

COHORT_FIELDS = ("cohort_year", "enrolled", "completed", "hired_in_zone", "completed_on")


def _check_cohort(agreement: Partnership, values: dict, existing: TrainingCohort | None = None) -> dict:
    problems = {}
    if agreement.kind != "talent_training":
        problems["cohort_year"] = _l("Training cohorts belong to order-based training agreements only.")
    year = values.get("cohort_year")
    if year is None or not 2000 <= year <= 2100:
        problems["cohort_year"] = _l("Give the cohort year, for example 2026.")
    elif existing is None or existing.cohort_year != year:
        clash = db.session.scalar(select(TrainingCohort.id).where(TrainingCohort.partnership_id == agreement.id,
                                                                  TrainingCohort.cohort_year == year))
        if clash is not None:
            problems["cohort_year"] = _l("This agreement already has a cohort of %(year)d.", year=year)
    enrolled, completed, hired = values["enrolled"], values["completed"], values["hired_in_zone"]
    if enrolled is None:
        problems["enrolled"] = _l("Give the number of students enrolled.")
    elif completed > enrolled:
        problems["completed"] = _l("Completed (%(completed)d) may not exceed enrolled (%(enrolled)d).",
                                   completed=completed, enrolled=enrolled)
    if hired > completed:
        problems["hired_in_zone"] = _l("Hired by zone companies (%(hired)d) may not exceed completed "
                                       "(%(completed)d).", hired=hired, completed=completed)
    completed_on = values.get("completed_on")
    if completed_on is not None and completed_on < agreement.starts_on:
        problems["completed_on"] = _l("The completion date may not be before the agreement starts.")
    if completed_on is not None and completed_on > clock.today() and completed:
        problems["completed_on"] = _l("Students cannot have completed a class that ends in the future.")
    return problems


def _cohort_values(data: dict) -> dict:
    return {
        "cohort_year": data.get("cohort_year"),
        "enrolled": data.get("enrolled"),
        "completed": data.get("completed") or 0,
        "hired_in_zone": data.get("hired_in_zone") or 0,
        "completed_on": data.get("completed_on"),
    }


def add_cohort(agreement: Partnership, data: dict, source: str | None = None) -> TrainingCohort:
    """Add a cohort (year, enrolled, completed, hired, completion date) to a talent_training agreement."""
    values = _cohort_values(data)
    _raise_if(_check_cohort(agreement, values))
    cohort = TrainingCohort(partnership_id=agreement.id, **values)
    if values["completed"]:
        cohort.figures_reported_at = clock.utcnow()
    db.session.add(cohort)
    db.session.flush()
    audit.record("training_cohort.created", cohort, source=source,
                 after={"partnership_id": agreement.id, **audit.snapshot(cohort, COHORT_FIELDS)})
    return cohort


def update_cohort(cohort: TrainingCohort, data: dict, *, figures_only: bool = False) -> TrainingCohort:
    """Change a cohort; a partner contact changes the figures only (the year stays)."""
    _raise_if(versioning.conflicts(cohort, data.get("version")))
    agreement = cohort.partnership
    values = _cohort_values(data)
    if figures_only or values["cohort_year"] is None:
        values["cohort_year"] = cohort.cohort_year
    _raise_if(_check_cohort(agreement, values, existing=cohort))
    audit.apply_changes("training_cohort.updated", cohort, {**values, "figures_reported_at": clock.utcnow()},
                        fields=COHORT_FIELDS)
    return cohort


def delete_cohort(cohort: TrainingCohort) -> None:
    audit.record("training_cohort.deleted", cohort, before={"partnership_id": cohort.partnership_id,
                                                            **audit.snapshot(cohort, COHORT_FIELDS)})
    db.session.delete(cohort)
    db.session.flush()


def get_cohort(user, cohort_id: int) -> TrainingCohort | None:
    query = select(TrainingCohort).join(Partnership, Partnership.id == TrainingCohort.partnership_id) \
        .where(TrainingCohort.id == cohort_id)
    return db.session.scalar(_scoped(query, agreement_scope(user)))


def cohort_query(user, year: int | None = None, q: str = "", awaiting: bool = False, sort: str = "-year"):
    query = select(TrainingCohort).join(Partnership, Partnership.id == TrainingCohort.partnership_id)
    query = _scoped(query, agreement_scope(user))
    if year:
        query = query.where(TrainingCohort.cohort_year == year)
    if awaiting:
        query = query.where(TrainingCohort.figures_reported_at.is_(None))
    if q:
        pattern = f"%{q.strip()}%"
        partner = Organisation.__table__.alias("cohort_partner")
        query = query.join(partner, partner.c.id == Partnership.partner_id).where(
            or_(Partnership.title.ilike(pattern), Partnership.reference.ilike(pattern), partner.c.name.ilike(pattern)))
    columns = {"year": TrainingCohort.cohort_year, "enrolled": TrainingCohort.enrolled,
               "completed": TrainingCohort.completed, "hired": TrainingCohort.hired_in_zone,
               "completed_on": TrainingCohort.completed_on}
    column = columns.get(sort.lstrip("-"), TrainingCohort.cohort_year)
    return query.order_by(column.desc() if sort.startswith("-") else column.asc(), TrainingCohort.id.desc())


def cohort_totals(user, year: int | None = None) -> list:
    """Per cohort year: cohorts, enrolled, completed, hired in the zone (one grouped statement)."""
    query = select(TrainingCohort.cohort_year.label("year"), func.count(TrainingCohort.id).label("cohorts"),
                   func.coalesce(func.sum(TrainingCohort.enrolled), 0).label("enrolled"),
                   func.coalesce(func.sum(TrainingCohort.completed), 0).label("completed"),
                   func.coalesce(func.sum(TrainingCohort.hired_in_zone), 0).label("hired")) \
        .join(Partnership, Partnership.id == TrainingCohort.partnership_id)
    query = _scoped(query, agreement_scope(user))
    if year:
        query = query.where(TrainingCohort.cohort_year == year)
    return list(db.session.execute(query.group_by(TrainingCohort.cohort_year)
                                   .order_by(TrainingCohort.cohort_year.desc())))


# --- tech-transfer deals ------------------------------------------------------------------------------

DEAL_FIELDS = ("reference", "deal_date", "title", "kind", "source_id", "recipient_id", "value", "patents")


def normalise_patents(text: str | None) -> str | None:
    """One patent number per line, blanks and repeats removed (commas and semicolons also separate)."""
    import re

    seen = []
    for item in re.split(r"[\n,;，；、]+", text or ""):
        number = item.strip().upper()
        if number and number not in seen:
            seen.append(number)
    return "\n".join(seen) or None


def _check_deal(user, values: dict, existing: TechTransferDeal | None = None) -> dict:
    problems = {}
    if not values["reference"]:
        problems["reference"] = _l("Give the deal a reference.")
    else:
        clash = select(TechTransferDeal.id).where(TechTransferDeal.reference == values["reference"])
        if existing is not None:
            clash = clash.where(TechTransferDeal.id != existing.id)
        if db.session.scalar(clash) is not None:
            problems["reference"] = _l("Another deal already uses the reference %(reference)s.",
                                       reference=values["reference"])
    if not values["title"]:
        problems["title"] = _l("Name the research result.")
    if values["kind"] not in DEAL_KINDS:
        problems["kind"] = _l("Choose how the result is transferred.")
    if values["deal_date"] is None:
        problems["deal_date"] = _l("Give the date of the deal.")
    elif values["deal_date"] > clock.today():
        problems["deal_date"] = _l("The date of a deal may not be in the future.")
    source = db.session.get(Organisation, values["source_id"] or 0)
    if source is None or source.kind not in INSTITUTION_KINDS:
        problems["source_id"] = _l("The source of a deal must be a university or research institute.")
    recipient = db.session.get(Organisation, values["recipient_id"] or 0)
    if recipient is None or recipient.kind not in COMPANY_KINDS:
        problems["recipient_id"] = _l("The recipient must be a startup or enterprise.")
    elif not _id_in(changeable_company_ids_for(user), recipient.id):
        problems["recipient_id"] = _l("Choose one of the companies listed.")
    if values["value"] < 0:
        problems["value"] = _l("The amount may not be negative.")
    return problems


def _deal_values(data: dict) -> dict:
    return {
        "reference": (data.get("reference") or "").strip(),
        "deal_date": data.get("deal_date"),
        "title": (data.get("title") or "").strip(),
        "kind": data.get("kind"),
        "source_id": data.get("source_id"),
        "recipient_id": data.get("recipient_id"),
        "value": int(data.get("value") or 0),
        "patents": normalise_patents(data.get("patents")),
    }


def create_deal(user, data: dict, source: str | None = None) -> TechTransferDeal:
    values = _deal_values(data)
    _raise_if(_check_deal(user, values))
    deal = TechTransferDeal(**values)
    db.session.add(deal)
    db.session.flush()
    audit.record("tech_transfer.created", deal, after=audit.snapshot(deal, DEAL_FIELDS), source=source)
    return deal


def update_deal(user, deal: TechTransferDeal, data: dict) -> TechTransferDeal:
    _raise_if(versioning.conflicts(deal, data.get("version")))
    values = _deal_values(data)
    _raise_if(_check_deal(user, values, existing=deal))
    audit.apply_changes("tech_transfer.updated", deal, values, fields=DEAL_FIELDS)
    return deal


def delete_deal(deal: TechTransferDeal) -> None:
    audit.record("tech_transfer.deleted", deal, before=audit.snapshot(deal, DEAL_FIELDS))
    db.session.delete(deal)
    db.session.flush()


def get_deal(user, deal_id: int) -> TechTransferDeal | None:
    return db.session.scalar(_scoped(select(TechTransferDeal).where(TechTransferDeal.id == deal_id),
                                     deal_scope(user)))


def deal_year():
    return func.extract("year", TechTransferDeal.deal_date)


def deal_query(user, year: int | None = None, kind: str = "", q: str = "", source_id: int | None = None,
               sort: str = "-date"):
    source = Organisation.__table__.alias("deal_source")
    recipient = Organisation.__table__.alias("deal_recipient")
    query = select(TechTransferDeal).join(source, source.c.id == TechTransferDeal.source_id) \
        .join(recipient, recipient.c.id == TechTransferDeal.recipient_id)
    query = _scoped(query, deal_scope(user))
    if year:
        query = query.where(TechTransferDeal.deal_date >= date(year, 1, 1),
                            TechTransferDeal.deal_date <= date(year, 12, 31))
    if kind in DEAL_KINDS:
        query = query.where(TechTransferDeal.kind == kind)
    if source_id:
        query = query.where(TechTransferDeal.source_id == source_id)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(TechTransferDeal.title.ilike(pattern), TechTransferDeal.reference.ilike(pattern),
                                TechTransferDeal.patents.ilike(pattern), source.c.name.ilike(pattern),
                                recipient.c.name.ilike(pattern)))
    columns = {"date": TechTransferDeal.deal_date, "value": TechTransferDeal.value,
               "reference": TechTransferDeal.reference, "title": TechTransferDeal.title,
               "source": source.c.name_sort, "recipient": recipient.c.name_sort}
    column = columns.get(sort.lstrip("-"), TechTransferDeal.deal_date)
    return query.order_by(column.desc() if sort.startswith("-") else column.asc(), TechTransferDeal.id.desc())


@dataclass
class YearTotal:
    year: int
    deals: int
    value: int  # yuan
    by_kind: dict


def deal_totals_by_year(user) -> list[YearTotal]:
    """Deals and their value per year and kind, summed by the database (one grouped statement)."""
    year = deal_year()
    query = select(year.label("year"), TechTransferDeal.kind, func.count(TechTransferDeal.id).label("deals"),
                   func.coalesce(func.sum(TechTransferDeal.value), 0).label("value"))
    query = _scoped(query, deal_scope(user)).group_by(year, TechTransferDeal.kind)
    totals: dict[int, YearTotal] = {}
    for row in db.session.execute(query):
        key = int(row.year)
        total = totals.setdefault(key, YearTotal(key, 0, 0, {}))
        total.deals += row.deals
        total.value += int(row.value)
        total.by_kind[row.kind] = (row.deals, int(row.value))
    return sorted(totals.values(), key=lambda item: item.year, reverse=True)


# --- institutions --------------------------------------------------------------------------------------

INSTITUTION_FIELDS = ("name", "credit_code", "kind", "address", "contact_name", "contact_phone", "contact_email")


def _check_institution(values: dict, existing: Organisation | None = None) -> dict:
    problems = {}
    if not values["name"]:
        problems["name"] = _l("Give the institution's name.")
    if values["kind"] not in INSTITUTION_KINDS:
        problems["kind"] = _l("Choose university or research institute.")
    try:  # the organisations' rule: valid check character, unique among all organisations
        clean_credit_code(values["credit_code"], existing.id if existing is not None else None)
    except OrganisationError as error:
        problems["credit_code"] = error.message
    if existing is not None and existing.kind != values["kind"] and values["kind"] not in INSTITUTION_KINDS:
        problems["kind"] = _l("Choose university or research institute.")
    return problems


def _institution_values(data: dict) -> dict:
    values = {key: (data.get(key) or "").strip() or None for key in INSTITUTION_FIELDS}
    values["name"] = values["name"] or ""
    values["credit_code"] = credit_codes.normalise(values["credit_code"]) or None
    return values


def create_institution(data: dict) -> Organisation:
    values = _institution_values(data)
    _raise_if(_check_institution(values))
    org = Organisation(name_sort=pinyin_sort_key(values["name"]), **values)
    db.session.add(org)
    db.session.flush()
    audit.record("institution.created", org, after=audit.snapshot(org, INSTITUTION_FIELDS))
    return org


def update_institution(org: Organisation, data: dict) -> Organisation:
    values = _institution_values(data)
    _raise_if(_check_institution(values, existing=org))
    audit.apply_changes("institution.updated", org, {**values, "name_sort": pinyin_sort_key(values["name"])},
                        fields=INSTITUTION_FIELDS)
    return org


def get_institution(institution_id: int) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.id == institution_id,
                                                        Organisation.kind.in_(INSTITUTION_KINDS)))


def find_institution_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.credit_code == credit_codes.normalise(code)))


def institution_query(user, q: str = "", kind: str = "", sort: str = "name"):
    """Institutions with their figures in one statement: agreements (all, active), deals and value, hired.

    The figures count what ``user`` may see (a manager: their platforms' and companies' records).
    """
    today = clock.today()
    agreements = _scoped(select(Partnership.partner_id.label("org_id"),
                                func.count(Partnership.id).label("agreements"),
                                func.sum(case((status_clause("active", today), 1), else_=0)).label("active")),
                         agreement_scope(user)).group_by(Partnership.partner_id).subquery("agreement_figures")
    deals = _scoped(select(TechTransferDeal.source_id.label("org_id"), func.count(TechTransferDeal.id).label("deals"),
                           func.sum(TechTransferDeal.value).label("deal_value")), deal_scope(user)) \
        .group_by(TechTransferDeal.source_id).subquery("deal_figures")
    hired = _scoped(select(Partnership.partner_id.label("org_id"),
                           func.sum(TrainingCohort.hired_in_zone).label("hired"))
                    .join(TrainingCohort, TrainingCohort.partnership_id == Partnership.id), agreement_scope(user)) \
        .group_by(Partnership.partner_id).subquery("hired_figures")
    query = (select(Organisation,
                    func.coalesce(agreements.c.agreements, 0).label("agreements"),
                    func.coalesce(agreements.c.active, 0).label("active"),
                    func.coalesce(deals.c.deals, 0).label("deals"),
                    func.coalesce(deals.c.deal_value, 0).label("deal_value"),
                    func.coalesce(hired.c.hired, 0).label("hired"))
             .outerjoin(agreements, agreements.c.org_id == Organisation.id)
             .outerjoin(deals, deals.c.org_id == Organisation.id)
             .outerjoin(hired, hired.c.org_id == Organisation.id)
             .where(Organisation.kind.in_(INSTITUTION_KINDS)))
    if kind in INSTITUTION_KINDS:
        query = query.where(Organisation.kind == kind)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Organisation.name.ilike(pattern), Organisation.credit_code.ilike(pattern),
                                Organisation.contact_name.ilike(pattern)))
    columns = {"name": Organisation.name_sort, "agreements": agreements.c.agreements, "deals": deals.c.deals,
               "value": deals.c.deal_value, "hired": hired.c.hired}
    column = columns.get(sort.lstrip("-"), Organisation.name_sort)
    order = column.desc() if sort.startswith("-") else column.asc()
    return query.order_by(order.nulls_last() if column is not Organisation.name_sort else order, Organisation.id)


@dataclass
class InstitutionSummary:
    institution: Organisation
    contacts: list
    agreements: list
    agreements_by_kind: dict
    cohorts: list
    trained: dict
    deals: list
    deal_total: dict
    talents: list
    accounts: list


def institution_summary(user, institution: Organisation) -> InstitutionSummary:
    """Everything an institution has done with the zone, computed set-based (a fixed number of statements)."""
    scope = agreement_scope(user)
    agreements = list(db.session.scalars(_scoped(select(Partnership).where(Partnership.partner_id == institution.id),
                                                 scope).order_by(Partnership.starts_on.desc(), Partnership.id.desc()))
                      .unique())
    by_kind_rows = db.session.execute(_scoped(select(Partnership.kind, func.count(Partnership.id),
                                                     func.coalesce(func.sum(Partnership.contract_value), 0))
                                              .where(Partnership.partner_id == institution.id), scope)
                                      .group_by(Partnership.kind))
    by_kind = {kind: (count, int(value)) for kind, count, value in by_kind_rows}
    cohorts = list(db.session.scalars(_scoped(
        select(TrainingCohort).join(Partnership, Partnership.id == TrainingCohort.partnership_id)
        .where(Partnership.partner_id == institution.id), scope)
        .order_by(TrainingCohort.cohort_year.desc(), TrainingCohort.id)).unique())
    trained = db.session.execute(_scoped(
        select(func.count(TrainingCohort.id).label("cohorts"),
               func.coalesce(func.sum(TrainingCohort.enrolled), 0).label("enrolled"),
               func.coalesce(func.sum(TrainingCohort.completed), 0).label("completed"),
               func.coalesce(func.sum(TrainingCohort.hired_in_zone), 0).label("hired"))
        .join(Partnership, Partnership.id == TrainingCohort.partnership_id)
        .where(Partnership.partner_id == institution.id), scope)).one()
    deal_scope_clause = deal_scope(user)
    deals = list(db.session.scalars(_scoped(select(TechTransferDeal).where(TechTransferDeal.source_id == institution.id),
                                            deal_scope_clause)
                                    .order_by(TechTransferDeal.deal_date.desc(), TechTransferDeal.id.desc())).unique())
    deal_total = db.session.execute(_scoped(
        select(func.count(TechTransferDeal.id).label("deals"),
               func.coalesce(func.sum(TechTransferDeal.value), 0).label("value"))
        .where(TechTransferDeal.source_id == institution.id), deal_scope_clause)).one()
    talents = list(db.session.scalars(_scoped(select(Talent).where(Talent.institution_id == institution.id),
                                              talent_scope(user)).order_by(Talent.joined_on.desc())).unique())
    contacts = list(db.session.scalars(select(InstitutionContact)
                                       .where(InstitutionContact.organisation_id == institution.id)
                                       .order_by(InstitutionContact.id)))
    from ..auth.models import User

    accounts = list(db.session.scalars(select(User).where(User.organisation_id == institution.id,
                                                          User.role == "partner").order_by(User.email)))
    return InstitutionSummary(
        institution=institution, contacts=contacts, accounts=accounts, agreements=agreements, agreements_by_kind=by_kind,
        cohorts=cohorts,
        trained={"cohorts": trained.cohorts, "enrolled": int(trained.enrolled), "completed": int(trained.completed),
                 "hired": int(trained.hired)},
        deals=deals, deal_total={"deals": deal_total.deals, "value": int(deal_total.value)}, talents=talents,
    )


CONTACT_FIELDS = ("name", "position", "phone", "email")


def add_contact(institution: Organisation, data: dict) -> InstitutionContact:
    values = {key: (data.get(key) or "").strip() or None for key in CONTACT_FIELDS}
    if not values["name"]:
        raise Problems({"name": _l("Give the contact's name.")})
    if not values["phone"] and not values["email"]:
        raise Problems({"phone": _l("Give a phone number or an e-mail address.")})
    contact = InstitutionContact(organisation_id=institution.id, **values)
    db.session.add(contact)
    db.session.flush()
    audit.record("institution_contact.created", contact,
                 after={"organisation_id": institution.id, **audit.snapshot(contact, CONTACT_FIELDS)})
    return contact


def delete_contact(contact: InstitutionContact) -> None:
    audit.record("institution_contact.deleted", contact,
                 before={"organisation_id": contact.organisation_id, **audit.snapshot(contact, CONTACT_FIELDS)})
    db.session.delete(contact)
    db.session.flush()


# --- talent --------------------------------------------------------------------------------------------

TALENT_FIELDS = ("name", "category", "members", "field", "joined_on", "company_id", "platform_id",
                 "institution_id", "note")


def _talent_values(data: dict) -> dict:
    values = {key: data.get(key) for key in TALENT_FIELDS}
    values["name"] = (values["name"] or "").strip()
    values["field"] = (values["field"] or "").strip() or None
    values["note"] = (values["note"] or "").strip() or None
    values["company_id"] = values["company_id"] or None
    values["platform_id"] = values["platform_id"] or None
    values["institution_id"] = values["institution_id"] or None
    if values["category"] != "team":
        values["members"] = 1
    return values


def _check_talent(user, values: dict) -> dict:
    problems = {}
    if not values["name"]:
        problems["name"] = _l("Give the name of the talent or team.")
    if values["category"] not in TALENT_CATEGORIES:
        problems["category"] = _l("Choose a category.")
    elif values["category"] == "team" and (values["members"] or 0) < 2:
        problems["members"] = _l("A team has at least two members.")
    if values["joined_on"] is None:
        problems["joined_on"] = _l("Give the date they joined.")
    elif values["joined_on"] > clock.today():
        problems["joined_on"] = _l("The date they joined may not be in the future.")
    if values["company_id"] and values["platform_id"]:
        problems["platform_id"] = _l("Choose the company or the platform they joined, not both.")
    elif not values["company_id"] and not values["platform_id"]:
        problems["company_id"] = _l("Choose the company or the platform they joined.")
    if values["company_id"]:
        company = db.session.get(Organisation, values["company_id"])
        if company is None or company.kind not in COMPANY_KINDS or not _id_in(changeable_company_ids_for(user), company.id):
            problems["company_id"] = _l("Choose one of the companies listed.")
    if values["platform_id"] and (db.session.get(Platform, values["platform_id"]) is None
                                  or not _id_in(platform_ids_for(user), values["platform_id"])):
        problems["platform_id"] = _l("Choose one of the platforms listed.")
    if values["institution_id"]:
        institution = db.session.get(Organisation, values["institution_id"])
        if institution is None or institution.kind not in INSTITUTION_KINDS:
            problems["institution_id"] = _l("The partner must be a university or research institute.")
    return problems


def create_talent(user, data: dict) -> Talent:
    values = _talent_values(data)
    _raise_if(_check_talent(user, values))
    talent = Talent(**values)
    db.session.add(talent)
    db.session.flush()
    audit.record("talent.created", talent, after=audit.snapshot(talent, TALENT_FIELDS))
    return talent


def update_talent(user, talent: Talent, data: dict) -> Talent:
    _raise_if(versioning.conflicts(talent, data.get("version")))
    values = _talent_values(data)
    _raise_if(_check_talent(user, values))
    audit.apply_changes("talent.updated", talent, values, fields=TALENT_FIELDS)
    return talent


def delete_talent(talent: Talent) -> None:
    audit.record("talent.deleted", talent, before=audit.snapshot(talent, TALENT_FIELDS))
    db.session.delete(talent)
    db.session.flush()


def get_talent(user, talent_id: int) -> Talent | None:
    return db.session.scalar(_scoped(select(Talent).where(Talent.id == talent_id), talent_scope(user)))


def talent_query(user, q: str = "", category: str = "", year: int | None = None, sort: str = "-joined_on"):
    query = _scoped(select(Talent).options(defaultload(Talent.platform).lazyload(Platform.managers)),
                    talent_scope(user))
    if category in TALENT_CATEGORIES:
        query = query.where(Talent.category == category)
    if year:
        query = query.where(Talent.joined_on >= date(year, 1, 1), Talent.joined_on <= date(year, 12, 31))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(Talent.name.ilike(pattern), Talent.field.ilike(pattern)))
    columns = {"joined_on": Talent.joined_on, "name": Talent.name, "category": Talent.category,
               "members": Talent.members}
    column = columns.get(sort.lstrip("-"), Talent.joined_on)
    return query.order_by(column.desc() if sort.startswith("-") else column.asc(), Talent.id.desc())


def talent_totals(user) -> dict[str, tuple[int, int]]:
    """Per category: entries and persons (one grouped statement)."""
    rows = db.session.execute(_scoped(select(Talent.category, func.count(Talent.id), func.sum(Talent.members)),
                                      talent_scope(user)).group_by(Talent.category))
    return {category: (count, int(persons or 0)) for category, count, persons in rows}


# --- attachments (the signed agreement) -------------------------------------------------------------------

def add_attachment(agreement: Partnership, file_storage, user, title: str | None = None) -> PartnershipAttachment:
    """Keep a file with an agreement (PDF, scans, Word): checked by content by the shared upload helper.

    :raises uploads.UploadError: empty file or a type that is not a document.
    """
    from .. import uploads

    stored = uploads.store_upload(file_storage, kind="partnership_agreement", allowed=uploads.DOCUMENT_TYPES,
                                  owner=user, organisation_id=agreement.partner_id)
    attachment = PartnershipAttachment(partnership_id=agreement.id, stored_file_id=stored.id,
                                       title=(title or "").strip() or None)
    db.session.add(attachment)
    db.session.flush()
    audit.record("partnership.attachment_added", agreement,
                 after={"attachment_id": attachment.id, "file": stored.original_name, "title": attachment.title})
    return attachment


def get_attachment(user, attachment_id: int) -> PartnershipAttachment | None:
    """An attachment of an agreement ``user`` may see (None otherwise, and for deleted files)."""
    query = select(PartnershipAttachment).join(Partnership, Partnership.id == PartnershipAttachment.partnership_id) \
        .where(PartnershipAttachment.id == attachment_id)
    attachment = db.session.scalar(_scoped(query, agreement_scope(user)))
    if attachment is None or attachment.stored_file.deleted_at is not None:
        return None
    return attachment


def delete_attachment(attachment: PartnershipAttachment) -> None:
    from .. import uploads

    audit.record("partnership.attachment_deleted", entity_type="partnerships", entity_id=attachment.partnership_id,
                 before={"attachment_id": attachment.id, "file": attachment.stored_file.original_name})
    uploads.delete_stored(attachment.stored_file, reason="partnership attachment removed")
    db.session.delete(attachment)
    db.session.flush()


def _remove_stored_file(attachment: PartnershipAttachment) -> None:
    from .. import uploads

    uploads.delete_stored(attachment.stored_file, reason="partnership deleted")


# --- partner accounts and home panels --------------------------------------------------------------------

def bind_partner_account(user, code: str) -> None:
    """Attach a partner contact's account to their institution (``create-user --institution``)."""
    from ..auth.services import AccountError

    if user.role != "partner":
        raise AccountError(_l("Only partner accounts are bound to an institution."))
    institution = find_institution_by_code(code)
    if institution is None:
        raise AccountError(_l("No organisation has the credit code %(code)s.", code=credit_codes.normalise(code)))
    if institution.kind not in INSTITUTION_KINDS:
        raise AccountError(_l("%(name)s is not a university or research institute.", name=institution.name))
    user.organisation_id = institution.id
    audit.record("user.bound_to_institution", user, after={"organisation_id": institution.id})
    db.session.flush()


def bind_partner_by_email(institution: Organisation, email: str):
    """Bind an existing partner account, found by e-mail, to ``institution`` (the web side of the CLI option)."""
    from ..auth.services import find_user

    user = find_user(email or "")
    if user is None or user.role != "partner":
        raise Problems({"email": _l("No partner account uses this e-mail address.")})
    before = user.organisation_id
    user.organisation_id = institution.id
    audit.record("user.bound_to_institution", user, before={"organisation_id": before},
                 after={"organisation_id": institution.id})
    db.session.flush()
    return user


def partner_accounts_of(institution_id: int) -> list:
    from ..auth.models import User

    return list(db.session.scalars(select(User).where(User.organisation_id == institution_id, User.role == "partner",
                                                      User.is_enabled.is_(True))))


def notify_cohort_awaiting(cohort: TrainingCohort):
    """Tell the institution's partner contacts that a new cohort awaits their figures (a job when they
    are many)."""
    from flask import url_for

    from ..jobs.services import notify_many

    agreement = cohort.partnership
    return notify_many(partner_accounts_of(agreement.partner_id),
                       _l("Cohort %(year)s of agreement %(reference)s awaits your figures"),
                       _l("Please report how many students completed the class and how many zone companies "
                          "hired."),
                       link=url_for("partnerships.cohort", cohort_id=cohort.id), year=cohort.cohort_year,
                       reference=agreement.reference)


def notify_figures_reported(cohort: TrainingCohort, reporter):
    """Tell the zone office (and the platform's managers) that a partner contact reported a cohort's figures."""
    from flask import url_for

    from ..auth.models import User
    from ..jobs.services import notify_many

    agreement = cohort.partnership
    readers = list(db.session.scalars(select(User).where(User.role == "admin", User.is_enabled.is_(True))
                                      .order_by(User.id)))
    if agreement.platform is not None:
        readers += [manager for manager in agreement.platform.managers if manager.is_enabled]
    return notify_many(readers, _l("%(institution)s reported the figures of cohort %(year)s (%(reference)s)"),
                       owner=reporter,
                       link=url_for("partnerships.agreement", agreement_id=agreement.id, _anchor="cohorts"),
                       institution=agreement.partner.name, year=cohort.cohort_year, reference=agreement.reference)


def expiring_agreements(user, limit: int = 8) -> tuple[int, list[Partnership]]:
    query = agreement_query(user, status="expiring", sort="ends_on")
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return total, list(db.session.scalars(query.limit(limit)).unique())


def overdue_deliverables(user, limit: int = 8) -> list[Deliverable]:
    query = (select(Deliverable).join(Partnership, Partnership.id == Deliverable.partnership_id)
             .where(Deliverable.status.in_(("planned", "in_progress")), Deliverable.due_on < clock.today()))
    query = _scoped(query, agreement_scope(user)).order_by(Deliverable.due_on).limit(limit)
    return list(db.session.scalars(query))


def partners_panel(user) -> dict:
    """Home panel of a partner contact: their agreements and cohorts awaiting figures."""
    agreements = list(db.session.scalars(agreement_query(user, status="active", sort="ends_on").limit(10)).unique())
    awaiting = list(db.session.scalars(cohort_query(user, awaiting=True, sort="year").limit(10)).unique())
    return {"agreements": agreements, "awaiting": awaiting, "overdue": overdue_deliverables(user)}


def expiring_panel(user) -> dict:
    total, agreements = expiring_agreements(user)
    return {"total": total, "agreements": agreements, "overdue": overdue_deliverables(user)}


# --- exports (the columns of the import kinds, so an export can be imported again) -------------------------

AGREEMENT_EXPORT_HEADER = ("reference", "partner_credit_code", "kind", "title", "starts_on", "ends_on",
                           "company_credit_code", "platform_code", "contract_value")
TRAINING_EXPORT_HEADER = ("partnership_reference", "cohort_year", "enrolled", "completed", "hired_in_zone",
                          "completed_on")
DEAL_EXPORT_HEADER = ("reference", "date", "title", "kind", "source_credit_code", "recipient_credit_code", "value")


def agreement_rows(query):
    """Rows of the ``partnerships`` import kind for the agreements ``query`` selects (one statement)."""
    for a in db.session.scalars(query).unique():
        yield (a.reference, a.partner.credit_code, a.kind, a.title, a.starts_on, a.ends_on,
               a.company.credit_code if a.company else None, a.platform.code if a.platform else None,
               yuan_to_wan(a.contract_value))


def cohort_rows(query):
    for c in db.session.scalars(query).unique():
        yield (c.partnership.reference, c.cohort_year, c.enrolled, c.completed, c.hired_in_zone, c.completed_on)


def deal_rows(query):
    for d in db.session.scalars(query).unique():
        yield (d.reference, d.deal_date, d.title, d.kind, d.source.credit_code, d.recipient.credit_code,
               yuan_to_wan(d.value))
