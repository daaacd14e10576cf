from django.contrib.postgres.indexes import OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex


class Migration(migrations.Migration):
    """A prefix index for the admin's search by hand-off code, merged carts included (the
    unique index covers open carts only), on PostgreSQL only."""

    dependencies = [
        ('carts', '0001_initial'),
    ]

    operations = [
        AddPostgresIndex(
            model_name='cart',
            index=models.Index(OpClass(Upper('handoff_code'), name='text_pattern_ops'), name='cart_handoff_prefix'),
        ),
    ]
