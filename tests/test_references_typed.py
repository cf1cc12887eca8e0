"""References as people type them (issue 16 item 8) and answers that read as answers (item 6)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("reference, clause_id", [
    ("Beijing plan clause 14", "beijing-hr-action-plan-2023#IV.XIV"),  # Arabic for Roman
    ("clause 14", "beijing-hr-action-plan-2023#IV.XIV"),
    ("the 7th clause of part III", "beijing-hr-action-plan-2023#III.VII"),
    ("Shenyang paragraph 3", "shenyang-hr-standards-2024#p3"),  # exactly the label the UI shows
    ("北京行动计划第14条", "beijing-hr-action-plan-2023#IV.XIV"),
])
def test_typed_references_resolve_in_lookup_and_ask(assistant, reference: str, clause_id: str) -> None:
    assert [c.clause_id for c in assistant.lookup(reference)][:1] == [clause_id]
    answer = assistant.ask(reference)
    assert answer.answered and answer.citations[0].clause_id == clause_id


def test_a_clause_lookup_does_not_repeat_its_title(assistant) -> None:
    answer = assistant.ask("Beijing plan clause 14")
    title = "Utilize and optimize land resources with efficiency"
    assert answer.answer.count(title) == 1, answer.answer


def test_an_answer_opening_with_a_pronoun_starts_where_its_subject_is_named(assistant) -> None:
    answer = assistant.ask("What help can college graduates get in Beijing?")
    assert answer.answered
    body = answer.answer.removeprefix(f"{answer.preface} " if answer.preface else "")
    assert not body.startswith(("It ", "They ", "These ", "Additionally")), body[:80]
