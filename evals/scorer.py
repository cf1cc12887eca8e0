"""Score answers against the gold set, exactly as /work/shared/evals/README.md describes.

An answer is the JSON of ``Answer.to_dict()`` (``answer``, ``answered``, ``citations`` with
``label`` and ``text``). A gold item is one line of ``evals/gold.jsonl``. Matching ignores
case, spaces and punctuation: both sides are reduced to lowercase letters and digits.

Per question:
- citation hit: some citation's ``text`` contains an evidence snippet; top-1: the first one does;
  hit@5: one of the first five does; reciprocal rank: 1 / rank of the first that does.
- precision: share of the citations whose text contains evidence.
- facts: every ``must_mention`` group has an alternative in the ``answer`` text.
- label: a matching citation's ``label`` shows ``clause_label`` (when the gold item names one).
- pass: answered, hit, facts and label for answerable questions; ``answered is False`` otherwise.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

GOLD_FIELDS = ("id", "question", "evidence", "must_mention", "clause_label", "category", "answerable")
CATEGORY_ORDER = ("fact", "multi", "crosslingual", "unanswerable")


def norm(s: str) -> str:
    """Lowercase and keep only letters and digits (so quotes, line breaks and spacing never matter)."""
    return "".join(ch for ch in str(s).lower() if ch.isalnum())


class GoldError(ValueError):
    """A gold file that cannot be read or has an item without a required field."""


def load_gold(*paths: str | Path) -> list[dict[str, Any]]:
    """The gold items of one or more JSONL files, in order; ids must be unique across the files."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in paths:
        path = Path(path)
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
            missing = [f for f in GOLD_FIELDS if f not in item]
            if missing:
                raise GoldError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
            if item["id"] in seen:
                raise GoldError(f"{path}:{lineno}: duplicate id {item['id']!r}")
            seen.add(item["id"])
            items.append(item)
    return items


# -- one answer -------------------------------------------------------------------
def contains_evidence(text: str, evidence: Sequence[str]) -> bool:
    """True when ``text`` contains one of the evidence snippets (normalised)."""
    body = norm(text)
    return any(norm(e) and norm(e) in body for e in evidence)


def label_shows(label: str, clause_label: str) -> bool:
    """Does a citation label show the clause number?

    Choice: a whole-token match, case-sensitive on the upper-cased gold number. Clause numbers
    are Roman numerals, which are substrings of one another, so a plain substring test would let
    "V" match inside "VII" or "XV", and "I" inside "III". The number must therefore stand alone,
    i.e. not be preceded or followed by a letter or digit: "V" matches "Clause (V):" and "Part V,"
    but not "Clause (VII)". Upper case keeps a lowercase word such as "i.e." or "v" in a title
    from counting as a numeral.
    """
    number = str(clause_label).strip().upper()
    if not number:
        return True
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(number)}(?![A-Za-z0-9])", str(label)) is not None


def facts_found(answer_text: str, must_mention: Sequence[Sequence[str]]) -> tuple[bool, list[list[str]]]:
    """(every group matched, the groups that did not match)."""
    body = norm(answer_text)
    missing = [list(group) for group in must_mention if not any(norm(alt) and norm(alt) in body for alt in group)]
    return not missing, missing


def score_item(answer: dict[str, Any], gold: dict[str, Any], latency_ms: float | None = None) -> dict[str, Any]:
    """The per-question result row: what matched, what did not, and whether it passes."""
    answered = answer.get("answered") is True
    citations = list(answer.get("citations") or [])
    row: dict[str, Any] = {
        "id": gold["id"], "question": gold["question"], "category": gold.get("category", ""),
        "persona": gold.get("persona", ""), "lang": gold.get("lang", ""), "source": gold.get("source"),
        "answerable": bool(gold["answerable"]), "answered": answered,
        "n_citations": len(citations), "answer_chars": len(str(answer.get("answer") or "")),
        "latency_ms": float(latency_ms if latency_ms is not None else answer.get("latency_ms") or 0.0),
        "answer": str(answer.get("answer") or ""),
        "cited": [{"label": str(c.get("label", "")), "clause_id": str(c.get("clause_id", ""))} for c in citations],
        "error": answer.get("error"),
    }
    if not gold["answerable"]:
        row.update(hit=None, hit1=None, hit5=None, rr=None, precision=None, facts=None, missing_facts=[],
                   label=None, first_match=None, passed=not answered)
        return row

    evidence = list(gold.get("evidence") or [])
    matches = [contains_evidence(str(c.get("text", "")), evidence) for c in citations]
    first = next((i for i, m in enumerate(matches) if m), None)
    facts, missing = facts_found(str(answer.get("answer") or ""), gold.get("must_mention") or [])
    clause_label = gold.get("clause_label")
    if clause_label:
        # The label must be right on a citation that holds the evidence ("the matching citation").
        label: bool | None = any(m and label_shows(str(c.get("label", "")), clause_label)
                                 for c, m in zip(citations, matches))
    else:
        label = None
    hit = first is not None
    row.update(
        hit=hit, hit1=bool(matches and matches[0]), hit5=any(matches[:5]),
        rr=0.0 if first is None else 1.0 / (first + 1),
        precision=(sum(matches) / len(matches)) if matches else None,
        facts=facts, missing_facts=missing, label=label, first_match=None if first is None else first + 1,
        passed=answered and hit and facts and label is not False,
    )
    return row


# -- many answers -------------------------------------------------------------------
def _mean(values: Iterable[float | bool | None]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The quality numbers of a set of scored rows. Rates are in 0..1; None when nothing to measure.

    hit@1, hit@5, MRR, fact coverage and answered rate are over answerable questions (a declined
    answerable question counts as a miss); clause-label accuracy over answerable questions whose gold
    names a clause; citation precision over answerable questions that got at least one citation;
    correct-decline rate over unanswerable ones; pass rate and latency over all.
    """
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    latencies = [r["latency_ms"] for r in rows]
    return {
        "n": len(rows),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "hit_at_1": _mean(r["hit1"] for r in answerable),
        "hit_at_5": _mean(r["hit5"] for r in answerable),
        "mrr": _mean(r["rr"] for r in answerable),
        "citation_precision": _mean(r["precision"] for r in answerable),
        "fact_coverage": _mean(r["facts"] for r in answerable),
        "label_accuracy": _mean(r["label"] for r in answerable),
        "answered_rate": _mean(r["answered"] for r in answerable),
        "correct_decline_rate": _mean(not r["answered"] for r in unanswerable),
        "pass_rate": _mean(r["passed"] for r in rows),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "answer_chars_median": percentile([r["answer_chars"] for r in rows if r["answered"]], 50),
    }


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``{"all": aggregate, "by_category": {category: aggregate}}``, categories in a fixed order."""
    categories = sorted({r["category"] for r in rows},
                        key=lambda c: (CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else len(CATEGORY_ORDER), c))
    return {"all": aggregate(rows),
            "by_category": {c: aggregate([r for r in rows if r["category"] == c]) for c in categories}}
