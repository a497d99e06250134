"""``logger_class`` for gunicorn (see gunicorn_conf.py): its own logger, masked."""

from onething.core.logfilters import gunicorn_logger_class

GunicornLogger = gunicorn_logger_class()
