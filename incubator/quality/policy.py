"""Who reads the flags of filed reports: staff for their platforms, administrators for the whole zone too."""
from __future__ import annotations

from ..access import define_action

FLAGS = define_action("flags.read", ("admin", "manager"))
ZONE_FLAGS = define_action("flags.zone", ("admin",))
SETTINGS = define_action("flags.settings", ("admin",))
