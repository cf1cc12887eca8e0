"""The verifier of generated sentences, on hand-written sentences: what must be dropped and what must be kept.

The same checks run on real model output in tests/test_llm_backends.py; here each rule is pinned down alone,
in English and Chinese, so a change that loosens one fails here first.
"""

from __future__ import annotations

import pytest

from assistant.verification import (citations_of, proper_names, renumber, says_not_stated, split_sentences,
                                    strip_markers, verify)
from common.settings import Settings, SettingsError

CLAUSES = {
    1: "Article 5 — Beijing Action Plan\nHR service firms that provide free job introduction to key groups may "
       "receive a subsidy of CNY 2,000,000 within fifteen days, granted by the Beijing Municipal Human "
       "Resources Bureau. The rate is 80% of the cost, for 6 months.",
    2: "第十二条 — 办法\n对符合条件的机构给予二百万元补贴，自受理之日起十五日内办结，由北京市人力资源和社会保障局负责。"
       "依据《北京市人力资源服务业发展行动计划》执行，补贴比例为百分之八十。",
}


def _kept(sentence: str) -> bool:
    result = verify(sentence, CLAUSES)
    assert len(result.sentences) == 1, result.sentences
    return result.sentences[0].kept


@pytest.mark.parametrize("sentence", [
    "Firms that offer free job introduction may receive a subsidy of CNY 2,000,000 [1].",
    "The subsidy is 2 million yuan, paid within 15 days [1].",
    "It covers 80 percent of the cost for six months [1].",
    "The Beijing Municipal Human Resources Bureau grants it [1].",
    "Under Article 5, the subsidy is granted [1].",
    "补贴金额为200万元[2]。",
    "申请自受理之日起15日内办结【2】。",
    "由北京市人力资源和社会保障局负责[2]。",
    "依据《北京市人力资源服务业发展行动计划》执行[2]。",
    "补贴比例为80%[2]。",
    "The subsidy is CNY 2,000,000 [1][2].",
])
def test_supported_sentences_are_kept(sentence: str) -> None:
    assert _kept(sentence)


@pytest.mark.parametrize("sentence,reason", [
    ("Firms may receive a subsidy of CNY 3,000,000 [1].", "figure"),
    ("The subsidy is paid within 30 days [1].", "figure"),
    ("It covers 90% of the cost [1].", "figure"),
    ("The subsidy started in 2019 [1].", "figure"),
    ("The Shanghai Talent Office grants it [1].", "name"),
    ("Firms may receive a subsidy [7].", "not given"),
    ("Firms may receive a subsidy [1][9].", "not given"),
    ("Firms may receive a subsidy.", "no citation"),
    ("补贴金额为三百万元[2]。", "figure"),
    ("申请自受理之日起三十日内办结[2]。", "figure"),
    ("由上海市人力资源和社会保障局负责[2]。", "name"),
    ("依据《上海市人才引进办法》执行[2]。", "name"),
    ("补贴金额为二百万元[5]。", "not given"),
    ("The rate is 80% for 6 months [2].", "figure"),  # 6 months is in [1], not in the clause cited
])
def test_unsupported_sentences_are_dropped(sentence: str, reason: str) -> None:
    result = verify(sentence, CLAUSES)
    assert [s.kept for s in result.sentences] == [False]
    assert reason in result.sentences[0].reason


def test_a_figure_in_another_clause_does_not_support_the_cited_one() -> None:
    # 二百万元 is in [2] only; the English clause [1] writes 2,000,000 too, but "fifteen days" is a duration, and
    # "百分之八十" must be in what the sentence cites
    assert not _kept("补贴比例为百分之九十[2]。")
    assert _kept("The rate is 80% [2].")  # 百分之八十 = 80%


