"""Metadata filters, resolved to the set of documents they allow.

Filtering on document-level fields happens once, in Python, against the index state,
so the same allowed-document set restricts dense search (a Chroma ``$in``) and BM25.
Date ranges compare ISO strings, so "2023" sorts before "2023-05-01".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to documents; every given field must match (values within a field: any)."""

    doc_id: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    jurisdiction: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_value(cls, value: "Filters | dict[str, Any] | None") -> "Filters | None":
        """Accept a Filters, a plain dict (from JSON or the UI) or None; single strings become one-item tuples."""
        if value is None or isinstance(value, Filters):
            return value
        unknown = set(value) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        norm: dict[str, Any] = {}
        for key, item in value.items():
            if item in (None, "", [], ()):
                continue
            if key.startswith("date_"):
                norm[key] = str(item)
            else:
                norm[key] = (item,) if isinstance(item, str) else tuple(item)
        return cls(**norm)

    def allowed_docs(self, docs: dict[str, dict[str, Any]]) -> set[str]:
        """The doc_ids whose metadata passes every filter."""
        allowed = set()
        for doc_id, info in docs.items():
            meta = info.get("meta", {})
            if self.doc_id and doc_id not in self.doc_id:
                continue
            if not _matches(self.issuer, meta.get("issuer", "")) or not _matches(self.jurisdiction, meta.get("jurisdiction", "")):
                continue
            if self.doc_type and meta.get("doc_type", "") not in self.doc_type:
                continue
            date = meta.get("date", "")
            if self.date_from and (not date or date < self.date_from):
                continue
            if self.date_to and (not date or date[: len(self.date_to)] > self.date_to):
                continue
            allowed.add(doc_id)
        return allowed


def _matches(wanted: tuple[str, ...], actual: str) -> bool:
    """Case-insensitive containment, so "MHRSS" or "beijing" finds the fuller names."""
    return not wanted or any(w.lower() in actual.lower() for w in wanted)
