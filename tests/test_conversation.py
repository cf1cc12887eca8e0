"""Follow-up questions (issue 16, item 1): ``Assistant.ask(..., history=...)`` over the real seed index.

The resolver is rule-based (``assistant.conversation``); these tests check what a user sees: that a follow-up is
answered about the conversation's topic and the newly named document, that the rewritten question is reported in
``searched_as``, and that a question which stands alone starts afresh.
"""

from __future__ import annotations

import pytest

from assistant.conversation import ConversationResolver, turns_of
from tests.test_llm_backends import llama_server, smollm2  # noqa: F401  (session fixtures: one model server)

BEIJING = "beijing-hr-action-plan-2023"
SHENYANG = "shenyang-hr-standards-2024"
GRADUATES = "What help can college graduates get in Beijing?"


@pytest.fixture(scope="module")
def resolver(assistant) -> ConversationResolver:
    return ConversationResolver(assistant.names, assistant.state.docs)


def test_a_place_follow_up_asks_the_same_question_about_the_new_place(assistant) -> None:
    alone = assistant.ask("and what about Shenyang?")
    follow = assistant.ask("and what about Shenyang?", history=[GRADUATES])
    assert alone.searched_as == ""
    assert follow.searched_as == "What help can college graduates get in Shenyang?"
    assert follow.answered and follow.citations[0].doc_id == SHENYANG
    assert follow.question == "and what about Shenyang?"  # the question as typed stays the question
    assert follow.to_dict()["searched_as"] == follow.searched_as


def test_chinese_follow_up_swaps_the_place_named_by_an_alias(resolver) -> None:
    result = resolver.resolve("那沈阳呢？", ["北京对高校毕业生有什么帮助？"])
    assert result.rewritten and result.searched_as == "沈阳对高校毕业生有什么帮助？"
    assert result.doc_ids == (SHENYANG,)


def test_a_bare_clause_number_refers_to_the_document_under_discussion(assistant) -> None:
    answer = assistant.ask("and clause 7?", history=["What does clause (XIV) of the Beijing plan say?"])
    assert answer.searched_as.startswith("Clause 7 of ")
    assert answer.answered and answer.citations[0].clause_id == f"{BEIJING}#III.VII"


def test_chinese_clause_follow_up_names_the_document(resolver) -> None:
    result = resolver.resolve("第二条呢？", ["What does clause (XIV) of the Beijing plan say?"])
    assert result.rewritten and result.doc_ids == (BEIJING,)
    assert "第二条" in result.searched_as and resolver.names.mentioned(result.searched_as) == [BEIJING]


@pytest.mark.parametrize("follow_up", ["how much is it?", "does that apply to us?", "What about the fines?"])
def test_pointing_and_elliptical_questions_carry_the_previous_topic(resolver, follow_up: str) -> None:
    earlier = "Which HR firms can get subsidies for free job introduction?"
    result = resolver.resolve(follow_up, [earlier])
    assert result.rewritten, result.reason
    assert earlier in result.searched_as and follow_up.rstrip("?").lower() in result.searched_as.lower()


def test_the_topic_carries_through_three_turns(resolver) -> None:
    result = resolver.resolve("how much is it?", [GRADUATES, "and in Shenyang?"])
    assert result.searched_as == "How much is it? (What help can college graduates get in Shenyang?)"
    assert result.doc_ids == (SHENYANG,)


@pytest.mark.parametrize("question", ["What is the minimum wage in Shanghai?", "Who is Wen Wu?",
                                      "Are there rules that protect job seekers from scams?",
                                      "What does clause (XIV) of the Beijing plan say?"])
def test_a_self_contained_question_starts_fresh(assistant, question: str) -> None:
    with_history = assistant.ask(question, history=[GRADUATES, "and in Shenyang?"])
    alone = assistant.ask(question)
    assert with_history.searched_as == ""
    with_history.latency_ms = alone.latency_ms = 0.0
    with_history.timings = alone.timings = {}
    assert with_history.to_dict() == alone.to_dict()


def test_history_accepts_chat_turns_with_what_was_searched_and_cited(resolver) -> None:
    turns = turns_of([{"question": "and in Shenyang?", "searched_as": "What help can graduates get in Shenyang?",
                       "citations": [{"doc_id": SHENYANG}]}, "", 42, None])
    assert len(turns) == 1 and turns[0].doc_ids == (SHENYANG,)
    result = resolver.resolve("does that apply to us?", turns)
    assert result.searched_as == "Does that apply to us? (What help can graduates get in Shenyang?)"


def test_history_is_checked_like_a_question(assistant) -> None:
    from assistant.types import QuestionError

    with pytest.raises(QuestionError, match="history must be a list"):
        assistant.ask("and in Shenyang?", history="What help can college graduates get in Beijing?")
    huge = "graduates " * 1000  # longer than any question may be: ignored, not searched
    answer = assistant.ask("and what about Shenyang?", history=[GRADUATES, huge])
    assert answer.searched_as == "What help can college graduates get in Shenyang?"
    many = ["Who is Wen Wu?"] * 50 + [GRADUATES]
    assert assistant.ask("and what about Shenyang?", history=many).searched_as == answer.searched_as


def test_a_configured_model_that_fails_leaves_the_rule_rewrite(assistant) -> None:
    from tests.helpers import free_port

    dead = assistant.with_settings(llm="openai", llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="none",
                                   llm_timeout_s=2.0, llm_retries=0)
    answer = dead.ask("and what about Shenyang?", history=[GRADUATES])
    assert answer.searched_as == "What help can college graduates get in Shenyang?"  # the rules' rewrite


class _Scripted:
    """A backend that replies with a fixed text, to check which model rewrites are accepted."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream(self, messages):
        yield self.reply


@pytest.mark.parametrize("reply, used", [
    ("What support can college graduates get in Shenyang?", True),
    ("Rewritten question: “What support can college graduates get in Shenyang?”", True),
    ("What support can college graduates get?", False),  # dropped the place asked about
    ("沈阳对高校毕业生有什么帮助？", False),  # another language
    ("", False),
])
def test_only_a_model_rewrite_that_keeps_the_names_and_words_is_used(resolver, reply: str, used: bool) -> None:
    from assistant.model_rewrite import model_rewrite

    rule = resolver.resolve("and what about Shenyang?", [GRADUATES]).searched_as
    got = model_rewrite(lambda: _Scripted(reply), "and what about Shenyang?", [GRADUATES], rule, resolver.names,
                        resolver.own_words("and what about Shenyang?"))
    assert got == ("What support can college graduates get in Shenyang?" if used else rule)


@pytest.mark.slow
def test_a_real_small_model_rewrites_or_the_rules_do(seed_settings, llama_server) -> None:
    """SmolLM2 through the llama.cpp server: whatever it writes, what is searched keeps the conversation's topic and
    the new place, and the answer is about that place."""
    from assistant import Assistant

    with_model = Assistant.open(settings=seed_settings.replace(llm="openai", llm_url=llama_server,
                                                               llm_model="smollm2", llm_timeout_s=60.0, llm_retries=1))
    answer = with_model.ask("and what about Shenyang?", history=[GRADUATES])
    assert "Shenyang" in answer.searched_as and not any("\u4e00" <= ch <= "\u9fff" for ch in answer.searched_as)
    assert with_model.names.mentioned(answer.searched_as) == [SHENYANG]
    assert answer.citations and answer.citations[0].doc_id == SHENYANG
