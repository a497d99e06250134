"""Reads of the audit trail: a case's access log (查阅记录) for the staff who may see it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onething.accounts.models import Role
from onething.audit.models import AuditEntry

ACCESS_KINDS = ("case.viewed", "material.viewed", "material.downloaded",
                "certificate.downloaded")
ACCESS_LOG_LIMIT = 200
MATERIAL = "applications.providedmaterial"


def may_see_access_log(viewer: Any, case: Any) -> bool:
    """Reviewers of the case's department, the centre's managers and administrators."""
    role = getattr(viewer, "role", None)
    if role in {Role.MANAGER, Role.ADMIN}:
        return True
    return role == Role.REVIEWER and viewer.department_id == case.department_id


def _material_ids(case: Any) -> list[str]:
    """Every material (current or replaced) of the case's application that the case needs."""
    from onething.applications.models import ProvidedMaterial

    plan = case.application.plan or {}
    needed = [m["key"] for m in [*plan.get("materials", []), *plan.get("reused_materials", [])]
              if case.matter.code in m.get("needed_by", [])]
    return [str(pk) for pk in ProvidedMaterial.objects.filter(
        application_id=case.application_id, material_key__in=needed).values_list("pk", flat=True)]


def access_log(viewer: Any, case: Any, *, limit: int = ACCESS_LOG_LIMIT) -> list[AuditEntry]:
    """Who looked at ``case`` and the materials it needs, newest first; empty for anyone
    who may not see the log."""
    if not may_see_access_log(viewer, case):
        return []
    about_case = Q(case_id=case.pk)
    about_materials = Q(subject_type=MATERIAL, subject_id__in=_material_ids(case))
    return list(AuditEntry.objects.filter(about_case | about_materials, kind__in=ACCESS_KINDS)
                .select_related("actor").order_by("-sequence")[:limit])
