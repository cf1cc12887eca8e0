"""The evaluation scorer on hand-made answers, and the llama-index baseline end to end on a few questions."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from evals.scorer import aggregate, label_shows, load_gold, norm, percentile, score_item, summarize

from tests.conftest import EXAMPLES, missing_shared  # noqa: E402

GOLD = {
    "id": "t-01", "persona": "agency_staff", "question": "Which other regions should Beijing's HR institutions help?",
    "source": "003_530a0ab8a52cd05e.txt",
    "evidence": ["supporting the development of the HR market in the western and northeastern regions of China"],
    "must_mention": [["western"], ["northeastern", "north-eastern"]], "clause_label": "V",
    "category": "fact", "answerable": True, "lang": "en",
}
UNANSWERABLE = {
    "id": "t-02", "persona": "job_seeker", "question": "What are the opening hours of the Beijing talent market?",
    "source": None, "evidence": [], "must_mention": [], "clause_label": None,
    "category": "unanswerable", "answerable": False, "lang": "en",
}
CLAUSE_TEXT = ("(V) Support regional HR markets. The Action Plan seeks to promote the involvement of HR service "
               "institutions in “supporting the development of the HR market in the western and\nnortheastern "
               "regions of China”, and in building cooperation platforms.")
OTHER_TEXT = "(XXVIII) Enhance publicity and guidance. The Action Plan aims to provide support for media publicity."


def citation(n: int, label: str, text: str) -> dict:
    return {"n": n, "clause_id": f"doc#{n}", "label": label, "doc_id": "doc", "doc_title": "Doc", "quote": text,
            "text": text, "page": None, "source": "", "issuer": "", "date": "", "doc_type": "", "jurisdiction": "",
            "score": 0.9}


def answer(text: str, answered: bool, *citations: dict) -> dict:
    return {"question": "q", "answer": text, "answered": answered, "citations": list(citations), "related": [],
            "latency_ms": 12.0, "support": 0.8}


CORRECT = answer("The plan supports the HR market in the Western and north-eastern regions. [1]", True,
                 citation(1, "Beijing plan, Part III, Clause (V): Support regional HR markets", CLAUSE_TEXT),
                 citation(2, "Beijing plan, Part VIII, Clause (XXVIII): Enhance publicity", OTHER_TEXT))


def test_norm_ignores_case_spaces_and_punctuation():
    assert norm("“Western  and\nNorth-eastern”!") == "westernandnortheastern"


def test_correct_answer_passes():
    row = score_item(CORRECT, GOLD)
    assert row["passed"] is True
    assert (row["hit"], row["hit1"], row["hit5"], row["rr"]) == (True, True, True, 1.0)
    assert row["facts"] is True and row["label"] is True
    assert row["precision"] == pytest.approx(0.5)  # one of the two citations holds the evidence
    assert row["latency_ms"] == 12.0


def test_wrong_citation_fails_hit():
    wrong = answer(CORRECT["answer"], True, citation(1, "Beijing plan, Part VIII, Clause (V): x", OTHER_TEXT))
    row = score_item(wrong, GOLD)
    assert row["hit"] is False and row["hit1"] is False and row["rr"] == 0.0
    assert row["label"] is False  # the label counts only on a citation that holds the evidence
    assert row["passed"] is False


def test_evidence_in_second_citation_is_a_hit_but_not_top1():
    swapped = copy.deepcopy(CORRECT)
    swapped["citations"].reverse()
    row = score_item(swapped, GOLD)
    assert row["hit"] and row["hit5"] and not row["hit1"]
    assert row["rr"] == pytest.approx(0.5)
    assert row["passed"] is True


def test_missing_fact_fails():
    partial = copy.deepcopy(CORRECT)
    partial["answer"] = "The plan supports the HR market in the western regions. [1]"
    row = score_item(partial, GOLD)
    assert row["facts"] is False and row["missing_facts"] == [["northeastern", "north-eastern"]]
    assert row["hit"] is True and row["passed"] is False


def test_label_v_does_not_match_vii():
    assert label_shows("Part III, Clause (V): Support regional HR markets", "V")
    assert label_shows("Beijing plan, Part V, Clause (XVII)", "V")
    assert not label_shows("Part III, Clause (VII): Contribute to public employment services", "V")
    assert not label_shows("Part III, Clause (XV): something", "V")
    assert not label_shows("Part III, Clause (IV): something", "V")
    assert not label_shows("Part III, Clause (III)", "I")
    assert label_shows("Beijing plan, Part I: General Guidelines", "I")
    vii = copy.deepcopy(CORRECT)
    vii["citations"][0]["label"] = "Beijing plan, Part III, Clause (VII): Support regional HR markets"
    row = score_item(vii, GOLD)
    assert row["hit"] is True and row["facts"] is True
    assert row["label"] is False and row["passed"] is False


def test_declining_an_unanswerable_question_passes_and_answering_it_fails():
    declined = answer("The indexed policy documents do not answer this question.", False)
    declined["related"] = [citation(1, "Beijing plan, Clause (VIII)", OTHER_TEXT)]
    assert score_item(declined, UNANSWERABLE)["passed"] is True
    assert score_item(CORRECT, UNANSWERABLE)["passed"] is False


def test_declining_an_answerable_question_fails():
    declined = answer("The indexed policy documents do not answer this question.", False)
    row = score_item(declined, GOLD)
    assert row["answered"] is False and row["hit"] is False and row["passed"] is False
    assert row["precision"] is None  # no citations: not counted in citation precision


def test_aggregate_and_summary():
    rows = [score_item(CORRECT, GOLD, latency_ms=10.0),
            score_item(answer("no", False), GOLD, latency_ms=30.0),
            score_item(answer("no", False), UNANSWERABLE, latency_ms=20.0)]
    agg = aggregate(rows)
    assert agg["n"] == 3 and agg["n_answerable"] == 2 and agg["n_unanswerable"] == 1
    assert agg["hit_at_1"] == pytest.approx(0.5)
    assert agg["answered_rate"] == pytest.approx(0.5)
    assert agg["correct_decline_rate"] == pytest.approx(1.0)
    assert agg["pass_rate"] == pytest.approx(2 / 3)
    assert agg["citation_precision"] == pytest.approx(0.5)
    assert agg["latency_p50_ms"] == pytest.approx(20.0)
    assert summarize(rows)["by_category"]["unanswerable"]["pass_rate"] == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)


def test_load_gold_reads_examples_and_rejects_duplicates(tmp_path):
    if not EXAMPLES.is_file():
        pytest.skip(missing_shared(EXAMPLES))
    items = load_gold(EXAMPLES)
    assert len(items) >= 10 and all("evidence" in i for i in items)
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_text("\n".join([json.dumps(GOLD), json.dumps(GOLD)]) + "\n")
    with pytest.raises(ValueError, match="duplicate id"):
        load_gold(doubled)


@pytest.mark.slow
def test_llamaindex_baseline_answers_in_the_answer_shape(seed_settings, tmp_path_factory):
    from evals.systems import LlamaIndexDefaultSystem

    questions = [json.loads(line)["question"] for line in EXAMPLES.read_text().splitlines()[:3]] if EXAMPLES.is_file() \
        else ["Does the Beijing plan support employee sharing?", "Who is Wen Wu?", "What are the opening hours?"]
    # The node vectors are cached next to the seed index, so only the first run pays for embedding.
    system = LlamaIndexDefaultSystem(Path(seed_settings.corpus_dir), top_k=5,
                                     cache_dir=Path(seed_settings.index_dir).parent / "eval-cache")
    for question in questions:
        out = system.answer(question)
        assert set(out) >= {"question", "answer", "answered", "citations", "related", "latency_ms"}
        assert out["answered"] is True and out["answer"]
        assert 1 <= len(out["citations"]) <= 5
        assert out["answer"] == out["citations"][0]["text"]
        for n, c in enumerate(out["citations"], start=1):
            assert c["n"] == n and c["label"].endswith(".txt") and c["text"]
        json.dumps(out)  # serialisable like Answer.to_dict()
        row = score_item(out, {**GOLD, "question": question})
        assert row["answered"] is True
