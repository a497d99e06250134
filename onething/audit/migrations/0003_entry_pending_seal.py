"""Audit entries are written pending and sealed into the chain later
(onething/audit/services.py): ``sequence`` and ``hash`` may be NULL (``prev_hash``
empty) until the sealer links the entry; a partial index finds the pending ones.

On PostgreSQL the append-only trigger of 0002 is replaced by one that allows exactly one
kind of UPDATE: sealing a pending entry — the row had no hash, gets one, and nothing but
``sequence``, ``prev_hash`` and ``hash`` changes. Every other UPDATE and every DELETE is
still refused, so a sealed entry cannot be changed or unsealed through the database
without switching the trigger off (which only the table owner can, and the chain shows).
"""

from django.db import migrations, models

SEALING = """
    CREATE OR REPLACE FUNCTION onething_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
           AND NEW.sequence IS NOT NULL
           AND NEW.id = OLD.id
           AND NEW.recorded_at = OLD.recorded_at
           AND NEW.kind = OLD.kind
           AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
           AND NEW.actor_label = OLD.actor_label
           AND NEW.subject_type = OLD.subject_type
           AND NEW.subject_id = OLD.subject_id
           AND NEW.case_id IS NOT DISTINCT FROM OLD.case_id
           AND NEW.details = OLD.details THEN
            RETURN NEW;  -- sealing a pending entry (审计日志封链)
        END IF;
        RAISE EXCEPTION 'audit_auditentry is append-only: % refused (审计日志不可修改或删除)',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
"""

APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION onething_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_auditentry is append-only: % refused (审计日志不可修改或删除)',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$
"""


def _run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in the function body is PL/pgSQL's, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_entry_append_only"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["id"],
                "verbose_name": "审计日志",
                "verbose_name_plural": "审计日志",
            },
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, unique=True, verbose_name="序号"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="前一条哈希"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(
                blank=True, max_length=64, null=True, unique=True, verbose_name="哈希"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("hash__isnull", True)),
                fields=["id"],
                name="audit_entry_pending",
            ),
        ),
        migrations.RunPython(_run_on_postgresql(SEALING), _run_on_postgresql(APPEND_ONLY)),
    ]
