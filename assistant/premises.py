"""What a question takes for granted, checked against the evidence before anything is answered.

"Since the plan was extended to 2027 …", "the CNY 500,000 deposit …", "上海的最低工资 …": a question can state an
amount, a date, a year or a name as if it were given. When the documents never say it, answering from the nearest
clause would confirm a false premise with a confident citation, the worst thing this product can do. So every
amount, percentage, date, year, duration, head-count and multiple the question states, and every place or proper
name it names, must occur in the documents the answer would cite. Sentences about the asker ("We're a 30-person
firm in Haidian", "我月薪5000元") are their situation, not a premise about the documents, and are not checked.

Which of two things is true is said plainly: the indexed documents do not mention it at all, or the documents the
answer would come from do not. An amount, share, count or duration the question says a named document states ("the
Beijing plan caps fees at 5%", "广东条例规定…1%") must be stated by a clause the answer would come from, not just
somewhere in that document: a law that sets a 二千元 fine does not set a 二千元 subsidy.

A question can also be about something the documents never mention at all: how to seed a badminton draw, a
VLOOKUP that fails. The embedder still finds a clause that is nearest (every question is near something), so the
topic of a Chinese question is checked too: when most of the nouns its asking sentences are about occur in no
indexed Chinese document, the documents do not cover the question (``unmentioned_topic``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.answer_types import asking_part
from common.analysis import STOPWORDS, has_cjk, mostly_chinese, quiet_jieba, tokenize
from common.lexicon import Lexicon, search_parts
from common.numerals import Quantity, find_quantities
from ingest.sentences import split_sentences

# An off-topic Chinese question: at least this many of its asking sentences' nouns, and this share of them, occur
# in no Chinese document (chosen on the development sets: 5 declines gained there for 2 answers lost)
TOPIC_MIN_ABSENT, TOPIC_ABSENT_SHARE = 3, 0.6
_PREMISE_KINDS = ("amount", "percent", "date", "year", "duration", "count")
_CLAUSE_KINDS = ("amount", "percent", "duration", "count")  # stated by the clause that answers, not just its document
# Clauses of a sentence: a comma or semicolon, not the thousands comma of "500,000"; and a full stop the sentence
# splitter kept ("… retires in 8. what type of contract …": a part cut from mid-sentence starts in lower case)
_CLAUSE = re.compile(r"[，；;]|,(?!\d)|(?<=[.!?])\s+(?=[A-Za-z])")
# The asker reporting what a document says: what follows is a premise about the document
_HEARSAY = re.compile(r"^\s*(?:but |and |so )?(?:i|we)(?:'ve| have)? (?:heard|read|was told|were told|saw|understand|"
                      r"gather|hear)(?: that)?\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|we|we're|we've|my|our|us|me)\b|我|咱", re.IGNORECASE)
_NAME = re.compile(r"(?<![\w'’])([A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)")
# words that name a unit of a document or a time, not a thing the documents must mention
_STRUCTURAL = set(tokenize("article articles clause clauses part parts section sections item items paragraph "
                           "paragraphs chapter chapters annex point points measure measures"))
_CALENDAR = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
_QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "does", "do",
                   "can", "could", "will", "would", "should", "may", "must", "did", "has", "have", "please", "tell",
                   "according", "under", "besides", "apart", "also", "and", "or", "but", "if", "since", "as"}


@dataclass(frozen=True)
class Premise:
    """One thing the question states as given: a quantity (with its value) or a name."""

    text: str
    quantity: Quantity | None = None
    claimed: bool = False  # stated as what a named document says ("the Beijing plan caps fees at 5%")


def _posseg():
    return quiet_jieba().posseg


def stated_premises(question: str, names_document: Callable[[str], bool] | None = None) -> list[Premise]:
    """The amounts, dates, years, durations and names ``question`` states, outside what it says about the asker.

    Quantities are read clause by clause: in "劳动合同法规定每月加班不超过36小时，我们厂加了50小时，…" the first
    clause states a premise about the law and the second is the asker's situation. Chinese drops a repeated subject,
    so there the situation runs to the end of the sentence ("我们公司有30人，月薪5000元，…"); English names every
    subject ("My agency takes 8%, but the plan caps fees at 5%"). What the asker heard or read ("I read that …") is
    the document's claim. Names are read sentence by sentence: jieba tags colloquial words as places (挪窝, 新东家),
    and a sentence about the asker is full of them. ``names_document``: whether a clause names a document; its
    quantities are then ``claimed``."""
    premises: list[Premise] = []
    for sentence in split_sentences(question):
        for clause in _CLAUSE.split(sentence):
            clause = _HEARSAY.sub("", clause)
            if _FIRST_PERSON.search(clause):
                if has_cjk(clause):
                    break
                continue
            if _asks_quantity(clause):
                continue
            claimed = bool(names_document and names_document(clause))
            premises += [Premise(q.text, q, claimed) for q in find_quantities(clause)
                         if q.kind in _PREMISE_KINDS and clause[max(0, q.start - 1):q.start] not in ("哪", "几")]
        if _FIRST_PERSON.search(sentence):
            continue
        for match in _NAME.finditer(sentence):
            for n, word in enumerate(match.group(1).replace("-", " ").split()):
                if n == 0 and match.start() == 0:
                    continue  # capitalised because it opens the sentence
                if word.lower() in _QUESTION_WORDS | STOPWORDS or word in _CALENDAR or set(tokenize(word)) <= _STRUCTURAL:
                    continue
                premises.append(Premise(word))
        if has_cjk(sentence):
            # a place jieba tags (ns) that the dictionary knows as a name: jieba tags 东西 and 挪窝 as places too
            names = Lexicon.bundled().proper_names
            premises += [Premise(w.word) for w in _posseg().cut(sentence)
                         if w.flag == "ns" and len(w.word) >= 2 and w.word in names]
    return premises


_ZH_ASKS_QUANTITY = re.compile(r"多少|几|多长|多久|多大")


def _asks_quantity(clause: str) -> bool:
    """A Chinese clause that asks for a quantity: its own quantities are part of what it asks ("一周累计上限又是
    多少" asks for the weekly cap; it states no week)."""
    return has_cjk(clause) and bool(_ZH_ASKS_QUANTITY.search(clause))


def _states(stated: Quantity, premise: Quantity) -> bool:
    """Whether a quantity of the text states the premise: the same value, and the premise's unit if it has one. A
    bare number does not state a duration or an amount: the "six" of "six fundamental regulations" is not "every
    six months"."""
    return premise.matches(stated) and (not premise.unit or bool(stated.unit))


def _name_in(name: str, text: str, terms: set[str]) -> bool:
    if has_cjk(name):
        return name in text
    return set(tokenize(name)) <= terms


class PremiseCheck:
    """Finds the first premise of a question that the cited documents do not support.

    ``document_texts`` maps doc_id to the text a premise may be found in (its clauses, title and date): a premise is
    looked for in the whole documents the answer would cite, so a year that the plan's title or another of its
    clauses states still counts. Without it only the candidate clauses are searched.
    """

    @classmethod
    def of(cls, docs: dict[str, dict], clause_metadata: Iterable[dict], bm25_vocabulary: set[str]) -> "PremiseCheck":
        """Built once per opened index from each document's names (title, short title, aliases, issuer, date) and
        its clauses' texts (``clause_metadata``: the chunks' metadata, from the in-memory copy or read from Chroma)."""
        names = {doc_id: " ".join(str(info.get("meta", {}).get(k, "")) for k in
                                  ("title", "short_title", "aliases", "issuer", "date", "jurisdiction"))
                 for doc_id, info in docs.items()}
        vocabulary = set(bm25_vocabulary) | {t for text in names.values() for t in tokenize(text)}
        # jieba loads its dictionary in about a second; do it now, not on the first Chinese question
        threading.Thread(target=_posseg, name="jieba-warm-up", daemon=True).start()
        texts = {doc_id: [text] for doc_id, text in names.items()}
        for meta in clause_metadata:
            if "clause_text" in meta:
                texts.setdefault(str(meta.get("doc_id", "")), []).append(str(meta["clause_text"]))
        return cls({doc_id: "\n".join(parts) for doc_id, parts in texts.items()}, vocabulary)

    def __init__(self, document_texts: dict[str, str], vocabulary: set[str]) -> None:
        self.document_texts = document_texts
        # whether a clause of a question names a document (by title or alias); set by the Assistant, which has the names
        self.names_document: Callable[[str], bool] | None = None
        self.vocabulary = vocabulary  # every BM25 term of the index: a name none of whose terms is there is absent
        self._quantities: dict[str, list[Quantity]] = {}
        self._terms: dict[str, set[str]] = {}
        self._chinese: str | None = None

    def _doc(self, doc_id: str) -> tuple[str, list[Quantity], set[str]]:
        text = self.document_texts.get(doc_id, "")
        if doc_id not in self._quantities:
            self._quantities[doc_id] = find_quantities(text)
            self._terms[doc_id] = set(tokenize(text))
        return text, self._quantities[doc_id], self._terms[doc_id]

    def unmentioned_topic(self, question: str) -> list[str]:
        """The nouns of a Chinese question's asking sentences that no indexed Chinese document contains, when they
        are most of them (``TOPIC_MIN_ABSENT``, ``TOPIC_ABSENT_SHARE``); else []. A noun is jieba's, found in the
        text as written or by all of its parts (当地政府 is there when 当地 and 政府 are). Names are the premise
        check's."""
        ask = asking_part(question)
        if not has_cjk(ask):
            # English has no part-of-speech tagger here, and its everyday words ("spread the word", "tell") are
            # absent from formal texts: counted as topic words they declined 3 answers for 3 declines gained
            return []
        text = self._chinese_text()
        if not text:
            return []  # no Chinese document: a Chinese word cannot be looked up
        words = list(dict.fromkeys(w.word for w in _posseg().cut(ask) if len(w.word) >= 2 and (
            w.flag.startswith("n") and not w.flag.startswith("nr") or w.flag == "vn")))

        def present(word: str) -> bool:
            parts = search_parts(word)  # a piece inside a longer piece is there when that one is
            return word in text or bool(parts) and all(p in text for p in parts)

        absent = [w for w in words if not present(w)]
        if len(absent) >= TOPIC_MIN_ABSENT and len(absent) >= TOPIC_ABSENT_SHARE * len(words):
            return absent
        return []

    def _chinese_text(self) -> str:
        """The text of the indexed Chinese documents, joined once."""
        if self._chinese is None:
            self._chinese = "\n".join(t for t in self.document_texts.values() if t and mostly_chinese(t))
        return self._chinese

    def in_index(self, premise: Premise) -> bool:
        """Whether any indexed document states the premise."""
        if premise.quantity is None:
            return set(tokenize(premise.text)) <= self.vocabulary
        return any(_states(q, premise.quantity) for doc_id in self.document_texts for q in self._doc(doc_id)[1])

    def unsupported(self, question: str, doc_ids: list[str], clauses: Iterable[str] = ()) -> tuple[Premise, bool] | None:
        """(the first premise the documents ``doc_ids`` do not state, whether the index states it anywhere).

        An amount, share, count or duration that the question says a named document states ("the Beijing plan caps
        fees at 5%") must be stated by one of the ``clauses`` the answer would come from (when given): a plan that
        sets a 5% target elsewhere does not cap fees at 5%. Other quantities, and years and dates (the plan's title
        names its years), may be stated anywhere in the documents: "入职第一周公司组织了三天培训" drops its subject,
        and is the asker's situation, not a claim about a clause."""
        premises = stated_premises(question, self.names_document)
        if not premises:
            return None
        sources = [self._doc(d) for d in dict.fromkeys(doc_ids)]
        by_clause = [p for p in premises if p.claimed and p.quantity is not None and p.quantity.kind in _CLAUSE_KINDS]
        # the clauses are read only when a quantity is claimed of them
        clause_quantities = [q for text in dict.fromkeys(clauses) for q in find_quantities(text)] if by_clause else []
        for premise in premises:
            if premise in by_clause and clause_quantities:
                found = any(_states(q, premise.quantity) for q in clause_quantities)
            elif premise.quantity is not None:
                found = any(_states(q, premise.quantity) for _, quantities, _ in sources for q in quantities)
            else:
                # a name is looked for only in documents of its own script: "东北" cannot be in an English text,
                # whatever it says about the northeast
                same_script = [src for src in sources if mostly_chinese(src[0]) == has_cjk(premise.text)]
                found = not same_script or any(_name_in(premise.text, text, terms) for text, _, terms in same_script)
            if not found:
                return premise, self.in_index(premise)
        return None
