"""``logger_class`` for gunicorn (see gunicorn_conf.py): its own logger, masked, with
UTC ISO 8601 times, the client address behind a trusted proxy and, with
``ONETHING_LOG_FORMAT=json``, JSON lines (onething/core/logformat.py)."""

from onething.core.logfilters import gunicorn_logger_class

GunicornLogger = gunicorn_logger_class()
