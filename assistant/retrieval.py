"""Hybrid retrieval: dense search in Chroma (chunks and their sentences) and BM25, fused.

Dense search finds paraphrases and Chinese questions about English text; BM25 finds
exact names, numbers and rare terms. They miss different questions, so the fused
ranking beats either alone (see evals/reports/latest).

Two fusions are available (``Settings.fusion``). ``score`` (the default) adds the chunk's
cosine, its best sentence's cosine and a weighted BM25 score: a chunk that one sentence
answers precisely outranks one that is loosely about everything, and the size of a BM25
win counts, not only its rank. ``rrf`` is reciprocal-rank fusion of the chunk and BM25
rankings, kept as the textbook reference; on the gold set it ranks the right clause first
less often (evals/reports/latest).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.memory_index import MemoryIndex
from common import lexicon
from common.lexicon import Lexicon, Term
from common.settings import Settings
from ingest.bm25_index import BM25Index
from ingest.embedding import Embedder
from ingest.store import IndexState, IndexStore


@dataclass
class Hit:
    """One retrieved chunk with the evidence of both retrievers."""

    chunk_id: str
    text: str
    meta: dict[str, Any]
    fused: float = 0.0
    dense: float | None = None  # cosine similarity of query and chunk
    sentence: float | None = None  # cosine similarity of query and the chunk's closest sentence
    bm25: float | None = None
    translated: float | None = None  # BM25 of the question's dictionary translation (common.lexicon)
    dense_rank: int | None = None
    bm25_rank: int | None = None
    pinned: bool = False  # resolved from an explicit clause reference in the question
    mentioned: bool = False  # from a document the question names

    @property
    def clause_id(self) -> str:
        return str(self.meta.get("clause_id", self.chunk_id.split("/", 1)[0]))


@dataclass
class SentenceRow:
    """A sentence of a retrieved chunk with its stored vector."""

    chunk_id: str
    position: int
    text: str
    vector: np.ndarray


@dataclass
class Retrieval:
    """The ranked hits and what it took to get them."""

    hits: list[Hit]
    query_vector: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)
    translated: list[Term] = field(default_factory=list)  # the question's terms in the other language, as searched


class HybridRetriever:
    """Dense chunk and sentence search plus BM25, fused, over one index generation."""

    def __init__(self, store: IndexStore, state: IndexState, embedder: Embedder, bm25: BM25Index,
                 settings: Settings, memory: MemoryIndex | None = None) -> None:
        """``memory``: an in-memory copy already read for this generation (reused when the settings still
        call for one, so a second retriever over the same index does not read it again)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        self.embedder = embedder
        self.bm25 = bm25
        self.chunks = store.collection(store.chunk_collection_name(state.generation))
        self.sentences = store.collection(store.sentence_collection_name(state.generation))
        self.vector_store = ChromaVectorStore(chroma_collection=self.chunks)
        self.memory = self._memory_index(settings, memory)
        if settings.translation_weight > 0:
            lexicon.warm_up()

    def _memory_index(self, settings: Settings, loaded: MemoryIndex | None) -> MemoryIndex | None:
        """An in-memory copy for a small local index (see assistant.memory_index), else None."""
        if settings.chroma_url or self.chunks.count() + self.sentences.count() > settings.memory_index_max_vectors:
            return None
        return loaded or MemoryIndex.load(self.chunks, self.sentences, settings.read_batch)

    def _memory_hit(self, row: int, **scores: Any) -> Hit:
        m = self.memory
        assert m is not None
        return Hit(m.chunk_ids[row], m.chunk_texts[row], dict(m.chunk_meta[row]), **scores)

    # -- the two retrievers -----------------------------------------------------
    def dense(self, query_vector: np.ndarray, n: int, allowed_docs: set[str] | None) -> list[Hit]:
        """Nearest chunks by cosine; llama-index reports exp(-distance), converted back to cosine here."""
        from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters, VectorStoreQuery

        if allowed_docs is not None and not allowed_docs:
            return []
        if self.memory is not None:
            return [self._memory_hit(row, dense=cosine, dense_rank=rank)
                    for rank, (row, cosine) in enumerate(self.memory.top_chunks(query_vector, n, allowed_docs), start=1)]
        filters = None
        if allowed_docs is not None:
            filters = MetadataFilters(filters=[MetadataFilter(key="doc_id", value=sorted(allowed_docs),
                                                              operator=FilterOperator.IN)])
        result = self.vector_store.query(VectorStoreQuery(query_embedding=query_vector.tolist(),
                                                          similarity_top_k=n, filters=filters))
        hits = []
        for rank, (node, similarity) in enumerate(zip(result.nodes or [], result.similarities or []), start=1):
            cosine = 1.0 + math.log(max(similarity, 1e-12))
            meta = {k: v for k, v in node.metadata.items() if not k.startswith("_")}
            hits.append(Hit(node.node_id, node.get_content(), meta, dense=cosine, dense_rank=rank))
        return hits

    def best_sentences(self, query_vector: np.ndarray, n: int, allowed_docs: set[str] | None) -> dict[str, float]:
        """Chunk id → cosine of its closest sentence, over the ``n`` sentences nearest the question."""
        if allowed_docs is not None and not allowed_docs:
            return {}
        best: dict[str, float] = {}
        if self.memory is not None:
            for row, cosine in self.memory.top_sentences(query_vector, n, allowed_docs):
                chunk_id = self.memory.sentence_chunk_ids[row]
                best[chunk_id] = max(best.get(chunk_id, -1.0), cosine)
            return best
        where = {"doc_id": {"$in": sorted(allowed_docs)}} if allowed_docs is not None else None
        got = self.sentences.query(query_embeddings=[query_vector.tolist()], n_results=n, where=where,
                                   include=["metadatas", "distances"])
        for meta, distance in zip(got["metadatas"][0], got["distances"][0]):
            cosine = 1.0 - float(distance)  # collections are created in cosine space (ingest.store)
            chunk_id = str(meta["chunk_id"])
            best[chunk_id] = max(best.get(chunk_id, -1.0), cosine)
        return best

    def lexical(self, question: str, n: int, allowed_docs: set[str] | None) -> list[Hit]:
        return [Hit(chunk_id, "", {}, bm25=score, bm25_rank=rank)
                for rank, (chunk_id, score) in enumerate(
                    self.bm25.search(question, n, allowed_docs, cjk_scale=self.settings.bm25_cjk_scale), start=1)]

    def translated(self, question: str, n: int, allowed_docs: set[str] | None) -> tuple[list[Hit], list[Term]]:
        """BM25 of the question's terms in the other language (English ↔ Chinese, by dictionary): the lexical
        bridge to documents in a language the question is not in, and those terms. Empty when the index holds none
        of them."""
        if self.settings.translation_weight <= 0:
            return [], []
        terms = Lexicon.bundled().terms(question, self.bm25.contains)
        found = self.bm25.search_senses([t.senses for t in terms], n, allowed_docs,
                                        cjk_scale=self.settings.translation_cjk_scale)
        return [Hit(chunk_id, "", {}, translated=score) for chunk_id, score in found], terms

    # -- fusion -------------------------------------------------------------------
    def retrieve(self, question: str, top_k: int, allowed_docs: set[str] | None = None,
                 query_vector: np.ndarray | None = None, mentioned_docs: set[str] | None = None) -> Retrieval:
        """The ``top_k`` chunks by the configured fusion of the dense, sentence and BM25 retrievers;
        ``mentioned_docs`` (documents the question names) get ``mention_weight`` in the score fusion."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        if query_vector is None:
            query_vector = self.embedder.embed_query(question)
        t1 = time.perf_counter()
        dense = self.dense(query_vector, self.settings.dense_candidates, allowed_docs)
        t_sentences = time.perf_counter()
        sentences = (self.best_sentences(query_vector, self.settings.sentence_candidates, allowed_docs)
                     if self.settings.fusion == "score" else {})
        t2 = time.perf_counter()
        lexical = self.lexical(question, self.settings.bm25_candidates, allowed_docs)
        translated, terms = (self.translated(question, self.settings.bm25_candidates, allowed_docs)
                             if self.settings.fusion == "score" else ([], []))
        t3 = time.perf_counter()
        if self.settings.fusion == "rrf":
            hits = fuse(dense, lexical, self.settings.rrf_k)[:top_k]
        else:
            hits = self._score_fusion(dense, lexical + translated, sentences, query_vector,
                                      mentioned_docs or set())[:top_k]
        self.load_missing(hits, query_vector)
        t4 = time.perf_counter()
        timings.update(embed_ms=(t1 - t0) * 1e3, dense_ms=(t_sentences - t1) * 1e3,
                       sentence_ms=(t2 - t_sentences) * 1e3, bm25_ms=(t3 - t2) * 1e3, fusion_ms=(t4 - t3) * 1e3)
        return Retrieval(hits, query_vector, timings, terms)

    def _score_fusion(self, dense: list[Hit], lexical: list[Hit], sentences: dict[str, float],
                      query_vector: np.ndarray, mentioned_docs: set[str]) -> list[Hit]:
        """Every chunk any retriever found, scored by ``relevance``."""
        merged = merge(dense, lexical)
        for chunk_id in sentences:
            merged.setdefault(chunk_id, Hit(chunk_id, "", {}))
        hits = list(merged.values())
        self._fill(hits, query_vector)
        # A chunk none of whose sentences made the sentence list scores as its weakest listed sentence at best.
        floor = min(sentences.values()) if sentences else 0.0
        for hit in hits:
            hit.sentence = sentences.get(hit.chunk_id, floor)
            hit.mentioned = hit.meta.get("doc_id") in mentioned_docs
            hit.fused = relevance(hit, self.settings)
        return sorted((h for h in hits if h.meta and not heading_only(h)), key=lambda h: -h.fused)

    def load_missing(self, hits: list[Hit], query_vector: np.ndarray) -> None:
        """Complete hits in place: text, metadata and a dense score for BM25-only hits, and every clause's text."""
        self._fill(hits, query_vector)
        self.complete_clause_texts(hits)

    def _fill(self, hits: list[Hit], query_vector: np.ndarray) -> None:
        missing = [h for h in hits if not h.meta]
        if not missing:
            return
        if self.memory is not None:
            for hit in missing:
                row = self.memory.chunk_index.get(hit.chunk_id)
                if row is not None:
                    hit.text, hit.meta = self.memory.chunk_texts[row], dict(self.memory.chunk_meta[row])
                    hit.dense = float(self.memory.chunk_vectors[row] @ query_vector)
            return
        got = self.chunks.get(ids=[h.chunk_id for h in missing], include=["documents", "metadatas", "embeddings"])
        rows = {i: (d, m, e) for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])}
        for hit in missing:
            text, meta, vector = rows.get(hit.chunk_id, ("", {}, None))
            hit.text, hit.meta = text, {k: v for k, v in (meta or {}).items() if not k.startswith("_")}
            if vector is not None:
                hit.dense = float(np.dot(np.asarray(vector, dtype=np.float32), query_vector))

    def complete_clause_texts(self, hits: list[Hit]) -> None:
        """Later windows of a long clause do not store the clause text; fetch it from the first window
        (``clause_id/1``), by ID: a metadata filter would scan the whole collection."""
        missing = {h.clause_id for h in hits if h.meta and "clause_text" not in h.meta}
        if not missing:
            return
        if self.memory is not None:
            texts = self.memory.clause_texts
        else:
            got = self.chunks.get(ids=[f"{clause_id}/1" for clause_id in sorted(missing)], include=["metadatas"])
            texts = {m["clause_id"]: m.get("clause_text", "") for m in got["metadatas"]}
        for hit in hits:
            if hit.meta and "clause_text" not in hit.meta:
                hit.meta["clause_text"] = texts.get(hit.clause_id, hit.text)

    def chunks_where(self, where: dict[str, Any], query_vector: np.ndarray | None = None, limit: int = 50) -> list[Hit]:
        """Chunks matching a metadata condition, in document order (clause lookup and references)."""
        got = self.chunks.get(where=where, include=["documents", "metadatas", "embeddings"], limit=limit)
        hits = []
        for chunk_id, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
            hit = Hit(chunk_id, text, {k: v for k, v in meta.items() if not k.startswith("_")}, pinned=True)
            if query_vector is not None:
                hit.dense = float(np.dot(np.asarray(vector, dtype=np.float32), query_vector))
            hits.append(hit)
        hits.sort(key=lambda h: (h.meta.get("doc_id", ""), int(h.meta.get("start", 0)), int(h.meta.get("window", 0))))
        self.complete_clause_texts(hits)
        return hits

    def sentence_rows(self, hits: list[Hit]) -> list[SentenceRow]:
        """The stored sentences and vectors of some chunks, in the hits' order and then reading order.

        Sentence IDs are ``chunk_id@position`` and each chunk records how many it has, so they are
        fetched by ID (a metadata filter would scan every sentence of a large index)."""
        if not hits:
            return []
        order = {h.chunk_id: n for n, h in enumerate(hits)}
        if self.memory is not None:
            m = self.memory
            rows = [SentenceRow(h.chunk_id, m.sentence_positions[i], m.sentence_texts[i], m.sentence_vectors[i])
                    for h in hits for i in m.sentences_of.get(h.chunk_id, [])]
        else:
            ids = [f"{h.chunk_id}@{i}" for h in hits for i in range(int(h.meta.get("sentences", 0)))]
            got = self.sentences.get(ids=ids, include=["documents", "metadatas", "embeddings"])
            rows = [SentenceRow(m["chunk_id"], int(m["position"]), d, np.asarray(e, dtype=np.float32))
                    for d, m, e in zip(got["documents"], got["metadatas"], got["embeddings"])]
        rows.sort(key=lambda r: (order[r.chunk_id], r.position))
        return rows


