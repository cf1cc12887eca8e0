"""BM25 over chunk texts (bm25s), persisted per index generation."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.analysis import has_cjk, tokenize

log = logging.getLogger(__name__)


def _bm25s():
    """bm25s, with its DEBUG chatter (it sets its own logger level on import) turned down."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
_IDS_FILE = "chunk_ids.json"


class BM25Index:
    """Lexical search that finds exact terms (names, numbers, clause words) that embeddings blur."""

    def __init__(self, retriever, ids: list[str]) -> None:
        self._retriever = retriever
        self.ids = ids

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> "BM25Index":
        retriever = _bm25s().BM25()
        # Token IDs, not token strings: 100k chunks hold ~15M tokens, and a list of stemmed strings per chunk
        # costs ~50 bytes a token where a reference to a shared int costs 8.
        vocab: dict[str, int] = {}
        token_ids = [[vocab.setdefault(t, len(vocab)) for t in tokenize(text) or ["\u2400"]]  # a token in every doc
                     for text in texts] or [[vocab.setdefault("\u2400", 0)]]  # an empty corpus still saves
        retriever.index((token_ids, vocab), show_progress=False)
        return cls(retriever, list(ids))

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then rename: a reader never sees half an index."""
        tmp = directory.with_name(directory.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(tmp), show_progress=False)
        (tmp / _IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")
        if directory.exists():
            import shutil

            shutil.rmtree(directory)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path) -> "BM25Index | None":
        """The saved index, or None when it is missing or unreadable (the caller rebuilds it)."""
        try:
            ids = json.loads((directory / _IDS_FILE).read_text(encoding="utf-8"))
            retriever = _bm25s().BM25.load(str(directory), show_progress=False, verbosity=0)
        except (OSError, ValueError) as exc:
            log.info("BM25 index at %s not usable (%s); rebuilding", directory, exc)
            return None
        return cls(retriever, ids)

    def vocabulary(self) -> list[str]:
        """Every term of the index (as ``tokenize`` writes them)."""
        return list(getattr(self._retriever, "vocab_dict", {}) or {})

    def search(self, query: str, k: int, allowed_docs: set[str] | None = None,
               cjk_scale: float = 1.0) -> list[tuple[str, float]]:
        """Top ``k`` (chunk_id, score) with score > 0, optionally only from ``allowed_docs``. ``cjk_scale`` weighs
        the Chinese bigrams' share of the score against the words' (see ``Settings.bm25_cjk_scale``)."""
        if not self.ids:
            return []
        vocab = getattr(self._retriever, "vocab_dict", {}) or {}
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        chinese = [t for t in tokens if has_cjk(t)]
        words = [t for t in tokens if not has_cjk(t)]
        scores = np.zeros(len(self.ids))
        if words:
            scores += np.asarray(self._retriever.get_scores(words))
        if chinese and cjk_scale > 0:
            scores += cjk_scale * np.asarray(self._retriever.get_scores(chinese))
        return self._top(scores, k, allowed_docs)

    def _top(self, scores: np.ndarray, k: int, allowed_docs: set[str] | None) -> list[tuple[str, float]]:
        order = np.argsort(-scores)
        hits: list[tuple[str, float]] = []
        for index in order:
            score = float(scores[index])
            if score <= 0:
                break
            chunk_id = self.ids[index]
            if allowed_docs is None or chunk_id.split("#", 1)[0] in allowed_docs:
                hits.append((chunk_id, score))
                if len(hits) >= k:
                    break
        return hits

    def contains(self, token: str) -> bool:
        """Whether ``token`` (as ``tokenize`` writes it) occurs in some chunk."""
        return token in (getattr(self._retriever, "vocab_dict", {}) or {})

    def search_senses(self, terms: Sequence[Sequence[Sequence[str]]], k: int, allowed_docs: set[str] | None = None,
                      cjk_scale: float = 1.0) -> list[tuple[str, float]]:
        """A structured query: each term is a list of senses (token lists), a chunk scores the BM25 of its best
        sense of each term, summed over terms. A translated term with many senses then counts once. ``cjk_scale``
        weighs Chinese bigrams as in ``search``."""
        if not self.ids or not terms:
            return []
        cache: dict[str, np.ndarray] = {}

        def token_scores(token: str) -> np.ndarray:
            if token not in cache:
                scale = cjk_scale if has_cjk(token) else 1.0
                cache[token] = scale * np.asarray(self._retriever.get_scores([token]), dtype=np.float32)
            return cache[token]

        total = np.zeros(len(self.ids), dtype=np.float32)
        for senses in terms:
            best = np.zeros(len(self.ids), dtype=np.float32)
            for sense in senses:
                np.maximum(best, sum((token_scores(t) for t in sense), np.zeros(len(self.ids), np.float32)), out=best)
            total += best
        return self._top(total, k, allowed_docs)

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """How many chunks contain each term, and the number of chunks: IDF for sentence scoring."""
        vocab = getattr(self._retriever, "vocab_dict", {}) or {}
        indptr = np.asarray(self._retriever.scores.get("indptr", [0]))
        counts = np.diff(indptr) if len(indptr) > 1 else np.zeros(0)
        return {t: int(counts[i]) for t, i in vocab.items() if i < len(counts)}, len(self.ids)
