"""Who reads the audit trail: the zone office."""
from __future__ import annotations

from ..access import define_action

READ = define_action("audit.read", ("admin",))
