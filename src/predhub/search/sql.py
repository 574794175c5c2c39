"""Compiles a parsed sample query and sort keys to SQL over the store's tables.

Fields (first segment a label set name, or one of the sample's own fields):

==============================  ============================================================
``key``, ``id``                 the sample's key (``*`` matches any run of characters) and id
``width``, ``height``           image size in pixels
``metadata.<name>[.<name>]``    a value in the sample's metadata (sorted as a number)
``<set>.<class>``               how many objects of that class the set's label has (0 if none)
``<set>.class.<class>``         the same, for a class whose name is one of the words below
``<set>.<class>.confidence``    the highest confidence among those objects
``<set>.objects``               how many objects the label has
``<set>.confidence``            the highest object confidence in the label
``<set>.score``                 the label's score
``<set>.status``                prelabel, labeled or reviewed
``<set>.tp|fp|fn``              outcomes in the newest evaluation of that prediction set
``<set>.disagreement``          the sample's disagreement score in that evaluation
==============================  ============================================================

Counts come from ``label_class_stats`` (one row per label and class that occurs), so a filter is an
index probe and ``NOT`` is an exact complement: a count condition that 0 satisfies compiles to
``NOT EXISTS`` of a row that breaks it. Never a scan in Python.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.sql import operators

from predhub.search.query import And, Comparison, Not, Operator, Or, Query, QuerySyntaxError, SortKey
from predhub.store.schema import label_class_stats, labels, samples

__all__ = [
    "SearchScope",
    "SortKeyError",
    "SortedSearch",
    "compile_search",
    "decode_search_cursor",
    "encode_search_cursor",
]

_OPS = {
    ">": operators.gt,
    ">=": operators.ge,
    "<": operators.lt,
    "<=": operators.le,
    "=": operators.eq,
    "!=": operators.ne,
}
_LABEL_FIELDS = {"objects", "confidence", "score", "status"}
_EVALUATION_FIELDS = {"tp", "fp", "fn", "disagreement"}
_RESERVED = _LABEL_FIELDS | _EVALUATION_FIELDS | {"class"}
# Sort values are never NULL, so that keyset pagination can compare them; missing ones sort lowest.
_LOWEST = -1.0e308


class SortKeyError(QuerySyntaxError):
    """A sort key that names no field of this dataset."""


@dataclass(frozen=True, slots=True)
class SearchScope:
    """What names mean in one dataset: its id and its label sets by name."""

    query_text: str
    dataset_id: int
    label_sets: Mapping[str, int]
    # prediction label set id → the table and id of its newest finished evaluation's per-sample rows
    evaluations: Mapping[int, tuple[Any, int]] = field(default_factory=dict)


def _apply(op: Operator, left: Any, right: Any) -> ColumnElement[bool]:
    result: ColumnElement[bool] = _OPS[op](left, right)
    return result


def _holds_for_zero(op: Operator, value: float) -> bool:
    return {
        ">": value < 0,
        ">=": value <= 0,
        "<": value > 0,
        "<=": value >= 0,
        "=": value == 0,
        "!=": value != 0,
    }[op]


class _Compiler:
    def __init__(self, scope: SearchScope) -> None:
        self.scope = scope
        self.joins: list[tuple[FromClause, ColumnElement[bool]]] = []
        # How the last sort key can run in two phases, if it can (see SortedSearch.two_phase).
        self.phased: _PhasedSort | None = None

    def fail(self, position: int, message: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.scope.query_text, position, message)

    def sort_fail(self, key: SortKey, message: str) -> SortKeyError:
        return SortKeyError(".".join(key.field), 0, message)

    def label_set(self, name: str, position: int, key: SortKey | None = None) -> int:
        if name not in self.scope.label_sets:
            known = ", ".join(sorted(self.scope.label_sets)) or "none"
            message = f"unknown field or label set {name!r} (label sets: {known})"
            raise self.sort_fail(key, message) if key else self.fail(position, message)
        return self.scope.label_sets[name]

    # -- filters -------------------------------------------------------------------------------

    def condition(self, node: Query) -> ColumnElement[bool]:
        if isinstance(node, And):
            return and_(*(self.condition(i) for i in node.items))
        if isinstance(node, Or):
            return or_(*(self.condition(i) for i in node.items))
        if isinstance(node, Not):
            return not_(self.condition(node.item))
        return self.comparison(node)

    def number(self, c: Comparison) -> float:
        if not isinstance(c.value, float):
            raise self.fail(c.position, f"{'.'.join(c.field)} compares with a number, not {c.value!r}")
        return c.value

    def comparison(self, c: Comparison) -> ColumnElement[bool]:
        head, rest = c.field[0], c.field[1:]
        if head in ("key", "id", "width", "height") and not rest:
            column = samples.c[head]
            if head == "key":
                text = str(c.value) if not isinstance(c.value, float) else f"{c.value:g}"
                if "*" in text and c.op in ("=", "!="):
                    pattern = (
                        text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
                    )
                    like = column.like(pattern, escape="\\")
                    return like if c.op == "=" else not_(like)
                return _apply(c.op, column, text)
            return and_(column.is_not(None), _apply(c.op, column, self.number(c)))
        if head == "metadata" and rest:
            value = samples.c.metadata[rest if len(rest) > 1 else rest[0]]
            if isinstance(c.value, float):
                return func.coalesce(_apply(c.op, value.as_float(), c.value), false())
            return func.coalesce(_apply(c.op, value.as_string(), c.value), false())
        ls_id = self.label_set(head, c.position)
        if not rest:
            raise self.fail(c.position, f"{head!r} needs a class or a field after it, e.g. {head}.car:>0")
        if rest[0] in _EVALUATION_FIELDS and len(rest) == 1:
            return self.evaluation_condition(ls_id, rest[0], c)
        if rest[0] in _LABEL_FIELDS and len(rest) == 1:
            return self.label_condition(ls_id, rest[0], c)
        cls, tail = (rest[1], rest[2:]) if rest[0] == "class" and len(rest) > 1 else (rest[0], rest[1:])
        stats = label_class_stats.c
        probe = and_(stats.label_set_id == ls_id, stats.sample_id == samples.c.id, stats["class"] == cls)
        if tail == ("confidence",):
            return exists().where(probe, _apply(c.op, stats.max_confidence, self.number(c)))
        if tail:
            raise self.fail(c.position, f"unknown field {'.'.join(c.field)!r}")
        count = self.number(c)
        if _holds_for_zero(c.op, count):
            return not_(exists().where(probe, not_(_apply(c.op, stats.count, count))))
        return exists().where(probe, _apply(c.op, stats.count, count))

    def label_condition(self, ls_id: int, name: str, c: Comparison) -> ColumnElement[bool]:
        probe = and_(labels.c.label_set_id == ls_id, labels.c.sample_id == samples.c.id)
        if name == "status":
            if isinstance(c.value, float) or c.op not in ("=", "!="):
                raise self.fail(c.position, "status compares with = or != to prelabel, labeled or reviewed")
            return exists().where(probe, _apply(c.op, labels.c.status, c.value))
        value = self.number(c)
        if name == "objects":
            if _holds_for_zero(c.op, value):
                return not_(exists().where(probe, not_(_apply(c.op, labels.c.object_count, value))))
            return exists().where(probe, _apply(c.op, labels.c.object_count, value))
        column = labels.c.score if name == "score" else labels.c.max_confidence
        return exists().where(probe, _apply(c.op, column, value))

    def evaluation_table(self, ls_id: int) -> tuple[Any, int] | None:
        return self.scope.evaluations.get(ls_id)

    def evaluation_condition(self, ls_id: int, name: str, c: Comparison) -> ColumnElement[bool]:
        found = self.evaluation_table(ls_id)
        if found is None:
            raise self.fail(c.position, f"{c.field[0]!r} has no finished evaluation yet")
        table, evaluation_id = found
        return exists().where(
            table.c.evaluation_id == evaluation_id,
            table.c.sample_id == samples.c.id,
            _apply(c.op, table.c[name], self.number(c)),
        )

    # -- sort keys -----------------------------------------------------------------------------

    def sort_value(self, key: SortKey) -> ColumnElement[Any]:
        head, rest = key.field[0], key.field[1:]
        if head in ("key", "id", "width", "height") and not rest:
            column = samples.c[head]
            return column if head in ("key", "id") else func.coalesce(column, -1)
        if head == "metadata" and rest:
            value = samples.c.metadata[rest if len(rest) > 1 else rest[0]].as_float()
            return func.coalesce(value, _LOWEST)
        ls_id = self.label_set(head, 0, key)
        if not rest:
            raise self.sort_fail(key, f"sort key {head!r} needs a class or a field after it")
        if rest[0] in _EVALUATION_FIELDS and len(rest) == 1:
            found = self.evaluation_table(ls_id)
            if found is None:
                raise self.sort_fail(key, f"{head!r} has no finished evaluation yet")
            table, evaluation_id = found
            alias = table.alias()
            on = and_(alias.c.evaluation_id == evaluation_id, alias.c.sample_id == samples.c.id)
            self.joins.append((alias, on))
            if rest[0] == "disagreement":
                self.phased = _PhasedSort(alias, on, alias.c.disagreement, None, _LOWEST)
                return func.coalesce(alias.c.disagreement, _LOWEST)
            return func.coalesce(alias.c[rest[0]], 0)
        if rest[0] in _LABEL_FIELDS and len(rest) == 1:
            alias = labels.alias()
            on = and_(alias.c.label_set_id == ls_id, alias.c.sample_id == samples.c.id)
            self.joins.append((alias, on))
            column = {
                "objects": alias.c.object_count,
                "confidence": alias.c.max_confidence,
                "score": alias.c.score,
                "status": alias.c.status,
            }[rest[0]]
            lowest: Any = 0 if rest[0] == "objects" else "" if rest[0] == "status" else _LOWEST
            if rest[0] != "status":
                present = column > 0 if rest[0] == "objects" else column.is_not(None)
                self.phased = _PhasedSort(alias, on, column, present, lowest)
            return func.coalesce(column, lowest)
        cls, tail = (rest[1], rest[2:]) if rest[0] == "class" and len(rest) > 1 else (rest[0], rest[1:])
        if tail not in ((), ("confidence",)):
            raise self.sort_fail(key, f"unknown sort key {'.'.join(key.field)!r}")
        stats = label_class_stats.alias()
        on = and_(stats.c.label_set_id == ls_id, stats.c.sample_id == samples.c.id, stats.c["class"] == cls)
        self.joins.append((stats, on))
        # A stats row exists only for a class that occurs: its count is >= 1, its confidence set.
        if tail:
            self.phased = _PhasedSort(stats, on, stats.c.max_confidence, None, _LOWEST)
            return func.coalesce(stats.c.max_confidence, _LOWEST)
        self.phased = _PhasedSort(stats, on, stats.c.count, None, 0)
        return func.coalesce(stats.c.count, 0)


Phase = Literal["present", "absent"]


@dataclass(frozen=True, slots=True)
class _PhasedSort:
    """A sort key read from one joined row per sample (stats, label or evaluation row): ``present``
    says the row carries a value (None: every row does), ``lowest`` is the value of the rest."""

    table: Any
    on: ColumnElement[bool]
    column: ColumnElement[Any]
    present: ColumnElement[bool] | None
    lowest: Any


@dataclass(frozen=True, slots=True)
class SortedSearch:
    """A query ready to run: ``select`` gives the matching sample rows in order, with the sort values
    as extra columns ``sort_0 ...`` for the next cursor.

    ``two_phase``: the sort is one key read from a joined row (a class count or confidence, a label's
    object count, highest confidence or score, an evaluation's disagreement). Such a page is cheaper
    in two phases (:func:`compile_search`'s ``phase``): the samples whose row carries a value, walked
    along that table's index in the key's order, then the samples without (value ``lowest``) in id
    order; each stops after one page instead of sorting the whole dataset."""

    statement: Select[Any]
    sort_count: int
    two_phase: bool = False
    lowest: Any = None


def encode_search_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_search_cursor(cursor: str, expected: int) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise ValueError("cursor is not one this server handed out") from None
    if not isinstance(values, list) or len(values) != expected:
        raise ValueError("cursor does not belong to this query and sort")
    return values


def compile_search(
    scope: SearchScope,
    query: Query | None,
    sort: Sequence[SortKey],
    *,
    after: Sequence[Any] | None = None,
    limit: int = 100,
    phase: Phase | None = None,
) -> SortedSearch:
    """Build the SELECT for one page: samples of the dataset matching ``query``, ordered by ``sort``
    then id, starting after the sort values ``after`` (from the previous page's last row).

    ``phase`` (only for a ``two_phase`` sort): ``"present"`` selects the samples whose joined row
    carries a value, ``"absent"`` the others, each in the sort's order."""
    compiler = _Compiler(scope)
    where: list[ColumnElement[bool]] = [samples.c.dataset_id == scope.dataset_id]
    if query is not None:
        where.append(compiler.condition(query))
    keys = [(compiler.sort_value(k), k.descending) for k in sort if k.field != ("id",)]
    phased = compiler.phased if len(sort) == 1 else None
    id_desc = next((k.descending for k in sort if k.field == ("id",)), keys[-1][1] if keys else False)
    keys.append((samples.c.id, id_desc))
    source: FromClause = samples
    if phase is not None:
        if phased is None:
            raise ValueError("a phase needs a sort by one key read from a joined row")
        compiler.joins.remove((phased.table, phased.on))
        present = phased.on if phased.present is None else and_(phased.on, phased.present)
        if phase == "present":
            # Order by the joined row's own columns, so its index ((…, key) plus the sample id as its
            # key's tail) delivers the rows already sorted.
            source = source.join(phased.table, present)
            keys = [(phased.column, id_desc), (phased.table.c.sample_id, id_desc)]
        else:
            where.append(not_(exists().where(present)))
            keys = [(literal(phased.lowest), id_desc), (samples.c.id, id_desc)]
    if after is not None:
        where.append(_after(keys, after))
    for table, on in compiler.joins:
        source = source.outerjoin(table, on)
    columns: list[Any] = [samples, *(value.label(f"sort_{i}") for i, (value, _) in enumerate(keys))]
    order = [value.desc() if desc else value.asc() for value, desc in keys]
    statement = select(*columns).select_from(source).where(*where).order_by(*order).limit(limit)
    return SortedSearch(statement, len(keys), phased is not None, None if phased is None else phased.lowest)


def _after(keys: Sequence[tuple[ColumnElement[Any], bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    # Keyset pagination with mixed directions: (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ...
    clauses = []
    for i, (value, desc) in enumerate(keys):
        equal = [keys[j][0] == literal(values[j]) for j in range(i)]
        beyond = value < literal(values[i]) if desc else value > literal(values[i])
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
