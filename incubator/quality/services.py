"""Anomaly checks at work: the settings in force, a period's data read in a few queries, the flags of a period or
of one report (also of figures not saved yet), the founders' notes and the flagged reports of a platform.

Flags are computed, never stored for live reports: a correction of a figure changes them at once. A published
evaluation freezes the flags of its verified reports with the rest (``evaluation.services.publish``).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select

from ..audit import services as audit
from ..extensions import db
from ..organisations.models import IntellectualProperty, Organisation
from ..periods import Period
from ..saving import RuleBroken
from ..startups.models import REPORT_FIGURES, QuarterlyReport
from .checks import BY_CHECK, CHECKS, LIKELY_ERROR, Dataset, Flag, ReportFigures
from .models import AnomalyNote, AnomalySetting

COUNTED = ("verified",)  # the reports an evaluation counts, and so the ones its flags are about
FILED = ("submitted", "verified")  # reports a manager has in hand: the history and peers of live checks
NOTE_MAX = 500


# --- settings -------------------------------------------------------------------------------------------------

def current_settings() -> dict[str, tuple[bool, dict[str, Decimal]]]:
    """Each check's (switched on?, thresholds): the admin's row over the registry's defaults (one query)."""
    rows = {row.check_code: row for row in db.session.scalars(select(AnomalySetting))}
    result = {}
    for check in CHECKS:
        params = check.defaults()
        row = rows.get(check.code)
        if row is not None:
            for key, text in (row.parameters or {}).items():
                if key in params:
                    params[key] = Decimal(text)
        result[check.code] = (row.enabled if row is not None else True, params)
    return result


def settings_as_json(settings: dict) -> dict:
    """The settings in force as frozen with a published evaluation (exact decimals as text)."""
    return {code: {"enabled": enabled, "parameters": {key: str(value) for key, value in params.items()}}
            for code, (enabled, params) in sorted(settings.items())}


def update_setting(code: str, enabled: bool, values: dict[str, object], actor) -> AnomalySetting:
    """Switch a check on or off and set its thresholds (flushes; audited). Published evaluations keep theirs.

    :raises RuleBroken: {parameter key: message} when a value is not a number within the parameter's range.
    """
    check = BY_CHECK[code]
    problems, params = {}, {}
    for parameter in check.parameters:
        raw = values.get(parameter.key)
        try:
            number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            problems[parameter.key] = _l("Enter a number.")
            continue
        if not number.is_finite() or not parameter.minimum <= number <= parameter.maximum:
            problems[parameter.key] = _l("Enter a number from %(low)s to %(high)s.", low=parameter.minimum,
                                         high=parameter.maximum)
            continue
        params[parameter.key] = str(number.normalize() if number == number.to_integral_value() else number)
    if problems:
        raise RuleBroken(problems)
    row = db.session.get(AnomalySetting, code)
    before = {"enabled": row.enabled, "parameters": dict(row.parameters or {})} if row else \
        {"enabled": True, "parameters": {k: str(v) for k, v in check.defaults().items()}}
    if row is None:
        row = AnomalySetting(check_code=code)
        db.session.add(row)
    row.enabled, row.parameters, row.updated_by_id = bool(enabled), params, getattr(actor, "id", None)
    db.session.flush()
    after = {"enabled": row.enabled, "parameters": params}
    if before != after:
        audit.record("anomaly_setting_changed", entity_type="anomaly_setting", entity_id=code, before=before,
                     after=after, actor=actor)
    return row


# --- data of a period -----------------------------------------------------------------------------------------

def _columns():
    report = QuarterlyReport
    return (report.id, report.organisation_id, report.year, report.quarter, report.status,
            *[getattr(report, name) for name in REPORT_FIGURES], Organisation.industry_id)


def _reports(*conditions):
    """The reports matching ``conditions`` as the checks read them (plain rows through the session's connection:
    a large zone's period is read without building ORM results)."""
    query = (select(*_columns()).join(Organisation, Organisation.id == QuarterlyReport.organisation_id)
             .where(*conditions).order_by(QuarterlyReport.organisation_id, QuarterlyReport.quarter_end))
    end = 5 + len(REPORT_FIGURES)
    periods: dict[tuple[int, int], Period] = {}
    result = []
    for row in db.session.connection().execute(query):
        period = periods.get((row[2], row[3])) or periods.setdefault((row[2], row[3]), Period(row[2], row[3]))
        values = {name: int(value) if value else 0 for name, value in zip(REPORT_FIGURES, row[5:end])}
        result.append(ReportFigures(row[0], row[1], row[end], period, row[4], values))
    return result


