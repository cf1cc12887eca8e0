"""Explicit clause references in a question ("clause (XIV) of the Beijing plan", "Beijing XIV",
"part III clause VII", "item 4 of the Opinions", or a clause_id) resolved before any search.

A policy officer who names a clause wants that clause, not the nearest neighbours of
the words around it. Documents are recognised by the words that only their own ID or
short title contains, so this works for any corpus without a list of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from common.analysis import STOPWORDS, has_cjk, tokenize
from ingest.markers import roman_value

_CLAUSE_ID = re.compile(r"\b([a-z0-9][a-z0-9_-]*#[A-Za-z0-9.~]+)(?:/\d+)?")
_KEYWORD_NUMBER = re.compile(
    r"\b(?P<kw>part|clause|article|item|measure|point|section|paragraph)s?\s*(?:no\.?\s*)?\(?(?P<num>[IVXLC]{1,7}|\d{1,3})\)?(?![\w])",
    re.IGNORECASE)
_PAREN_ROMAN = re.compile(r"\((?P<num>[IVXLC]{1,7})\)")
_BARE_ROMAN = re.compile(r"(?<![\w(])(?P<num>[IVXLC]{2,7})(?![\w)])")
_KIND_BY_KEYWORD = {"part": "part", "clause": "clause", "article": "clause", "item": "item", "measure": "item",
                    "point": "item", "section": "section", "paragraph": "paragraph"}
_GENERIC = {"hr", "human", "resources", "resource", "service", "services", "plan", "document", "policy", "national",
            "ministry", "news", "press", "conference", "2021", "2023", "2024", "2025", "china"}


@dataclass(frozen=True)
class Reference:
    """A resolved reference: which documents, which number, which kind of unit."""

    doc_ids: tuple[str, ...]
    number: str = ""
    kind: str = ""
    part: str = ""
    clause_id: str = ""

    def where(self) -> dict[str, Any]:
        """The Chroma condition selecting the referenced unit's first window."""
        if self.clause_id:
            return {"clause_id": self.clause_id}
        conditions: list[dict[str, Any]] = [{"number": self.number}, {"window": {"$lte": 1}}]
        if self.doc_ids:
            conditions.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.kind:
            conditions.append({"kind": self.kind})
        if self.part:
            conditions.append({"key": f"{self.part}.{self.number}"})
        return {"$and": conditions}


def distinctive_words(docs: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """For each document, the words of its ID and short title that no other document's contain."""
    words = {}
    for doc_id, info in docs.items():
        text = doc_id + " " + info.get("meta", {}).get("short_title", "")
        words[doc_id] = {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _GENERIC
                         and w not in STOPWORDS}
    counts: dict[str, int] = {}
    for ws in words.values():
        for w in ws:
            counts[w] = counts.get(w, 0) + 1
    return {doc_id: {w for w in ws if counts[w] == 1} for doc_id, ws in words.items()}


@dataclass(frozen=True)
class DocumentNames:
    """Which words name which document. Built once per opened index: with thousands of documents,
    recomputing it for every question cost tens of milliseconds."""

    words: dict[str, set[str]]  # doc_id → its distinctive words
    stems: dict[str, set[str]]  # doc_id → their stems, as questions are compared
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # doc_id → other names, casefolded

    @classmethod
    def of(cls, docs: dict[str, dict[str, Any]]) -> "DocumentNames":
        words = distinctive_words(docs)
        aliases = {doc_id: tuple(a.strip().casefold() for a in info.get("meta", {}).get("aliases", "").split(",")
                                 if a.strip())
                   for doc_id, info in docs.items()}
        return cls(words, {doc_id: set(tokenize(" ".join(ws))) for doc_id, ws in words.items()}, aliases)

    def mentioned(self, question: str) -> list[str]:
        """Documents the question names by one of their distinctive words (compared as stems: "grant" names
        "Grants") or by one of their aliases (as text: Chinese has no spaces between words)."""
        stems = set(tokenize(question))
        folded = question.casefold()
        return [doc_id for doc_id, ws in self.stems.items()
                if ws & stems or any(_names(alias, folded) for alias in self.aliases.get(doc_id, ()))]


def _names(alias: str, folded_question: str) -> bool:
    """A Chinese alias anywhere in the question (Chinese has no spaces); any other only as whole words."""
    if len(alias) < 2:
        return False
    if has_cjk(alias):
        return alias in folded_question
    return re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", folded_question) is not None


def resolve(question: str, names: DocumentNames, mentioned: list[str] | None = None) -> Reference | None:
    """The clause the question points at explicitly, or None. ``mentioned``: ``names.mentioned(question)`` when
    the caller has it already."""
    match = _CLAUSE_ID.search(question)
    if match and match.group(1).split("#", 1)[0] in names.words:
        return Reference(doc_ids=(match.group(1).split("#", 1)[0],), clause_id=match.group(1))

    numbered = list(_KEYWORD_NUMBER.finditer(question))
    part = next((m.group("num").upper() for m in numbered if m.group("kw").lower() == "part"), "")
    leaf = [m for m in numbered if m.group("kw").lower() != "part"]
    doc_ids = tuple(names.mentioned(question) if mentioned is None else mentioned)
    if leaf:
        m = leaf[0]
        return _checked(Reference(doc_ids, _number(m.group("num")), _KIND_BY_KEYWORD[m.group("kw").lower()], part))
    paren = _PAREN_ROMAN.search(question)
    if paren:
        return _checked(Reference(doc_ids, paren.group("num"), "clause", part))
    if part:
        return _checked(Reference(doc_ids, part, "part"))
    bare = _BARE_ROMAN.search(question)
    if bare and doc_ids:
        return _checked(Reference(doc_ids, bare.group("num"), "clause"))
    return None


def _number(text: str) -> str:
    return text.upper() if not text.isdigit() else str(int(text))


def _checked(ref: Reference) -> Reference | None:
    """Drop numbers that are not numerals at all (e.g. 'CL')."""
    if ref.number and not ref.number.isdigit() and roman_value(ref.number) is None:
        return None
    return ref
