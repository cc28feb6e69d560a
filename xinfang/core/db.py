"""Database helpers shared by the apps."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

_INSERT_SQL: dict[tuple[str, type[models.Model]], tuple[str, list[models.Field]]] = {}


def _insert_statement(model: type[models.Model]) -> tuple[str, list[models.Field]]:
    key = (connection.vendor, model)
    cached = _INSERT_SQL.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names from the model
               f"RETURNING {quote(meta.pk.column)}")
        cached = (sql, fields)
        _INSERT_SQL[key] = cached
    return cached


def insert_row(model: type[M], **values: Any) -> M:
    """INSERT one row and return the instance with its primary key, the statement compiled once per model.

    For the rows every workflow step writes (cases, petitioners, events, deadlines, links), where building
    the ORM's insert statement each time cost more than the database work (docs/benchmarks.md). It does
    what ``Model.objects.create`` does for these models: defaults, ``auto_now``/``auto_now_add``, and each
    field's ``get_db_prep_save``; it sends no signals (xinfang uses none). Foreign keys are given by
    attribute name (``case_id=…``) or as objects (``case=…``).
    """
    sql, fields = _insert_statement(model)
    now = None
    params = []
    row: dict[str, Any] = {}
    for field in fields:
        if field.attname in values:
            value = values[field.attname]
        elif field.name in values:
            obj = values[field.name]
            value = obj.pk if isinstance(field, models.ForeignKey) and obj is not None else obj
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            now = now or timezone.now()
            value = now
        else:
            # As Model.__init__: the declared default, else "" for text fields, else None (a NOT NULL
            # column without a value then fails loudly in the database).
            value = field.get_default()
        row[field.attname] = value
        params.append(field.get_db_prep_save(value, connection))
    unknown = set(values) - {f.attname for f in fields} - {f.name for f in fields}
    if unknown:
        raise TypeError(f"insert_row({model.__name__}): unknown fields {sorted(unknown)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0]
    instance = model(pk=pk, **row)
    instance._state.adding = False
    for name, value in values.items():
        if name not in row and value is not None and model._meta.get_field(name).is_relation:
            setattr(instance, name, value)  # keep the related object cached, as create() would
    return instance
