"""Who imports, and whose imports may name any company (an administrator's; a manager's stay in their scope)."""
from __future__ import annotations

from ..access import define_action

IMPORT = define_action("import.run", ("admin", "manager"))
UNRESTRICTED = define_action("import.unrestricted", ("admin",))
