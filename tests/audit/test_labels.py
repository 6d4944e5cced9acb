"""The label registry: every action the code records and every field a history can show has a name in both
languages (stored keys are never renamed, so this is the only way they read well), and a history shows
values as the forms do."""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale

from incubator.audit import labels
from incubator.audit.display import readable_changes
from incubator.audit.models import AuditEvent
from incubator.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "incubator"
RECORDING_CALLS = {"record", "record_many", "record_changes", "track_changes", "apply_changes", "_platform_event",
                   "count_login_failure"}
# Tables that hold no record a person edits (the trail itself, sessions, caches of derived state).
NOT_AUDITED = {"audit_events", "login_throttles", "user_sessions", "password_reset_tokens", "recovery_codes",
               "notifications", "booking_slots", "evaluation_snapshot_rows", "compliance_states",
               "api_deletions",  # the API's feed of deleted ids, written beside audited deletions
               "jobs", "schedule_marks"}  # a job's row is its own record of who asked what; marks are run keys


def _call_name(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _strings(node) -> set[str]:
    """The literal strings an expression can evaluate to (``"a" if x else "b"`` gives both)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _trees():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def recorded_actions() -> set[str]:
    """Every action key the code can store, read from its source (literal keys and the composed ones)."""
    from incubator.startups.models import INCUBATION_STATUSES
    from incubator.startups.services import APPLICATION_ACTIONS, REPORT_TRANSITIONS

    actions: set[str] = set()
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in RECORDING_CALLS:
                if node.args:
                    actions |= _strings(node.args[0])
                actions |= {value for kw in node.keywords if kw.arg == "action" for value in _strings(kw.value)}
            elif isinstance(node, ast.Dict):
                actions |= {value for key, item in zip(node.keys, node.values)
                            if isinstance(key, ast.Constant) and key.value == "action" for value in _strings(item)}
    # Composed at run time: f"application_{action}", f"report_{action}", "incubation_" + status.
    actions |= {f"application_{action}" for action in APPLICATION_ACTIONS}
    actions |= {f"report_{action}" for _state, action in REPORT_TRANSITIONS}
    actions |= {f"incubation_{status}" for status in INCUBATION_STATUSES if status != "incubating"}
    return actions


def recorded_fields() -> set[str]:
    """The keys the code writes by hand into an event's before/after (beside the snapshots of columns)."""
    keys: set[str] = set()
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _call_name(node) in RECORDING_CALLS):
                continue
            if _call_name(node) == "_platform_event":
                keys |= {kw.arg for kw in node.keywords if kw.arg}
            for kw in node.keywords:
                if kw.arg not in ("before", "after", "extra_after"):
                    continue
                for sub in ast.walk(kw.value):
                    if isinstance(sub, ast.Dict):
                        keys |= {key.value for key in sub.keys if isinstance(key, ast.Constant)}
                    elif isinstance(sub, ast.Call) and _call_name(sub) == "dict":
                        keys |= {item.arg for item in sub.keywords if item.arg}
    return keys


def _is_translated(label) -> bool:
    with force_locale("zh"):
        chinese = str(label)
    with force_locale("en"):
        english = str(label)
    return bool(re.search(r"[\u4e00-\u9fff]", chinese)) and chinese != english


def test_the_source_scan_finds_the_actions_it_must_find():
    found = recorded_actions()
    assert {"booking_cancelled", "report_verify", "application_admit", "incubation_graduated", "recommend",
            "target.approve", "mfa_failure", "criterion_added", "annual_facts_updated"} <= found
    assert len(found) > 120


def test_every_action_the_code_records_has_a_label_in_both_languages(app):
    actions = recorded_actions()
    assert sorted(actions - set(labels.ACTION_LABELS)) == []
    with app.test_request_context():
        untranslated = sorted(action for action in actions if not _is_translated(labels.ACTION_LABELS[action]))
    assert untranslated == []


def test_every_new_action_follows_the_one_naming_style():
    """``<record>_<past participle>``; the keys stored before the rule keep theirs (never renamed)."""
    assert sorted(action for action in recorded_actions() - labels.OLDER_ACTION_KEYS
                  if not labels.NEW_ACTION_STYLE.match(action)) == []
    assert labels.OLDER_ACTION_KEYS <= set(labels.ACTION_LABELS)
    assert not any(labels.NEW_ACTION_STYLE.match(key) for key in ("booking.created", "approve", "create_booking",
                                                                 "Booking_cancelled"))
    assert all(labels.NEW_ACTION_STYLE.match(key) for key in ("booking_cancelled", "rule_set_copied", "user_bound"))


def test_every_field_an_event_can_carry_has_a_label_in_both_languages(app):
    fields = {(table.name, column.name) for table in db.metadata.sorted_tables if table.name not in NOT_AUDITED
              for column in table.columns}
    fields |= {(None, key) for key in recorded_fields()}
    missing = sorted(f"{table}.{key}" for table, key in fields if labels.field_of(table, key) is None)
    assert missing == []
    with app.test_request_context():
        untranslated = sorted(
            key for table, key in fields
            if (field := labels.field_of(table, key)).kind != labels.HIDDEN and not _is_translated(field.label))
    assert untranslated == []


