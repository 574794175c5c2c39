"""Parser for sample queries, in the style of Segments.ai's label-set search.

Grammar (whitespace between terms means AND)::

    query      := or_expr
    or_expr    := and_expr ("OR" and_expr)*
    and_expr   := unary (["AND"] unary)*
    unary      := "NOT" unary | "(" or_expr ")" | comparison
    comparison := field ":" [op] value
    field      := name ("." name)*          name: bare word or "quoted string"
    op         := ">" | ">=" | "<" | "<=" | "=" | "!="   (none means "=")
    value      := number | bare word | "quoted string"

Examples: ``ground-truth.car:>0 my-predictions.car:=0``, ``(metadata.weather:rain OR
metadata.weather:snow) AND NOT status:reviewed``, ``my-model.fp:>3``. What a field means is decided
when the query is compiled against a dataset (predhub.search.sql); the parser only checks form and
keeps each node's position so errors can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "And",
    "Comparison",
    "Not",
    "Operator",
    "Or",
    "Query",
    "QuerySyntaxError",
    "SortKey",
    "parse_query",
    "parse_sort",
]

Operator = Literal[">", ">=", "<", "<=", "=", "!="]


class QuerySyntaxError(ValueError):
    """A malformed query; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, query: str, position: int, message: str) -> None:
        caret = " " * position + "^"
        super().__init__(f"{message} at position {position}\n  {query}\n  {caret}")
        self.query = query
        self.position = position
        self.message = message


@dataclass(frozen=True, slots=True)
class Comparison:
    field: tuple[str, ...]
    op: Operator
    value: float | str
    position: int


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Query


Query = Comparison | And | Or | Not


@dataclass(frozen=True, slots=True)
class SortKey:
    field: tuple[str, ...]
    descending: bool


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?=[\s()]|$)
  | (?P<op>>=|<=|!=|>|<|=)
  | (?P<punct>[().:])
  | (?P<word>[^\s()."':<>=!]+)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string | op | punct | word | keyword | end
    text: str
    position: int

    @property
    def value(self) -> str:
        if self.kind == "string":
            return re.sub(r"\\(.)", r"\1", self.text[1:-1])
        return self.text


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            what = "unterminated string" if query[pos] == '"' else f"unexpected character {query[pos]!r}"
            raise QuerySyntaxError(query, pos, what)
        kind = match.lastgroup or ""
        if kind != "ws":
            text = match.group()
            if kind == "word" and text in _KEYWORDS:
                kind = "keyword"
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(query)))
    return tokens


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokenize(query)
        self.i = 0

    @property
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, (token or self.peek).position, message)

    def parse(self) -> Query:
        if self.peek.kind == "end":
            raise self.fail("empty query")
        node = self.or_expr()
        if self.peek.kind != "end":
            raise self.fail(f"unexpected {self.peek.text!r}")
        return node

    def or_expr(self) -> Query:
        items = [self.and_expr()]
        while self.peek.kind == "keyword" and self.peek.text == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Query:
        items = [self.unary()]
        while True:
            token = self.peek
            if token.kind == "keyword" and token.text == "AND":
                self.take()
                items.append(self.unary())
            elif (
                token.kind in ("word", "string", "number")
                or (token.kind == "keyword" and token.text == "NOT")
                or (token.kind == "punct" and token.text == "(")
            ):
                items.append(self.unary())
            else:
                break
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Query:
        token = self.peek
        if token.kind == "keyword" and token.text == "NOT":
            self.take()
            return Not(self.unary())
        if token.kind == "punct" and token.text == "(":
            self.take()
            node = self.or_expr()
            if not (self.peek.kind == "punct" and self.peek.text == ")"):
                raise self.fail("expected ')'")
            self.take()
            return node
        return self.comparison()

    def field(self) -> tuple[tuple[str, ...], int]:
        token = self.peek
        if token.kind not in ("word", "string", "number"):
            raise self.fail(f"expected a field name, got {token.text or 'end of query'!r}")
        start = token.position
        parts = [self.take().value]
        while self.peek.kind == "punct" and self.peek.text == ".":
            self.take()
            if self.peek.kind not in ("word", "string", "number"):
                raise self.fail("expected a name after '.'")
            parts.append(self.take().value)
        return tuple(parts), start

    def comparison(self) -> Comparison:
        field, start = self.field()
        if not (self.peek.kind == "punct" and self.peek.text == ":"):
            raise self.fail("expected ':' after the field name")
        self.take()
        op: Operator = "="
        if self.peek.kind == "op":
            op = self.take().text  # type: ignore[assignment]
        token = self.peek
        if token.kind not in ("word", "string", "number"):
            raise self.fail("expected a value")
        self.take()
        value: float | str = float(token.text) if token.kind == "number" else token.value
        if isinstance(value, str) and op not in ("=", "!="):
            raise self.fail(f"{op} needs a number", token)
        return Comparison(field, op, value, start)


def parse_query(query: str) -> Query:
    """Parse a query string; raises :class:`QuerySyntaxError` pointing at the offending position."""
    return _Parser(query).parse()


def parse_sort(sort: str) -> list[SortKey]:
    """Parse ``"field[:asc|:desc], ..."`` (e.g. ``my-model.disagreement:desc,key``)."""
    keys: list[SortKey] = []
    offset = 0
    for part in sort.split(","):
        text = part.strip()
        if not text:
            raise QuerySyntaxError(sort, offset, "empty sort key")
        descending = False
        head, _, direction = text.rpartition(":")
        if head and direction in ("asc", "desc"):
            descending = direction == "desc"
            text = head
        parser = _Parser(text)
        field, _ = parser.field()
        if parser.peek.kind != "end":
            raise QuerySyntaxError(sort, offset + parser.peek.position, "expected ':asc', ':desc' or ','")
        keys.append(SortKey(field, descending))
        offset += len(part) + 1
    return keys
