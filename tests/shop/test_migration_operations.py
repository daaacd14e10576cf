"""Indexes only PostgreSQL can build are built there, and skipped on SQLite."""

import pytest
from django.apps import apps
from django.contrib.postgres.indexes import OpClass
from django.db import connection, models
from django.db.migrations.state import ProjectState
from django.db.models.functions import Upper

from shop.migration_operations import AddPostgresIndex

NAME = "test_customer_name_prefix"


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "customers_customer"))


@pytest.mark.django_db(transaction=True)
def test_built_on_postgres_only_and_dropped_backwards():
    index = models.Index(OpClass(Upper("name"), name="text_pattern_ops"), name=NAME)
    operation = AddPostgresIndex(model_name="customer", index=index)
    state = ProjectState.from_apps(apps)

    with connection.schema_editor() as editor:
        operation.database_forwards("customers", editor, state, state)
    built = NAME in _indexes()
    with connection.schema_editor() as editor:
        operation.database_backwards("customers", editor, state, state)

    assert built == (connection.vendor == "postgresql")
    assert NAME not in _indexes()


def test_leaves_the_migration_state_alone():
    operation = AddPostgresIndex(
        model_name="customer", index=models.Index(Upper("name"), name=NAME)
    )
    state = ProjectState.from_apps(apps)
    before = list(state.models["customers", "customer"].options["indexes"])

    operation.state_forwards("customers", state)

    assert state.models["customers", "customer"].options["indexes"] == before
