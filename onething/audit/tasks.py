"""Background work of the audit trail (django-tasks, database worker).

* ``seal_audit_chain`` — 封链: links pending audit entries into the hash chain
  (``services.seal_pending``). Queued when a transaction that wrote audit entries
  commits (``services.record_audit``); housekeeping, ``onething audit verify`` and
  ``onething audit list`` seal too, so entries written while no worker runs are sealed
  by the next of those. Running it twice, or with nothing pending, is harmless.
"""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger("onething.audit")


@task()
def seal_audit_chain() -> int:
    from onething.audit.services import seal_pending

    return seal_pending()


def queue_seal() -> None:
    """Queue ``seal_audit_chain`` unless one is already waiting to start (coalesced).

    A waiting task has not read the pending entries yet, so it will also seal the entry
    whose commit called this. With the database backend that is one indexed read per
    committed transaction while a seal waits; a second task queued by a race between two
    commits is harmless (it finds nothing to do)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends[seal_audit_chain.backend]
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(
            task_path=seal_audit_chain.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return
    seal_audit_chain.enqueue()