def load_dataset(period: Period, *, target_statuses: Iterable[str], history_statuses: Iterable[str],
                 peer_statuses: Iterable[str], organisation_ids=None, overrides: dict[int, dict] | None = None
                 ) -> Dataset:
    """Everything the checks of ``period`` read, in at most five queries whatever the number of companies.

    :param organisation_ids: only these companies' reports are judged (a list or a SELECT of ids; None: all);
        their peers are still every company of the same industry.
    :param overrides: figures not saved yet, {organisation id: {figure: value}}: judged in place of (or
        without) a saved report, as the founder types them.
    """
    report = QuarterlyReport
    target_statuses, history_statuses, peer_statuses = tuple(target_statuses), tuple(history_statuses), \
        tuple(peer_statuses)
    overrides = overrides or {}
    scope = [] if organisation_ids is None else [report.organisation_id.in_(organisation_ids)]
    targets = _reports(report.period == str(period), report.status.in_(target_statuses), *scope)
    targets = [item for item in targets if item.organisation_id not in overrides]
    industries = {}
    if overrides:
        industries = dict(db.session.execute(select(Organisation.id, Organisation.industry_id)
                                             .where(Organisation.id.in_(sorted(overrides)))).all())
        saved = {row[0]: row[1] for row in db.session.execute(
            select(report.organisation_id, report.id).where(report.period == str(period),
                                                            report.organisation_id.in_(sorted(overrides))))}
        for organisation_id, values in sorted(overrides.items()):
            figures = {name: int(values.get(name) or 0) for name in REPORT_FIGURES}
            targets.append(ReportFigures(saved.get(organisation_id), organisation_id, industries.get(organisation_id),
                                         period, "draft", figures))

    earlier = [period.previous()]
    for _ in range(3):
        earlier.append(earlier[-1].previous())
    judged_ids = sorted({item.organisation_id for item in targets})
    # Overrides judge a few named companies; otherwise the history is read for the same companies as the targets.
    history_scope = [report.organisation_id.in_(judged_ids)] if overrides else scope
    history: dict[int, dict[Period, ReportFigures]] = {}
    cumulative: dict[int, tuple[int, int]] = {}
    if targets:
        for item in _reports(report.period.in_([str(p) for p in earlier]), report.status.in_(history_statuses),
                             *history_scope):
            history.setdefault(item.organisation_id, {})[item.period] = item
        first_reported: dict[int, Period] = {}
        for row in db.session.execute(
                select(report.organisation_id, func.sum(report.invention_patents_filed),
                       func.sum(report.invention_patents_granted), func.min(report.quarter_end))
                .where(report.quarter_end < period.start, report.status.in_(history_statuses), *history_scope)
                .group_by(report.organisation_id)):
            cumulative[row[0]] = (int(row[1] or 0), int(row[2] or 0))
            first_reported[row[0]] = Period.containing(row[3])
        # A company brings patents filed before it first reported (its register lists them): they were filed too,
        # so granting them later contradicts nothing.
        register_scope = [IntellectualProperty.organisation_id.in_(judged_ids)] if overrides else \
            [IntellectualProperty.organisation_id.in_(organisation_ids)] if organisation_ids is not None else []
        for organisation_id, filed_on in db.session.execute(
                select(IntellectualProperty.organisation_id, IntellectualProperty.filed_on)
                .where(IntellectualProperty.kind == "invention_patent", *register_scope)
                .order_by(IntellectualProperty.organisation_id, IntellectualProperty.id)):
            first = first_reported.get(organisation_id, period)
            if filed_on is None or filed_on < first.start:
                filed, granted = cumulative.get(organisation_id, (0, 0))
                cumulative[organisation_id] = (filed + 1, granted)

    if organisation_ids is None and not overrides and set(peer_statuses) == set(target_statuses):
        peers = list(targets)
    else:
        wanted = sorted({item.industry_id for item in targets if item.industry_id is not None})
        has_none = any(item.industry_id is None for item in targets)
        industry = [or_(Organisation.industry_id.in_(wanted), *([Organisation.industry_id.is_(None)] if has_none
                                                              else []))]
        peers = [item for item in _reports(report.period == str(period), report.status.in_(peer_statuses),
                                           *industry) if item.organisation_id not in overrides] if targets else []
        peers += [item for item in targets if item.organisation_id in overrides]
    return Dataset(period, targets, history, cumulative, peers)


def compute(data: Dataset, settings: dict | None = None) -> list[Flag]:
    """The flags of every check switched on, in a stable order (company, indicator, check)."""
    settings = settings if settings is not None else current_settings()
    flags = []
    for check in CHECKS:
        enabled, params = settings[check.code]
        if enabled:
            flags.extend(check.compute(data, params))
    return sorted(flags, key=lambda flag: (flag.organisation_id, flag.indicator, flag.check))


def period_flags(period: Period, settings: dict | None = None) -> list[Flag]:
    """The flags of a period's verified reports against verified history and peers (what an evaluation shows)."""
    data = load_dataset(period, target_statuses=COUNTED, history_statuses=COUNTED, peer_statuses=COUNTED)
    return compute(data, settings)


def report_flags(report: QuarterlyReport) -> list[Flag]:
    """The flags of one saved report, against the filed history and peers (what the manager verifies)."""
    data = load_dataset(report.period_obj, target_statuses=(report.status,), history_statuses=FILED,
                        peer_statuses=FILED, organisation_ids=[report.organisation_id])
    return [flag for flag in compute(data) if flag.report_id == report.id]


