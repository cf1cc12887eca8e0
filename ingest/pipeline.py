"""Ingest: corpus files → clauses → chunks → a new index generation, swapped in atomically.

Unchanged documents (same content hash) are carried over with their stored vectors, so
re-running ingest on an unchanged corpus embeds nothing and writes nothing. A file that
cannot be read is reported with its reason and skipped; everything else is indexed.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from common.settings import Settings
from ingest.bm25_index import BM25Index
from ingest.chunking import chunk_clauses
from ingest.clauses import parse_clauses
from ingest.documents import LoadError, discover, load_document
from ingest.embedding import Embedder, get_embedder
from ingest.records import Chunk, SourceDocument
from ingest.store import IndexState, IndexStore, IndexUnavailable, read_pages, storage_errors

log = logging.getLogger(__name__)
# Bump when parsing, chunking or sentence splitting changes what is stored: the next ingest re-embeds all.
PIPELINE_VERSION = 7
Progress = Callable[[int, int, str], None]  # (done, total, what): characters of document text embedded so far


@dataclass
class IngestReport:
    """What an ingest did; printed by ``policy-assistant ingest --json``."""

    documents: int = 0
    clauses: int = 0
    chunks: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    generation: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return not self.errors


def chunk_metadata(chunk: Chunk, doc: SourceDocument) -> dict[str, Any]:
    """Flat Chroma metadata for a chunk: everything a citation shows, without another lookup."""
    clause, meta = chunk.clause, doc.meta
    data: dict[str, Any] = {
        "chunk_id": chunk.chunk_id, "clause_id": clause.clause_id, "doc_id": meta.doc_id, "key": clause.key,
        "kind": clause.kind, "number": clause.number, "title": clause.title, "label": clause.label,
        "breadcrumb": " › ".join(clause.breadcrumb), "start": clause.start,
        "end": clause.end, "window": chunk.window, "doc_title": meta.title, "short_title": meta.short_title,
        "issuer": meta.issuer, "date": meta.date, "doc_type": meta.doc_type, "jurisdiction": meta.jurisdiction,
        "source": doc.path, "hash": chunk.hash, "sentences": len(chunk.sentences),
    }
    if chunk.window <= 1:  # the whole clause once, not once per window (a long clause would be stored n times)
        data["clause_text"] = clause.text
    # clause_ids of the articles this clause cites and of those citing it, so the clause panel can link both ways
    data["refs"] = ",".join(f"{meta.doc_id}#{key}" for key in clause.refs)
    data["cited_by"] = ",".join(f"{meta.doc_id}#{key}" for key in clause.cited_by)
    if clause.page is not None:
        data["page"] = clause.page
        data["page_label"] = clause.page_label or str(clause.page)
    return data


def run_ingest(settings: Settings, paths: Sequence[Path] | None = None, prune: bool = False,
               progress: Progress | None = None, store: IndexStore | None = None,
               prune_removed: bool = False) -> IngestReport:
    """Bring the index in line with the corpus; only new and changed documents are embedded.

    ``prune`` removes every indexed document that is not in this run; ``prune_removed`` (what ``make run`` and
    ``serve`` use) removes only those whose file was in the corpus folder and is gone, keeping documents that were
    ingested from other paths: a file deleted from the corpus is a change like any other."""
    store = store or IndexStore(settings)
    embedder = get_embedder(settings.embedder, settings)
    with storage_errors("read", store.location):
        previous = store.current()
    rebuild = previous is not None and (previous.embedder, previous.chunk_tokens, previous.pipeline) != (
        embedder.name, settings.chunk_tokens, PIPELINE_VERSION)
    if rebuild:
        log.warning("index was built with %s, %s-token chunks, pipeline v%s; re-embedding everything",
                    previous.embedder, previous.chunk_tokens, previous.pipeline)
    report = IngestReport()
    outside: set[str] = set()
    docs = _load_all(settings, paths, report, outside)
    old_docs = {} if previous is None else previous.docs
    whole_corpus = paths is None

    changed = [d for d in docs if rebuild or old_docs.get(d.meta.doc_id, {}).get("hash") != d.hash]
    kept_ids = [d.meta.doc_id for d in docs if d not in changed]
    seen = {d.meta.doc_id for d in docs}
    missing = [doc_id for doc_id in old_docs if doc_id not in seen]
    if prune:
        removed = missing
    elif prune_removed and whole_corpus:  # an index from before "in_corpus" was recorded: its files were the corpus
        removed = [doc_id for doc_id in missing if old_docs[doc_id].get("in_corpus", True)
                   and not (settings.corpus_dir / str(old_docs[doc_id].get("path", ""))).exists()]  # not a bad file
    else:
        removed = []
    carried = kept_ids + ([] if rebuild else [d for d in missing if d not in removed])
    report.unchanged = len(kept_ids)
    report.removed = len(removed)
    if removed and not prune:
        log.info("%d document(s) removed from the corpus folder; dropping them from the index: %s",
                 len(removed), ", ".join(removed))
    kept_missing = [doc_id for doc_id in missing if doc_id not in removed]
    if kept_missing and whole_corpus and not prune:
        log.info("%d indexed document(s) no longer in the corpus; keeping them (use --prune to remove): %s",
                 len(kept_missing), ", ".join(kept_missing))

    if previous is not None and not changed and not removed:
        _summarise(report, previous.docs)
        report.generation = previous.generation
        return report

    with storage_errors("write", store.location, "; is the folder read-only or the disk full?"):
        generation = store.fresh_generation(previous)
        state = IndexState(generation=generation, embedder=embedder.name, dim=embedder.dim,
                           chunk_tokens=settings.chunk_tokens, pipeline=PIPELINE_VERSION)
        chunks_col = store.collection(store.chunk_collection_name(generation), create=True)
        sentences_col = store.collection(store.sentence_collection_name(generation), create=True)
        if previous is not None and carried:
            _copy_documents(store, previous, carried, chunks_col, sentences_col, settings.read_batch)
            for doc_id in carried:
                state.docs[doc_id] = old_docs[doc_id]

        total_chars = sum(len(doc.text) for doc in changed)
        report.embedded = _embed_and_write(_chunks_of(changed, state, settings.chunk_tokens, outside), total_chars,
                                           embedder,
                                           chunks_col, sentences_col, settings, progress)

        all_ids, all_texts = _all_chunk_texts(chunks_col, settings.read_batch)
        bm25 = BM25Index.build(all_ids, all_texts)
        try:
            bm25.save(store.bm25_dir(generation))
        except OSError as exc:
            raise IndexUnavailable(f"cannot write the BM25 index under {store.bm25_root()} ({exc.strerror})") from exc
        store.commit(state)
        store.drop_other_generations(keep=generation, previous=previous.generation if previous else None)
    report.generation = generation
    _summarise(report, state.docs)
    return report


def _summarise(report: IngestReport, docs: dict[str, dict[str, Any]]) -> None:
    report.documents = len(docs)
    report.clauses = sum(d["clauses"] for d in docs.values())
    report.chunks = sum(d["chunks"] for d in docs.values())


def _load_all(settings: Settings, paths: Sequence[Path] | None, report: IngestReport,
              outside: set[str] | None = None) -> list[SourceDocument]:
    """Load every file, recording bad ones and duplicate contents instead of stopping; the doc_ids of files from
    outside the corpus folder go into ``outside``."""
    root = settings.corpus_dir
    files = discover(list(paths) if paths else [root], settings.corpus_exclude)
    if paths is None and not root.is_dir():
        raise IndexUnavailable(f"the corpus folder {root} does not exist")
    docs: list[SourceDocument] = []
    by_text: dict[str, str] = {}
    by_id: dict[str, str] = {}
    max_bytes = int(settings.max_file_mb * 1_000_000)
    for path in files:
        try:
            doc = load_document(path, root, max_bytes)
        except LoadError as exc:
            log.error("skipped %s: %s", path, exc)
            report.errors.append({"path": str(path), "error": str(exc)})
            continue
        except OSError as exc:
            report.errors.append({"path": str(path), "error": f"cannot read the file ({exc.strerror})"})
            continue
        text_key = doc.text.strip()
        if text_key in by_text:
            log.warning("skipped %s: same content as %s", path, by_text[text_key])
            report.duplicates.append({"path": str(path), "duplicate_of": by_text[text_key]})
            continue
        if doc.meta.doc_id in by_id:
            msg = f"its doc_id {doc.meta.doc_id!r} is already used by {by_id[doc.meta.doc_id]}"
            report.errors.append({"path": str(path), "error": msg})
            continue
        by_text[text_key] = doc.path
        by_id[doc.meta.doc_id] = doc.path
        if outside is not None and not path.absolute().is_relative_to(root.absolute()):
            outside.add(doc.meta.doc_id)
        docs.append(doc)
    return docs


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _chunks_of(changed: list[SourceDocument], state: IndexState, budget: int,
               outside: set[str] = frozenset()) -> Iterator[tuple[Chunk, SourceDocument]]:
    """Parse and chunk one document at a time, recording it in ``state``: a large corpus is never held in
    memory as chunks all at once (at 100k chunks that was hundreds of MB of peak memory)."""
    for doc in changed:
        clauses = parse_clauses(doc)
        chunks = chunk_clauses(clauses, budget)
        state.docs[doc.meta.doc_id] = {"hash": doc.hash, "path": doc.path, "meta": doc.meta.to_dict(),
                                       "clauses": len(clauses), "chunks": len(chunks), "pages": len(doc.pages) or None,
                                       "in_corpus": doc.meta.doc_id not in outside}
        yield from ((chunk, doc) for chunk in chunks)


def _copy_documents(store: IndexStore, previous: IndexState, doc_ids: list[str], chunks_col, sentences_col,
                    batch: int) -> None:
    """Carry unchanged documents' chunks and sentence vectors into the new generation."""
    for old_name, new_col in ((store.chunk_collection_name(previous.generation), chunks_col),
                              (store.sentence_collection_name(previous.generation), sentences_col)):
        old = store.collection(old_name)
        for id_batch in _batches(doc_ids, 50):
            for got in read_pages(old, ["embeddings", "documents", "metadatas"], batch,
                                  where={"doc_id": {"$in": list(id_batch)}}):
                new_col.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                            metadatas=got["metadatas"])