def test_every_record_type_has_a_label(app):
    entity_types = {table.name for table in db.metadata.sorted_tables} - NOT_AUDITED - {
        "platform_managers", "review_panel", "tenancy_units", "rubric_criteria", "incentive_claim_documents",
        "platform_recognition_alerts", "review_scores"}  # rows of a parent record, audited on the parent
    assert sorted(entity_types - set(labels.ENTITY_LABELS)) == []


def _event(**values) -> AuditEvent:
    from datetime import datetime, timezone

    defaults = {"occurred_at": datetime(2026, 12, 7, 4, 42, tzinfo=timezone.utc), "action": "update",
                "actor_email": "manager@example.cn", "source": "web"}
    return AuditEvent(**{**defaults, **values})


def test_a_change_is_shown_with_labels_and_values_as_on_the_forms(app):
    event = _event(action="report_changed", entity_type="quarterly_reports", entity_id="5",
                   before={"revenue": 5_865_864, "version": 2, "financing": None},
                   after={"revenue": 5_900_000, "version": 3, "financing": 120_000})
    with app.test_request_context(), force_locale("zh"):
        shown = [(c.label, c.before.text if c.before else None, c.after.text) for c in readable_changes(event)]
    assert shown == [("营业收入", "586.5864 万元", "590 万元"), ("股权融资", "—", "12 万元")]
    with app.test_request_context(), force_locale("en"):
        first = readable_changes(event)[0]
    assert (first.label, first.after.text) == ("Operating revenue", "590 (10,000 CNY)")


def test_yes_no_dates_and_team_members_read_as_a_person_writes_them(app):
    event = _event(action="application_saved", entity_type="applications", entity_id="3",
                   before={"registered_in_zone": False, "founded_on": "2026-03-01"},
                   after={"registered_in_zone": True, "founded_on": "2026-04-01",
                          "team": [{"name": "张伟", "role": "CEO", "education": "博士", "ventures": ""}]})
    with app.test_request_context(), force_locale("zh"):
        changes = {c.label: c for c in readable_changes(event)}
    assert (changes["在园区注册"].before.text, changes["在园区注册"].after.text) == ("否", "是")
    assert changes["成立日期"].after.text == "2026年4月1日"
    team = changes["团队成员"].after
    assert team.is_table and team.rows == (("张伟", "CEO", "博士", "—"),)


HISTORY = '{% from "_macros.html" import history_table %}{{ history_table(events) }}'


class _Text(HTMLParser):
    """The words of a fragment of HTML, and whether they sit inside a folded <details>."""

    def __init__(self):
        super().__init__()
        self.open, self.folded, self._depth = [], [], 0

    def handle_starttag(self, tag, attrs):
        self._depth += tag == "details"

    def handle_endtag(self, tag):
        self._depth -= tag == "details"

    def handle_data(self, data):
        if data.strip():
            (self.folded if self._depth else self.open).append(data.strip())


def _history_text(app, events, locale="zh") -> _Text:
    with app.test_request_context(), force_locale(locale):
        html = render_template_string(HISTORY, events=events)
    parser = _Text()
    parser.feed(html)
    return parser


def test_a_long_history_shows_the_first_events_and_folds_the_rest(app):
    events = [_event(action="organisation_updated", entity_type="organisations", entity_id="1",
                     before={"name": f"甲{n}"}, after={"name": f"甲{n + 1}"}) for n in range(7, 0, -1)]
    text = _history_text(app, events)
    assert [word for word in text.open if word.startswith("甲")] == [
        "甲7", "甲8", "甲6", "甲7", "甲5", "甲6", "甲4", "甲5", "甲3", "甲4"]  # the five given first, open
    assert "2 次更早的变更" in text.folded and "甲1" in text.folded
    assert "organisation_updated" not in " ".join(text.open + text.folded)
    assert "名称" in text.open and "name" not in text.open


def test_an_empty_history_says_so(app):
    assert _history_text(app, [], "en").open == ["No recorded changes yet."]


def test_a_record_page_shows_its_history_labelled_from_an_empty_database(login_as):
    """From a migrated, empty database: an organisation is added and changed through the pages."""
    from incubator.organisations.models import Organisation
    from incubator.organisations import services

    admin, _ = login_as("admin", locale="zh")
    organisation = services.create_organisation(name="测试科技有限公司", kind="startup", not_registered=True)
    db.session.commit()
    page = admin.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    parser = _Text()
    parser.feed(page)
    words = parser.open + parser.folded
    assert "新增单位" in words and "名称" in words and "测试科技有限公司" in words
    assert "在园区注册" in words and "否" in words
    assert not {"organisation_created", "None", "True", "False", "name", "registered_in_zone"} & set(words)
    assert db.session.get(Organisation, organisation.id).name == "测试科技有限公司"


def test_the_admin_home_names_the_latest_changes(login_as):
    from incubator.audit.services import record

    admin, _ = login_as("admin", locale="en")
    record("recommend", entity_type="incentive_claims", entity_id=6)
    db.session.commit()
    parser = _Text()
    parser.feed(admin.get("/home").get_data(as_text=True))
    assert any(line.startswith("Recommended · Claim #6") for line in parser.open)
