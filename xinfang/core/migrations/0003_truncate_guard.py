"""PostgreSQL: TRUNCATE of the append-only tables is refused too while the guard is on (SECURITY.md 9).

Row-level triggers do not fire on TRUNCATE, so without this a ``TRUNCATE core_auditentry,
core_auditchainhead`` would empty the log and leave a chain that verifies as intact. SQLite has no
TRUNCATE (its ``DELETE FROM`` fires the row triggers of 0002).
"""

from django.db import migrations

TABLES = ["core_auditentry", "core_auditchainhead", "cases_caseevent"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xinfang_append_only_truncate() RETURNS trigger AS $$
BEGIN
    IF COALESCE((SELECT enabled FROM core_appendonlyguard WHERE id = 1), TRUE) THEN
        RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                              f"FOR EACH STATEMENT EXECUTE FUNCTION xinfang_append_only_truncate();")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS xinfang_append_only_truncate();")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
