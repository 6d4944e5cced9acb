"""Who keeps a platform's recognitions and managers (the zone office) beside what staff do on it."""
from __future__ import annotations

from ..access import define_action

RECOGNISE = define_action("platform.recognise", ("admin",))
MANAGERS = define_action("platform.managers", ("admin",))
