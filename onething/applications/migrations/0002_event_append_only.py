"""History is append-only in the database too (PostgreSQL).

Event.save/delete already refuse changes in Python; these row-level triggers
make the database refuse an UPDATE or DELETE of an applications_event row
whatever the client (raw SQL, another program, QuerySet.update/delete).
TRUNCATE stays allowed: the test runner empties tables with it between
transactional tests, and it needs the table owner's rights anyway.
On other databases (SQLite) this migration does nothing.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION onething_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'applications_event is append-only: % refused (办理记录不可修改或删除)',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    "DROP TRIGGER IF EXISTS applications_event_append_only ON applications_event",
    """
    CREATE TRIGGER applications_event_append_only
        BEFORE UPDATE OR DELETE ON applications_event
        FOR EACH ROW EXECUTE FUNCTION onething_event_append_only()
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS applications_event_append_only ON applications_event",
    "DROP FUNCTION IF EXISTS onething_event_append_only()",
]


def _run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                # No parameters: the % in the function body is PL/pgSQL's, not a placeholder.
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run_on_postgresql(CREATE), _run_on_postgresql(DROP)),
    ]
