from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_product_search_indexes"),
    ]

    operations = [
        # The storefront search looks in descriptions too (icontains: UPPER(description) LIKE
        # '%...%'); with the name's trigram index the planner ORs two bitmap index scans.
        AddPostgresIndex(
            model_name="product",
            index=GinIndex(
                OpClass(Upper("description"), name="gin_trgm_ops"),
                name="product_description_trgm",
            ),
        ),
    ]
