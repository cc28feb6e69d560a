"""A covering index for period queries (docs/analytics.md, hotspots) in place of the single-column index
on ``received_at``, which it begins with. The old index is dropped by name: an ``AlterField`` would make
SQLite copy the whole case table to drop it."""

from django.db import migrations, models

OLD_INDEX = "cases_case_received_at_6c788240"  # Django's name for received_at's db_index, on both backends


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_case_updated_idx'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['received_at', 'category', 'street', 'id'], name='case_received_idx'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='case',
                    name='received_at',
                    field=models.DateTimeField(verbose_name='收到时间'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{OLD_INDEX}"',
                                  reverse_sql=f'CREATE INDEX "{OLD_INDEX}" ON "cases_case" ("received_at")'),
            ],
        ),
    ]
