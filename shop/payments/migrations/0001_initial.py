"""Payments move here from the orders app. Their tables keep their names: the models are
taken over in the migration state only, then the new columns and constraint are added."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('inventory', '0002_initial'),
        ('orders', '0003_cashdrawersession_return_returnline_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='CashDrawerSession',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('opened_at', models.DateTimeField(auto_now_add=True)),
                    ('opening_float', models.DecimalField(decimal_places=2, max_digits=12)),
                    ('closed_at', models.DateTimeField(blank=True, null=True)),
                    ('expected_cash', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                    ('counted_cash', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                    ('difference', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                    ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('opened_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('store', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.location')),
                ],
                options={
                    'db_table': 'orders_cashdrawersession',
                    'ordering': ['-opened_at'],
                },
            ),
            migrations.CreateModel(
                name='Payment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('method', models.CharField(choices=[('card', 'Card'), ('cash', 'Cash'), ('pay_at_pickup', 'Pay at pickup')], max_length=20)),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('captured', 'Captured'), ('declined', 'Declined'), ('refunded', 'Refund'), ('refund_failed', 'Refund refused')], max_length=20)),
                    ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                    ('currency', models.CharField(max_length=3)),
                    ('reference', models.CharField(blank=True, max_length=120)),
                    ('tendered', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                    ('change_due', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                    ('channel', models.CharField(choices=[('web', 'Web storefront'), ('pos', 'Point of sale'), ('backoffice', 'Back office'), ('system', 'System')], max_length=20)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('drawer_session', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='payments.cashdrawersession')),
                    ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='payments', to='orders.order')),
                    ('return_record', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='orders.return')),
                    ('store', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.location')),
                ],
                options={
                    'db_table': 'orders_payment',
                    'ordering': ['created_at', 'id'],
                },
            ),
            migrations.AddConstraint(
                model_name='cashdrawersession',
                constraint=models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('store',), name='drawer_one_open_per_store'),
            ),
            migrations.AddConstraint(
                model_name='cashdrawersession',
                constraint=models.CheckConstraint(condition=models.Q(('opening_float__gte', 0)), name='drawer_float_gte_0'),
            ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name='cashdrawersession',
            name='cash_movements',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='payment',
            name='gateway_key',
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name='payment',
            name='gateway_message',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='payment',
            name='refund_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds', to='payments.payment'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='payment_amount_gte_0'),
        ),
    ]
