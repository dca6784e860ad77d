"""Keyed hashes of full mobile and certificate numbers, for the support desk's
search (`filings.privacy.lookup_key`), written for the rows there are: in the
database on PostgreSQL (pgcrypto, created if missing; about four minutes for three
million rows), in batches through Python elsewhere."""

from django.db import migrations, models

from filings import lookup_keys


def write_keys(apps, schema_editor):
    lookup_keys.rehash(
        apps.get_model("filings", "Person").objects.all(),
        apps.get_model("filings", "Subject").objects.all(),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('filings', '0017_dashboard_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='certificate_key',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='certificate lookup key'),
        ),
        migrations.AddField(
            model_name='person',
            name='mobile_key',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='mobile lookup key'),
        ),
        migrations.AddField(
            model_name='subject',
            name='certificate_key',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='certificate lookup key'),
        ),
        migrations.RunPython(write_keys, migrations.RunPython.noop),
    ]
