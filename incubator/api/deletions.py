"""Deletions of synchronised records are written to ``api_deletions`` in the same flush, whichever service
deletes them, so a pull learns what was removed (``/api/v1/deletions``)."""
from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .. import clock
from .models import DeletedRecord
from .resources import resources

_tracking = {"on": False}


def _cascaded(session: Session, row) -> list[DeletedRecord]:
    """Rows the database deletes with ``row`` (ON DELETE CASCADE) that the session never sees."""
    from ..partnerships.models import Partnership, TrainingCohort

    if isinstance(row, Partnership):
        ids = session.execute(select(TrainingCohort.id).where(TrainingCohort.partnership_id == row.id)).scalars()
        return [DeletedRecord(resource="training-cohorts", record_id=cohort_id, company_id=row.company_id,
                              platform_id=row.platform_id, partner_id=row.partner_id, deleted_at=clock.utcnow())
                for cohort_id in ids]
    return []


def _note(session: Session, by_model: dict, noted: list) -> None:
    for row in list(session.deleted):
        resource = by_model.get(type(row))
        if resource is None or row.id is None:
            continue
        company_id, platform_id, partner_id = resource.owners(row)
        noted.append(DeletedRecord(resource=resource.name, record_id=row.id, company_id=company_id,
                                   platform_id=platform_id, partner_id=partner_id, deleted_at=clock.utcnow()))
        noted.extend(_cascaded(session, row))


def _before_flush(session: Session, _context, _instances) -> None:
    by_model = {resource.model: resource for resource in resources().values()}
    noted: list[DeletedRecord] = []
    with session.no_autoflush:
        _note(session, by_model, noted)
    seen = set()
    for item in noted:
        key = (item.resource, item.record_id)
        if key not in seen:
            seen.add(key)
            session.add(item)


def track() -> None:
    """Listen once per process (every app shares the session class)."""
    if not _tracking["on"]:
        event.listen(Session, "before_flush", _before_flush)
        _tracking["on"] = True
