from django.db import migrations, models

from verification.codes import rehash_certificates


def fill_certificate_hashes(apps, schema_editor):
    """Every verification written before the column learns its people's tails."""
    Verification = apps.get_model("verification", "Verification")
    rehash_certificates(Verification.objects.using(schema_editor.connection.alias))


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0010_casework_events_and_returned_index"),
        ("verification", "0007_funnel_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="verification",
            name="certificate_hashes",
            field=models.TextField(
                blank=True,
                db_default="",
                editable=False,
                help_text=(
                    "Keyed hashes (HMAC-SHA256) of the last six characters of each "
                    "certificate number that identifies this person; never the "
                    "characters."
                ),
                verbose_name="certificate hashes",
            ),
        ),
        migrations.RunPython(fill_certificate_hashes, migrations.RunPython.noop),
    ]
