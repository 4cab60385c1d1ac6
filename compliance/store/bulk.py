"""Fast multi-row inserts: one prepared statement and executemany, instead of peewee building SQL per row.

Values still go through each field's db_value (dates, decimals, sealed blobs), so what lands is exactly
what Model.insert_many would write; only the per-row query building is skipped (the import hot path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

from peewee import BooleanField, CharField, DateTimeField, Field, FloatField, IntegerField, TextField

from compliance.store.db import is_postgres


def insert_rows(model, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> int:
    """Insert dict rows into a model's table in one executemany; returns the number of rows."""
    if not rows:
        return 0
    db = model._meta.database
    meta = model._meta.fields
    given = list(columns or rows[0].keys())
    # Columns the rows leave out get the field default, as Model.insert would give them: a constant once,
    # a callable per row.
    left_out = [f for f in model._meta.sorted_fields if f.name not in given and f.default is not None]
    constant = [f for f in left_out if not callable(f.default)]
    per_row = [f for f in left_out if callable(f.default)]
    fields = [*(meta[name] for name in given), *constant, *per_row]
    mark = "%s" if is_postgres(db) else "?"
    # Table and column names come from the model definition, never from input; values are parameters.
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([mark] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'  # noqa: S608
    # Column by column: a column whose values the field would pass through unchanged (text for a text field, a
    # datetime for a datetime field, None) is taken as it is, which skips a Python call per value; any other
    # column goes through the field's db_value. This runs for every value of a bulk import.
    count = len(rows)
    columns_of: list[Any] = []
    for name in given:
        values = [row.get(name) for row in rows]
        if not set(map(type, values)) <= _passed_through(meta[name]):
            values = list(map(meta[name].db_value, values))
        columns_of.append(values)
    columns_of += [repeat(f.db_value(f.default), count) for f in constant]
    columns_of += [[f.db_value(f.default()) for _ in range(count)] for f in per_row]
    params = list(zip(*columns_of, strict=True))
    return _executemany(db, sql, params)


def _executemany(db, sql: str, params: list[tuple]) -> int:
    cursor = db.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()
    return len(params)


def update_rows(model, rows: Sequence[dict[str, Any]], key: str = "id") -> int:
    """UPDATE many rows by primary key in one executemany; each row gives the key and the same other columns."""
    if not rows:
        return 0
    db = model._meta.database
    names = [name for name in rows[0] if name != key]
    fields = [model._meta.fields[name] for name in names]
    key_field = model._meta.fields[key]
    mark = "%s" if is_postgres(db) else "?"
    # Table and column names come from the model definition, never from input; values are parameters.
    sets = ", ".join(f'"{f.column_name}" = {mark}' for f in fields)
    sql = f'UPDATE "{model._meta.table_name}" SET {sets} WHERE "{key_field.column_name}" = {mark}'  # noqa: S608
    params = [(*(f.db_value(row[f.name]) for f in fields), key_field.db_value(row[key])) for row in rows]
    return _executemany(db, sql, params)


_SQL_BY_SHAPE: dict[tuple, str] = {}


def _passed_through(field) -> frozenset[type]:
    """The value types a field's db_value returns unchanged: peewee's own adapt of text, integers, booleans,
    floats and datetimes, when the field class overrides neither db_value nor adapt (sealed and blob fields
    do, and go through db_value)."""
    cls = type(field)
    found = _PASSED.get(cls)
    if found is None:
        found = frozenset({type(None)})
        if cls.db_value is Field.db_value:
            for base, kind in _ADAPTS:
                if issubclass(cls, base) and cls.adapt is base.adapt:
                    found |= {kind}
        _PASSED[cls] = found
    return found


_PASSED: dict[type, frozenset[type]] = {}
# adapt(v) is v for these: str for text fields, int(v) of an int, bool(v) of a bool, float(v) of a float, and a
# datetime field's adapt parses only strings. (bool is not passed for an integer field: int(True) is 1.)
_ADAPTS = (
    (CharField, str),
    (TextField, str),
    (IntegerField, int),
    (BooleanField, bool),
    (FloatField, float),
    (DateTimeField, datetime),
)


def reader(field) -> Callable[[Any], Any]:
    """The field's python_value, with a fast path for SQLite's datetime text (peewee tries strptime formats
    one by one: most of the cost of converting a consent state row)."""
    if not isinstance(field, DateTimeField):
        return field.python_value
    slow = field.python_value

    def read(value: Any) -> Any:
        if isinstance(value, str):
            try:
                # Peewee writes "YYYY-MM-DD HH:MM:SS[.ffffff]", which fromisoformat reads to the same datetime.
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return slow(value)
            return parsed if parsed.tzinfo is None else slow(value)
        return slow(value)

    return read


def select_in(model, columns: Sequence, equal: Sequence[tuple], key, values: Sequence) -> list[tuple]:
    """SELECT columns FROM model WHERE each (field, value) of equal holds AND key IN values; rows converted
    by the fields' own python_value, so values are what the model would give.

    Peewee rebuilds the SQL of a query and a model instance per row on every call, which dominates hot paths
    (consent checks, import lookups); this builds the SQL once per shape and returns plain tuples.
    """
    if not values:
        return []
    db = model._meta.database
    mark = db.param
    shape = (model, tuple(columns), tuple(f for f, _ in equal), key, len(values), mark)
    sql = _SQL_BY_SHAPE.get(shape)
    if sql is None:
        tests = [f'"{f.column_name}" = {mark}' for f, _ in equal]
        tests.append(f'"{key.column_name}" IN ({", ".join([mark] * len(values))})')
        names = ", ".join(f'"{c.column_name}"' for c in columns)
        # Table and column names come from the model definitions, never from input; values are parameters.
        sql = f'SELECT {names} FROM "{model._meta.table_name}" WHERE {" AND ".join(tests)}'  # noqa: S608
        _SQL_BY_SHAPE[shape] = sql
    params = [f.db_value(v) for f, v in equal] + [key.db_value(v) for v in values]
    cursor = db.execute_sql(sql, params)
    try:
        rows = cursor.fetchall()
    finally:
        cursor.close()
    convert = [reader(c) for c in columns]
    return [tuple(v if v is None else f(v) for f, v in zip(convert, row, strict=True)) for row in rows]
