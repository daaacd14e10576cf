from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_product_newest'),
    ]

    operations = [
        # Does nothing on databases other than PostgreSQL, like the indexes that need it.
        TrigramExtension(),
        # The admin's name search (icontains: UPPER(name) LIKE '%...%').
        AddPostgresIndex(
            model_name='product',
            index=GinIndex(OpClass(Upper('name'), name='gin_trgm_ops'), name='product_name_trgm'),
        ),
        # SKU searches by prefix (istartswith: UPPER(sku) LIKE '...%').
        AddPostgresIndex(
            model_name='variant',
            index=models.Index(OpClass(Upper('sku'), name='text_pattern_ops'), name='variant_sku_prefix'),
        ),
        # The admin's default ordering.
        migrations.AddIndex(
            model_name='product',
            index=models.Index(fields=['name'], name='product_name'),
        ),
    ]
