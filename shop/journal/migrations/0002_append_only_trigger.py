from django.db import migrations

from shop.journal.triggers import install, remove_sql


def forwards(apps, schema_editor):
    install(schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in remove_sql():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_sales_journal")]

    operations = [migrations.RunPython(forwards, backwards)]
