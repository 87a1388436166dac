"""Querysets built and compiled once per process, bound to each request's values.

Building a queryset and compiling it to SQL costs the ORM 0.3–1 ms even for a one-table filter,
several times what the database spends answering it; the desk home asks the same few questions
of every user. A prebuilt query is written with the ORM as usual, with `Param("name", field)`
where a per-request value goes:

    ASSIGNED = Prebuilt(lambda: CaseAssignment.objects.filter(user=Param("user", IntegerField()),
                                                              ended_on__isnull=True))
    ASSIGNED.exists(user=request.user.pk)   # a Bound (SQL + parameters) for desk facts
    TITLES.rows(user=request.user.pk)        # the rows of a values_list() query, as tuples

The first use compiles it (per database alias) to SQL whose placeholders are either the query's own
constants or markers of the Params; each later use only puts the request's values in place
(adapted for the database by the Param's field, as the ORM does). Nothing of the data is cached:
only the SQL text, which depends on the models alone. Use it for fixed-shape queries: a Param
stands for one scalar value (not a list), and anything that changes the shape of the query (a
list's length, an optional filter) needs its own Prebuilt. The build function runs once, so it
must not read the clock, the settings or the user: every value that can change is a Param.
Rows made back into model instances with `Model.from_db()` need their columns in the model's
field order (from_db fills the fields in that order).

Why it exists: `benchmarks/speed_devices.py` (variant `plain_no_prebuilt`, which compiles every
use) measured the desk home at 6–8 ms more CPU without it, +33–67 % by persona (docs/desk.md,
benchmarks/HISTORY.md). Remove it only if that benchmark says it no longer pays.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Expression, Field, IntegerField, Model, QuerySet


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<param {self.name}>"


_collecting: ContextVar[list[Param] | None] = ContextVar("prebuilt_params", default=None)


class Param(Expression):
    """A per-request value of a prebuilt query (compiled as a placeholder)."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name
        collected = _collecting.get()
        if collected is not None:
            collected.append(self)

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]  # its param is a _Marker, not str | int
        return "%s", [_Marker(self.name)]

    def get_group_by_cols(self) -> list[Any]:
        return []


@dataclass(frozen=True)
class Bound:
    """SQL with its parameters, ready to run on `using` (or to wrap in EXISTS)."""

    sql: str
    params: tuple[Any, ...]
    using: str = "default"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[Any, ...]  # constants, or _Marker for a Param
    fields: dict[str, Field[Any, Any]]
    converters: tuple[
        tuple[int, tuple[Any, ...], Any], ...
    ] = ()  # (column, converters, expression)


class Prebuilt:
    def __init__(self, build: Callable[[], QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, bool], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str, exists: bool) -> _Compiled:
        key = (using, exists)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                collected: list[Param] = []
                token = _collecting.set(collected)
                try:
                    queryset = self._build()
                finally:
                    _collecting.reset(token)
                query = queryset.query.exists() if exists else queryset.query
                compiler = query.get_compiler(using=using)
                sql, params = compiler.as_sql()
                fields = {param.name: param.output_field for param in collected}
                converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()
                if not exists:
                    columns = [column[0] for column in compiler.select[: compiler.col_count]]
                    converters = tuple(
                        (position, tuple(functions), expression)
                        for position, (functions, expression) in compiler.get_converters(
                            columns
                        ).items()
                    )
                compiled = _Compiled(sql, tuple(params), fields, converters)
                missing = {s.name for s in compiled.slots if isinstance(s, _Marker)} - set(fields)
                if missing:  # cannot happen unless Django changes how it compiles expressions
                    raise RuntimeError(f"prebuilt query: unknown parameters {missing}")
                self._compiled[key] = compiled
        return compiled

    def _bind(self, compiled: _Compiled, using: str, values: dict[str, Any]) -> Bound:
        connection = connections[using]
        adapted = {
            name: compiled.fields[name].get_db_prep_value(value, connection, prepared=False)
            for name, value in values.items()
        }
        params = tuple(
            adapted[slot.name] if isinstance(slot, _Marker) else slot for slot in compiled.slots
        )
        return Bound(compiled.sql, params, using)

    def exists(self, using: str = "default", /, **values: Any) -> Bound:
        """The `SELECT 1 … LIMIT 1` of the query with these values (e.g. a desk fact's probe)."""
        return self._bind(self._compile(using, True), using, values)

    def rows(self, using: str = "default", /, **values: Any) -> list[tuple[Any, ...]]:
        """Run the query (written as a values_list()) with these values: its rows as tuples,
        converted from the database's values as the ORM does (dates on SQLite…)."""
        compiled = self._compile(using, False)
        bound = self._bind(compiled, using, values)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(bound.sql, bound.params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in rows]
        result = []
        for row in rows:
            values_ = list(row)
            for position, functions, expression in compiled.converters:
                value = values_[position]
                for function in functions:
                    value = function(value, expression, connection)
                values_[position] = value
            result.append(tuple(values_))
        return result


def columns(model: type[Model], names: Iterable[str]) -> list[str]:
    """The columns of `model` among `names` ("pk" stands for the primary key), in the model's
    field order: what `Model.from_db()` takes for the rows of a `values_list(*columns)`."""
    wanted = set(names)
    if "pk" in wanted:
        wanted.add(model._meta.pk.attname)
    return [f.attname for f in model._meta.concrete_fields if f.attname in wanted]


def lineage_params(depth: int) -> list[Param]:
    """Params `u0`…`u<depth-1>` for the ids of a unit's `ancestors_and_self` (a list's length
    shapes the query, so a prebuilt query exists per depth; `lineage_values` binds them)."""
    return [Param(f"u{i}", IntegerField()) for i in range(depth)]


def lineage_values(lineage: Sequence[Any]) -> dict[str, Any]:
    """The values of `lineage_params(len(lineage))`."""
    return {f"u{i}": pk for i, pk in enumerate(lineage)}
