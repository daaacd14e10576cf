"""Payments and till sessions now belong to the payments app (same tables); order emails
are outbox messages."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_cashdrawersession_return_returnline_and_more'),
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveConstraint(
                model_name='cashdrawersession',
                name='drawer_one_open_per_store',
            ),
            migrations.RemoveConstraint(
                model_name='cashdrawersession',
                name='drawer_float_gte_0',
            ),
            migrations.RemoveField(
                model_name='payment',
                name='drawer_session',
            ),
            migrations.RemoveField(
                model_name='cashdrawersession',
                name='closed_by',
            ),
            migrations.RemoveField(
                model_name='cashdrawersession',
                name='opened_by',
            ),
            migrations.RemoveField(
                model_name='cashdrawersession',
                name='store',
            ),
            migrations.DeleteModel(
                name='Payment',
            ),
            migrations.DeleteModel(
                name='CashDrawerSession',
            ),
            ],
            database_operations=[],
        ),
        migrations.RemoveConstraint(
            model_name='orderemail',
            name='orderemail_unique_kind',
        ),
        migrations.RemoveField(
            model_name='orderemail',
            name='order',
        ),
        migrations.DeleteModel(
            name='OrderEmail',
        ),
    ]
