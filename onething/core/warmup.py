"""Warm a web process up before it serves (预热).

Some things are built on first use and kept per process: the search index with its
jieba dictionary (seconds), the catalogue the planner reads. Without a warm-up the
first person to search after a deploy or a worker recycle waits for them. The WSGI
entry point (``onething/wsgi.py``) calls :func:`warm_up` as each gunicorn worker loads
the application, before it accepts a request.

What to warm is listed in the setting ``ONETHING_WARM_UP`` (dotted paths of functions
taking no arguments), so this module names no app above it. A step that fails (say, a
database not yet migrated) is logged and skipped: the worker still starts, and the thing
is built on first use as before.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def load_urls() -> None:
    """Import every view module and build the URL resolver (Django does it on the first
    request: about two seconds of imports)."""
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - populating is the point


def warm_up() -> dict[str, float | None]:
    """Run every warm-up step; return each one's seconds (None when it failed)."""
    took: dict[str, float | None] = {}
    for path in getattr(settings, "ONETHING_WARM_UP", ()):
        started = time.perf_counter()
        try:
            import_string(path)()
        except Exception as exc:  # a warm-up must never stop a worker
            # One line, no traceback: a database that is down is reported by /readyz and
            # the 503 handling, not as a crash in every worker's log.
            logger.warning("Warm-up step %s failed (%s: %s); it will run on first use", path,
                           type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
            took[path] = None
            continue
        took[path] = round(time.perf_counter() - started, 3)
    if took:
        logger.info("Warmed up: %s", ", ".join(
            f"{k} {v}s" if v is not None else f"{k} failed" for k, v in took.items()))
    return took