def _embed_and_write(pending: Iterable[tuple[Chunk, SourceDocument]], total_chars: int, embedder: Embedder,
                     chunks_col, sentences_col, settings: Settings, progress: Progress | None) -> int:
    """Embed chunks and their sentences in batches and write them through llama-index's ChromaVectorStore."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    vector_store = ChromaVectorStore(chroma_collection=chunks_col)
    embedded = done_chars = 0
    for batch in _batches(pending, settings.embed_batch):
        chunk_vectors = embedder.embed_passages([c.embed_text for c, _ in batch])
        sentence_rows = [(c, i, s) for c, _ in batch for i, s in enumerate(c.sentences)]
        sentence_vectors = embedder.embed_passages([c.sentence_embed_text(s, d.meta.short_title)
                                                    for c, d in batch for s in c.sentences])
        # The SOURCE relationship makes llama-index store doc_id = our doc_id (it writes ref_doc_id there).
        nodes = [TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=chunk_metadata(chunk, doc),
                          embedding=vector.tolist(),
                          relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.meta.doc_id)})
                 for (chunk, doc), vector in zip(batch, chunk_vectors)]
        vector_store.add(nodes)
        if sentence_rows:
            sentences_col.add(
                ids=[f"{c.chunk_id}@{i}" for c, i, _ in sentence_rows],
                documents=[s for _, _, s in sentence_rows],
                embeddings=np.asarray(sentence_vectors).tolist(),
                metadatas=[{"chunk_id": c.chunk_id, "doc_id": c.clause.doc_id, "position": i} for c, i, _ in sentence_rows],
            )
        embedded += len(batch)
        done_chars += sum(len(c.text) for c, _ in batch)
        if progress:  # in characters of document text: the chunk count is known only once every document is cut
            progress(min(done_chars, total_chars), total_chars, "embedding")
    if progress and embedded and done_chars < total_chars:  # chunk texts leave out the blank lines between clauses
        progress(total_chars, total_chars, "embedding")
    return embedded


def _all_chunk_texts(collection, batch: int) -> tuple[list[str], list[str]]:
    """Every chunk's id and embedded text, read back from the new generation for BM25."""
    ids: list[str] = []
    texts: list[str] = []
    for got in read_pages(collection, ["documents", "metadatas"], batch):
        for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            ids.append(chunk_id)
            texts.append(f"{meta.get('breadcrumb', '')}\n{text}")
    return ids, texts
