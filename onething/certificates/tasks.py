"""Background work of certificates (django-tasks, database worker).

* ``render_certificate_document`` — the issued certificate's PDF, rendered and stored
  as issued (``documents.issued_pdf``). Queued on commit of the approval by
  ``services.issue_certificate``, so approving never waits for the font, the layout or
  the QR code. The printed verification address needs the deployment's public address
  (``ONETHING_PUBLIC_URL``, flagged by the deploy check when unset); without it the
  task leaves the PDF to the first download, which renders it with that request's host.
  Running it twice is harmless: the second finds the stored PDF.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

log = logging.getLogger("onething.certificates")


@task()
def render_certificate_document(certificate_id: int) -> str:
    """The stored PDF's SHA-256 ("" when nothing was rendered)."""
    from onething.certificates.documents import issued_pdf
    from onething.certificates.models import Certificate
    from onething.certificates.services import verify_path

    base = (getattr(settings, "ONETHING_PUBLIC_URL", "") or "").rstrip("/")
    if not base:
        log.info(
            "certificate %s: no ONETHING_PUBLIC_URL, its PDF renders on first download",
            certificate_id,
        )
        return ""
    certificate = (
        Certificate.objects.select_related("key", "certificate_type", "department")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:  # the approval's transaction rolled back after all
        return ""
    document = issued_pdf(certificate, base + verify_path(certificate.number), rendered_by="task")
    return document.sha256
