"""Rules of the compliance area: evaluating rule sets, distances, rule-set editing and annual facts."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from flask_babel import format_decimal, gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from .. import clock
from ..access import platform_ids_for, scoped
from ..audit import services as audit
from ..extensions import db
from ..saving import FieldRuleBroken
from ..i18n import localized
from ..platforms.models import Platform
from .computations import COMPUTATIONS, UNITS, Context, Measure
from .defaults import CHECK_NOTE, DEFAULT_RULE_SETS
from .models import (FACT_AREA_FIELDS, FACT_COUNT_FIELDS, FACT_MONEY_FIELDS, Criterion, PlatformAnnualFacts,
                     RuleSet)

PLATFORM_SUBJECTS = ("incubator", "maker_space", "academician_workstation")


class ComplianceError(FieldRuleBroken):
    """A change the rules refuse (shown to the user)."""


# --- evaluating -----------------------------------------------------------------------------------------

def compare(criterion: Criterion, measure: Measure) -> bool:
    """Whether ``measure`` satisfies the criterion; exact, and the boundary counts as met."""
    if not measure.defined:
        return False
    threshold = criterion.threshold
    if measure.is_ratio:
        left, right = measure.numerator * measure.scale, threshold * measure.denominator
    else:
        left, right = measure.numerator, threshold
    if criterion.comparison == ">=":
        return left >= right
    if criterion.comparison == "<=":
        return left <= right
    return left == right


def shortfall(criterion: Criterion, measure: Measure) -> Decimal | None:
    """How far a measure is from the threshold, in the numerator's unit (None when met or undefined).

    For a ratio this is how much more (or less) of the numerator would meet the threshold with the same
    denominator: "12 more tenants" for tenants per 1,000 m², "1,800 m² more in use" for a share of the area.
    """
    if not measure.defined or compare(criterion, measure):
        return None
    target = criterion.threshold
    if measure.is_ratio:
        target = target * measure.denominator / measure.scale
    gap = abs(target - measure.numerator)
    item = COMPUTATIONS[criterion.computation]
    if item.integral:
        return Decimal(math.ceil(gap))
    # Round up, so that adding the distance always reaches the threshold (money to the yuan, areas to 0.01 m²).
    return gap.quantize(Decimal("0.0001") if item.unit == "wan" else Decimal("0.01"), rounding=ROUND_CEILING)


@dataclass
class CriterionResult:
    criterion: Criterion
    measure: Measure
    met: bool
    gap: Decimal | None
    group_met: bool = False

    @property
    def value(self) -> Decimal | None:
        return self.measure.value

    @property
    def name(self) -> str:
        return localized(self.criterion.name_zh, self.criterion.name_en)

    def distance_text(self) -> str:
        """"12 more tenants", "1,800 m² more", or why it cannot be computed."""
        if self.met:
            return ""
        if not self.measure.defined:
            return _("cannot be computed yet: the base figure is zero or missing")
        item = COMPUTATIONS[self.criterion.computation]
        singular, plural = item.more if self.criterion.comparison != "<=" else item.fewer
        if self.criterion.comparison == "==":
            return _("should be %(t)s", t=format_value(self.criterion.threshold, item.unit))
        count = int(self.gap) if self.gap == self.gap.to_integral_value() else 2
        return ngettext(singular, plural, count, n=format_decimal(self.gap, format="#,##0.####"))


@dataclass
class RuleSetResult:
    rule_set: RuleSet
    subject_id: int
    criteria: list[CriterionResult] = field(default_factory=list)

    @property
    def groups(self) -> dict[str, list[CriterionResult]]:
        groups: dict[str, list[CriterionResult]] = defaultdict(list)
        for item in self.criteria:
            groups[item.criterion.group_code or f"#{item.criterion.id}"].append(item)
        return groups

    @property
    def met(self) -> bool:
        return bool(self.criteria) and all(any(item.met for item in group) for group in self.groups.values())

    @property
    def groups_met(self) -> int:
        return sum(1 for group in self.groups.values() if any(item.met for item in group))

    @property
    def groups_total(self) -> int:
        return len(self.groups)


def format_value(value: Decimal | None, unit: str) -> str:
    """A measure or threshold for people: percentages and ratios to 2 decimals, flags as yes/no."""
    if value is None:
        return "—"
    if unit == "flag":
        return _("yes") if value >= 1 else _("no")
    if unit in ("percent", "per_1000_m2", "per_10_tenants", "years", "wan", "m2"):
        rounded = value.quantize(Decimal("0.01"))
        text = format_decimal(rounded, format="#,##0.##")
    else:
        text = format_decimal(value, format="#,##0.##")
    suffix = str(UNITS.get(unit, ""))
    if not suffix:
        return text
    return f"{text}{suffix}" if unit == "percent" else f"{text} {suffix}"


def evaluate(rule_sets: list[RuleSet], ctx: Context, subject_kinds: dict[int, str] | None = None
             ) -> dict[tuple[int, int], RuleSetResult]:
    """Evaluate ``rule_sets`` for the context's subjects: {(rule set id, subject id): result}.

    :param subject_kinds: platform id -> kind; a platform rule set applies to platforms of its kind only.
        Company rule sets apply to every subject of the context.
    """
    measures: dict[str, dict[int, Measure]] = {}
    results: dict[tuple[int, int], RuleSetResult] = {}
    for rule_set in rule_sets:
        if rule_set.subject == "company":
            subjects = ctx.subject_ids
        else:
            subjects = [sid for sid in ctx.subject_ids if (subject_kinds or {}).get(sid) == rule_set.subject]
        for subject_id in subjects:
            result = RuleSetResult(rule_set, subject_id)
            for criterion in rule_set.criteria:
                if criterion.computation not in COMPUTATIONS:
                    continue
                if criterion.computation not in measures:
                    measures[criterion.computation] = COMPUTATIONS[criterion.computation].compute(ctx)
                measure = measures[criterion.computation].get(subject_id, Measure(Decimal(0)))
                met = compare(criterion, measure)
                result.criteria.append(CriterionResult(criterion, measure, met, shortfall(criterion, measure)))
            for group in result.groups.values():
                group_met = any(item.met for item in group)
                for item in group:
                    item.group_met = group_met
            results[(rule_set.id, subject_id)] = result
    return results


def active_rule_sets(subjects=None) -> list[RuleSet]:
    query = select(RuleSet).where(RuleSet.is_active.is_(True)).order_by(RuleSet.subject, RuleSet.effective_on.desc(),
                                                                        RuleSet.code)
    if subjects is not None:
        query = query.where(RuleSet.subject.in_(list(subjects)))
    return list(db.session.scalars(query))


def platform_gap(platform: Platform, year: int) -> list[RuleSetResult]:
    """Every active rule set of the platform's kind, evaluated for ``year``."""
    rule_sets = active_rule_sets([platform.kind])
    results = evaluate(rule_sets, Context.for_year(year, [platform.id], platforms=[platform]),
                       {platform.id: platform.kind})
    return [results[(rs.id, platform.id)] for rs in rule_sets if (rs.id, platform.id) in results]


