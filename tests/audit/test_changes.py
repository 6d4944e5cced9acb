"""The one change-and-audit helper (``audit.apply_changes`` / ``track_changes`` / ``record_changes``), the
model mixins of the edit lock and the creation time, and the services' side of the edit-conflict check.

Every test here starts from the empty database the migrations build (no seed, no factory-made reference
data): the records are made in the test itself."""
from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from incubator import clock, versioning
from incubator.audit import services as audit
from incubator.audit.models import AuditEvent
from incubator.database import Timestamped, Versioned
from incubator.extensions import db
from incubator.organisations.models import Industry, Organisation

PACKAGE = Path(__file__).resolve().parents[2] / "incubator"


def events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def organisation(**values) -> Organisation:
    record = Organisation(**{"name": "测试公司", "kind": "startup", **values})
    db.session.add(record)
    db.session.flush()
    return record


def test_apply_changes_records_only_what_changed_and_never_the_lock(app):
    company = organisation(address="旧地址", contact_name="王磊")
    version = company.version
    change = audit.apply_changes("organisation_updated", company, {"address": "新地址", "contact_name": "王磊"})
    assert company.address == "新地址" and company.version == version + 1  # flushed: the lock moved
    [event] = events()
    assert (event.action, event.entity_type, event.entity_id) == ("organisation_updated", "organisations",
                                                                  str(company.id))
    assert event.before == {"address": "旧地址"} and event.after == {"address": "新地址"}
    assert change and change.event is event and change.after == {"address": "新地址"}


def test_nothing_changed_records_nothing_unless_the_step_is_an_event_itself(app):
    company = organisation(address="同一地址")
    unchanged = audit.apply_changes("organisation_updated", company, {"address": "同一地址"})
    assert not unchanged and unchanged.event is None and events() == []
    step = audit.apply_changes("application_saved", company, {"address": "同一地址"}, always=True,
                               extra_after={"step": "company"})
    [event] = events()
    assert step.event is event and event.before is None and event.after == {"step": "company"}


def test_fields_limit_what_is_compared_and_ignore_drops_derived_columns(app):
    company = organisation(address="甲", contact_phone="1")
    audit.apply_changes("organisation_updated", company, {"address": "乙", "contact_phone": "2", "name_sort": "x"},
                        fields=("address", "name_sort"), ignore=("name_sort",))
    assert company.contact_phone == "2"  # every value is set; only the fields are compared
    [event] = events()
    assert event.before == {"address": "甲"} and event.after == {"address": "乙"}


def test_track_changes_records_the_block_and_nothing_when_it_raises(app):
    company = organisation(address="甲")
    with pytest.raises(RuntimeError):
        with audit.track_changes("organisation_updated", company):
            company.address = "乙"
            raise RuntimeError("a rule broken half-way")
    assert events() == []
    with audit.track_changes("organisation_updated", company, source_detail="row 7") as change:
        company.address = "丙"
    [event] = events()
    assert change.before == {"address": "乙"} and change.after == {"address": "丙"}  # the failed block was not undone
    assert event.source_detail == "row 7"


def test_a_created_record_compares_with_nothing(app):
    industry = Industry(code="ai", name_zh="人工智能", name_en="AI")
    db.session.add(industry)
    audit.apply_changes("industry_created", industry, {"sort_order": 10}, created=True,
                        fields=("code", "name_zh", "sort_order"))
    [event] = events()
    assert event.entity_id == str(industry.id)
    assert event.before == {"code": None, "name_zh": None, "sort_order": None}
    assert event.after == {"code": "ai", "name_zh": "人工智能", "sort_order": 10}


def test_record_changes_takes_a_snapshot_made_earlier(app):
    company = organisation(contact_name="甲")
    before = audit.snapshot(company)
    company.contact_name = "乙"
    audit.record_changes("organisation_updated", company, before)
    [event] = events()
    assert event.before == {"contact_name": "甲"} and event.after == {"contact_name": "乙"}


def test_no_service_writes_the_snapshot_diff_record_sequence_by_hand():
    """``audit.changes`` (the diff) is called by the helper only: a second hand-written copy is refused."""
    callers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "changes"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                callers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            elif (isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("audit.services")
                  and any(alias.name == "changes" for alias in node.names)):
                callers.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert callers == []


# --- the mixins ---------------------------------------------------------------------------------------

def _mapped_classes():
    return sorted((mapper.class_ for mapper in db.Model.registry.mappers), key=lambda cls: cls.__name__)


def test_every_lock_and_creation_time_comes_from_the_mixins(app):
    """Same columns as before (the migrations did not change): ``version`` is the lock wherever it exists,
    except the published version number of an evaluation; ``created_at`` is always the mixin's."""
    from incubator.evaluation.models import EvaluationSnapshot

    locked = [cls.__name__ for cls in _mapped_classes() if issubclass(cls, Versioned)]
    for cls in _mapped_classes():
        columns = cls.__table__.c
        if "version" in columns and cls is not EvaluationSnapshot:
            assert issubclass(cls, Versioned) and cls.__mapper__.version_id_col is columns.version, cls
        if "created_at" in columns:
            assert issubclass(cls, Timestamped), cls
    assert not issubclass(EvaluationSnapshot, Versioned) and EvaluationSnapshot.__mapper__.version_id_col is None
    assert len(locked) == 23


def test_the_lock_refuses_an_update_of_a_row_changed_meanwhile(app):
    clock.freeze(datetime(2026, 12, 7, 4, 0, tzinfo=timezone.utc))
    company = organisation()
    assert company.version == 1 and company.created_at == clock.utcnow()
    table = Organisation.__table__  # another request's change, unseen by this session's object
    db.session.execute(update(table).where(table.c.id == company.id).values(version=table.c.version + 1))
    company.address = "我的地址"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


# --- the services' side of the edit-conflict check ---------------------------------------------------

def test_conflicts_names_the_version_field_when_the_record_moved_on(app):
    company = organisation()
    assert versioning.conflicts(company, "1") == {} and versioning.conflicts(company, None) == {}
    assert versioning.conflicts(company, "") == {}
    company.address = "新"
    db.session.flush()
    assert versioning.conflicts(company, "2") == {}
    assert set(versioning.conflicts(company, "1")) == {"version"}
    assert str(versioning.conflicts(company, " 1 ")["version"]) == str(versioning.STALE_MESSAGE)
