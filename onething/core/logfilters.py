"""Logging filter that keeps personal data out of the logs.

``settings.LOGGING`` puts :class:`PersonalDataFilter` on every handler. Outside
the development mode that shows sign-in codes (``ONETHING_LOG_SMS_CODES``) it
rewrites each record's message, arguments, exception text and stack so that
resident ID numbers and mobile numbers are masked (``onething.domain.redaction``)
before any handler formats it.
"""

from __future__ import annotations

import logging

from onething.domain.redaction import mask_personal_text

_FORMATTER = logging.Formatter()


def log_personal_data() -> bool:
    """True only in the development mode that logs SMS texts whole (the demo sign-in)."""
    from django.conf import settings

    try:
        return bool(getattr(settings, "ONETHING_LOG_SMS_CODES", False))
    except Exception:  # settings not configured (a bare gunicorn master): mask
        return False


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_onething_masked", False) or log_personal_data():
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, masked
            message = f"{record.msg} {record.args}"
        record.msg = mask_personal_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_text(record.stack_info)
        record._onething_masked = True  # several handlers: mask once
        return True


def gunicorn_logger_class():
    """Gunicorn's logger with the filter on its access and error handlers: access lines
    carry addresses and referrers, which must not leak a number either."""
    from gunicorn import glogging

    class GunicornLogger(glogging.Logger):
        def setup(self, cfg) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.addFilter(PersonalDataFilter())

    return GunicornLogger
