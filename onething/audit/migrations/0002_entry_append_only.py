"""The audit trail is append-only in the database too (PostgreSQL).

AuditEntry.save/delete already refuse changes in Python; these row-level triggers make
the database refuse an UPDATE or DELETE of an audit_auditentry row whatever the client
(raw SQL, another program, QuerySet.update/delete). TRUNCATE stays allowed: the test
runner empties tables with it, and it needs the table owner's rights anyway; the hash
chain and its head (``onething audit verify``) show what an owner did. On other
databases (SQLite) this migration does nothing.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION onething_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_auditentry is append-only: % refused (审计日志不可修改或删除)',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    """
    CREATE TRIGGER audit_auditentry_append_only
        BEFORE UPDATE OR DELETE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION onething_audit_append_only()
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS onething_audit_append_only()",
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
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run_on_postgresql(CREATE), _run_on_postgresql(DROP)),
    ]
