"""Sample search: the query language compiled to SQL, sorted, keyset-paginated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from predhub.search import Query, QuerySyntaxError, SortKey, parse_query, parse_sort
from predhub.search.sql import (
    Phase,
    SearchScope,
    SortKeyError,
    compile_search,
    decode_search_cursor,
    encode_search_cursor,
)
from predhub.services import access
from predhub.services.auth import User
from predhub.services.errors import Detail, Invalid
from predhub.services.labels import label_query, read_labels
from predhub.services.pagination import Page, check_limit
from predhub.services.samples import sample_from_row
from predhub.store.db import Database
from predhub.store.schema import evaluation_samples, evaluations, label_sets, labels

__all__ = ["SearchHit", "newest_evaluations", "search_samples"]

SearchHit = dict[str, Any]


def _syntax_error(field: str, error: QuerySyntaxError) -> Invalid:
    return Invalid(
        f"{field}: {error.message} at position {error.position}",
        [Detail(record=None, field=field, message=f"{error.message} at position {error.position}")],
    )


def newest_evaluations(conn: Any, dataset_id: int) -> dict[int, tuple[Any, int]]:
    """Prediction label set id → (evaluation_samples, id of its newest finished evaluation)."""
    rows = conn.execute(
        select(evaluations.c.prediction_label_set_id, func.max(evaluations.c.id))
        .where(evaluations.c.dataset_id == dataset_id, evaluations.c.status == "done")
        .group_by(evaluations.c.prediction_label_set_id)
    ).all()
    return {ls_id: (evaluation_samples, evaluation_id) for ls_id, evaluation_id in rows}


def search_samples(
    db: Database,
    user: User,
    dataset_id: int,
    *,
    query: str | None = None,
    sort: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    with_labels: list[int] | None = None,
) -> Page[SearchHit]:
    """One page of the dataset's samples matching ``query`` in ``sort`` order.

    Each hit is the sample's public dict; with ``with_labels`` (label set ids) it also carries
    ``labels: {label_set_id: label}`` for those sets, so a gallery page needs one request.
    """
    check_limit(limit)
    try:
        parsed = parse_query(query) if query and query.strip() else None
    except QuerySyntaxError as exc:
        raise _syntax_error("q", exc) from None
    try:
        keys = parse_sort(sort) if sort and sort.strip() else []
    except QuerySyntaxError as exc:
        raise _syntax_error("sort", exc) from None
    with db.read() as conn:
        access.dataset_row(conn, user, dataset_id)
        sets = dict(
            conn.execute(
                select(label_sets.c.name, label_sets.c.id).where(label_sets.c.dataset_id == dataset_id)
            ).all()
        )
        scope = SearchScope(query or "", dataset_id, sets, newest_evaluations(conn, dataset_id))
        try:
            probe = compile_search(scope, parsed, keys, limit=limit + 1)
            after = decode_search_cursor(cursor, probe.sort_count) if cursor else None
            if probe.two_phase:
                rows = _two_phase(conn, scope, parsed, keys, after, probe.lowest, limit + 1)
            else:
                compiled = (
                    compile_search(scope, parsed, keys, after=after, limit=limit + 1) if after else probe
                )
                rows = list(conn.execute(compiled.statement).all())
        except SortKeyError as exc:
            raise _syntax_error("sort", exc) from None
        except QuerySyntaxError as exc:
            raise _syntax_error("q", exc) from None
        except ValueError as exc:
            raise Invalid.field("cursor", str(exc)) from None
        more = len(rows) > limit
        rows = rows[:limit]
        hits = [sample_from_row(r).to_dict() for r in rows]
        if with_labels:
            wanted = [i for i in with_labels if i in set(sets.values())]
            _attach_labels(conn, hits, wanted)
    next_cursor = None
    if more and rows:
        last = rows[-1]._mapping
        next_cursor = encode_search_cursor([last[f"sort_{i}"] for i in range(probe.sort_count)])
    return Page(hits, next_cursor)


def _two_phase(
    conn: Any,
    scope: SearchScope,
    query: Query | None,
    keys: list[SortKey],
    after: list[Any] | None,
    lowest: Any,
    limit: int,
) -> list[Any]:
    """A page sorted by one key in two phases (see ``SortedSearch.two_phase``): samples with a value
    in the key's order, and samples without (``lowest``) in id order; descending puts the first phase
    first. The cursor's sort value says which phase the previous page ended in."""
    phases: list[Phase] = ["present", "absent"] if keys[0].descending else ["absent", "present"]
    if after is not None:
        phases = phases[phases.index("absent" if after[0] == lowest else "present") :]
    rows: list[Any] = []
    for phase in phases:
        compiled = compile_search(scope, query, keys, after=after, limit=limit - len(rows), phase=phase)
        rows += conn.execute(compiled.statement).all()
        if len(rows) >= limit:
            break
        after = None  # the next phase starts at its beginning
    return rows


def _attach_labels(conn: Any, hits: list[SearchHit], label_set_ids: list[int]) -> None:
    by_id = {h["id"]: h for h in hits}
    for hit in hits:
        hit["labels"] = {}
    for ls_id in label_set_ids:
        rows = conn.execute(label_query(ls_id).where(labels.c.sample_id.in_(list(by_id)))).all()
        for row, label in zip(rows, read_labels(conn, ls_id, rows), strict=True):
            by_id[row.sample_id]["labels"][str(ls_id)] = label
