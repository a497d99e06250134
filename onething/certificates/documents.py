"""The certificate's PDF kept as issued (``CertificateDocument``).

Approval does not render the PDF: ``services.issue_certificate`` queues
``tasks.render_certificate_document`` on commit, and a download that comes first renders
it itself (``issued_pdf``). Whichever is first stores the bytes; the other — and every
later download — gets those bytes back, so a re-download is byte for byte the file first
handed out, with the verification address it was rendered with.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from onething.certificates.models import Certificate, CertificateDocument


def stored_document(certificate: Certificate) -> CertificateDocument | None:
    return CertificateDocument.objects.filter(certificate=certificate).first()


def issued_pdf(
    certificate: Certificate, verify_url: str, *, rendered_by: str
) -> CertificateDocument:
    """The certificate's stored PDF, rendered now (as issued: without any later
    revocation mark) when nothing is stored yet. Renders outside any transaction; a
    concurrent render that stored first wins and its bytes are returned."""
    found = stored_document(certificate)
    if found is not None:
        return found
    from onething.certificates.pdf import render_certificate_pdf

    body = render_certificate_pdf(certificate, verify_url, as_issued=True)
    try:
        with transaction.atomic():
            return CertificateDocument.objects.create(
                certificate=certificate,
                pdf=body,
                sha256=hashlib.sha256(body).hexdigest(),
                verify_url=verify_url[:300],
                rendered_at=timezone.now(),
                rendered_by=rendered_by,
            )
    except IntegrityError:  # rendered and stored concurrently: that one is the document
        return CertificateDocument.objects.get(certificate=certificate)


def pdf_bytes(document: CertificateDocument) -> bytes:
    """The stored bytes (PostgreSQL hands a BinaryField back as a memoryview)."""
    return bytes(document.pdf)