def draft_flags(organisation_id: int, period: Period, values: dict) -> list[Flag]:
    """The flags of figures as the founder typed them (saved or not), against the filed history and peers."""
    data = load_dataset(period, target_statuses=(), history_statuses=FILED, peer_statuses=FILED,
                        overrides={organisation_id: values})
    return compute(data)


def live_flags(period: Period, organisation_ids=None, statuses: Iterable[str] = FILED) -> list[Flag]:
    """The flags of the period's filed reports (of some companies), as managers see them."""
    data = load_dataset(period, target_statuses=statuses, history_statuses=FILED, peer_statuses=FILED,
                        organisation_ids=organisation_ids)
    return compute(data)


def has_likely_error(flags: Iterable[Flag]) -> bool:
    return any(flag.severity == LIKELY_ERROR for flag in flags)


def flags_signature(flags: Iterable[Flag]) -> str:
    """What the founder was shown, to tell on submission whether new warnings have appeared since."""
    return ",".join(sorted(f"{flag.check}:{flag.indicator}" for flag in flags))


# --- notes --------------------------------------------------------------------------------------------------

def notes_of(report_id: int | None) -> dict[tuple[str, str], AnomalyNote]:
    if report_id is None:
        return {}
    return {(note.check_code, note.indicator): note for note in db.session.scalars(
        select(AnomalyNote).where(AnomalyNote.report_id == report_id).order_by(AnomalyNote.id))}


def note_field(flag: Flag) -> str:
    """The form field of a flag's note."""
    return f"anomaly_note-{flag.check}-{flag.indicator}"


def save_notes(report: QuarterlyReport, flags: Iterable[Flag], form: dict, actor) -> None:
    """Keep the founder's note on each flag shown (an empty note removes it; flushes; audited).

    Only flags of this report are accepted, so a note can never land on another company's report."""
    notes = notes_of(report.id)
    for flag in flags:
        if flag.organisation_id != report.organisation_id:
            continue
        name = note_field(flag)
        if name not in form:
            continue
        text = (form.get(name) or "").strip()[:NOTE_MAX]
        note = notes.get(flag.key)
        before = note.note if note else None
        if text == (before or ""):
            continue
        if not text:
            db.session.delete(note)
        elif note is None:
            note = AnomalyNote(report_id=report.id, check_code=flag.check, indicator=flag.indicator, note=text,
                               author_id=getattr(actor, "id", None))
            db.session.add(note)
        else:
            note.note, note.author_id = text, getattr(actor, "id", None)
        db.session.flush()
        audit.record("anomaly_note", report, before={"check": flag.check, "indicator": flag.indicator,
                                                     "note": before},
                     after={"check": flag.check, "indicator": flag.indicator, "note": text or None}, actor=actor)


# --- where managers see them ------------------------------------------------------------------------------

def flagged_reports(period: Period, organisation_ids) -> list[tuple[QuarterlyReport, list[Flag]]]:
    """The filed reports of the period among ``organisation_ids`` (a SELECT or None: all) that have flags,
    with their flags, by company name."""
    flags = live_flags(period, organisation_ids)
    by_report: dict[int, list[Flag]] = {}
    for flag in flags:
        by_report.setdefault(flag.report_id, []).append(flag)
    if not by_report:
        return []
    reports = db.session.scalars(select(QuarterlyReport).join(Organisation, Organisation.id ==
                                                                QuarterlyReport.organisation_id)
                                 .where(QuarterlyReport.id.in_(sorted(by_report)))
                                 .order_by(Organisation.name_sort, QuarterlyReport.id))
    return [(report, by_report[report.id]) for report in reports]


def placed_at(platform_id: int, period: Period):
    """A SELECT of the companies incubating at the platform at the quarter end (the one admitted last decides)."""
    from ..outcomes.computations import placement

    return select(Organisation.id).where(placement(Organisation.id, literal(period.end)) == platform_id)


def report_counts(flags: Iterable[Flag]) -> dict[str, int]:
    """How many reports each check flagged."""
    seen: dict[str, set] = {}
    for flag in flags:
        seen.setdefault(flag.check, set()).add(flag.report_id)
    return {code: len(ids) for code, ids in seen.items()}



# --- the founder's submission ------------------------------------------------------------------------------

HELD_MESSAGE = _l("Your figures raise the warnings shown below. The report is saved as a draft: correct the "
                  "figures or explain each warning, then submit again.")


def review_submission(organisation_id: int, period: Period, values: dict, submit: bool, form) -> tuple[bool, list,
                                                                                                        bool]:
    """(submit now?, the flags of the typed figures, held?) for a founder's save or submission.

    A submission whose figures raise warnings the form did not show (``anomaly_seen``: the signature of the
    warnings on the page) is saved as a draft instead, so the founder sees them first and may correct or
    explain them; submitting again with the same warnings goes through (the founder may always submit).
    """
    flags = draft_flags(organisation_id, period, values)
    held = bool(submit and flags and "anomaly_seen" in form and form.get("anomaly_seen") != flags_signature(flags))
    return submit and not held, flags, held


CONFIRM_MESSAGE = _l("This report has likely errors (see the anomaly checks): tick the confirmation beside "
                     "Verify if its figures are right, or return it to the company.")
