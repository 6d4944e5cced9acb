"""Pure rules on platform data shared by the services (web, CLI) and the import kinds.

No database and no session here: the importer checks whole sheets at once and must stay set-based."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import ACADEMIES


def academy_problem(kind: str | None, academy: str | None):
    """What is wrong with an expert's academy for their kind (academicians belong to CAS or CAE, nobody
    else to an academy), or None."""
    if kind == "academician" and academy not in ACADEMIES:
        return _l("An academician belongs to CAS or CAE.")
    if kind != "academician" and academy is not None:
        return _l("Only academicians belong to an academy.")
    return None
