"""Fast multi-row inserts: one prepared statement and executemany, instead of peewee building SQL per row.

Values still go through each field's db_value (dates, decimals, sealed blobs), so what lands is exactly
what Model.insert_many would write; only the per-row query building is skipped (the import hot path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compliance.store.db import is_postgres


def insert_rows(model, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> int:
    """Insert dict rows into a model's table in one executemany; returns the number of rows."""
    if not rows:
        return 0
    db = model._meta.database
    given = list(columns or rows[0].keys())
    # Columns the rows leave out get the field default, as Model.insert would give them.
    defaults = {f.name: f.default for f in model._meta.sorted_fields if f.name not in given and f.default is not None}
    fields = [model._meta.fields[name] for name in [*given, *defaults]]
    mark = "%s" if is_postgres(db) else "?"
    table = model._meta.table_name
    # Table and column names come from the model definition, never from input; values are parameters.
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([mark] * len(fields))
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608

    def value(row: dict[str, Any], field) -> Any:
        if field.name in defaults:
            default = defaults[field.name]
            return field.db_value(default() if callable(default) else default)
        return field.db_value(row.get(field.name))

    params = [tuple(value(row, f) for f in fields) for row in rows]
    cursor = db.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()
    return len(params)