def test_sentence_splitting_keeps_markers_with_their_sentence() -> None:
    text = "The subsidy is CNY 2,000,000 [1]. It covers 2.5% more. [2]\n- Paid in 15 days [1]\n补贴二百万元[2]。十五日内办结【2】。"
    assert split_sentences(text) == ["The subsidy is CNY 2,000,000 [1].", "It covers 2.5% more. [2]",
                                     "Paid in 15 days [1]", "补贴二百万元[2]。", "十五日内办结【2】。"]
    assert citations_of("A [1, 3] and [2][1].") == [1, 3, 2]
    assert strip_markers("Paid in 15 days [1].") == "Paid in 15 days."


def test_the_model_saying_the_clauses_do_not_answer_is_recognised() -> None:
    for text in ("The clauses do not state the amount [1].", "The provided clauses do not mention a deadline.",
                 "条款未提及具体金额[1]。", "所给条款没有说明申请时间。"):
        assert says_not_stated(text), text
        assert verify(text, CLAUSES).says_not_stated
    for text in ("Firms that do not employ staff are excluded [1].", "补贴在十五日内发放[2]。"):
        assert not says_not_stated(text), text


def test_names_in_english_and_chinese() -> None:
    assert proper_names("According to the Ministry of Finance, Wen Wu will lead the Beijing Action Plan.") == [
        "Ministry of Finance", "Wen Wu", "Beijing Action Plan"]
    assert proper_names("The plan is clear. Under Article Five, firms qualify.") == []
    assert proper_names("依据《行动计划》，由国务院办公厅负责，有关部门配合，全部落实，加强内部管理。") == [
        "《行动计划》", "国务院办公厅"]


def test_renumbering_follows_the_order_of_first_citation() -> None:
    result = verify("A is paid in 15 days [2]. It is CNY 2,000,000 [1][2].", CLAUSES)
    texts, order = renumber(result.kept)
    assert order == [2, 1]
    assert texts == ["A is paid in 15 days [1].", "It is CNY 2,000,000 [2][1]."]


def test_api_keys_are_read_from_the_environment_only(tmp_path, monkeypatch) -> None:
    config = tmp_path / "policy-assistant.toml"
    config.write_text('llm = "openai"\nllm_api_key = "sk-in-a-file"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="POLICY_ASSISTANT_LLM_API_KEY"):
        Settings.load(config_file=config)
    monkeypatch.setenv("POLICY_ASSISTANT_LLM_API_KEY", "sk-secret-value")
    settings = Settings.load(llm="openai")
    assert settings.llm_api_key == "sk-secret-value"
    assert "sk-secret-value" not in repr(settings)
    with pytest.raises(SettingsError, match="llm must be one of"):
        Settings.load(llm="gpt")


def test_document_numbers_are_figures_not_citations() -> None:
    clause = {1: "This plan implements the ministry's notice Ren She Bu Fa [2022] No. 83."}
    kept = verify("It implements Ren She Bu Fa [2022] No. 83 [1].", clause)
    assert [s.kept for s in kept.sentences] == [True]
    wrong = verify("It implements Ren She Bu Fa [2021] No. 83 [1].", clause)
    assert [s.reason for s in wrong.sentences] == ["figure '2021' is not in [1]"]


def test_a_sentence_that_only_repeats_a_clause_heading_is_dropped() -> None:
    # real SmolLM2 output on a Chinese question: the prompt's headings echoed back, each "citing" its clause
    headings = {1: "Premier Li on HR services (2021 national conference), paragraph 1 — Premier calls for boosting "
                   "human resource services"}
    clauses = {1: headings[1] + "\nPremier Li Keqiang urged efforts to enhance human resource services."}
    echoed = verify("[1] Premier Li on HR services (2021 national conference), paragraph 1 — Premier calls for "
                    "boosting human resource services", clauses, headings)
    assert [s.reason for s in echoed.sentences] == ["only repeats the heading of [1]"]
    stated = verify("Premier Li urged efforts to enhance human resource services [1].", clauses, headings)
    assert [s.kept for s in stated.sentences] == [True]
