"""Two asks in one question: each is searched on its own and the answer cites both."""

from __future__ import annotations

import numpy as np

from assistant.answering import ExtractiveAnswerer, ScoredSentence
from assistant.multipart import answer_in_parts, split_parts
from assistant.retrieval import Hit, SentenceRow
from assistant.types import Answer, Citation
from common.settings import Settings


def test_split_parts() -> None:
    assert split_parts("What support do HR firms get?") == ("", [])
    context, parts = split_parts("We run an agency in Beijing. Can we get help with free job introduction? "
                                 "And what does the plan say about employee sharing?")
    assert context == "We run an agency in Beijing." and len(parts) == 2
    assert split_parts("What does the ministry do about scams, and does Beijing's plan say anything about it?")[1] == [
        "What does the ministry do about scams", "does Beijing's plan say anything about it?"]
    assert split_parts("试用期最长多久？试用期工资最低多少？")[1] == ["试用期最长多久？", "试用期工资最低多少？"]
    assert split_parts("劳务派遣单位注册资本要多少，还有需要什么经营场所？")[1] == ["劳务派遣单位注册资本要多少", "还有需要什么经营场所？"]


def test_a_two_part_question_cites_a_clause_for_each_part(assistant) -> None:
    question = ("Does the Beijing plan back employee sharing among companies? "
                "And how does Beijing plan to monitor supply and demand in the HR market?")
    answer = assistant.ask(question)
    assert answer.answered and len(answer.parts) == 2
    labels = " ".join(c.label for c in answer.citations)
    assert "(XVI)" in labels and "(V)" in labels, labels
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer


def _answer(clause_ids: list[str], sentences: list[str], answered: bool = True) -> Answer:
    citations = [Citation(n, cid, cid, "doc", "Doc", s, s) for n, (cid, s) in enumerate(zip(clause_ids, sentences), 1)]
    text = " ".join(f"{s} [{n}]" for n, s in enumerate(sentences, 1))
    return Answer("q", text if answered else "not answered", answered, citations if answered else [])


def test_the_whole_questions_answer_leads_and_a_sentence_is_quoted_once() -> None:
    question = "What does the plan say about parks? And who checks them?"
    by_part = {"What does the plan say about parks?": _answer(["A#2"], ["Parks grow."]),
               "And who checks them?": _answer(["A#1", "A#3"], ["Parks are assessed.", "The bureau checks."])}
    whole = _answer(["A#1"], ["Parks are assessed."])
    answer = answer_in_parts(question, by_part.__getitem__, whole)
    assert [c.clause_id for c in answer.citations] == ["A#1", "A#2", "A#3"]
    assert answer.answer == "Parks are assessed. [1] Parks grow. [2] The bureau checks. [3]"
    assert [p["question"] for p in answer.parts] == list(by_part)  # the parts, not the whole question
    # declined as a whole, the question is not answered by its parts
    assert answer_in_parts(question, by_part.__getitem__, _answer([], [], answered=False)) is None


def test_a_part_pulled_to_the_whole_answers_clause_by_the_scene_is_searched_on_its_own() -> None:
    scene = "We run a headhunting firm in Chaoyang."
    question = f"{scene} Which policy does the plan adopt? And which platform should firms join?"
    asked: list[str] = []

    def ask(text: str) -> Answer:
        asked.append(text)
        if text == "And which platform should firms join?":  # alone, the part finds its own clause
            return _answer(["A#9"], ["Firms join the platform."])
        return _answer(["A#1"], ["The plan adopts the measures."])  # with the scene, every part lands on A#1

    whole = _answer(["A#1"], ["The plan adopts the measures."])
    answer = answer_in_parts(question, ask, whole)
    assert [c.clause_id for c in answer.citations] == ["A#1", "A#9"]
    assert f"{scene} And which platform should firms join?" in asked
    # a part that with the scene finds a clause the whole answer does not cite keeps it: no second search
    asked.clear()
    answer_in_parts(question, lambda text: (asked.append(text), _answer(["B#2"], ["Other."]))[1], whole)
    assert all(text.startswith(scene) for text in asked)


def test_a_part_the_documents_do_not_answer_is_named_and_the_others_still_add_their_clauses() -> None:
    question = "What does the plan say about parks? And is there a CNY 500,000 park deposit?"
    by_part = {"What does the plan say about parks?": _answer(["A#2"], ["Parks grow."]),
               "And is there a CNY 500,000 park deposit?": _answer([], [], answered=False)}
    whole = _answer(["A#1"], ["Parks are assessed."])
    answer = answer_in_parts(question, by_part.__getitem__, whole)
    assert answer.answered and [c.clause_id for c in answer.citations] == ["A#1", "A#2"]
    assert answer.answer == "Parks are assessed. [1] Parks grow. [2]"
    assert "do not answer" in answer.notice and "500,000 park deposit" in answer.notice
    assert [p["answered"] for p in answer.parts] == [True, False]
    # no part answered: the whole question's answer stands alone
    assert answer_in_parts(question, {**by_part, "What does the plan say about parks?": _answer(
        [], [], answered=False)}.__getitem__, whole) is None
    # without a whole answer to lead, an unanswered part still makes the question one ask
    assert answer_in_parts(question, by_part.__getitem__, None) is None


def _scored(scores: list[float]) -> list[ScoredSentence]:
    """One sentence per clause, in the given order and with the given scores (no continuation, anaphor or list)."""
    out = []
    for n, score in enumerate(scores):
        hit = Hit(f"D#{n}", f"Clause {n} text.", {"clause_id": f"D#{n}", "doc_id": "D"})
        out.append(ScoredSentence(hit, SentenceRow(hit.chunk_id, 0, f"Clause {n} says thing {n}.", np.zeros(3)),
                                  score, 0.0, score))
    return out


def test_one_ask_of_a_two_ask_question_quotes_runners_up_a_single_question_leaves_out() -> None:
    answerer = ExtractiveAnswerer(Settings(), {}, 1)
    scored = _scored([0.90, 0.86, 0.80, 0.75, 0.72, 0.60])
    # a question on its own: runners-up within SECOND_SENTENCE_MARGIN only
    assert [s.hit.clause_id for s in answerer._choose(scored)] == ["D#0", "D#1"]
    # one ask of two: runners-up further down, up to part_answer_sentences
    assert [s.hit.clause_id for s in answerer._choose(scored, part=True)] == ["D#0", "D#1", "D#2", "D#3"]
    assert len(answerer._choose(_scored([0.9] * 8), part=True)) == Settings().part_answer_sentences
    assert len(answerer._choose(_scored([0.9] * 8))) == Settings().answer_sentences
