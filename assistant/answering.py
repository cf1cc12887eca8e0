"""The extractive answerer: it can only quote, so it cannot invent.

From the retrieved clauses it scores every sentence against the question (the stored
sentence vector for meaning, IDF-weighted term overlap for exact words), picks the best
few, and joins them with ``[n]`` markers that point at the clauses they were cut from.
Whether to answer at all is a calibrated decision on the same evidence: a weak best
sentence, a question asking for a detail (a number, a date, a name…) that the evidence
does not contain, is declined, with the reason and the closest clauses shown as
related.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer_types import (NUMBER_QUESTION, answers_type, asking_part, requested_details, stated_quantity,
                                    unanswered_detail, without_indefinites)
from assistant.messages import decline_text, language_of, say
from assistant.premises import PremiseCheck
from assistant.retrieval import Hit, SentenceRow, relevance
from assistant.types import Answer, Citation
from common.analysis import has_cjk, tokenize
from common.lexicon import Term
from common.settings import Settings
from ingest.chunking import count_tokens
from ingest.embedding import Embedder

# Why a question was declined (``Answer.decline_reason``); a missing detail is "missing <detail>", e.g. "missing date".
WEAK_SUPPORT, MISSING_DETAIL = "weak support", "missing"
# A premise the question states that the index never mentions, or that the documents answering it do not state.
NOT_MENTIONED, NOT_STATED = "not mentioned", "not stated"
SCOPE = "not in"  # the named document does not say it; another does ("not in <title>")
_WHO_QUESTION = re.compile(r"^\s*(who|whom|whose)\b|谁", re.IGNORECASE)
# A person named with a role: "Vice-Premier Hu Chunhua", "Sun Xiaoli, Deputy Director-General", "Wen Wu, director
# of …", "Hu Chunhua said". Only a bonus for "who" questions (the answer to "who will …" is often an office).
_PERSON = re.compile(r"\b(?:Premier|Vice-Premier|Minister|Vice-Minister|Director|President|Chairman|Mr\.?|Ms\.?|Dr\.?)"
                     r" [A-Z][a-z]+(?: [A-Z][a-z]+)?|\b[A-Z][a-z]+ [A-Z][a-z]+, (?:the )?(?:[a-z]+ )?"
                     r"(?:[A-Z][a-z-]+|director|deputy|head|chief|spokes\w+|member|minister)\b|"
                     r"\b[A-Z][a-z]+ [A-Z][a-z]+ (?:said|says|stressed|noted|added|told)\b")
_YES_NO = re.compile(r"^(can|could|does|do|is|are|will|may|must|should|has|have|did)\b", re.IGNORECASE)
# A sentence that continues the one before it: policy texts state a measure, then list what it includes.
_CONTINUES = re.compile(r"^(these|this|those|such|they|their|its|it (will|aims|includes|covers|involves)|"
                        r"in line with this|in this way|to this end|to achieve this|specifically|in particular|"
                        r"for example|for instance|including|among them|namely)\b", re.IGNORECASE)
# A sentence whose subject is named before it: "These institutions …", "It will …", "该机构…", "上述…".
_ANAPHOR = re.compile(r"^(?:(?:these|those|such|this|the above)\s+\w+|it|they|their|its)\b|^(?:该|其|这些|上述|此类|前款)",
                      re.IGNORECASE)
# A list: a sentence that introduces it ("应当具备下列条件：", "as follows:") and the items after it ("（一）…", "1. …").
_LIST_STEM = re.compile(r"[：:]\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.、．]\s|[一二三四五六七八九十]{1,3}、)")
MAX_LIST_ITEMS = 8  # a list is quoted whole up to this many items: half a list of conditions misleads
_MARKER_ONLY = re.compile(r"^\(?[IVXLC\d]{1,7}[.)]\s*")


@dataclass
class ScoredSentence:
    """A candidate sentence and why it scored as it did."""

    hit: Hit
    row: SentenceRow
    dense: float
    lexical: float
    score: float


class ExtractiveAnswerer:
    """Composes grounded answers from retrieved chunks; every word of substance is a quote."""

    # Weights of the sentence score: its own cosine, its share of the question's rare words, and how far
    # its chunk's relevance (retrieval.relevance) trails the best chunk's, so the best-ranked clause leads.
    LEXICAL_WEIGHT = 0.2
    CHUNK_WEIGHT = 1.5
    ANSWER_TYPE_BONUS = 0.05
    SECOND_SENTENCE_MARGIN = 0.09
    PART_SENTENCE_MARGIN = 0.2  # for one ask of a two-ask question (Settings.part_answer_sentences)
    CANDIDATE_CHUNKS = 4

    def __init__(self, settings: Settings, document_frequency: dict[str, int], n_chunks: int,
                 premises: PremiseCheck | None = None, embedder: Embedder | None = None) -> None:
        """``embedder``: embeds the ask the support is measured with; without it the whole question is."""
        self.settings = settings
        self.embedder = embedder
        self.df = document_frequency
        self.n_chunks = max(n_chunks, 1)
        self.premises = premises

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n_chunks - df + 0.5) / (df + 0.5))

    def lexical_overlap(self, query_terms: set[str], text: str, translated: Sequence[Term] = ()) -> float:
        """Share of the question's IDF mass that ``text`` contains: of its own words, or, for text in the other
        language, of its dictionary-translated terms (a term is there when one of its senses is)."""
        terms = set(tokenize(text))
        total = sum(self.idf(t) for t in query_terms)
        own = sum(self.idf(t) for t in query_terms & terms) / total if total else 0.0
        if not translated:
            return own
        weights = [max(sum(self.idf(t) for t in sense) for sense in term.senses) for term in translated]
        found = sum(w for w, term in zip(weights, translated) if any(terms.issuperset(s) for s in term.senses))
        return max(own, found / sum(weights))

    def score_sentences(self, question: str, query_vector: np.ndarray, hits: list[Hit],
                        rows: list[SentenceRow], translated: Sequence[Term] = ()) -> list[ScoredSentence]:
        """``translated``: the question's terms in the other language, as retrieval searched them."""
        query_terms = set(tokenize(question))
        asked = without_indefinites(question)  # once per question, not once per sentence
        by_chunk = {h.chunk_id: h for h in hits}
        # Windows of one clause are one citation: each counts with its clause's best window, so a sentence in the
        # first window is not penalised because the question happened to match the second window's wording.
        clause_relevance: dict[str, float] = {}
        for h in hits:
            clause_relevance[h.clause_id] = max(clause_relevance.get(h.clause_id, -math.inf), relevance(h, self.settings))
        chunk_relevance = {h.chunk_id: clause_relevance[h.clause_id] for h in hits}
        best_chunk = max(chunk_relevance.values(), default=0.0)
        scored = []
        for row in rows:
            hit = by_chunk[row.chunk_id]
            if _is_heading_sentence(row.text, hit):
                continue
            dense = float(np.dot(row.vector, query_vector))
            lexical = self.lexical_overlap(query_terms, row.text, translated)
            trailing = chunk_relevance[hit.chunk_id] - best_chunk
            score = (dense + self.LEXICAL_WEIGHT * lexical + self.CHUNK_WEIGHT * trailing
                     + self.ANSWER_TYPE_BONUS * _answer_type_match(asked, row.text))
            scored.append(ScoredSentence(hit, row, dense, lexical, score))
        scored.sort(key=lambda s: -s.score)
        return scored

    def support(self, question: str, best: ScoredSentence, embedded: str = "") -> float:
        """Evidence strength, which the decline threshold ``min_support`` applies to: the cosine of the question's
        ask and the best sentence (embedded with its document and clause title).

        The ask is the question without the sentences that set the scene or state a premise (``asking_part``):
        "Shenyang's standards went through a 10-stage process. How many experts took part?" matches the clause on
        the process in full, but what it asks is not there. Scored on the whole question, such near misses and false
        premises reached the cosines of answered questions (``Settings.support_query``; evals/GOLD.md, session 17).
        ``embedded``: the text the question's vector embeds; an ask that is that text is not embedded again."""
        if self.embedder is None or self.settings.support_query == "question":
            return best.dense
        ask = asking_part(question).strip() or question
        if ask == embedded:
            return best.dense
        return float(np.dot(self.embedder.embed_query(ask), best.row.vector))

    def run(self, question: str, query_vector: np.ndarray, hits: list[Hit], rows: list[SentenceRow],
            lookup: bool = False, absent: str = "", named: set[str] | None = None,
            translated: Sequence[Term] = (), part: bool = False, embedded: str = "") -> Answer:
        """Answer from ``hits``; pinned hits (a clause the question names) are the only candidates when present.
        ``absent``: a clause the question names in a document that has no such clause ("劳动合同法 第一百零五条"):
        whatever it asks about that clause, no other clause answers it. ``named``: the documents the question names
        (by title or alias): evidence from other documents does not answer it, and the answer says where it is.
        ``part``: the question is one ask of a two-ask question, whose answer quotes more (``_choose``).
        ``embedded``: the text ``query_vector`` embeds (``support``)."""
        if absent:
            return self._decline(question, hits, [], 0.0, f"{NOT_MENTIONED} {absent}")
        if not hits:
            return self._decline(question, [], [], 0.0, WEAK_SUPPORT)
        pinned = [h for h in hits if h.pinned]
        if lookup:
            return self._lookup_answer(question, pinned or hits)
        candidates = pinned or hits[: self.CANDIDATE_CHUNKS]
        scored = self.score_sentences(question, query_vector, candidates,
                                      [r for r in rows if r.chunk_id in {h.chunk_id for h in candidates}], translated)
        if not scored:
            return self._decline(question, hits, [], 0.0, WEAK_SUPPORT)
        best = scored[0]
        support = self.support(question, best, embedded)
        chosen = self._choose(scored, part)
        # a false premise first: it is the truest reason ("do not mention Shanghai", not "do not state the wage")
        reason = (self._premise_reason(question, chosen, scored)
                  or self._decline_reason(question, support, " ".join(s.row.text for s in chosen), best.row.text))
        if reason:
            return self._decline(question, hits, scored, support, reason)
        # the best evidence must come from a document the question names: a weaker sentence of the named document
        # quoted beside another document's answer does not make that answer the named document's
        if named and chosen[0].hit.meta.get("doc_id") not in named:
            return self._out_of_scope(question, named, chosen, hits, scored, support)
        return self._compose(question, chosen, hits, scored, support, named or set())

    def min_support(self, question: str, best_sentence: str) -> float:
        """The decline threshold for this pair of languages (question, best evidence sentence)."""
        if has_cjk(best_sentence):
            return self.settings.min_support_zh_zh if has_cjk(question) else self.settings.min_support_en_zh
        return self.settings.min_support_zh_en if has_cjk(question) else self.settings.min_support

    def _premise_reason(self, question: str, chosen: list[ScoredSentence], scored: list[ScoredSentence]) -> str:
        """A premise of the question (an amount, a year, a place) that the cited documents do not state, or a topic
        (a Chinese question's nouns) that no document mentions."""
        if self.premises is None:
            return ""
        if off_topic := self.premises.unmentioned_topic(question):
            return f"{NOT_MENTIONED} {'、'.join(off_topic[:3])}"
        found = self.premises.unsupported(question, [str(s.hit.meta.get("doc_id", "")) for s in chosen],
                                          [str(s.hit.meta.get("clause_text", s.hit.text)) for s in scored])
        if found is None:
            return ""
        premise, anywhere = found
        return f"{NOT_STATED if anywhere else NOT_MENTIONED} {premise.text}"

    def _decline_reason(self, question: str, support: float, evidence: str, best_sentence: str) -> str:
        """Why the chosen evidence does not answer the question ("" when it does)."""
        if support < self.min_support(question, best_sentence):
            return WEAK_SUPPORT
        detail = unanswered_detail(question, evidence)
        return f"{MISSING_DETAIL} {detail}" if detail else ""

    def _choose(self, scored: list[ScoredSentence], part: bool = False) -> list[ScoredSentence]:
        """The best sentence, the sentence after it when that one continues it ("These include …"), plus close
        runners-up (same clause first), at most ``answer_sentences``.

        One ask of a two-ask question (``part``) takes runners-up from further down, up to ``part_answer_sentences``:
        the answer to the whole question already leads, and what the part asks is often in its second-best clause
        (answerable passing 0.667 -> 0.680 on the seed texts' development sets, 0.692 -> 0.706 on the Chinese laws';
        right clause first and declines unchanged; evals/GOLD.md, session 14)."""
        limit = self.settings.part_answer_sentences if part else self.settings.answer_sentences
        base_margin = self.PART_SENTENCE_MARGIN if part else self.SECOND_SENTENCE_MARGIN
        best = scored[0]
        following = {(s.hit.chunk_id, s.row.position - 1): s for s in scored if _CONTINUES.match(s.row.text)}
        # "These institutions may also …" names its subject in the sentence before: that one leads
        preceding = {(s.hit.chunk_id, s.row.position + 1): s for s in scored}
        chosen: list[ScoredSentence] = []

        def antecedents(s: ScoredSentence) -> list[ScoredSentence]:
            """The sentences back to the one that names the subject, if it is close enough to fit."""
            run, walk = [], s
            while _ANAPHOR.match(_without_connective(walk.row.text)):
                walk = preceding.get((walk.hit.chunk_id, walk.row.position))
                if walk is None or len(run) + 1 >= limit:
                    return []
                run.insert(0, walk)
            return run

        at = {(s.hit.chunk_id, s.row.position): s for s in scored}

        def whole_list(s: ScoredSentence) -> list[ScoredSentence]:
            """A list's stem and items when ``s`` is one of them ("应当具备下列条件：" and its （一）…（四）), else []."""
            stem, walk = None, s
            while walk is not None and _LIST_ITEM.match(walk.row.text):
                walk = at.get((walk.hit.chunk_id, walk.row.position - 1))
            if walk is not None and _LIST_STEM.search(walk.row.text):
                stem = walk
            if stem is None:
                return []
            items, position = [], stem.row.position + 1
            while (item := at.get((stem.hit.chunk_id, position))) is not None and _LIST_ITEM.match(item.row.text):
                items.append(item)
                position += 1
            return [stem, *items[:MAX_LIST_ITEMS]] if items else []

        extra = 0  # the best sentence's list counts as one sentence against answer_sentences

        def take(s: ScoredSentence) -> None:
            nonlocal extra
            listed = whole_list(s) if not chosen else []
            before = antecedents(s) if not chosen and not listed else []
            extra = max(len(listed) - 1, 0) if listed else extra
            for pick in (*before, *(listed or [s]), following.get((s.hit.chunk_id, s.row.position))):
                if pick is not None and len(chosen) < limit + extra and pick.row.text not in {
                        c.row.text for c in chosen}:
                    chosen.append(pick)

        whole = self._whole_clause(best, scored)
        if whole:  # counts as one sentence against the limit, as a list does
            chosen.extend(whole)
            extra = len(whole) - 1
        else:
            take(best)
        for s in scored[1:]:
            if len(chosen) >= limit + extra:
                break
            margin = base_margin * (1.5 if s.hit.chunk_id == best.hit.chunk_id else 1.0)
            if s.score >= best.score - margin:
                take(s)
        return chosen

    def _whole_clause(self, best: ScoredSentence, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """Every sentence of the best sentence's chunk (a clause, or one window of a long clause), in reading order,
        when that chunk is at most ``Settings.whole_clause_tokens`` tokens (about the same length of text in either
        language); else []. A clause read whole is checked at a glance, and its other sentences often hold the limit
        or the exception the question asks about ("……不得超过一个月；……不得超过二个月"). On the development sets a
        window quoted whole, not only a one-chunk clause, gained 16 answers for 1 decline (evals/GOLD.md)."""
        mine = sorted((s for s in scored if s.hit.chunk_id == best.hit.chunk_id), key=lambda s: s.row.position)
        if len(mine) < 2 or count_tokens(best.hit.text) > self.settings.whole_clause_tokens:
            return []
        return mine

    def _out_of_scope(self, question: str, named: set[str], chosen: list[ScoredSentence], hits: list[Hit],
                      scored: list[ScoredSentence], support: float) -> Answer:
        """The question asks what document A says; only document B says it. Not answered, and the reader is told
        where it is, with B's clause first among the related ones."""
        lang = language_of(question)
        titles = " / ".join(sorted({_short_title(h) for h in hits if h.meta.get("doc_id") in named})) or " / ".join(
            sorted(named))
        best = chosen[0]
        text = say("scope", lang, named=titles, other=_short_title(best.hit), quote=best.row.text)
        related = self._related([best.hit] + [h for h in hits if h.chunk_id != best.hit.chunk_id], scored, exclude=set())
        return Answer(question, text, False, [], related, support=support, decline_reason=f"{SCOPE} {titles}")

    def _compose(self, question: str, chosen: list[ScoredSentence], hits: list[Hit],
                 scored: list[ScoredSentence], support: float, named: set[str] = frozenset()) -> Answer:
        order: list[str] = []  # clause ids in order of first use; windows of one clause share a citation
        for s in chosen:
            if s.hit.clause_id not in order:
                order.append(s.hit.clause_id)
        chosen.sort(key=lambda s: (order.index(s.hit.clause_id), s.hit.chunk_id, s.row.position))
        citations = []
        parts = []
        for n, clause_id in enumerate(order, start=1):
            mine = [s for s in chosen if s.hit.clause_id == clause_id]
            citations.append(citation_from_hit(n, mine[0].hit, _join_quote(mine)))
            parts.extend(f"{_without_connective(s.row.text) if not parts else s.row.text} [{n}]" for s in mine)
        lead = _lead(question, chosen[0], citations[0].quote)
        first_doc = chosen[0].hit.meta.get("doc_id")
        # a reader who did not name the document learns whose measure it is ("Beijing HR Service Action Plan …:")
        preface = "" if first_doc in named else say("source", language_of(question), title=_short_title(chosen[0].hit))
        text = (f"{lead} — " if lead else "") + (f"{preface} " if preface else "") + " ".join(parts)
        cited = {h.chunk_id for h in hits if h.clause_id in order}
        related = self._related(hits, scored, exclude=cited)
        return Answer(question, text, True, citations, related, support=support, lead=lead, preface=preface)

    def _lookup_answer(self, question: str, hits: list[Hit]) -> Answer:
        """A direct clause reference: the clause itself, quoted from its start (its label is on the citation, so the
        text does not repeat it: a clause's text already opens with its number and title)."""
        citations = []
        parts = []
        for n, hit in enumerate(hits[:3], start=1):
            text = str(hit.meta.get("clause_text", hit.text))
            citations.append(citation_from_hit(n, hit, text))
            parts.append(f"{text} [{n}]")
        return Answer(question, "\n\n".join(parts), True, citations, [], support=1.0)

    def _decline(self, question: str, hits: list[Hit], scored: list[ScoredSentence], support: float,
                 reason: str) -> Answer:
        """"Not answered", with the reason in words a job seeker understands and the closest clauses as related."""
        return Answer(question, decline_text(language_of(question), reason), False, [],
                      self._related(hits, scored, exclude=set()), support=support, decline_reason=reason)

    def _related(self, hits: list[Hit], scored: list[ScoredSentence], exclude: set[str], limit: int = 3) -> list[Citation]:
        """Closest clauses not already cited, each with its best sentence as the quote."""
        best_sentence: dict[str, str] = {}
        for s in scored:
            best_sentence.setdefault(s.hit.chunk_id, s.row.text)
        out: list[Citation] = []
        seen_clauses = set()
        for hit in hits:
            if hit.chunk_id in exclude or hit.clause_id in seen_clauses:
                continue
            seen_clauses.add(hit.clause_id)
            out.append(citation_from_hit(len(out) + 1, hit, best_sentence.get(hit.chunk_id, _first_sentences(hit.text))))
            if len(out) >= limit:
                break
        return out


def _short_title(hit: Hit) -> str:
    return str(hit.meta.get("short_title") or hit.meta.get("doc_title") or hit.meta.get("doc_id", ""))


# Sentence-initial connectives: quoted first, "Additionally, it supports …" starts in mid-air.
_CONNECTIVE = re.compile(r"^(?:additionally|moreover|furthermore|in addition|also|meanwhile|at the same time|besides|notably|"
                         r"likewise|similarly|on this basis|on top of that)\s*,\s*|^(?:同时|此外|另外|并且|而且|与此同时)[，,]\s*",
                         re.IGNORECASE)


def _without_connective(sentence: str) -> str:
    """The sentence without an opening connective, starting with a capital ("it supports" → "It supports")."""
    rest = _CONNECTIVE.sub("", sentence, count=1)
    if rest == sentence or not rest:
        return sentence
    return rest[0].upper() + rest[1:]


def _join_quote(sentences: list[ScoredSentence]) -> str:
    """The supporting sentences in reading order; a gap between them is shown as " … " so the quote stays verbatim."""
    parts = [sentences[0].row.text]
    for prev, cur in zip(sentences, sentences[1:]):
        adjacent = cur.hit.chunk_id == prev.hit.chunk_id and cur.row.position == prev.row.position + 1
        parts.append((" " if adjacent else " … ") + cur.row.text)
    return "".join(parts)


def _lead(question: str, first: ScoredSentence, quote: str) -> str:
    """The direct answer to put first, only when the first citation's own words state it: "Yes" to a yes/no
    question whose words the quote shares, or the number a quantity question asks for ("69,900")."""
    if _YES_NO.match(question.strip()) and first.lexical >= 0.75:
        return say("yes", language_of(question))
    return stated_quantity(question, quote) or ""


def citation_from_hit(n: int, hit: Hit, quote: str) -> Citation:
    """A citation built only from retrieval metadata, never from generated text."""
    meta = hit.meta
    page = meta.get("page")
    return Citation(
        n=n, clause_id=str(meta.get("clause_id", hit.chunk_id)), label=str(meta.get("label", "")),
        doc_id=str(meta.get("doc_id", "")), doc_title=str(meta.get("doc_title", "")), quote=quote,
        text=str(meta.get("clause_text", hit.text)), page=int(page) if page is not None else None,
        source=str(meta.get("source", "")), issuer=str(meta.get("issuer", "")), date=str(meta.get("date", "")),
        doc_type=str(meta.get("doc_type", "")), jurisdiction=str(meta.get("jurisdiction", "")),
        score=round(float(hit.dense or 0.0), 4),
        refs=[r for r in str(meta.get("refs", "")).split(",") if r],
        cited_by=[r for r in str(meta.get("cited_by", "")).split(",") if r],
    )


def _answer_type_match(question: str, sentence: str) -> float:
    """1 when the sentence holds the kind of thing the question asks for (a number, a date, a name), else 0.
    ``question`` is already ``without_indefinites``."""
    if requested_details(question) or NUMBER_QUESTION.search(question):
        return float(answers_type(question, sentence))
    if _WHO_QUESTION.search(question):
        return float(bool(_PERSON.search(sentence)))
    return 0.0


def _is_heading_sentence(text: str, hit: Hit) -> bool:
    """A clause's own title line ("(VII) Contribute to public employment services.") says little alone."""
    title = str(hit.meta.get("title", ""))
    bare = _MARKER_ONLY.sub("", text).strip().rstrip(".")
    return bool(title) and bare.rstrip("?") == title.rstrip("?") and hit.meta.get("kind") in {
        "clause", "item", "part", "section", "title"}


def _first_sentences(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
