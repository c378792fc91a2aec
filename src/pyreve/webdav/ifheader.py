"""The ``If`` request header (RFC 4918 §10.4): parsing and evaluation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""\s*(?:(<[^>]*>)|(\()|(\))|(\[(?:W/)?"(?:[^"\\]|\\.)*"\])|(Not)(?=[\s<\[(])|(\S))""")


class BadIf(ValueError):
    pass


@dataclass
class Condition:
    negated: bool
    token: str | None = None  # a state token (Coded-URL without the brackets)
    etag: str | None = None  # an entity tag, quotes included


@dataclass
class Clause:
    """One list: every condition must hold for the resource (None = the request URI)."""

    resource: str | None
    conditions: list[Condition] = field(default_factory=list)


def parse(header: str) -> list[Clause]:
    clauses: list[Clause] = []
    resource: str | None = None
    tagged: bool | None = None
    current: Clause | None = None
    negate = False
    pos = 0
    text = header.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip() == "":
                break
            raise BadIf(header)
        pos = match.end()
        coded, opening, closing, entity, not_word, junk = match.groups()
        if junk is not None:
            raise BadIf(header)
        if current is None:
            if coded is not None:
                if tagged is False:
                    raise BadIf(header)
                tagged, resource = True, coded[1:-1]
                continue
            if opening is not None:
                if tagged is None:
                    tagged = False
                current = Clause(resource if tagged else None)
                continue
            raise BadIf(header)
        if closing is not None:
            if not current.conditions or negate:
                raise BadIf(header)
            clauses.append(current)
            current = None
            continue
        if not_word is not None:
            if negate:
                raise BadIf(header)
            negate = True
            continue
        if coded is not None:
            current.conditions.append(Condition(negate, token=coded[1:-1]))
        elif entity is not None:
            tag = entity[1:-1]
            current.conditions.append(Condition(negate, etag=tag[2:] if tag.startswith("W/") else tag))
        else:
            raise BadIf(header)
        negate = False
    if current is not None or not clauses:
        raise BadIf(header)
    return clauses


def tokens(clauses: list[Clause]) -> set[str]:
    return {c.token for clause in clauses for c in clause.conditions if c.token and not c.negated}


def holds(condition: Condition, etag: str | None, held: frozenset[str]) -> bool:
    result = condition.token in held if condition.token is not None else etag is not None and condition.etag == etag
    return result != condition.negated
