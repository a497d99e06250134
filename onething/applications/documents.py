"""Issued documents kept as issued (收件回执, 受理通知书): snapshot and SHA-256.

The first issue of a document freezes its content; every later issue returns the
stored snapshot, whose SHA-256 (of the canonical JSON) proves it unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.applications.models import Application, Case, IssuedDocument


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def issue_once(application: Application, kind: str,
               build: Callable[[], Mapping[str, Any]], *,
               case: Case | None = None) -> IssuedDocument:
    """The document ``kind`` as first issued; ``build`` makes its content the first time."""
    found = IssuedDocument.objects.filter(application=application, case=case, kind=kind).first()
    if found is not None:
        return found
    content = dict(build())
    try:
        with transaction.atomic():
            return IssuedDocument.objects.create(
                application=application, case=case, kind=kind, content=content,
                sha256=digest(content), issued_at=timezone.now())
    except IntegrityError:  # issued concurrently: the other one is the document
        return IssuedDocument.objects.get(application=application, case=case, kind=kind)


def unchanged(document: IssuedDocument) -> bool:
    """Whether the stored content still hashes to the recorded SHA-256."""
    return digest(document.content) == document.sha256
