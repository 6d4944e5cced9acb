"""The quarterly evaluation: publishing, reading back and choosing the version to show or export.

``outcomes.live.live_evaluation(period)`` computes from the data now; ``FrozenEvaluation(snapshot)`` reads a
published version. Both offer the same interface, which the evaluation page and every export read:
``zone``, ``platforms``, ``weights``, ``iter_companies()``, ``iter_deals()``, ``iter_data_quality()``.
This module orchestrates, publishes and exports; the results are computed in ``outcomes``.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select

from .. import clock
from ..audit.services import record
from ..access import in_acting_zones
from ..extensions import db
# The live evaluation and its rows are computed in ``outcomes``; ``live_evaluation`` stays importable from here
# for the views, jobs and API that ask for "the evaluation of a period", live or published.
from ..outcomes.live import CompanyRow, DealRow, QualityRow, ScopeResult, live_evaluation, zone_name
from ..periods import Period
from ..saving import FieldRuleBroken
from .models import EvaluationSnapshot, EvaluationSnapshotRow


class PublishError(FieldRuleBroken):
    """Publishing was refused (the reason is a translatable message)."""


# --- published versions ----------------------------------------------------------------------------------

class FrozenEvaluation:
    """A published version read back exactly as it was frozen."""

    published = True

    def __init__(self, snapshot: EvaluationSnapshot):
        self.snapshot = snapshot
        self.period = Period.parse(snapshot.period)
        self.version = snapshot.version
        self.generated_at = snapshot.published_at.astimezone(clock.zone_tz())
        self.published_by_email = snapshot.published_by_email
        summary = snapshot.summary
        self.zone = ScopeResult.from_json(summary["zone"])
        self.platforms = [ScopeResult.from_json(item) for item in summary["platforms"]]
        self.weights = {code: Decimal(value) for code, value in summary["weights"].items()}

    def zone_name(self, lang: str) -> str:
        return self.snapshot.zone_name_zh if lang == "zh" else self.snapshot.zone_name_en

    @property
    def scopes(self) -> list[ScopeResult]:
        return [self.zone, *self.platforms]

    def _rows(self, section: str, offset: int = 0, limit: int | None = None):
        query = (select(EvaluationSnapshotRow.data)
                 .where(EvaluationSnapshotRow.snapshot_id == self.snapshot.id,
                        EvaluationSnapshotRow.section == section)
                 .order_by(EvaluationSnapshotRow.seq))
        if limit is not None:
            query = query.offset(offset).limit(limit)
        for (data,) in db.session.execute(query.execution_options(yield_per=2000)):
            yield data

    def iter_companies(self, offset: int = 0, limit: int | None = None, platform_id: int | None = None):
        if platform_id is not None:
            code = next((scope.code for scope in self.platforms if scope.platform_id == platform_id), None)
            for data in self._rows("company"):
                if data[2] == code:
                    yield CompanyRow.from_json(data)
            return
        for data in self._rows("company", offset, limit):
            yield CompanyRow.from_json(data)

    def company_total(self, platform_id: int | None = None) -> int:
        if platform_id is None:
            return self.snapshot.company_count
        return sum(1 for _ in self.iter_companies(platform_id=platform_id))

    def iter_deals(self):
        for data in self._rows("deal"):
            yield DealRow.from_json(data)

    def iter_data_quality(self, platform_id: int | None = None):
        for data in self._rows("quality"):
            yield QualityRow.from_json(data)

    @property
    def has_anomalies(self) -> bool:
        """Versions published before the anomaly checks froze no flags (and export as they did)."""
        return bool(self.snapshot.anomalies_frozen)

    def iter_anomalies(self, platform_id: int | None = None):
        from ..quality.evaluation import AnomalyRow

        if not self.has_anomalies:
            return
        code = next((scope.code for scope in self.platforms if scope.platform_id == platform_id), None)
        for data in self._rows("anomaly"):
            row = AnomalyRow.from_json(data)
            if platform_id is None or row.platform_code == code:
                yield row


def snapshots_of(period: Period) -> list[EvaluationSnapshot]:
    return list(db.session.scalars(select(EvaluationSnapshot).where(
        EvaluationSnapshot.period == str(period), *in_acting_zones(EvaluationSnapshot.zone_id))
        .order_by(EvaluationSnapshot.version.desc())))


def latest_snapshot(period: Period) -> EvaluationSnapshot | None:
    return db.session.scalar(select(EvaluationSnapshot).where(
        EvaluationSnapshot.period == str(period), *in_acting_zones(EvaluationSnapshot.zone_id))
        .order_by(EvaluationSnapshot.version.desc()).limit(1))


def snapshot_version(period: Period, version: int) -> EvaluationSnapshot | None:
    return db.session.scalar(select(EvaluationSnapshot).where(EvaluationSnapshot.period == str(period),
                                                              EvaluationSnapshot.version == version,
                                                              *in_acting_zones(EvaluationSnapshot.zone_id)))


def evaluation_for(period: Period, version: int | None = None, live: bool = False):
    """The latest published version by default, a given one, or the live figures (also when none is published).

    :raises LookupError: when ``version`` does not exist for the period.
    """
    if live:
        return live_evaluation(period)
    if version is not None:
        snapshot = snapshot_version(period, version)
        if snapshot is None:
            raise LookupError(version)
        return FrozenEvaluation(snapshot)
    snapshot = latest_snapshot(period)
    return FrozenEvaluation(snapshot) if snapshot else live_evaluation(period)


def publish(period: Period, user, note: str | None = None) -> EvaluationSnapshot:
    """Freeze the live figures of ``period`` as its next version (flushes; the caller commits).

    :raises PublishError: when the figures are the same as the latest published version's.
    """
    from flask_babel import lazy_gettext as _l

    if period.end >= clock.today():
        raise PublishError(_l("A quarter can be published only after it has ended."))
    from ..quality.services import current_settings, settings_as_json

    evaluation = live_evaluation(period)
    latest = latest_snapshot(period)
    summary = {
        "zone": evaluation.zone.to_json(),
        "platforms": [scope.to_json() for scope in evaluation.platforms],
        "weights": {code: str(value) for code, value in evaluation.weights.items()},
        "targets": {str(scope): {code: str(value) for code, value in values.items()}
                    for scope, values in evaluation.targets.items()},
        "anomaly_settings": settings_as_json(current_settings()),
    }
    digest = hashlib.sha256(json.dumps(summary, sort_keys=True, ensure_ascii=False).encode())
    snapshot = EvaluationSnapshot(
        period=str(period), version=(latest.version + 1) if latest else 1, published_at=clock.utcnow(),
        published_by_id=getattr(user, "id", None), published_by_email=getattr(user, "email", None),
        zone_name_zh=zone_name("zh"), zone_name_en=zone_name("en"),
        summary=summary, note=(note or None), anomalies_frozen=True,
    )
    db.session.add(snapshot)
    db.session.flush()

    companies = 0
    for section, rows in (("company", evaluation.iter_companies()), ("deal", evaluation.iter_deals()),
                          ("quality", evaluation.iter_data_quality()), ("anomaly", evaluation.iter_anomalies())):
        batch = []
        for seq, row in enumerate(rows):
            data = row.to_json()
            digest.update(json.dumps([section, data], ensure_ascii=False).encode())
            batch.append({"snapshot_id": snapshot.id, "section": section, "seq": seq, "data": data})
            if section == "company":
                companies += 1
            if len(batch) >= 2000:
                db.session.execute(insert(EvaluationSnapshotRow), batch)
                batch = []
        if batch:
            db.session.execute(insert(EvaluationSnapshotRow), batch)
    snapshot.digest = digest.hexdigest()
    snapshot.company_count = companies
    if latest is not None and latest.digest == snapshot.digest:
        raise PublishError(_l("Nothing changed since version %(version)d was published.", version=latest.version))
    record("evaluation.publish", snapshot, after={"period": str(period), "version": snapshot.version,
                                                  "digest": snapshot.digest, "zone_score": evaluation.zone.score,
                                                  "zone_rating": evaluation.zone.rating},
           reason=note or None)
    db.session.flush()
    return snapshot


def platform_scope(evaluation, platform_id: int) -> ScopeResult | None:
    return next((scope for scope in evaluation.platforms if scope.platform_id == platform_id), None)


def as_of(moment: datetime) -> str:
    """A timestamp as printed in exports: ISO 8601 in the zone's time zone, to the second."""
    return moment.astimezone(clock.zone_tz()).replace(microsecond=0).isoformat()
