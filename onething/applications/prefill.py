"""What the apply forms (portal and window) fill in before the applicant types anything.

``form_values(applicant, plan, held)`` returns ``(known, proposed)``:

* ``known`` — from the verified profile (``accounts.services.profile_data``): shown as
  facts, not editable; ``submit_application`` takes them from the profile anyway.
* ``proposed`` — the roles the applicant plays (the mother of the newborn, the legal
  representative of the business) and the fields certificates they hold certify
  (``onething.domain.prefill``): filled in, editable, checked as if typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.accounts.models import ApplicantKind, User
from onething.accounts.services import profile_data
from onething.domain import prefill as rules
from onething.domain.planner import Plan


def form_values(
    applicant: User, plan: Plan, held: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    known = profile_data(applicant)
    keys = [f.key for f in plan.fields if f.key not in known]
    person = applicant.applicant_kind == ApplicantKind.PERSON
    roles = rules.roles_of(
        person=person, id_number=applicant.id_number or "", form_fields=[f.key for f in plan.fields]
    )
    proposed = rules.prefill(
        keys,
        name=applicant.real_name or "",
        id_number=applicant.id_number or "",
        roles=roles,
        certificates=[c.data for c in held.values() if isinstance(c.data, dict)],
    )
    return known, proposed
