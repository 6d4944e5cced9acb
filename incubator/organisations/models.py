"""Organisations (companies, universities, institutes, hosts, unregistered founding teams) and their IP."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, utcnow
from ..extensions import db
from ..sorting import pinyin_sort_key

ORGANISATION_KINDS = ("startup", "enterprise", "university", "institute")
COMPANY_KINDS = ("startup", "enterprise")
INSTITUTION_KINDS = ("university", "institute")
LISTING_STATUSES = ("none", "listed", "quoted", "acquired")
IP_KINDS = ("invention_patent", "utility_model", "design_patent", "software_copyright")
IP_STATUSES = ("filed", "granted", "expired", "abandoned")


class Industry(db.Model):
    """The zone's editable list of industries; a name means one industry (an import looks it up by name)."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(100), unique=True)
    sort_order: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)


class Organisation(Timestamped, Versioned, db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("kind IN ('startup','enterprise','university','institute')", name="kind"),
        CheckConstraint("listing_status IN ('none','listed','quoted','acquired')", name="listing_status"),
        Index("ix_organisations_name_sort", "name_sort"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # none until registered
    name: Mapped[str] = mapped_column(String(200))
    name_sort: Mapped[str] = mapped_column(String(400), default="")  # pinyin, for Chinese ordering
    kind: Mapped[str] = mapped_column(String(20))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    founded_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    registered_in_zone: Mapped[bool] = mapped_column(default=False)
    high_tech_cert_no: Mapped[str | None] = mapped_column(String(40))
    high_tech_valid_from: Mapped[date | None] = mapped_column(Date)
    high_tech_valid_until: Mapped[date | None] = mapped_column(Date)
    listing_status: Mapped[str] = mapped_column(String(20), default="none")
    listing_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    industry: Mapped[Industry | None] = relationship(lazy="joined")

    @property
    def is_company(self) -> bool:
        return self.kind in COMPANY_KINDS

    @property
    def is_institution(self) -> bool:
        return self.kind in INSTITUTION_KINDS

    def is_high_tech_on(self, day: date) -> bool:
        return bool(self.high_tech_cert_no and self.high_tech_valid_from and self.high_tech_valid_until
                    and self.high_tech_valid_from <= day <= self.high_tech_valid_until)

    def __repr__(self) -> str:
        return f"<Organisation {self.credit_code or '-'} {self.name}>"


class IntellectualProperty(db.Model):
    """A patent or software copyright held or applied for by an organisation."""

    __tablename__ = "intellectual_property"
    __table_args__ = (
        CheckConstraint("kind IN ('invention_patent','utility_model','design_patent','software_copyright')",
                        name="kind"),
        CheckConstraint("status IN ('filed','granted','expired','abandoned')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="filed")
    filed_on: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)


# The pinyin sort key follows the name on every save, whoever saves (forms, import, seeders, tests).
from sqlalchemy import event as _event  # noqa: E402


@_event.listens_for(Organisation, "before_insert")
@_event.listens_for(Organisation, "before_update")
def _fill_name_sort(_mapper, _connection, organisation: Organisation) -> None:
    organisation.name_sort = pinyin_sort_key(organisation.name)
