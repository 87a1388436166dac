"""Trigram indexes for the register's "contains" search on case and accused names (PostgreSQL only).

pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it cannot
be created, the register still works with sequential scans; the migration says so and goes on.
SQLite needs nothing.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = (("cases_case", "cases_case_name_trgm"), ("cases_accused", "cases_accused_name_trgm"))


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT cases_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT cases_trgm")
        except Exception as exc:  # noqa: BLE001  (no privilege: keep going without the indexes)
            cursor.execute("ROLLBACK TO SAVEPOINT cases_trgm")
            print(
                f"\n  cases: pg_trgm không tạo được ({exc}); tìm theo tên sẽ không dùng chỉ "
                "mục trigram."
            )
            return
        for table, name in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name_folded gin_trgm_ops)"
            )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for _, name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_deadline_digest")]
    operations = [migrations.RunPython(create, drop)]
