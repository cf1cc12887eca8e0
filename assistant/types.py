"""The answer a user gets, and the citations that back it. Shared by the CLI, the app and the evals."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Citation:
    """One clause an answer relies on (or, in ``related``, the closest clauses to a declined question)."""

    n: int
    clause_id: str
    label: str
    doc_id: str
    doc_title: str
    quote: str  # the supporting sentence(s), verbatim from ``text``
    text: str  # the whole clause, verbatim
    page: int | None = None
    source: str = ""
    issuer: str = ""
    date: str = ""
    doc_type: str = ""
    jurisdiction: str = ""
    score: float = 0.0
    refs: list[str] = field(default_factory=list)  # clause_ids of the articles this clause cites
    cited_by: list[str] = field(default_factory=list)  # clause_ids of the articles that cite this one

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What ``Assistant.ask`` returns; ``to_dict`` is the JSON of ``policy-assistant ask --json``."""

    question: str
    answer: str
    answered: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    support: float = 0.0  # the calibrated evidence score the decline decision used
    lead: str = ""  # the direct answer put first ("Yes", "69,900"), verbatim from the first citation; else ""
    preface: str = ""  # whose text the answer quotes, when the question did not name it ("Shenyang HR Service Standards:")
    searched_as: str = ""  # the self-contained question a follow-up was searched as ("" when asked as typed)
    decline_reason: str = ""  # why a declined question was declined: "weak support" or "missing <detail>", e.g. "missing amount"
    timings: dict[str, float] = field(default_factory=dict, repr=False)
    # how the answer was made: "extractive", "generated" (a model's sentences that passed the verifier),
    # "extractive-fallback" (a model was asked but its answer was not used) or "declined" (no model is asked)
    mode: str = "extractive"
    notice: str = ""  # one line for the user about the mode, in the question's language (e.g. sentences removed)
    generation: dict[str, Any] | None = None  # assistant.generation.GenerationReport.to_dict(), when a model was asked
    # a question with two asks: each part as it was searched and whether it was answered (assistant.multipart)
    parts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "answered": self.answered,
            "lead": self.lead,
            "preface": self.preface,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
            "latency_ms": round(self.latency_ms, 2),
            "support": round(self.support, 4),
            "decline_reason": self.decline_reason,
            "searched_as": self.searched_as,
            "mode": self.mode,
            "notice": self.notice,
            "generation": self.generation,
            "parts": self.parts,
        }


class QuestionError(ValueError):
    """A question that cannot be asked as given; the message is shown to the user as is."""
