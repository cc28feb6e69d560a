"""Database helpers shared by the apps."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

_INSERT_SQL: dict[tuple[str, type[models.Model]], tuple[str, list[Any], list[str], dict[str, Any]]] = {}


def _insert_statement(model: type[models.Model]) -> tuple[str, list[Any], list[str], dict[str, Any]]:
    """The INSERT … RETURNING statement of ``model`` and, per column, how a value is found and prepared:
    ``(attname, name, is_fk, stamp, prep)``. Built once per model and database vendor."""
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
        plan = [(f.attname, f.name, isinstance(f, models.ForeignKey),
                 bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)), f, _preparer(f))
                for f in fields]
        # Model.from_db takes the values positionally, in the order of the concrete fields.
        order = [f.attname for f in meta.concrete_fields]
        known = {f.attname: f for f in fields} | {f.name: f for f in fields}
        cached = (sql, plan, order, known)
        _INSERT_SQL[key] = cached
    return cached


def insert_row(model: type[M], **values: Any) -> M:
    """INSERT one row and return the instance with its primary key, the statement compiled once per model.

    For the rows every workflow step writes (cases, petitioners, events, deadlines, links), where building
    the ORM's insert statement each time cost more than the database work (docs/benchmarks.md). It does
    what ``Model.objects.create`` does for these models: defaults, ``auto_now``/``auto_now_add``, and each
    value prepared as the field's ``get_db_prep_save`` would (text, number, boolean and key values are
    passed to the driver as they are, see ``_preparer``); it sends no signals (xinfang uses none). Foreign
    keys are given by attribute name (``case_id=…``) or as objects (``case=…``).
    """
    sql, plan, order, known = _insert_statement(model)
    unknown = [name for name in values if name not in known]
    if unknown:
        raise TypeError(f"insert_row({model.__name__}): unknown fields {sorted(unknown)}")
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy, per value
    now = None
    params = []
    row: dict[str, Any] = {}
    for attname, name, is_fk, stamp, field, prep in plan:
        if attname in values:
            value = values[attname]
        elif name in values:
            obj = values[name]
            value = obj.pk if is_fk and obj is not None else obj
        elif stamp:
            now = now or timezone.now()
            value = now
        else:
            # As Model.__init__: the declared default, else "" for text fields, else None (a NOT NULL
            # column without a value then fails loudly in the database).
            value = field.get_default()
        row[attname] = value
        params.append(value if prep is None or value is None else prep(value, db))
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row[model._meta.pk.attname] = cursor.fetchone()[0]
    instance = model.from_db(db.alias, order, [row[name] for name in order])
    for name, value in values.items():
        if value is not None and name not in row:
            setattr(instance, name, value)  # keep the related object cached, as create() would
    return instance


_NEW_PLAN: dict[type[models.Model], list[tuple[str, Any, Any]]] = {}


def instance_new(model: type[M], values: dict[str, Any]) -> M:
    """A new, unsaved instance of ``model`` from column values by attribute name (``case_id``, not
    ``case``); missing columns take their declared default. ``Model(**kwargs)`` matches every keyword
    against every field and cost a batch of thousands of rows more than its inserts; positional arguments
    take Model.__init__'s fast path. Related objects are not cached: set them afterwards if needed."""
    plan = _NEW_PLAN.get(model)
    if plan is None:
        # (attname, constant default, default function): a callable default (dict, timezone.now) is
        # called for every instance, any other is the same value every time and is worked out once.
        plan = [(f.attname, None, f.get_default) if f.has_default() and callable(f.default)
                else (f.attname, f.get_default(), None) for f in model._meta.concrete_fields]
        _NEW_PLAN[model] = plan
    unknown = values.keys() - {attname for attname, _value, _make in plan}
    if unknown:
        raise TypeError(f"instance_new({model.__name__}): unknown fields {sorted(unknown)}")
    return model(*[values[attname] if attname in values else (make() if make else value)
                   for attname, value, make in plan])


# Field types whose Python values the database drivers take as they are (text, numbers, booleans, keys):
# insert_many skips Django's per-value preparation for them, which cost more than the insert itself.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
                 models.ForeignKey, models.AutoField, models.BigAutoField)
