"""Grounded generation: a model rewrites the answer from the retrieved clauses, and code checks every sentence.

It runs only after retrieval and the decline gate, on an answer the extractive answerer
would give: a declined question never reaches the model, and neither does a plain clause
lookup (the clause verbatim is the best answer to "what does clause XIV say").

The model sees the top clauses numbered [1]…[k] with their labels and is told to answer
in the question's language, cite [n] after every sentence, quote figures and names
exactly, and say plainly when the clauses do not state what is asked. Then
``assistant.verification`` keeps only the sentences that cite given clauses and whose
figures and names those clauses state. Citations are rebuilt from retrieval metadata
(``citation_from_hit``): nothing the model wrote becomes a citation. When nothing
survives, when the model says the clauses do not answer, or when the model is down or
slow, the extractive answer is returned instead, flagged, with a one-line notice.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.answering import citation_from_hit
from assistant.llm import Backend, LLMError, make_backend
from assistant.retrieval import Hit
from assistant.types import Answer
from assistant.verification import SentenceCheck, renumber, verify
from common.analysis import has_cjk, tokenize
from common.settings import Settings

log = logging.getLogger(__name__)

GENERATED, FALLBACK, EXTRACTIVE, DECLINED = "generated", "extractive-fallback", "extractive", "declined"
# why a generated answer was not used (``generation.fallback_reason``)
MODEL_FAILED, NOTHING_VERIFIED, MODEL_NOT_STATED = "model unavailable", "no sentence verified", "model says not stated"

_NOTICES = {
    "en": {
        MODEL_FAILED: "The model could not answer ({detail}); this is the quoted answer instead.",
        NOTHING_VERIFIED: "No generated sentence could be verified against the cited clauses; this is the quoted "
                          "answer instead.",
        MODEL_NOT_STATED: "The model found that the clauses do not state this; these are the closest quoted "
                          "sentences.",
        "removed": "{n} generated sentence(s) were removed because the cited clauses do not support them.",
    },
    "zh": {
        MODEL_FAILED: "模型暂时无法回答，以下是从条款原文摘录的答案。",
        NOTHING_VERIFIED: "生成的句子都无法由所引条款核实，以下是从条款原文摘录的答案。",
        MODEL_NOT_STATED: "模型认为条款没有说明这一点，以下是最接近的条款原文。",
        "removed": "已删除 {n} 句无法由所引条款核实的生成内容。",
    },
}

SYSTEM_PROMPT = {
    "en": ("You answer questions about government policy documents using only the numbered clauses given. "
           "Rules: answer in English; put the number of the clause that supports it, like [1], after every "
           "sentence; quote amounts, dates, numbers and names exactly as the clause writes them; if the clauses "
           "do not state what is asked, say plainly that the clauses do not state it; answer in at most three "
           "short sentences; add nothing that is not in the clauses. Example of the form: "
           "\"Firms that offer free job introduction can get subsidies [2].\""),
    "zh": ("你根据给出的编号条款回答有关政府政策文件的问题，只能使用这些条款。规则：用中文回答；每句话后面写上支持它的条款编号，"
           "例如[1]；金额、日期、数字和名称必须与条款原文完全一致；如果条款没有说明所问的内容，就直接说条款没有说明；"
           "最多回答三句短句；不要添加条款中没有的内容。格式示例：“提供免费职业介绍的机构可以获得补贴[2]。”"),
}


@dataclass
class GenerationReport:
    """What the model wrote and what the verifier did with it; ``to_dict`` goes into ``Answer.to_dict()``."""

    llm: str
    text: str = ""  # as generated
    sentences: list[SentenceCheck] = field(default_factory=list)
    fallback_reason: str = ""  # empty when the generated answer was used
    error: str = ""  # the backend's one-sentence error, when it failed
    clauses: list[str] = field(default_factory=list)  # clause_ids given to the model, as [1]..[k]
    generation_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        kept = [s for s in self.sentences if s.kept]
        return {
            "llm": self.llm,
            "generated_text": self.text,
            "generated": len(self.sentences),
            "kept": len(kept),
            "dropped": len(self.sentences) - len(kept),
            "sentences": [s.to_dict() for s in self.sentences],
            "drop_reasons": [s.reason for s in self.sentences if not s.kept],
            "fallback_reason": self.fallback_reason,
            "error": self.error,
            "clauses": self.clauses,
            "generation_ms": round(self.generation_ms, 1),
        }


def language(question: str) -> str:
    """"zh" for a question in Chinese, else "en": notices and the prompt follow the question."""
    return "zh" if has_cjk(question) else "en"


@dataclass
class PromptClause:
    """One clause as the model sees it, and the hit it came from (the only source of its citation)."""

    n: int
    hit: Hit
    text: str  # label, document and clause text, as in the prompt (what the verifier checks against)
    heading: str = ""  # the label and document line above the clause text


def prompt_clauses(hits: list[Hit], k: int, max_chars: int) -> list[PromptClause]:
    """The top ``k`` distinct clauses (windows of one clause are one clause), numbered from 1."""
    out: list[PromptClause] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.clause_id in seen:
            continue
        seen.add(hit.clause_id)
        body = str(hit.meta.get("clause_text") or hit.text)
        if len(body) > max_chars:
            body = body[:max_chars].rsplit(" ", 1)[0] + " …"
        head = " — ".join(x for x in (str(hit.meta.get("label", "")), str(hit.meta.get("doc_title", ""))) if x)
        out.append(PromptClause(len(out) + 1, hit, f"{head}\n{body}" if head else body, head))
        if len(out) >= k:
            break
    return out


def build_messages(question: str, clauses: list[PromptClause]) -> list[dict[str, str]]:
    """The chat messages: the rules, then the numbered clauses and the question."""
    lang = language(question)
    listed = "\n\n".join(f"[{c.n}] {c.text}" for c in clauses)
    if lang == "zh":
        user = f"条款：\n\n{listed}\n\n问题：{question}\n\n用一到三句话回答，每句话以条款编号结尾，例如[1]。"
    else:
        user = (f"Clauses:\n\n{listed}\n\nQuestion: {question}\n\n"
                "Answer in one to three sentences. End every sentence with the number of its clause, like [1].")
    return [{"role": "system", "content": SYSTEM_PROMPT[lang]}, {"role": "user", "content": user}]


class GroundedGenerator:
    """Turns an extractive answer into a verified generated one, or explains why it keeps the extractive one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def backend(self, mode: str) -> Backend:
        """The backend for ``mode``, created on first use (a GGUF file loads once per process)."""
        with self._lock:
            if mode not in self._backends:
                self._backends[mode] = make_backend(self.settings, mode)
            return self._backends[mode]

    def warm(self) -> None:
        """Load the configured model now (a GGUF file takes seconds), so the first question does not wait and a
        wrong setting is in the log at start-up; a failure only logs: answers fall back as usual."""
        if self.settings.llm == "none":
            return
        try:
            self.backend(self.settings.llm)
        except LLMError as exc:
            log.warning("generated answers are not available: %s; answers will be quoted until it is fixed", exc)

    def finish(self, question: str, hits: list[Hit], answer: Answer, mode: str | None = None,
               on_text: Callable[[str], None] | None = None, lookup: bool = False) -> Answer:
        """``answer`` as it should be shown under the llm ``mode`` (default: the setting)."""
        mode = mode or self.settings.llm
        if not answer.answered:
            answer.mode = DECLINED
            return answer
        if mode == "none" or lookup:
            answer.mode = EXTRACTIVE
            return answer
        return self.generate(question, hits, answer, mode, on_text)

    def generate(self, question: str, hits: list[Hit], extractive: Answer, mode: str,
                 on_text: Callable[[str], None] | None = None) -> Answer:
        """Ask the model, verify its sentences, and build the answer from the ones that hold."""
        started = time.perf_counter()
        clauses = prompt_clauses(hits, self.settings.llm_clauses, self.settings.llm_clause_chars)
        report = GenerationReport(llm=mode, clauses=[c.hit.clause_id for c in clauses])
        try:
            report.text = self._stream(mode, build_messages(question, clauses), on_text)
        except LLMError as exc:
            log.warning("generation with llm=%s failed: %s", mode, exc)
            report.error = str(exc)
            return self._fallback(question, extractive, report, MODEL_FAILED, started)
        checked = verify(report.text, {c.n: c.text for c in clauses}, {c.n: c.heading for c in clauses})
        report.sentences = checked.sentences
        if checked.says_not_stated:
            return self._fallback(question, extractive, report, MODEL_NOT_STATED, started)
        if not checked.kept:
            return self._fallback(question, extractive, report, NOTHING_VERIFIED, started)
        report.generation_ms = (time.perf_counter() - started) * 1e3
        return self._generated(question, extractive, clauses, checked.kept, report)

    def _stream(self, mode: str, messages: list[dict[str, str]], on_text: Callable[[str], None] | None) -> str:
        """The model's whole text; pieces go to ``on_text`` as they arrive. A stalled server is cut off by the
        client's read timeout; one that dribbles text is cut off after three timeouts in all."""
        backend = self.backend(mode)
        deadline = time.monotonic() + 3 * self.settings.llm_timeout_s
        pieces: list[str] = []
        for piece in backend.stream(messages):
            pieces.append(piece)
            if on_text is not None:
                on_text(piece)
            if time.monotonic() > deadline:
                raise LLMError(f"the model at {backend.location} did not finish within "
                               f"{3 * self.settings.llm_timeout_s:g} s")
        return "".join(pieces)

    def _generated(self, question: str, extractive: Answer, clauses: list[PromptClause],
                   kept: list[SentenceCheck], report: GenerationReport) -> Answer:
        lang = language(question)
        texts, order = renumber(kept)
        by_n = {c.n: c for c in clauses}
        citations = []
        for new_n, old_n in enumerate(order, start=1):
            clause = by_n[old_n]
            citing = " ".join(s.text for s in kept if old_n in s.cited)
            citations.append(citation_from_hit(new_n, clause.hit, best_quote(clause.hit, citing)))
        cited_ids = {c.clause_id for c in citations}
        dropped = len(report.sentences) - len(kept)
        notice = _NOTICES[lang]["removed"].format(n=dropped) if dropped else ""
        joiner = "" if lang == "zh" else " "
        # everything else (question, searched_as, support, related …) as the extractive answer has it
        return dataclasses.replace(
            extractive, answer=joiner.join(texts), answered=True, citations=citations,
            related=[r for r in extractive.related if r.clause_id not in cited_ids], lead="", decline_reason="",
            timings=dict(extractive.timings, generation_ms=report.generation_ms), mode=GENERATED, notice=notice,
            generation=report.to_dict())

    def _fallback(self, question: str, extractive: Answer, report: GenerationReport, reason: str,
                  started: float) -> Answer:
        report.fallback_reason = reason
        report.generation_ms = (time.perf_counter() - started) * 1e3
        detail = report.error.rstrip(".") or reason
        extractive.mode = FALLBACK
        extractive.notice = _NOTICES[language(question)][reason].format(detail=detail)
        extractive.generation = report.to_dict()
        extractive.timings = dict(extractive.timings, generation_ms=report.generation_ms)
        return extractive


_CLAUSE_SENTENCE = re.compile(r"[^.!?。！？;；\n]+[.!?。！？;；]?")


def best_quote(hit: Hit, generated: str) -> str:
    """The clause sentence that shares most words with the generated sentences citing it, verbatim, so the chat
    highlights where in the clause the generated sentence comes from."""
    text = str(hit.meta.get("clause_text") or hit.text)
    words = set(tokenize(generated))
    best, best_score = "", -1.0
    for m in _CLAUSE_SENTENCE.finditer(text):
        sentence = m.group().strip()
        if len(sentence) < 8:
            continue
        score = len(words & set(tokenize(sentence))) / (1 + len(set(tokenize(sentence))) ** 0.5)
        if score > best_score:
            best, best_score = sentence, score
    return best or text[:300]
