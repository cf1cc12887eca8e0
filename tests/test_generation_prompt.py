"""The prompt given to a model and the eval's summary of generated answers: pure logic, no model."""

from __future__ import annotations

from assistant.generation import build_messages, prompt_clauses
from assistant.retrieval import Hit
from evals.harness import generation_summary, render_generation


def _hit(chunk_id: str, label: str, text: str) -> Hit:
    clause_id = chunk_id.split("/", 1)[0]
    return Hit(chunk_id, text, {"clause_id": clause_id, "label": label, "doc_title": "Beijing plan",
                                "clause_text": text})


def test_the_prompt_numbers_distinct_clauses_with_their_labels() -> None:
    hits = [_hit("b#XIV/1", "(XIV) Parks", "Parks get CNY 5 million."), _hit("b#XIV/2", "(XIV) Parks", "window"),
            _hit("b#VII", "(VII) Fees", "Fees are waived for " + "job seekers " * 200), _hit("b#I", "(I) Aims", "x")]
    clauses = prompt_clauses(hits, 2, 300)
    assert [(c.n, c.hit.clause_id) for c in clauses] == [(1, "b#XIV"), (2, "b#VII")]  # windows of one clause: one
    assert clauses[0].heading == "(XIV) Parks — Beijing plan" and clauses[0].text.endswith("CNY 5 million.")
    assert len(clauses[1].text) < 360 and clauses[1].text.endswith("…")
    system, user = build_messages("How much do parks get?", clauses)
    assert system["role"] == "system" and "answer in English" in system["content"]
    assert "[1] (XIV) Parks — Beijing plan\nParks get CNY 5 million." in user["content"]
    assert "[2] (VII) Fees" in user["content"] and "[3]" not in user["content"]
    assert user["content"].index("Question: How much do parks get?") > user["content"].index("[2]")


def test_a_chinese_question_gets_chinese_instructions() -> None:
    system, user = build_messages("产业园能得到多少补贴？", prompt_clauses([_hit("b#XIV", "（十四）", "补贴五百万元。")], 5, 300))
    assert "用中文回答" in system["content"] and "问题：产业园能得到多少补贴？" in user["content"]


def test_the_eval_reports_the_share_of_generated_sentences_kept() -> None:
    rows = [
        {"mode": "generated", "generation": {"generated": 3, "kept": 2, "dropped": 1, "generation_ms": 900.0,
                                             "drop_reasons": ["figure '3,000 yuan' is not in [1]"], "fallback_reason": ""}},
        {"mode": "extractive-fallback", "generation": {"generated": 2, "kept": 0, "dropped": 2, "generation_ms": 1500.0,
                                                       "drop_reasons": ["no citation", "cites [7], which was not given"],
                                                       "fallback_reason": "no sentence verified"}},
        {"mode": "declined"},
    ]
    g = generation_summary(rows)
    assert (g["sentences_generated"], g["sentences_kept"], g["kept_share"]) == (5, 2, 0.4)
    assert g["drop_reasons"] == {"figure": 1, "no citation": 1, "cites": 1}
    assert g["modes"] == {"generated": 1, "extractive-fallback": 1, "declined": 1}
    assert g["fallback_reasons"] == {"no sentence verified": 1} and g["answers_asked_of_model"] == 2
    text = "\n".join(render_generation({"systems": {"product-llm": {"generation": g}, "product": {}}}))
    assert "kept 2 of 5 generated sentences (share 0.40)" in text and "product-llm" in text
