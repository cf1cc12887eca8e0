"""The records that flow through ingestion: a source document, its clauses, their chunks."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


def content_hash(text: str) -> str:
    """Short stable hash of a text, used to tell changed documents and chunks from unchanged ones."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class PageSpan:
    """Where a PDF page starts in the document text; ``page`` is 1-based, ``label`` is the printed one."""

    start: int
    page: int
    label: str


@dataclass(frozen=True)
class DocumentMeta:
    """What a user needs to know about a document to trust a citation from it."""

    doc_id: str
    title: str
    short_title: str
    issuer: str = ""
    date: str = ""
    doc_type: str = "policy"
    jurisdiction: str = ""
    source: str = ""
    # Other names users call the document by, comma-separated, e.g. its Chinese short names ("北京, 行动计划"):
    # a question that names a document in another language still points at it (assistant.references).
    aliases: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class SourceDocument:
    """A loaded document: its text (verbatim, after PDF clean-up) and metadata."""

    meta: DocumentMeta
    text: str
    path: str  # corpus-relative file name, shown as the citation's source
    pages: tuple[PageSpan, ...] = ()

    @property
    def hash(self) -> str:
        return content_hash(self.meta.doc_id + "\n" + self.text + repr(sorted(self.meta.to_dict().items())))

    def page_at(self, offset: int) -> PageSpan | None:
        """The page on which the character at ``offset`` is printed (PDFs only)."""
        found = None
        for span in self.pages:
            if span.start > offset:
                break
            found = span
        return found


@dataclass(frozen=True)
class Clause:
    """One addressable unit of a document: a part, clause, item, heading or paragraph."""

    clause_id: str
    doc_id: str
    key: str  # the part after '#', e.g. "III.VII"
    kind: str  # title | part | section | clause | item | paragraph
    number: str  # the printed number ("VII", "4") or "" for unnumbered units
    title: str
    label: str
    breadcrumb: tuple[str, ...]
    text: str
    start: int
    end: int
    page: int | None = None
    page_label: str | None = None
    heading: str = ""  # what the clause is about, embedded with each sentence: its title, or an article's chapter
    refs: tuple[str, ...] = ()  # keys of the articles of the same document this clause refers to ("A18")
    cited_by: tuple[str, ...] = ()  # keys of the articles that refer to this one


@dataclass(frozen=True)
class Chunk:
    """What is embedded and searched: a clause, or one window of a long clause."""

    chunk_id: str  # clause_id, or clause_id + "/n" for the n-th window
    clause: Clause
    text: str  # verbatim window of the clause text
    window: int = 0  # 0 when the chunk is the whole clause, else 1, 2, …
    sentences: tuple[str, ...] = field(default=(), repr=False)

    @property
    def embed_text(self) -> str:
        """The breadcrumb goes into the embedded text so "clause (XIV) of the Beijing plan" is findable."""
        return " › ".join(self.clause.breadcrumb) + "\n" + self.text

    def sentence_embed_text(self, sentence: str, short_title: str) -> str:
        """A sentence is embedded with its document and clause title in front: alone, "It will support
        ..." does not say which plan or which measure it belongs to, and questions usually name both."""
        title = (self.clause.heading or self.clause.title).strip()
        return f"{short_title} › {title}: {sentence}" if title else f"{short_title}: {sentence}"

    @property
    def hash(self) -> str:
        return content_hash(self.embed_text)
