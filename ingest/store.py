"""The index: Chroma collections for one *generation* of the corpus, and a pointer to the live one.

Ingest never edits the live generation. It writes a new one beside it (copying the
unchanged chunks with their vectors, embedding only what changed) and then swaps the
pointer in a single Chroma upsert. A crash or ``kill -9`` at any moment leaves the
pointer on the previous, complete generation; leftovers are removed by the next ingest.
The same code serves a local ``PersistentClient`` and a Chroma server (``HttpClient``).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from common import offline  # noqa: F401
from common.settings import Settings

log = logging.getLogger(__name__)

STATE_ID = "state"
SCHEMA_VERSION = 1
# Cosine space, and a search beam (ef) ten times the largest candidate list (Settings.sentence_candidates = 40): at
# the default ef of 100, HNSW may miss one of the 40 nearest sentences, and a search on Chroma then ranks differently
# from the exact in-memory search over the same vectors (assistant.memory_index).
HNSW_METADATA = {"hnsw:space": "cosine", "hnsw:search_ef": 400, "hnsw:construction_ef": 200}


class IndexUnavailable(RuntimeError):
    """The index is missing, unreachable or was built by a different embedder."""


def _is_storage_failure(exc: BaseException) -> bool:
    """Errors of the storage layer (Chroma, SQLite, HTTP transport, the file system), not programming errors."""
    module = type(exc).__module__ or ""
    return isinstance(exc, OSError) or module.startswith(("chromadb", "sqlite3", "httpx", "httpcore"))


@contextmanager
def storage_errors(action: str, location: str, hint: str = "") -> Iterator[None]:
    """Turn a Chroma, SQLite or network failure while doing ``action`` into one sentence a user can act on."""
    try:
        yield
    except IndexUnavailable:
        raise
    except Exception as exc:
        if not _is_storage_failure(exc):
            raise
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        raise IndexUnavailable(f"cannot {action} the index at {location} ({detail}){hint}") from exc


@dataclass
class IndexState:
    """What the pointer records about the live generation."""

    generation: int
    embedder: str
    dim: int
    chunk_tokens: int
    pipeline: int = 0  # ingest.pipeline.PIPELINE_VERSION that built it
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # doc_id -> hash, path, meta, counts
    created: float = 0.0
    schema: int = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "IndexState":
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def read_pages(collection: Any, include: list[str], batch: int,
               where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """A collection's rows (optionally only those matching ``where``), ``batch`` at a time: Chroma's read
    memory grows with the batch, so nothing reads a large collection in one call."""
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=batch, offset=offset)
        if not got["ids"]:
            return
        yield got
        offset += len(got["ids"])


def _bound_requests(client: Any, seconds: float) -> None:
    """chromadb's HTTP client waits forever (httpx ``timeout=None``): a server that stops answering without
    closing the connection (a stalled process, a dropped network) would hang every request of the app. Bound each
    request; a timeout then surfaces as one sentence through ``storage_errors``."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds)
    else:
        log.warning("cannot bound the Chroma client's request time (chromadb changed); "
                    "a stalled server may hang requests")


def make_client(settings: Settings):
    """A Chroma client: the server at ``chroma_url`` when set, else a local directory."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise IndexUnavailable(f"POLICY_ASSISTANT_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        try:
            client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                         settings=chroma_settings)
            _bound_requests(client, settings.chroma_timeout_s)
            client.heartbeat()
        except Exception as exc:  # connection errors differ by transport
            raise IndexUnavailable(f"the Chroma server at {settings.chroma_url} is not reachable ({exc.__class__.__name__})") from exc
        return client
    path = settings.index_dir / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnavailable(f"cannot create the index folder {path} ({exc.strerror})") from exc
    with storage_errors("open", str(path), "; if the folder is read-only, copy it to a writable one"):
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class IndexStore:
    """Access to the generations of the index, wherever Chroma lives."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.prefix = settings.collection_prefix

    # -- naming ---------------------------------------------------------------
    def chunk_collection_name(self, generation: int) -> str:
        return f"{self.prefix}_chunks_g{generation}"

    def sentence_collection_name(self, generation: int) -> str:
        return f"{self.prefix}_sentences_g{generation}"

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir)

    # -- pointer --------------------------------------------------------------
    def _state_collection(self):
        return self.client.get_or_create_collection(f"{self.prefix}_state", embedding_function=None)

    def current(self) -> IndexState | None:
        """The live generation, or None when nothing was ever indexed here."""
        got = self._state_collection().get(ids=[STATE_ID], include=["documents"])
        if not got["ids"]:
            return None
        return IndexState.from_json(got["documents"][0])

    def live_generation(self) -> int | None:
        """The live generation's number only: what a running app checks before each request to notice a new
        index (one small read, without the document table ``current`` parses)."""
        got = self._state_collection().get(ids=[STATE_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        return int((got["metadatas"][0] or {}).get("generation", 0))

    def commit(self, state: IndexState) -> None:
        """Make ``state`` the live generation in one atomic write."""
        state.created = time.time()
        self._state_collection().upsert(ids=[STATE_ID], documents=[state.to_json()], embeddings=[[0.0]],
                                         metadatas=[{"generation": state.generation}])

    # -- collections ----------------------------------------------------------
    def collection(self, name: str, create: bool = False):
        if create:
            return self.client.get_or_create_collection(name, embedding_function=None, metadata=HNSW_METADATA)
        return self.client.get_collection(name, embedding_function=None)

    def fresh_generation(self, previous: IndexState | None) -> int:
        """A new generation number with empty collections (removing leftovers of a crashed ingest)."""
        generation = (previous.generation if previous else 0) + 1
        for name in (self.chunk_collection_name(generation), self.sentence_collection_name(generation)):
            self._delete(name)
        return generation

    def drop_other_generations(self, keep: int, previous: int | None = None) -> None:
        """Remove every generation but ``keep`` and ``previous`` (older ones after a swap, partial ones after a
        crash). The previous generation stays until the next ingest, so a running app's requests that started on it
        finish on it instead of failing when the pointer moves under them."""
        kept = [g for g in (keep, previous) if g is not None]
        keep_names = {f"{self.prefix}_state"}
        keep_names |= {n for g in kept for n in (self.chunk_collection_name(g), self.sentence_collection_name(g))}
        for name in self._collection_names():
            if name.startswith(self.prefix + "_") and name not in keep_names:
                self._delete(name)
        bm25_root = self.bm25_root()
        if bm25_root.is_dir():
            for child in bm25_root.iterdir():
                if child.name not in keep_names:
                    shutil.rmtree(child, ignore_errors=True)

    def bm25_dir(self, generation: int) -> Path:
        """Where the BM25 index of a generation is kept (a per-machine cache in server mode)."""
        return self.bm25_root() / self.chunk_collection_name(generation)

    def bm25_root(self) -> Path:
        return self.settings.index_dir / "bm25"

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def _delete(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # absent collections raise different errors in local and server mode
            pass