def visible_assessed_platforms(user) -> list[Platform]:
    """The platforms of a kind some rule set judges, that ``user`` may see, by code."""
    query = select(Platform).where(Platform.kind.in_(PLATFORM_SUBJECTS)).order_by(Platform.code).options(lazyload("*"))
    return list(db.session.scalars(scoped(query, platform_ids_for(user), Platform.id)))


def zone_overview(user, year: int) -> tuple[list[Platform], list[RuleSet], dict]:
    """All visible platforms against all active platform rule sets of their kind, in a fixed number of queries."""
    platforms = visible_assessed_platforms(user)
    rule_sets = active_rule_sets(PLATFORM_SUBJECTS)
    results = evaluate(rule_sets, Context.for_year(year, [p.id for p in platforms], platforms=platforms),
                       {p.id: p.kind for p in platforms})
    return platforms, rule_sets, results


def history(platform: Platform, years: list[int]) -> list[tuple[int, list[RuleSetResult]]]:
    """The platform's results year by year (newest first)."""
    rule_sets = active_rule_sets([platform.kind])
    rows = []
    for year in sorted(years, reverse=True):
        results = evaluate(rule_sets, Context.for_year(year, [platform.id], platforms=[platform]),
                           {platform.id: platform.kind})
        rows.append((year, [results[(rs.id, platform.id)] for rs in rule_sets if (rs.id, platform.id) in results]))
    return rows


