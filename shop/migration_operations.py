"""Migration operations for what only PostgreSQL has, in a project that also runs on SQLite."""

from django.db.migrations.operations import AddIndex


class AddPostgresIndex(AddIndex):
    """Creates `index` on PostgreSQL and does nothing on other databases: for trigram (GIN)
    indexes and indexes with pattern operator classes, which SQLite cannot build.

    The index stays out of the migration state, so models do not declare it (their Meta would
    build it on SQLite too) and makemigrations never proposes to drop it. Test databases built
    from the models (`--no-migrations`) do not have it.
    """

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{super().describe()} (PostgreSQL only)"
