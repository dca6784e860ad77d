"""The provider API's records, moved from the API door to this app.

The tables stay as they were (their names kept in each model's Meta): this migration
only tells Django's model state that the models live here now, and moves their
content types, so the permissions staff groups hold and the admin's log keep
pointing at them. On a new database the API door's migrations make the tables first.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = [
    "apikey",
    "idempotentanswer",
    "webhookendpoint",
    "webhookdelivery",
    "webhookattempt",
]


def _relabel(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (a partial migrate let post_migrate make the new one): what
        # groups, users and the admin's log hold moves to the new, the old goes.
        for permission in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(
                content_type=new, codename=permission.codename
            ).first()
            if twin is None:
                permission.content_type = new
                permission.save(update_fields=["content_type"])
                continue
            for group in permission.group_set.all():
                group.permissions.add(twin)
            for user in permission.user_set.all():
                user.user_permissions.add(twin)
            permission.delete()
        LogEntry.objects.filter(content_type=old).update(content_type=new)
        old.delete()


def move_content_types(apps, schema_editor):
    _relabel(apps, "api", "integrations")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "integrations", "api")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('api', '0004_staff_webhooks'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('filings', '0014_extension_limit_permission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='What the key is for, e.g. “ICP console”.', max_length=100, verbose_name='name')),
                        ('prefix', models.CharField(editable=False, help_text="The key's first characters, to tell keys apart.", max_length=16, verbose_name='key begins')),
                        ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='revoked')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_keys', to='filings.provider', verbose_name='access provider')),
                    ],
                    options={
                        'verbose_name': 'API key',
                        'verbose_name_plural': 'API keys',
                        'db_table': 'api_apikey',
                        'ordering': ['provider', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'waiting for its next attempt'), ('sending', 'being sent'), ('delivered', 'delivered'), ('failed', 'given up after every attempt'), ('cancelled', 'not sent: the endpoint was disabled')], default='pending', max_length=16, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('claimed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='filings.providerevent', verbose_name='event')),
                    ],
                    options={
                        'verbose_name': 'webhook delivery',
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'api_webhookdelivery',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField(verbose_name='sent')),
                        ('latency_ms', models.PositiveIntegerField(verbose_name='time taken (ms)')),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='answer status')),
                        ('error', models.CharField(blank=True, max_length=300, verbose_name='error')),
                        ('excerpt', models.CharField(blank=True, max_length=500, verbose_name='answer begins')),
                        ('sent_again', models.BooleanField(default=False, verbose_name='sent again on request')),
                        ('sent_again_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent again by')),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='integrations.webhookdelivery', verbose_name='delivery')),
                    ],
                    options={
                        'verbose_name': 'webhook attempt',
                        'verbose_name_plural': 'webhook attempts',
                        'db_table': 'api_webhookattempt',
                        'ordering': ['-started_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=2000, verbose_name='address')),
                        ('events', models.JSONField(blank=True, default=list, help_text='The events sent to it; none listed means every event.', verbose_name='events')),
                        ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                        ('secret', models.CharField(editable=False, max_length=64)),
                        ('previous_secret', models.CharField(blank=True, editable=False, max_length=64)),
                        ('previous_secret_until', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='old secret signs until')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('failing_since', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='failing since')),
                        ('disabled_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='disabled')),
                        ('disabled_reason', models.CharField(blank=True, choices=[('gone', 'its server answered 410 Gone'), ('failing', 'its deliveries failed for days'), ('provider', 'disabled by the provider'), ('staff', 'disabled by staff')], editable=False, max_length=16, verbose_name='why disabled')),
                        ('api_key', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='integrations.apikey', verbose_name='created with the API key')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='webhook_endpoints', to='filings.provider', verbose_name='access provider')),
                    ],
                    options={
                        'verbose_name': 'webhook endpoint',
                        'verbose_name_plural': 'webhook endpoints',
                        'db_table': 'api_webhookendpoint',
                        'ordering': ['provider', 'id'],
                    },
                ),
                migrations.AddField(
                    model_name='webhookdelivery',
                    name='endpoint',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='integrations.webhookendpoint', verbose_name='endpoint'),
                ),
                migrations.CreateModel(
                    name='IdempotentAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('status', models.PositiveSmallIntegerField()),
                        ('body', models.TextField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('api_key', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='integrations.apikey')),
                    ],
                    options={
                        'db_table': 'api_idempotentanswer',
                        'indexes': [models.Index(fields=['created_at'], name='api_idempot_created_abf22b_idx')],
                        'constraints': [models.UniqueConstraint(fields=('api_key', 'idempotency_key'), name='idempotency_key_once')],
                    },
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(condition=models.Q(('status__in', ['pending', 'sending'])), fields=['status', 'next_attempt_at'], name='webhook_delivery_open'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.UniqueConstraint(fields=('endpoint', 'event'), name='webhook_delivery_once'),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
