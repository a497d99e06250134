"""Reads of the audit trail.

The audit app sits below the apps that record into it, so it knows none of their
models: a caller names the case and the subjects it asks about (the case page's access
log, 查阅记录, is ``applications.selectors.access_log``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from onething.audit.models import AuditEntry

ACCESS_KINDS = ("case.viewed", "material.viewed", "material.downloaded",
                "certificate.downloaded")


def access_entries(*, case_id: int, subject_type: str, subject_ids: Iterable[str],
                   limit: int) -> list[AuditEntry]:
    """Views and downloads recorded about ``case_id`` or about the subjects
    (``subject_type`` is a model label such as ``applications.providedmaterial``),
    newest first (written order: pending entries have no sequence yet)."""
    about_case = Q(case_id=case_id)
    about_subjects = Q(subject_type=subject_type, subject_id__in=list(subject_ids))
    return list(AuditEntry.objects.filter(about_case | about_subjects, kind__in=ACCESS_KINDS)
                .select_related("actor").order_by("-id")[:limit])
