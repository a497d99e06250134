"""Database routing for an optional read replica (``ONETHING_DB_REPLICA_URL``).

Every read and write goes to the primary (``default``) unless code asks for the replica
explicitly with ``.using(reader())``: only reads that tolerate a moment's replication
lag do — today the department queues. The search index stays on the primary: it is
cached per catalogue version, and a lagging read would keep an old catalogue under the
new version's token. Statistics will read from the replica when they land. ``reader()``
is ``"default"`` when no replica is configured, so those reads then stay on the
primary. Writes always go to the primary, also for an object that was read from the
replica, and migrations run on the primary only (the replica follows by streaming
replication).
"""

from __future__ import annotations

from django.conf import settings

PRIMARY = "default"
REPLICA = "replica"


def reader() -> str:
    """The alias for reads that may lag the primary by a moment."""
    return REPLICA if REPLICA in settings.DATABASES else PRIMARY


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's data: objects from either may be related.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
