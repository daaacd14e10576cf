from django.contrib.postgres.indexes import OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex


class Migration(migrations.Migration):
    """A prefix index for the admin's search by gateway reference, on PostgreSQL only."""

    dependencies = [
        ('payments', '0001_initial'),
    ]

    operations = [
        AddPostgresIndex(
            model_name='payment',
            index=models.Index(OpClass(Upper('reference'), name='text_pattern_ops'), name='payment_reference_prefix'),
        ),
    ]
