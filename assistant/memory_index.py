"""An exact in-memory copy of a small index generation, read once from Chroma.

For the corpora this product usually serves (a few hundred chunks), one Chroma query costs
about 10 ms of client and SQLite overhead, while an exact numpy dot product over every
vector takes a fraction of a millisecond. Below ``Settings.memory_index_max_vectors`` the
retriever therefore searches this copy; above it (and always against a Chroma server, which
stays the one source of truth for every replica) it queries Chroma's HNSW index. Chroma is
the store of record either way: this is a read-only cache of one immutable generation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ingest.store import read_pages


@dataclass
class MemoryIndex:
    """Chunk and sentence vectors of one generation, with their texts and metadata."""

    chunk_ids: list[str]
    chunk_texts: list[str]
    chunk_meta: list[dict[str, Any]]
    chunk_vectors: np.ndarray
    sentence_chunk_ids: list[str]
    sentence_doc_ids: list[str]
    sentence_positions: list[int]
    sentence_texts: list[str]
    sentence_vectors: np.ndarray
    chunk_index: dict[str, int] = field(init=False)
    sentences_of: dict[str, list[int]] = field(init=False)
    clause_texts: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.chunk_index = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self.sentences_of = defaultdict(list)
        for i, cid in enumerate(self.sentence_chunk_ids):
            self.sentences_of[cid].append(i)
        for rows in self.sentences_of.values():
            rows.sort(key=lambda i: self.sentence_positions[i])
        self.clause_texts = {str(m["clause_id"]): str(m["clause_text"]) for m in self.chunk_meta if "clause_text" in m}
        self._chunk_docs = np.array([str(m.get("doc_id", "")) for m in self.chunk_meta], dtype=object)
        self._sentence_docs = np.array(self.sentence_doc_ids, dtype=object)

    @classmethod
    def load(cls, chunks, sentences, batch: int) -> "MemoryIndex":
        """Read both collections whole (callers check their size first)."""
        ids, texts, metas, vectors = [], [], [], []
        for got in read_pages(chunks, ["documents", "metadatas", "embeddings"], batch):
            ids += got["ids"]
            texts += got["documents"]
            metas += [{k: v for k, v in m.items() if not k.startswith("_")} for m in got["metadatas"]]
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        s_chunks, s_docs, s_pos, s_texts, s_vectors = [], [], [], [], []
        for got in read_pages(sentences, ["documents", "metadatas", "embeddings"], batch):
            s_chunks += [str(m["chunk_id"]) for m in got["metadatas"]]
            s_docs += [str(m.get("doc_id", "")) for m in got["metadatas"]]
            s_pos += [int(m["position"]) for m in got["metadatas"]]
            s_texts += got["documents"]
            s_vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        empty = np.zeros((0, 0), dtype=np.float32)
        return cls(ids, texts, metas, np.vstack(vectors) if vectors else empty,
                   s_chunks, s_docs, s_pos, s_texts, np.vstack(s_vectors) if s_vectors else empty)

    def _top(self, vectors: np.ndarray, docs: np.ndarray, query: np.ndarray, n: int,
             allowed_docs: set[str] | None) -> list[tuple[int, float]]:
        if not len(vectors):
            return []
        scores = vectors @ query
        if allowed_docs is not None:
            scores = np.where(np.isin(docs, list(allowed_docs)), scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        return [(int(i), float(scores[i])) for i in top[np.argsort(-scores[top])] if np.isfinite(scores[i])]

    def top_chunks(self, query: np.ndarray, n: int, allowed_docs: set[str] | None) -> list[tuple[int, float]]:
        """(row, cosine) of the ``n`` chunks nearest the query, best first."""
        return self._top(self.chunk_vectors, self._chunk_docs, query, n, allowed_docs)

    def top_sentences(self, query: np.ndarray, n: int, allowed_docs: set[str] | None) -> list[tuple[int, float]]:
        """(row, cosine) of the ``n`` sentences nearest the query, best first."""
        return self._top(self.sentence_vectors, self._sentence_docs, query, n, allowed_docs)
