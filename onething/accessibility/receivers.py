"""What the accessibility app does when the applications app reports a change.

Connected in ``AccessibilityConfig.ready``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from onething.applications.signals import application_submitted

logger = logging.getLogger(__name__)


@receiver(application_submitted, dispatch_uid="accessibility_issue_receipt")
def issue_receipt(sender: Any, application_id: int, actor: Any, **kwargs: Any) -> None:
    """收件回执 stored as issued at submission. Should it fail, the application stands
    and the receipt is stored at its first print or download instead."""
    from onething.accessibility.selectors import issue_receipt_at_submission

    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the request's own
            issue_receipt_at_submission(actor, application_id)
    except Exception:  # the submission must not fail for its receipt
        logger.exception("Receipt of application %s not stored at submission", application_id)