def history_years(platform: Platform, count: int = 5) -> list[int]:
    """The last ``count`` years up to this one, not before the platform started operating."""
    this_year = clock.today().year
    first = max(this_year - count + 1, platform.operating_since.year if platform.operating_since else this_year - count + 1)
    return list(range(first, this_year + 1))


# --- rule sets as data ----------------------------------------------------------------------------------

RULE_SET_FIELDS = ("code", "name_zh", "name_en", "subject", "region", "source_document", "effective_on", "is_active",
                   "notes")
CRITERION_FIELDS = ("code", "name_zh", "name_en", "computation", "comparison", "threshold_scaled", "group_code",
                    "sort_order")


def install_default_rule_sets() -> int:
    """Add the official rule sets never installed before; returns how many were added.

    A rule set installed once is the administrators' from then on: kept when they edit it, and not
    installed again when they change its code (the audit trail remembers the codes installed).
    """
    from ..audit.models import AuditEvent

    existing = set(db.session.scalars(select(RuleSet.code)))
    existing.update((after or {}).get("code") for after in db.session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "rule_set_installed").order_by(AuditEvent.id)))
    added = 0
    for spec in DEFAULT_RULE_SETS:
        if spec["code"] in existing:
            continue
        rule_set = RuleSet(**{key: spec[key] for key in ("code", "name_zh", "name_en", "subject", "region",
                                                           "source_document", "effective_on")}, notes=CHECK_NOTE)
        for order, item in enumerate(spec["criteria"], start=1):
            criterion = Criterion(code=item["code"], name_zh=item["name_zh"], name_en=item["name_en"],
                                  computation=item["computation"], comparison=item["comparison"],
                                  group_code=item["group_code"], sort_order=order * 10)
            criterion.threshold = item["threshold"]
            rule_set.criteria.append(criterion)
        db.session.add(rule_set)
        db.session.flush()
        audit.record("rule_set_installed", rule_set, after={**audit.snapshot(rule_set, RULE_SET_FIELDS),
                                                            "criteria": len(rule_set.criteria)})
        added += 1
    return added


def _check_code_free(code: str, exclude_id: int | None = None) -> None:
    found = db.session.scalar(select(RuleSet.id).where(RuleSet.code == code))
    if found is not None and found != exclude_id:
        raise ComplianceError(_("A rule set with the code %(code)s already exists.", code=code))


def update_rule_set(rule_set: RuleSet, **values) -> None:
    """Change a rule set's names, source, dates or status (its subject is fixed once criteria exist)."""
    if "code" in values:
        _check_code_free(values["code"], rule_set.id)
    audit.apply_changes("rule_set_updated", rule_set, {key: value for key, value in values.items()
                                                       if key in RULE_SET_FIELDS and key != "subject"},
                        fields=RULE_SET_FIELDS)


