"""``Assistant``: open an index once, then ask questions, look clauses up and list documents."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.answering import ExtractiveAnswerer, citation_from_hit
from assistant.conversation import ConversationResolver, turns_of
from assistant.model_rewrite import model_rewrite
from assistant.filters import Filters
from assistant.messages import language_of, say
from assistant.multipart import answer_in_parts, split_parts
from assistant.premises import PremiseCheck
from assistant.generation import GroundedGenerator
from assistant.references import DocumentNames, Reference, resolve, without_references
from assistant.retrieval import HybridRetriever, Hit
from common.settings import LLMS, Settings
from assistant.types import Answer, Citation, QuestionError
from common.analysis import simplified, tokenize
from ingest.bm25_index import BM25Index
from ingest.embedding import EmbedderError, get_embedder
from ingest.pipeline import _all_chunk_texts
from ingest.store import IndexState, IndexStore, IndexUnavailable, read_pages, storage_errors

log = logging.getLogger(__name__)
GENERIC_SHARE = 0.5
_SUPPORTED_SCRIPT = re.compile(r"[A-Za-z0-9\u3400-\u9fff]")
_WORDLIKE = re.compile(r"\w", re.UNICODE)


class Assistant:
    """The product's one entry point for questions; cheap to call, expensive only to open."""

    def __init__(self, settings: Settings, store: IndexStore, state: IndexState, retriever: HybridRetriever,
                 answerer: ExtractiveAnswerer) -> None:
        self.settings = settings
        self.store = store
        self.state = state
        self.retriever = retriever
        self.answerer = answerer
        self.names = DocumentNames.of(state.docs)
        if answerer.premises is not None:  # an amount the question says a named document states is checked closer
            answerer.premises.names_document = lambda text: bool(self.names.named(text))
        self.conversation = ConversationResolver(self.names, state.docs)
        self.generator = GroundedGenerator(settings)  # used only when llm is not "none"
        # words in at least half the chunks ("HR", "services" in a corpus of HR policies) say nothing about which
        # clause a question wants: "Beijing plan clause XIV on HR services" is a lookup
        self.generic_terms = {t for t, n in answerer.df.items() if n >= GENERIC_SHARE * answerer.n_chunks}

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None) -> "Assistant":
        """Open the live index generation; refuse an index built by a different embedder."""
        settings = settings or Settings.load()
        if index_dir is not None:
            settings = settings.replace(index_dir=Path(index_dir))
        store = IndexStore(settings)
        with storage_errors("read", store.location, "; if the folder is read-only, copy it to a writable one"):
            state = store.current()
        if state is None:
            raise IndexUnavailable(f"there is no index at {store.location}; run `policy-assistant ingest` first")
        configured = _configured_embedder_name(settings)
        if state.embedder != configured:
            raise EmbedderError(f"the index at {store.location} was built with the embedder {state.embedder!r} "
                                f"({state.dim} dimensions), but {configured!r} is configured; "
                                f"re-run ingest or configure {state.embedder!r}")
        embedder = get_embedder(settings.embedder, settings)
        if embedder.dim != state.dim:
            raise EmbedderError(f"the index at {store.location} was built with the embedder {state.embedder!r} "
                                f"({state.dim} dimensions), but {embedder.name!r} now gives {embedder.dim} "
                                "dimensions; re-run ingest")
        with storage_errors("read", store.location):
            bm25 = cls._load_bm25(store, state, settings)
            retriever = HybridRetriever(store, state, embedder, bm25, settings)
        df, n_chunks = bm25.document_frequencies()
        with storage_errors("read", store.location):
            clauses = retriever.memory.chunk_meta if retriever.memory is not None else (
                meta for got in read_pages(retriever.chunks, ["metadatas"], settings.read_batch,
                                           where={"window": {"$lte": 1}}) for meta in got["metadatas"])
            premises = PremiseCheck.of(state.docs, clauses, set(bm25.vocabulary()))
        return cls(settings, store, state, retriever, ExtractiveAnswerer(settings, df, n_chunks, premises, embedder))

    def with_settings(self, **changes: object) -> "Assistant":
        """The same open index under changed settings, e.g. another fusion or threshold (the eval compares them)."""
        settings = self.settings.replace(**changes)
        r = self.retriever
        retriever = HybridRetriever(self.store, self.state, r.embedder, r.bm25, settings, memory=r.memory)
        answerer = ExtractiveAnswerer(settings, self.answerer.df, self.answerer.n_chunks, self.answerer.premises,
                                      self.answerer.embedder)
        return Assistant(settings, self.store, self.state, retriever, answerer)

    @staticmethod
    def _load_bm25(store: IndexStore, state: IndexState, settings: Settings) -> BM25Index:
        """The generation's BM25 index; rebuilt from Chroma when this machine has no copy (server mode)."""
        directory = store.bm25_dir(state.generation)
        bm25 = BM25Index.load(directory) if directory.is_dir() else None
        if bm25 is None:
            ids, texts = _all_chunk_texts(store.collection(store.chunk_collection_name(state.generation)),
                                          settings.read_batch)
            bm25 = BM25Index.build(ids, texts)
            try:
                bm25.save(directory)
            except OSError as exc:
                log.info("could not cache the BM25 index at %s (%s); keeping it in memory", directory, exc)
        return bm25

    # -- questions --------------------------------------------------------------
    def clean_question(self, question: object) -> str:
        """The question as it will be searched, or a QuestionError saying what is wrong with it."""
        if not isinstance(question, str):
            raise QuestionError("The question must be text.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"The question is {len(question):,} characters long; please keep it under {limit:,}.")
        text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
        text = " ".join(text.split())
        if not text:
            raise QuestionError("Please type a question.")
        if not _WORDLIKE.search(text):
            raise QuestionError("The question has no words to search for.")
        if not _SUPPORTED_SCRIPT.search(text):
            raise QuestionError("Questions can be asked in English or Chinese; this one uses neither.")
        return text

    def ask(self, question: str, top_k: int = 5, filters: Filters | dict[str, Any] | None = None,
            llm: str | None = None, on_text: Callable[[str], None] | None = None,
            history: Sequence[Any] | None = None) -> Answer:
        """Answer from the indexed clauses, citing them, or decline and show the closest ones.

        ``history``: the conversation's earlier questions, oldest first (strings, or dicts with ``question`` and
        optionally ``searched_as`` and ``citations``). A follow-up ("and in Shenyang?") is searched as the
        self-contained question it stands for, reported in ``Answer.searched_as``; a new question starts afresh.

        ``llm`` ("none", "openai", "gguf"; default the setting) picks extractive or verified generated answers;
        ``on_text`` receives the model's text as it arrives (the chat streams it)."""
        if llm is not None and llm not in LLMS:
            raise QuestionError(f"llm must be one of {', '.join(LLMS)}, not {llm!r}.")
        started = time.perf_counter()
        text = simplified(self.clean_question(question))  # 試用期 searches as 试用期
        searched_as = ""
        if history:
            turns = self._checked_history(history)
            resolution = self.conversation.resolve(text, turns)
            if resolution.rewritten:
                searched_as = resolution.searched_as
                mode = llm or self.settings.llm
                if mode != "none":  # a configured model may rewrite it better; the rules' rewrite is the fallback
                    earlier = [t.text for t in turns_of(turns)]
                    searched_as = model_rewrite(lambda: self.generator.backend(mode), text, earlier, searched_as,
                                                self.names, self.conversation.own_words(text))
                text = searched_as = simplified(searched_as)
                log.debug("follow-up %r searched as %r (%s)", question, text, resolution.reason)
        try:
            allowed = self._allowed_docs(filters)
        except ValueError as exc:
            raise QuestionError(str(exc)) from exc
        with storage_errors("search", self.store.location):
            mentioned = self.names.mentioned(text)
            reference = resolve(text, self.names, mentioned)
            # two asks in one question are searched one by one, after the question as a whole, whose answer leads;
            # a part is pinned to the clause it names, if it names one
            split = split_parts(text)
            several = bool(split[1])
            whole = self._ask_one(text, top_k, allowed, "none" if several else llm, None if several else on_text,
                                  mentioned, reference)
            # a part searched on its own still knows the documents the question names ("… and what does it say about …")
            parts = answer_in_parts(
                text, lambda part: self._ask_one(part, top_k, allowed, "none", None, mentioned,
                                                 resolve(part, self.names, mentioned), part=True),
                whole, split) if several else None
            if parts is not None and (llm or self.settings.llm) != "none":
                # one model call per part would be too slow
                parts.notice = " ".join(filter(None, (say("parts quoted", language_of(text)), parts.notice)))
            if parts is None and several and (llm or self.settings.llm) != "none":
                whole = self._ask_one(text, top_k, allowed, llm, on_text, mentioned, reference)
            answer = parts or whole
        answer.question = question if len(question) <= 2000 else text
        answer.latency_ms = (time.perf_counter() - started) * 1e3
        answer.searched_as = searched_as
        return answer

    def _ask_one(self, text: str, top_k: int, allowed: set[str] | None, llm: str | None,
                 on_text: Callable[[str], None] | None, mentioned: list[str] | None = None,
                 reference: Reference | None = None, part: bool = False) -> Answer:
        """One ask: references resolved (unless the caller has), the question embedded once, retrieved, answered or
        declined. ``part``: one ask of a two-ask question."""
        if mentioned is None:
            mentioned = self.names.mentioned(text)
            reference = resolve(text, self.names, mentioned)
        embedded = self.names.for_embedding(text, mentioned)
        query_vector = self.retriever.embedder.embed_query(embedded)
        return self._answer(text, top_k, allowed, reference, query_vector, set(mentioned), llm, on_text, part,
                            embedded)

    def _answer(self, text: str, top_k: int, allowed: set[str] | None, reference: Reference | None,
                query_vector, mentioned: set[str], llm: str | None = None,
                on_text: Callable[[str], None] | None = None, part: bool = False, embedded: str = "") -> Answer:
        """``embedded``: the text ``query_vector`` embeds (the question, or it without the names taken out)."""
        pinned = self._pinned(reference, allowed, query_vector)
        retrieval = self.retriever.retrieve(text, max(top_k, self.answerer.CANDIDATE_CHUNKS), allowed, query_vector,
                                            mentioned)
        hits = _merge(pinned, retrieval.hits)[: max(top_k, len(pinned))]
        t0 = time.perf_counter()
        lookup = bool(pinned) and not _content_terms(text, reference, self.state.docs, self.names, self.generic_terms)
        candidates = pinned or hits[: self.answerer.CANDIDATE_CHUNKS]
        rows = [] if lookup else self.retriever.sentence_rows(candidates)
        absent = reference.named_in(self.state.docs) if reference is not None and not pinned and self._numbered_so(
            reference) else ""
        answer = self.answerer.run(text, query_vector, hits, rows, lookup=lookup, absent=absent,
                                   named=self.names.named(text), translated=retrieval.translated, part=part,
                                   embedded=embedded)
        answer.timings = dict(retrieval.timings, answer_ms=(time.perf_counter() - t0) * 1e3)
        answer = self.generator.finish(text, hits, answer, llm, on_text, lookup)  # after the decline gate
        if answer.mode == "generated":
            answer.preface = ""  # it named the extractive answer's document; generated citations may differ
        return answer

    MAX_HISTORY_TURNS = 10  # a follow-up refers to the last turns; an API caller may send the whole transcript

    def _checked_history(self, history: object) -> list[Any]:
        """The earlier turns worth resolving against: a list, its last ``MAX_HISTORY_TURNS`` items, none longer than
        a question may be (a megabyte pasted as "history" must not become the searched text)."""
        if not isinstance(history, (list, tuple)):
            raise QuestionError("The history must be a list of the conversation's earlier questions.")
        limit = self.settings.max_question_chars

        def fits(item: object) -> bool:
            text = item.get("question", "") if isinstance(item, dict) else item
            return isinstance(text, str) and len(text) <= limit

        return [item for item in history if fits(item)][-self.MAX_HISTORY_TURNS:]

    def _allowed_docs(self, filters: Filters | dict[str, Any] | None) -> set[str] | None:
        resolved = Filters.from_value(filters)
        return None if resolved is None else resolved.allowed_docs(self.state.docs)

    def _numbered_so(self, reference: Reference) -> bool:
        """Whether the named documents number their units the way the reference does: "第一条" of a plan whose
        clauses are (I)…(XXVIII) is "the first one", not a missing article."""
        kind = {"key": {"$in": ["A1", "A2", "A3"]}} if reference.key else {"kind": reference.kind or "clause"}
        return bool(reference.doc_ids) and bool(self.retriever.chunks_where(
            {"$and": [{"doc_id": {"$in": list(reference.doc_ids)}}, kind]}, limit=1))

    def _pinned(self, reference: Reference | None, allowed: set[str] | None, query_vector) -> list[Hit]:
        if reference is None:
            return []
        hits = self.retriever.chunks_where(reference.where(), query_vector, limit=10)
        if allowed is not None:
            hits = [h for h in hits if h.meta.get("doc_id") in allowed]
        # A clause number without a document (e.g. "clause (VII)") may exist in several: keep the best match.
        return sorted(hits, key=lambda h: -(h.dense or 0.0))[:3] if not reference.doc_ids else hits[:3]

    # -- lookups ------------------------------------------------------------------
    def show(self, clause_id: str) -> Citation | None:
        """One clause verbatim by its ID (a window suffix such as ``/2`` is accepted)."""
        base = clause_id.strip().split("/", 1)[0]
        hits = self.retriever.chunks_where({"clause_id": base}, limit=1)
        return citation_from_hit(1, hits[0], str(hits[0].meta.get("clause_text", ""))) if hits else None

    def lookup(self, text: str) -> list[Citation]:
        """Clauses named by an ID or a reference such as "Beijing XIV" or "part III clause VII"."""
        cleaned = " ".join(text.split())
        if not cleaned:
            return []
        direct = self.show(cleaned) if "#" in cleaned else None
        if direct:
            return [direct]
        reference = resolve(cleaned, self.names)
        if reference is None:
            return []
        hits = self.retriever.chunks_where(reference.where(), limit=10)
        return [citation_from_hit(n, h, str(h.meta.get("clause_text", ""))) for n, h in enumerate(hits, start=1)]

    def clauses(self, doc_id: str) -> list[dict[str, Any]]:
        """Every clause of one document (ID, label, page) in reading order, for ``docs --clauses``; [] for a
        doc_id that is not indexed."""
        info = self.state.docs.get(doc_id)
        if info is None:
            return []
        where = {"$and": [{"doc_id": doc_id}, {"window": {"$lte": 1}}]}
        hits = self.retriever.chunks_where(where, limit=max(int(info.get("chunks", 0) or 0), 1) + 10)
        return [{"clause_id": h.meta.get("clause_id", ""), "label": h.meta.get("label", ""),
                 "page": h.meta.get("page")} for h in hits]

    def documents(self) -> list[dict[str, Any]]:
        """One row per indexed document, for ``policy-assistant docs`` and the Documents tab."""
        rows = []
        for doc_id, info in sorted(self.state.docs.items()):
            meta = info.get("meta", {})
            rows.append({"doc_id": doc_id, "title": meta.get("title", ""), "short_title": meta.get("short_title", ""),
                         "issuer": meta.get("issuer", ""), "date": meta.get("date", ""),
                         "doc_type": meta.get("doc_type", ""), "jurisdiction": meta.get("jurisdiction", ""),
                         "clauses": info.get("clauses", 0), "chunks": info.get("chunks", 0),
                         "source": info.get("path", "")})
        return rows


def _configured_embedder_name(settings: Settings) -> str:
    """The name the configured embedder records in an index (a server's includes its model: ``openai:bge-m3``)."""
    return f"openai:{settings.embed_model or 'default'}" if settings.embedder == "openai" else settings.embedder


def _merge(pinned: list[Hit], hits: list[Hit]) -> list[Hit]:
    """Pinned clauses first, then the retrieved ones that are not the same chunk."""
    ids = {h.chunk_id for h in pinned}
    return pinned + [h for h in hits if h.chunk_id not in ids]


_REFERENCE_WORDS = {"clause", "claus", "part", "item", "articl", "measur", "point", "section", "paragraph", "say", "state",
                    "text", "show", "content", "mean", "plan", "action", "document", "full", "quot", "read", "tell"}


# How people ask for a clause's text in Chinese ("…第十九条是什么内容", "…怎么规定的"): words of the request itself.
_ZH_REQUEST = re.compile(r"是什么内容|什么内容|的内容|内容|是怎么规定的|怎么规定的?|规定了什么|说了什么|讲了什么|讲的是什么|"
                         r"是什么|原文|全文|条文|[的了呢吗啊？?。，,\s]")


def _content_terms(question: str, reference: Reference | None, docs: dict[str, dict[str, Any]],
                   names: DocumentNames, generic: set[str]) -> set[str]:
    """What the question asks beyond naming a clause; empty means a plain lookup."""
    named = set()  # words that name the referenced document (its distinctive words and its titles)
    rest = without_references(question)
    for doc_id in (reference.doc_ids if reference else ()):
        meta = docs.get(doc_id, {}).get("meta", {})
        titles = f"{meta.get('short_title', '')} {meta.get('title', '')}"
        named |= names.stems.get(doc_id, set()) | set(tokenize(titles))
        for alias in sorted(names.aliases.get(doc_id, ()), key=len, reverse=True):  # Chinese names, as text
            rest = re.sub(re.escape(alias), " ", rest, flags=re.IGNORECASE)
    numerals = {t.lower() for t in re.findall(r"\b[IVXLC]{1,7}\b|\d+", question)}
    return {t for t in tokenize(_ZH_REQUEST.sub(" ", rest)) if t not in _REFERENCE_WORDS | named | numerals | generic}
