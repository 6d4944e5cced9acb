"""Who sees the zone's own figures and who sets, proposes and approves targets and weights."""
from __future__ import annotations

from ..access import define_action

STAFF = ("admin", "manager")

DASHBOARDS = define_action("dashboard.read", STAFF)
ZONE_FIGURES = define_action("zone.figures", ("admin",))  # the zone as a whole: dashboard and targets
TARGETS = define_action("target.list", STAFF)
SET_TARGETS = define_action("target.set", ("admin",))  # saved at once, for the zone or any platform
PROPOSE_TARGETS = define_action("target.propose", ("manager",))  # counted once an administrator approves
COPY_TARGETS = define_action("target.copy", ("admin",))
DECIDE_PROPOSALS = define_action("target.decide", ("admin",))
SET_WEIGHTS = define_action("weights.set", ("admin",))
EVALUATION = define_action("evaluation.open", ("admin",))