def copy_rule_set(source: RuleSet, *, code: str, name_zh: str, name_en: str, region: str | None,
                  source_document: str, effective_on) -> RuleSet:
    """A new rule set with the same criteria (a province's variant or a new edition), to be edited next."""
    _check_code_free(code)
    copy = RuleSet(code=code, name_zh=name_zh, name_en=name_en, subject=source.subject, region=region,
                   source_document=source_document, effective_on=effective_on, is_active=True,
                   notes=source.notes, based_on_id=source.id)
    for item in source.criteria:
        copy.criteria.append(Criterion(**{key: getattr(item, key) for key in CRITERION_FIELDS}))
    db.session.add(copy)
    db.session.flush()
    audit.record("rule_set_copied", copy, after={**audit.snapshot(copy, RULE_SET_FIELDS), "based_on": source.code},
                 reason=_("Copied from %(code)s", code=source.code))
    return copy


def _validate_criterion(rule_set: RuleSet, values: dict, exclude_id: int | None = None) -> None:
    item = COMPUTATIONS.get(values.get("computation"))
    expected = "company" if rule_set.subject == "company" else "platform"
    if item is None or item.subject != expected:
        raise ComplianceError(_("This computation does not apply to this rule set."))
    for other in rule_set.criteria:
        if other.code == values.get("code") and other.id != exclude_id:
            raise ComplianceError(_("A criterion with the code %(code)s already exists in this rule set.",
                                    code=values["code"]))


def save_criterion(rule_set: RuleSet, criterion: Criterion | None, values: dict) -> Criterion:
    """Add (``criterion`` None) or change a criterion; ``values['threshold']`` is a Decimal."""
    values = dict(values)
    threshold = values.pop("threshold")
    _validate_criterion(rule_set, values, criterion.id if criterion else None)
    creating = criterion is None
    if creating:
        criterion = Criterion(rule_set=rule_set)
        db.session.add(criterion)
    with audit.track_changes("criterion_added" if creating else "criterion_updated", criterion,
                             fields=CRITERION_FIELDS, created=creating, source_detail=rule_set.code):
        for key, value in values.items():
            if key in CRITERION_FIELDS:
                setattr(criterion, key, value or None if key == "group_code" else value)
        criterion.threshold = threshold
    return criterion


def delete_criterion(criterion: Criterion) -> None:
    audit.record("criterion_deleted", criterion, before=audit.snapshot(criterion, CRITERION_FIELDS),
                 source_detail=criterion.rule_set.code)
    criterion.rule_set.criteria.remove(criterion)
    db.session.flush()


# --- annual facts ---------------------------------------------------------------------------------------

FACT_FIELDS = FACT_COUNT_FIELDS + FACT_AREA_FIELDS + FACT_MONEY_FIELDS


def facts_for(platform_id: int, year: int) -> PlatformAnnualFacts | None:
    return db.session.scalar(select(PlatformAnnualFacts).where(PlatformAnnualFacts.platform_id == platform_id,
                                                               PlatformAnnualFacts.year == year))


def facts_years(platform_id: int) -> list[PlatformAnnualFacts]:
    return list(db.session.scalars(select(PlatformAnnualFacts).where(PlatformAnnualFacts.platform_id == platform_id)
                                   .order_by(PlatformAnnualFacts.year.desc())))


def save_facts(platform: Platform, year: int, values: dict) -> PlatformAnnualFacts:
    """Create or update a platform's facts of ``year``; money in whole yuan, areas as Decimal m²."""
    facts = facts_for(platform.id, year)
    creating = facts is None
    if creating:
        facts = PlatformAnnualFacts(platform_id=platform.id, year=year)
        db.session.add(facts)
    filled = {}
    for key in FACT_FIELDS:
        if key in values:
            value = values[key]
            if value is None and key != "area_total_m2":
                value = Decimal(0) if key in FACT_AREA_FIELDS else 0
            filled[key] = value
    audit.apply_changes("annual_facts_created" if creating else "annual_facts_updated", facts, filled,
                        fields=FACT_FIELDS, created=creating, always=creating,
                        source_detail=f"{platform.code} {year}")
    return facts
