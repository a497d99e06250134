"""History (applications_event) is append-only: in the model everywhere, and in
the database itself on PostgreSQL (triggers from migration 0002)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from onething.applications.models import Application, Event
from onething.applications.services import submit_application
from tests.conftest import restaurant_submission

pytestmark = pytest.mark.django_db

on_postgresql = connection.vendor == "postgresql"
migration = importlib.import_module("onething.applications.migrations.0002_event_append_only")


@pytest.fixture
def event(demo):
    application = submit_application(restaurant_submission(demo.applicant),
                                     actor=demo.applicant, applicant=demo.applicant)
    return application.events.order_by("id").first()


def _refused(sql, params):
    """Run ``sql`` in a savepoint; True when the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def test_the_model_refuses_to_change_or_delete_an_event(event):
    event.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert Event.objects.get(pk=event.pk).reason == ""


def test_raw_sql_update_and_delete_of_history_fail_on_postgresql_model_guard_on_sqlite(event):
    """On PostgreSQL the database itself refuses, whatever the client. SQLite has
    no such trigger here: there the model guard is all there is, and we check it."""
    if not on_postgresql:
        with pytest.raises(RuntimeError, match="append-only"):
            event.save()
        with pytest.raises(RuntimeError, match="append-only"):
            event.delete()
        return
    table = Event._meta.db_table
    assert _refused(f"UPDATE {table} SET reason = %s WHERE id = %s", ["rewritten", event.pk])
    assert _refused(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    # QuerySet.update/delete bypass Event.save/delete; the database still refuses.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    # An application with history cannot be deleted either (applications never are).
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Application.objects.filter(pk=event.application_id).delete()
    assert Event.objects.get(pk=event.pk).reason == ""
    # Appending is still allowed.
    Event.objects.create(application_id=event.application_id, action="note")


def test_the_migration_installs_and_reverses_the_trigger_only_on_postgresql(event):
    """Unapplying 0002 drops the trigger, applying it again restores it; on other
    databases both directions run no SQL at all."""
    from django.apps import apps

    if not on_postgresql:
        executed = []
        editor = SimpleNamespace(connection=connection,
                                 execute=lambda sql, params=(): executed.append(sql))
        migration._run_on_postgresql(migration.CREATE)(apps, editor)
        migration._run_on_postgresql(migration.DROP)(apps, editor)
        assert executed == []
        return
    table = Event._meta.db_table

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():  # DDL is transactional here
        with connection.schema_editor(atomic=False) as editor:
            migration._run_on_postgresql(migration.DROP)(apps, editor)
        assert not _refused(f"UPDATE {table} SET reason = %s WHERE id = %s", ["x", event.pk])
        with connection.schema_editor(atomic=False) as editor:
            migration._run_on_postgresql(migration.CREATE)(apps, editor)
        assert _refused(f"UPDATE {table} SET reason = %s WHERE id = %s", ["y", event.pk])
        raise Rollback
    assert Event.objects.get(pk=event.pk).reason == ""
