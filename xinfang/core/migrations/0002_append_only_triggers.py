"""The database itself refuses UPDATE and DELETE on the audit log and the case event log
(SECURITY.md 9) while the guard row is enabled."""

from django.db import migrations

TABLES = ["core_auditentry", "cases_caseevent"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xinfang_append_only() RETURNS trigger AS $$
BEGIN
    IF COALESCE((SELECT enabled FROM core_appendonlyguard WHERE id = 1), TRUE) THEN
        RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    apps.get_model("core", "AppendOnlyGuard").objects.get_or_create(id=1, defaults={"enabled": True})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # no params: the % in RAISE is PL/pgSQL's own
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION xinfang_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"WHEN COALESCE((SELECT enabled FROM core_appendonlyguard WHERE id = 1), 1) "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                )
    else:
        raise RuntimeError(f"append-only triggers are not written for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        else:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