_HEADING_KINDS = {"part", "section", "title"}
_SPACES_AND_MARKS = re.compile(r"[#\s\u3000.。?？:：]+")
_NUMBERED = re.compile(r"^(?:第[\d一二三四五六七八九十百千零〇]+[编章节部分]|[IVXLC]+|\d+)")


def heading_only(hit: Hit) -> bool:
    """A part, section or document title whose chunk is its heading line alone ("## 第五章 监督管理", "V. Leverage
    Digital Technology …"): its text lives in its clauses, which are chunks of their own. It stays addressable
    (references and the clause viewer), but as a search result it answers nothing and takes a candidate's place."""
    if hit.meta.get("kind") not in _HEADING_KINDS or str(hit.meta.get("sentences", "1")) not in {"0", "1"}:
        return False
    bare = _SPACES_AND_MARKS.sub("", hit.text)
    title = _SPACES_AND_MARKS.sub("", str(hit.meta.get("title", "")))
    return bool(title) and bare.endswith(title) and (bare == title or bool(_NUMBERED.fullmatch(bare[:-len(title)])))


def relevance(hit: Hit, settings: Settings) -> float:
    """The score fusion: chunk cosine + w_s · best sentence cosine + w_b · BM25 + w_t · translated BM25, plus w_m
    when the question names the chunk's document (missing parts count 0)."""
    return ((hit.dense or 0.0) + settings.sentence_weight * (hit.sentence or 0.0)
            + settings.bm25_weight * (hit.bm25 or 0.0) + settings.translation_weight * (hit.translated or 0.0)
            + settings.mention_weight * hit.mentioned)


def merge(dense: list[Hit], lexical: list[Hit]) -> dict[str, Hit]:
    """One hit per chunk, carrying the scores and ranks of both retrievers."""
    merged = {h.chunk_id: h for h in dense}
    for hit in lexical:
        known = merged.setdefault(hit.chunk_id, hit)
        if known is not hit:
            if hit.bm25 is not None:
                known.bm25, known.bm25_rank = hit.bm25, hit.bm25_rank
            if hit.translated is not None:
                known.translated = hit.translated
    return merged


def fuse(dense: list[Hit], lexical: list[Hit], k: int) -> list[Hit]:
    """Reciprocal-rank fusion: score = Σ 1 / (k + rank) over the rankings a chunk appears in."""
    merged = merge(dense, lexical)
    for hit in merged.values():
        hit.fused = sum(1.0 / (k + rank) for rank in (hit.dense_rank, hit.bm25_rank) if rank)
    return sorted(merged.values(), key=lambda h: -h.fused)
