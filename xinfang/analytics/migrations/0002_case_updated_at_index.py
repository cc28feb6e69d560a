"""An index on ``cases_case.updated_at``: the roll-up's refresh reads the cases changed since its watermark
before every overview (docs/analytics.md); without it that is a scan of the whole case table. Plain SQL
that both databases accept, so the cases app's model stays as it is (its owner may move it into
``Case.Meta.indexes`` later: then this migration's reverse drops it first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        ("cases", "0004_alter_casedeadline_kind"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_case_updated_idx ON cases_case (updated_at)",
            "DROP INDEX IF EXISTS analytics_case_updated_idx",
        ),
    ]
