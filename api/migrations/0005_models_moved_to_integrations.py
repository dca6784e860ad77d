"""The provider API's records now live in the integrations app (below the doors):
they leave this app's model state. Nothing in the database changes; their tables keep
their names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0004_staff_webhooks'),
        ('integrations', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='apikey',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='apikey',
                    name='provider',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='api_key',
                ),
                migrations.RemoveIndex(
                    model_name='idempotentanswer',
                    name='api_idempot_created_abf22b_idx',
                ),
                migrations.RemoveConstraint(
                    model_name='idempotentanswer',
                    name='idempotency_key_once',
                ),
                migrations.RemoveField(
                    model_name='webhookattempt',
                    name='delivery',
                ),
                migrations.RemoveField(
                    model_name='webhookattempt',
                    name='sent_again_by',
                ),
                migrations.RemoveIndex(
                    model_name='webhookdelivery',
                    name='webhook_delivery_open',
                ),
                migrations.RemoveConstraint(
                    model_name='webhookdelivery',
                    name='webhook_delivery_once',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='provider',
                ),
                migrations.RemoveField(
                    model_name='idempotentanswer',
                    name='api_key',
                ),
                migrations.DeleteModel(
                    name='WebhookAttempt',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='endpoint',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='event',
                ),
                migrations.DeleteModel(
                    name='ApiKey',
                ),
                migrations.DeleteModel(
                    name='IdempotentAnswer',
                ),
                migrations.DeleteModel(
                    name='WebhookEndpoint',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
            ],
        ),
    ]