_MANY_SQL: dict[tuple[str, type[models.Model], bool], tuple[str, str, list[Any]]] = {}


def _many_statement(model: type[models.Model], returning: bool) -> tuple[str, str, list[Any]]:
    key = (connection.vendor, model, returning)
    cached = _MANY_SQL.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "  # noqa: S608 - names from the model
        tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
        cached = (head, tail, fields)
        _MANY_SQL[key] = cached
    return cached


def _preparer(field: Any) -> Any:
    """How a value of ``field`` goes to the driver: None when as it is (text, numbers, booleans, keys),
    else a function ``(value, connection)``: the backend's adaptation for dates and datetimes (xinfang makes
    only aware datetimes), the field's own ``get_db_prep_save`` for the rest (JSON, binary)."""
    if isinstance(field, models.DateTimeField):
        return _adapt_datetime
    if isinstance(field, models.DateField):
        return _adapt_date
    if isinstance(field, _PLAIN_FIELDS) and not isinstance(field, models.JSONField):
        return None
    return field.get_db_prep_save


def _adapt_datetime(value: Any, conn: Any) -> Any:
    return conn.ops.adapt_datetimefield_value(value)


def _adapt_date(value: Any, conn: Any) -> Any:
    return conn.ops.adapt_datefield_value(value)


def _row_params(fields: list[Any], rows: list[dict[str, Any]]) -> list[list[Any]]:
    now = timezone.now()
    prepared = []
    for f in fields:
        stamp = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        # An explicit None of a plain column stays None; only missing values take the default.
        default = now if stamp else f.get_default()
        prepared.append((f.attname, default, _preparer(f)))
    params = []
    # A batch repeats a few values over and over (its ``now``, None): each is adapted once.
    seen: dict[tuple[Any, Any], Any] = {}
    for row in rows:
        values = []
        for attname, default, prep in prepared:
            value = row[attname] if attname in row else default
            if prep is None or value is None:
                values.append(value)
                continue
            key = (prep, value) if isinstance(value, date) else None
            if key is not None and key in seen:
                values.append(seen[key])
                continue
            adapted = prep(value, connection)
            if key is not None:
                seen[key] = adapted
            values.append(adapted)
        params.append(values)
    return params


def _check_fields(model: type[models.Model], fields: list[Any], rows: list[dict[str, Any]]) -> None:
    unknown = {name for row in rows[:1] for name in row} - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"insert_many({model.__name__}): unknown fields {sorted(unknown)}")


def insert_many(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows whose primary keys are not needed afterwards, in one ``executemany``; each row a
    dict by attribute name (``case_id=…``), missing fields take their declared default (``auto_now``: now).
    For the child rows of a batch (links, events, deadlines, import records), where the ORM's
    ``bulk_create`` cost more than the database work. Like ``insert_row``: no signals; values of text,
    number, boolean and key columns are passed to the driver as they are, the others (dates, JSON)
    through ``get_db_prep_save``."""
    if not rows:
        return
    head, _tail, fields = _many_statement(model, False)
    _check_fields(model, fields, rows)
    sql = head + "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.executemany(sql, _row_params(fields, rows))


def insert_many_returning(model: type[models.Model], rows: list[dict[str, Any]], *, chunk: int = 500) -> list[int]:
    """As ``insert_many``, with one multi-row ``INSERT … RETURNING id`` per ``chunk`` rows; answers the new
    primary keys in the order of ``rows`` (SQLite ≥ 3.35 and PostgreSQL return them in the order of the
    VALUES list, which Django's ``bulk_create`` relies on too)."""
    if not rows:
        return []
    head, tail, fields = _many_statement(model, True)
    _check_fields(model, fields, rows)
    # SQLite allows 32,766 bound parameters per statement.
    chunk = max(1, min(chunk, 32_000 // len(fields)))
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = _row_params(fields, rows)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(params), chunk):
            part = params[start:start + chunk]
            cursor.execute(head + ", ".join([placeholder] * len(part)) + tail, [v for row in part for v in row])
            ids += [row[0] for row in cursor.fetchall()]
    if len(ids) != len(rows):
        raise RuntimeError(f"insert_many_returning({model.__name__}): {len(ids)} keys for {len(rows)} rows")
    return ids
