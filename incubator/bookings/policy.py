"""Who manages bookable resources (staff, for their platforms) and who books them (tenants and registered users)."""
from __future__ import annotations

from ..access import define_action
from .services import BOOKER_ROLES, MANAGER_ROLES, can_manage

MANAGE = define_action("resource.manage", ("admin", "manager"))  # resources, approvals, blocks, hours, use
BOOK = define_action("resource.book", BOOKER_ROLES, lambda _user, resource: resource.status == "available")
# A manager books a free slot for a company of their platforms from the resource's calendar.
BOOK_FOR = define_action("resource.book_for", MANAGER_ROLES,
                         lambda user, resource: resource.status == "available" and can_manage(user, resource))
