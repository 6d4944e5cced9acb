"""Who reads and changes partnerships: staff keep agreements, deals and talent; the zone office the institutions;
a partner contact reads their institution's agreements and reports its cohorts' figures."""
from __future__ import annotations

from ..access import define_action
from .services import may_change_agreement, may_report_figures

EDITORS = ("admin", "manager")
READERS = ("admin", "manager", "partner")

AGREEMENTS = define_action("agreement.read", READERS)
AS_PARTNER = define_action("agreement.as_partner", ("partner",))  # their own agreements, figures only
INSTITUTIONS = define_action("institution.read", EDITORS)
MANAGE_INSTITUTIONS = define_action("institution.manage", ("admin",))  # institutions, contacts, partner accounts
DEALS = define_action("deal.read", EDITORS)
TALENTS = define_action("talent.read", EDITORS)
REPORT_COHORT = define_action("cohort.report", READERS,
                              lambda user, cohort: may_report_figures(user, cohort.partnership))
DELETE_COHORT = define_action("cohort.delete", EDITORS,
                              lambda user, cohort: may_change_agreement(user, cohort.partnership))
