"""Reference data a zone needs before its first record, without any demo data (``flask init``).

Installs what is missing and never touches what is there: the industry list (named as the zone names
them), the official rule sets of the compliance area, the zone's default review rubric and the first
version of the graduation criteria. Running it again changes nothing. A restored backup carries its own
rows and does not need it. Deadlines and indicator weights are settings and catalogue defaults: nothing
to install.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .extensions import db


@dataclass
class Installed:
    """How many rows of each kind ``install_reference_data`` added."""

    industries: int = 0
    rule_sets: int = 0
    rubric_criteria: int = 0
    graduation_criteria: int = 0

    def summary(self) -> str:
        return (f"industries {self.industries}, rule sets {self.rule_sets}, review criteria "
                f"{self.rubric_criteria}, graduation criteria versions {self.graduation_criteria}")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def install_reference_data(zone=None) -> Installed:
    """Add the reference rows that are missing (flushes; the caller commits).

    The review rubric is the zone's own (``zone``, by default the deployment's first); the industries, rule
    sets and graduation criteria are the deployment's."""
    from .compliance.services import install_default_rule_sets
    from .organisations.models import Industry
    from .organisations.services import ensure_default_industries
    from .startups.models import GraduationCriteriaVersion, RubricCriterion
    from .startups.services import current_criteria, rubric_for

    from .zones.services import first_zone

    zone = zone or first_zone()
    installed = Installed()
    before = _count(Industry)
    ensure_default_industries()
    installed.industries = _count(Industry) - before
    installed.rule_sets = install_default_rule_sets()
    if not _count(RubricCriterion, RubricCriterion.platform_id.is_(None),  # deactivated ones are a choice
                  RubricCriterion.zone_id == zone.id):
        installed.rubric_criteria = len(rubric_for(None, zone_id=zone.id))
    if not _count(GraduationCriteriaVersion):
        current_criteria()
        installed.graduation_criteria = 1
    db.session.flush()
    return installed

