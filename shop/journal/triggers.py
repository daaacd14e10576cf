"""The PostgreSQL trigger that keeps the journal's tables append-only (migration 0002 installs
it). Even a connection that bypasses the models cannot UPDATE or DELETE an entry or closing."""

TABLES = ("journal_journalentry", "journal_closing")

FUNCTION = """
CREATE OR REPLACE FUNCTION journal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the sales journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def install_sql() -> list[str]:
    return [FUNCTION] + [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();"
        for table in TABLES
    ]


def remove_sql() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES] + [
        "DROP FUNCTION IF EXISTS journal_refuse_change();"
    ]


def install(connection) -> None:
    """Installs the trigger on a PostgreSQL connection (other databases: the models refuse)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in install_sql():
            cursor.execute(statement)
