"""Application drafts (申请草稿): work kept on the server until it is submitted.

* ``save_draft`` — keep the answers, the values typed, the files attached and the other
  choices of an apply form; the draft expires ``ONETHING_DRAFT_RETENTION_DAYS`` after
  its last change (default 30).
* ``delete_draft`` — the owner discards it (its files stay theirs, unused).
* ``expired_drafts`` — what housekeeping deletes.
* ``case_uploads`` / ``keep_case_uploads`` / ``discard_case_uploads`` /
  ``expired_case_uploads`` — the same for the files of a case's 补正 and 容缺补齐 forms
  (``CaseUploads``): what was attached before an error stays attached.

A draft is not an application: no case, no department sees it, no event is written.
Submitting it goes through ``services.submit_application`` with the draft's own
idempotency key, so a repeated click or a retry after a lost answer files it once; the
view deletes the draft after the application exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onething.accounts.models import User
from onething.applications.attachments import owned_uploads, page_ids
from onething.applications.errors import CaseActionDenied
from onething.applications.models import ApplicationDraft, Case, CaseUploads
from onething.catalog import models as catalog_models
from onething.domain.validators import replace_unsafe

#: Longest value kept for one field of a draft (the form refuses longer ones anyway).
MAX_VALUE = 2000
NOT_FOUND = "没有这份草稿 (no such draft)"

#: The case forms whose files are kept across errors (``CaseUploads.purpose``).
RESUBMIT = CaseUploads.Purpose.RESUBMIT  # 补正
SUPPLY = CaseUploads.Purpose.SUPPLY  # 容缺补齐


def draft_expiry(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(days=settings.ONETHING_DRAFT_RETENTION_DAYS)


def _clean_materials(
    materials: Mapping[str, Any], owner: User, allowed: Collection[str]
) -> dict[str, list[int]]:
    """Only the owner's uploads, only for the plan's materials, in page order."""
    pages = {str(k): page_ids(v) or [] for k, v in materials.items() if str(k) in allowed}
    found = owned_uploads([i for ids in pages.values() for i in ids], [owner])
    return {
        k: [i for i in ids if i in found]
        for k, ids in pages.items()
        if any(i in found for i in ids)
    }


def save_draft(
    *,
    owner: User,
    actor: User,
    bundle: str,
    answers: Mapping[str, str],
    form_data: Mapping[str, str],
    materials: Mapping[str, Any],
    choices: Mapping[str, Any],
    idempotency_key: str,
    allowed_materials: Collection[str],
    draft_id: int | None = None,
) -> ApplicationDraft:
    """Keep what the apply form holds; a new draft, or ``draft_id`` updated.

    Only the owner keeps a draft (the window's clerk works within one visit and keeps
    nothing). Values are stored as typed, checked only when the draft is submitted.
    """
    if actor != owner or not owner.is_applicant:
        raise CaseActionDenied("只有申请人本人可以保存草稿 (only the applicant keeps a draft)")
    values = {
        str(k): replace_unsafe(str(v))[:MAX_VALUE] for k, v in form_data.items() if str(v).strip()
    }
    fields = {
        "answers": {str(k): str(v)[:64] for k, v in answers.items()},
        "form_data": values,
        "materials": _clean_materials(materials, owner, allowed_materials),
        "choices": replace_unsafe(dict(choices)),
        "idempotency_key": idempotency_key[:100],
        "expires_at": draft_expiry(),
    }
    with transaction.atomic():
        if draft_id is not None:
            draft = (
                ApplicationDraft.objects.select_for_update()
                .filter(pk=draft_id, owner=owner, bundle__slug=bundle)
                .first()
            )
            if draft is None:
                raise ApplicationDraft.DoesNotExist(NOT_FOUND)
            for name, value in fields.items():
                setattr(draft, name, value)
            draft.save()
            return draft
        return ApplicationDraft.objects.create(
            owner=owner, bundle=catalog_models.Bundle.objects.get(slug=bundle), **fields
        )


def delete_draft(draft_id: int, *, actor: User) -> None:
    """The owner discards a draft; anyone else's id is "no such draft"."""
    deleted, _ = ApplicationDraft.objects.filter(pk=draft_id, owner=actor).delete()
    if not deleted:
        raise ApplicationDraft.DoesNotExist(NOT_FOUND)


def expired_drafts(now: dt.datetime | None = None) -> Any:
    """Drafts past their expiry: housekeeping deletes them (onething/ops/housekeeping.py)."""
    return ApplicationDraft.objects.filter(expires_at__lt=now or timezone.now())


# -- 补正 and 容缺补齐: the files attached to a case's form, kept across errors ---------------


def case_uploads(owner: User, case: Case, purpose: str) -> dict[str, list[int]]:
    """The pages ``owner`` attached to ``case``'s ``purpose`` form and has not sent, by
    material key (only their own uploads; nothing once expired)."""
    row = CaseUploads.objects.filter(owner=owner, case=case, purpose=purpose,
                                     expires_at__gte=timezone.now()).first()
    if row is None:
        return {}
    return _clean_materials(row.materials, owner, row.materials.keys())


def keep_case_uploads(owner: User, case: Case, purpose: str,
                      materials: Mapping[str, Any], *, allowed: Collection[str]) -> None:
    """Keep what the form holds now (nothing: the row goes). Only the applicant keeps
    files for their own case; anyone else keeps nothing."""
    if owner.pk != case.application.applicant_id:
        return
    kept = _clean_materials(materials, owner, allowed)
    if not kept:
        discard_case_uploads(owner, case, purpose)
        return
    CaseUploads.objects.update_or_create(
        owner=owner, case=case, purpose=purpose,
        defaults={"materials": kept, "expires_at": draft_expiry()})


def discard_case_uploads(owner: User, case: Case, purpose: str) -> None:
    """The form was sent (or emptied): its kept files are no longer pending."""
    CaseUploads.objects.filter(owner=owner, case=case, purpose=purpose).delete()


def expired_case_uploads(now: dt.datetime | None = None) -> Any:
    """Pending 补正/补齐 files past their expiry: housekeeping deletes them."""
    return CaseUploads.objects.filter(expires_at__lt=now or timezone.now())
