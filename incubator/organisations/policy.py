"""Who may see and change organisations: the scoped query, the edit rule and the actions templates ask."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..access import company_ids_for, define_action, may_change_company, platform_ids_for, sees_everything
from .models import Organisation

STAFF = ("admin", "manager")


def visible_organisations(user):
    """Admins see every organisation; a manager the companies of their platforms and the platforms' hosts."""
    query = select(Organisation)
    if sees_everything(user):  # several zones: a zone's administrator sees its relationships' organisations
        return query
    if user.role == "manager":
        from ..platforms.models import Platform

        hosts = select(Platform.host_id).where(Platform.id.in_(platform_ids_for(user)))
        return query.where(or_(Organisation.id.in_(company_ids_for(user)), Organisation.id.in_(hosts)))
    return query.where(Organisation.id.in_(company_ids_for(user)))


def may_edit(user, organisation: Organisation) -> bool:
    """Admins edit any organisation; a manager the companies incubating or renting on their platforms now (the
    write scope: a former incubatee or an applicant is read only)."""
    if sees_everything(user):
        return True
    if user.role == "admin":
        return may_change_company(user, organisation.id)
    return user.role == "manager" and organisation.is_company and may_change_company(user, organisation.id)


LIST = define_action("organisation.list", STAFF)
CREATE = define_action("organisation.create", ("admin",))
EDIT = define_action("organisation.edit", STAFF, may_edit)
MANAGE_INDUSTRIES = define_action("industry.manage", ("admin",))
