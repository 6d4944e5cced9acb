"""``anomalies.csv`` in the evaluation's CSV zip (after ``data_quality.csv``) and the sheet of flags; flags frozen
into published versions; versions published before the checks existed export exactly as before."""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile

from openpyxl import load_workbook

from incubator.evaluation import exports, services
from incubator.evaluation.models import EvaluationSnapshotRow
from incubator.extensions import db
from incubator.periods import Period
from incubator.quality import services as quality
from incubator.startups.models import QuarterlyReport
from tests import factories
from tests.evaluation.conftest import hand_zone  # noqa: F401  (the hand-checked zone of the evaluation tests)

from .conftest import WAN

PERIOD = Period.parse("2026Q3")
HEADER = ["credit_code", "company_name", "platform_code", "period", "indicator", "check", "severity", "value",
          "expected_low", "expected_high", "explanation"]
# sha256 over (name, bytes) of every file of the CSV zip of the hand zone's version 1 as the code before the
# anomaly checks exported it (computed at commit cbe859b), in Chinese and in English.
LEGACY_DIGESTS = {"zh": "b18b16ca50166b383fc2815adc5075c55d9090d8f966bc0351ef553ae213bc71",
                  "en": "926e34c061c5c7cec357f12365d99d962550d2bccf2d3ba2c7ba96ccc3922cb7"}


def csv_files(evaluation, lang: str = "zh") -> dict[str, bytes]:
    buffer = io.BytesIO()
    exports.write_csv_export(evaluation, buffer, lang)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows_of(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, raw in files.items():
        h.update(name.encode() + b"\0" + raw + b"\0")
    return h.hexdigest()


def plant_flags(zone) -> None:
    """C5 (no platform) pays more tax in 2026Q3 than its revenue; its 2026Q2 does too, but is not the period."""
    c = zone.companies
    factories.report(c[5], "2026Q2", revenue=10 * WAN, tax_paid=20 * WAN)
    c5 = db.session.query(QuarterlyReport).filter_by(organisation_id=c[5].id, period="2026Q3").one()
    c5.tax_paid = 11 * WAN  # 11 万元 of tax on 10 万元 of revenue
    db.session.commit()


def test_anomalies_csv_follows_data_quality_with_the_contract_s_columns_sorted(hand_zone, make_user):
    plant_flags(hand_zone)
    files = csv_files(services.live_evaluation(PERIOD))
    names = list(files)
    assert names.index("anomalies.csv") == names.index("data_quality.csv") + 1
    rows = rows_of(files["anomalies.csv"])
    assert rows[0] == HEADER
    body = rows[1:]
    assert body == sorted(body, key=lambda row: (row[0], row[4], row[5]))
    c5 = hand_zone.codes[5]
    assert [row for row in body if row[0] == c5] == [
        [c5, "'+戊数据", "", "2026Q3", "TAX_PAID", "inconsistent", "likely_error", "11.0000", "", "10.0000",
         "上缴税费 11.00 万元高于营业收入 10.00 万元。"]]
    english = rows_of(csv_files(services.live_evaluation(PERIOD), "en")["anomalies.csv"])
    assert [row[10] for row in english if row[0] == c5] == [
        "Taxes paid are above revenue: 11.00 against 10.00 (10,000 CNY)."]
    # Only verified reports count: C6's submitted report and C8's returned one are never listed.
    assert not [row for row in body if row[0] in (hand_zone.codes[6], hand_zone.codes[8])]


def test_the_workbook_has_a_sheet_of_flags(hand_zone):
    plant_flags(hand_zone)
    buffer = io.BytesIO()
    exports.write_xlsx_export(services.live_evaluation(PERIOD), buffer, "en")
    book = load_workbook(buffer)
    sheet = book[book.sheetnames[-1]]
    assert sheet.title == "Anomalies"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Unified social credit code" and len(rows[0]) == len(HEADER)
    assert [row[4:8] for row in rows[1:] if row[0] == hand_zone.codes[5]] == [
        ("Taxes paid", "Inconsistent", "Likely error", 11)]  # codes as words: the workbook is for people


def test_published_flags_are_frozen_and_a_threshold_change_never_alters_them(hand_zone, make_user):
    plant_flags(hand_zone)
    admin = make_user("admin")
    snapshot = services.publish(PERIOD, admin)
    db.session.commit()
    assert snapshot.anomalies_frozen and snapshot.summary["anomaly_settings"]["jump"]["parameters"]["factor"] == "5"
    frozen_before = csv_files(services.FrozenEvaluation(snapshot))
    quality.update_setting("inconsistent", False, {}, admin)
    db.session.commit()
    assert not [row for row in rows_of(csv_files(services.live_evaluation(PERIOD))["anomalies.csv"])[1:]
                if row[5] == "inconsistent"]
    frozen_after = csv_files(services.FrozenEvaluation(services.snapshot_version(PERIOD, 1)))
    assert frozen_after == frozen_before
    assert any(row[5] == "inconsistent" for row in rows_of(frozen_after["anomalies.csv"])[1:])


def test_a_version_published_before_the_checks_exports_byte_for_byte_as_before(hand_zone, make_user):
    """What migration 0018 leaves of an earlier version: no frozen flags (``anomalies_frozen`` false)."""
    snapshot = services.publish(PERIOD, make_user("admin"))
    db.session.query(EvaluationSnapshotRow).filter_by(snapshot_id=snapshot.id, section="anomaly").delete()
    snapshot.anomalies_frozen = False
    db.session.commit()
    evaluation = services.FrozenEvaluation(services.snapshot_version(PERIOD, 1))
    for lang, expected in LEGACY_DIGESTS.items():
        files = csv_files(evaluation, lang)
        assert "anomalies.csv" not in files
        assert digest(files) == expected
    buffer = io.BytesIO()
    exports.write_xlsx_export(evaluation, buffer, "zh")
    assert "异常标记" not in load_workbook(buffer).sheetnames


def test_the_evaluation_page_shows_the_flags_of_the_period(hand_zone, make_user, app):
    from tests.conftest import AuthActions

    plant_flags(hand_zone)
    admin = make_user("admin")
    client = app.test_client()
    AuthActions(client).login(admin)
    page = client.get("/evaluation/2026Q3").get_data(as_text=True)
    assert 'data-check="inconsistent" data-indicator="TAX_PAID"' in page
    assert "Taxes paid are above revenue: 11.00 against 10.00 (10,000 CNY)." in page
