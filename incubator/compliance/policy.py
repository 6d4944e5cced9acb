"""Who reads the recognition and compliance pages and who keeps the rule sets."""
from __future__ import annotations

from ..access import define_action

READ = define_action("compliance.read", ("admin", "manager"))  # the overview, gaps, lists and the Torch report
RULE_SETS = define_action("rule_set.manage", ("admin",))
