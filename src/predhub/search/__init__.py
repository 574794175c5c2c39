"""The sample query language shared by the API, the SDK, the CLI and the gallery."""

from predhub.search.query import (
    And,
    Comparison,
    Not,
    Or,
    Query,
    QuerySyntaxError,
    SortKey,
    parse_query,
    parse_sort,
)

__all__ = [
    "And",
    "Comparison",
    "Not",
    "Or",
    "Query",
    "QuerySyntaxError",
    "SortKey",
    "parse_query",
    "parse_sort",
]
