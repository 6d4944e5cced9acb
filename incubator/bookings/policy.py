"""Who manages bookable resources (staff, for their platforms) and who books them (tenants and registered users)."""
from __future__ import annotations

from ..access import define_action
from .services import BOOKER_ROLES

MANAGE = define_action("resource.manage", ("admin", "manager"))  # resources, approvals, blocks, hours, use
BOOK = define_action("resource.book", BOOKER_ROLES, lambda _user, resource: resource.status == "available")
