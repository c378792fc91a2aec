"""Reading request XML safely (defusedxml: no DTDs, no entities, bounded depth) and writing replies."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only to serialize trees parsed by defusedxml
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

DAV = "DAV:"
MAX_BODY = 1 << 20
MAX_DEPTH = 64
HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
ET.register_namespace("D", DAV)  # elements echoed back (a lock's owner) keep the usual prefix


class BadXML(ValueError):
    """A request body that is not acceptable XML."""


def parse(body: bytes) -> ET.Element | None:
    """The root element of ``body``; None for an empty body."""
    if not body.strip():
        return None
    try:
        root: ET.Element = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise BadXML(str(exc)) from exc
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadXML("XML nested too deeply")
        stack.extend((child, depth + 1) for child in element)
    return root


def split(tag: str) -> tuple[str, str]:
    """``{ns}local`` → (ns, local)."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def join(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}" if ns else local


def text(value: str) -> str:
    return escape(value)


def empty(ns: str, local: str) -> str:
    """An empty element of any namespace, declared in place."""
    if ns == DAV:
        return f"<D:{local}/>"
    if not ns:
        return f'<{local} xmlns=""/>'
    return f"<X:{local} xmlns:X={quoteattr(ns)}/>"


def element(tree: ET.Element) -> str:
    """``tree`` alone (without its tail), namespaces declared on it."""
    tail, tree.tail = tree.tail, None
    try:
        return ET.tostring(tree, encoding="unicode")
    finally:
        tree.tail = tail


def status_line(code: int, reason: str) -> str:
    return f"<D:status>HTTP/1.1 {code} {reason}</D:status>"


def error_body(condition: str) -> bytes:
    return (HEAD + f'<D:error xmlns:D="DAV:"><D:{condition}/></D:error>').encode()
