from django.contrib.postgres.indexes import OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex


class Migration(migrations.Migration):
    """Indexes for the admin's order list: by status, newest first, and for searches by
    prefix (istartswith: UPPER(number) LIKE '...%'), the latter on PostgreSQL only (SQLite
    cannot build operator classes)."""

    dependencies = [
        ('orders', '0004_payments_move_to_payments_app'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['status', '-created_at', '-id'], name='order_status_newest'),
        ),
        AddPostgresIndex(
            model_name='order',
            index=models.Index(OpClass(Upper('number'), name='text_pattern_ops'), name='order_number_prefix'),
        ),
        AddPostgresIndex(
            model_name='order',
            index=models.Index(OpClass(Upper('email'), name='text_pattern_ops'), name='order_email_prefix'),
        ),
    ]
