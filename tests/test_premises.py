"""The premise check: what a question states as given must be in the documents the answer would cite.

Questions that must trigger it (a year, an amount, a place no document mentions) and questions that must not
(a true premise, the asker's own situation, a name the documents do use).
"""

from __future__ import annotations

import pytest

from assistant.premises import PremiseCheck, stated_premises


def test_premises_are_the_stated_quantities_and_names_outside_the_askers_situation() -> None:
    assert [p.text for p in stated_premises("Since the plan was extended to 2027, what changes?")] == ["2027"]
    assert [p.text for p in stated_premises("Is the CNY 500,000 deposit refundable?")] == ["500,000"]
    assert [p.text for p in stated_premises("What is the minimum wage in Shanghai?")] == ["Shanghai"]
    assert stated_premises("We're a 30-person firm in Haidian with 2 million yuan revenue. Any support?") == []
    assert stated_premises("我们公司有30人，月薪5000元，能申请补贴吗？") == []
    assert [p.text for p in stated_premises("上海的最低工资是多少？")] == ["上海"]
    # the asker's situation is a clause, not always a whole sentence: the law's stated figure is still a premise
    assert [p.text for p in stated_premises("劳动合同法规定每月加班不超过36小时，我们厂加了50小时，能辞职吗？")] == ["36小时"]
    assert [p.text for p in stated_premises("Since the plan runs to 2027, what must we do?")] == ["2027"]
    assert stated_premises("我们厂上个月加了50小时，我能辞职吗？") == []
    # in English a clause has its own subject, and what the asker heard or read is the document's claim
    assert [p.text for p in stated_premises("My agency takes 8% of my pay, but the plan caps fees at 5%. Why?")] == ["5%"]
    assert [p.text for p in stated_premises("I read that the opinions give every worker a CNY 3,000 voucher.")] == [
        "3,000"]
    # names are still read by sentence: a sentence about the asker has colloquial words jieba takes for places
    assert stated_premises("我想不辞而别直接去新东家，条例允许吗？") == []
    # a Chinese place is a word jieba tags as one and the dictionary knows as a name: 东西 ("things") is no place
    assert [p.text for p in stated_premises("广东条例第二十六条，机构来备案但材料缺东西，几天内要说清？")] == ["广东"]
    assert stated_premises("What does Article 19 say on Monday?") == []  # structure and calendar words
    # a month is a date, in either language, and the same month in the other language states it
    assert [p.text for p in stated_premises("What did the December 11 release say?")] == ["December 11"]
    assert [p.text for p in stated_premises("人社部10月份的发布会说了什么？")] == ["10月"]
    assert stated_premises("沈阳的标准是哪一天发布的？") == [] or all(p.quantity is None for p in stated_premises(
        "沈阳的标准是哪一天发布的？"))  # 哪一天 asks for a day, it does not state one
    # a clause that asks for a quantity states none: its quantities are what it asks about
    assert stated_premises("小时工每天不超过几小时？一周累计上限又是多少？") == []
    assert [p.text for p in stated_premises("听说条例规定押金是500元，这钱什么时候退？")] == ["500元"]
    # a head-count or a multiple the document is said to state is a premise too; the asker's own head-count is not
    assert [p.text for p in stated_premises("劳动合同法规定职工超过一百人的企业必须设委员会，该由谁组成？")] == ["一百人"]
    assert [p.text for p in stated_premises("听说条例规定可以要三倍赔偿，这钱找谁要？")] == ["三倍"]
    assert stated_premises("我们公司刚扩到一百二十人，委员会该由哪些人组成？") == []


def test_a_quantity_is_claimed_when_its_clause_names_a_document() -> None:
    names_law = lambda clause: "劳动合同法" in clause or "Beijing plan" in clause  # noqa: E731
    premises = stated_premises("劳动合同法规定试用期不超过六个月，入职第一周组织了三天培训，这合法吗？", names_law)
    assert [(p.text, p.claimed) for p in premises] == [("六个月", True), ("三天", False)]
    assert [p.claimed for p in stated_premises("My agency takes 8%, but the Beijing plan caps fees at 5%.",
                                               names_law)] == [True]
    assert not any(p.claimed for p in stated_premises("劳动合同法规定试用期不超过六个月，对吗？"))  # no name check
    # a part cut from mid-sentence starts in lower case; the sentence before it is still the asker's situation
    situation = stated_premises("He has worked there 12 years. what contract does the Labour Contract Law give him?",
                                lambda clause: "Labour Contract Law" in clause)
    assert [(p.text, p.claimed) for p in situation if p.quantity] == [("12 years", False)]


@pytest.mark.parametrize("question, absent", [
    ("Since the Beijing plan was extended to 2027, what new targets does it set?", "2027"),
    ("Is the CNY 500,000 deposit for HR agencies refundable?", "500,000"),
    ("What is the minimum wage in Shanghai?", "Shanghai"),
])
def test_a_false_premise_is_declined_saying_what_is_absent(assistant, question: str, absent: str) -> None:
    answer = assistant.ask(question)
    assert not answer.answered and answer.decline_reason == f"not mentioned {absent}"
    assert f"do not mention {absent}" in answer.answer and answer.related


@pytest.mark.parametrize("question", [
    "The Beijing plan runs until 2025. What does it say about HR service industrial parks?",
    "We're a 30-person HR firm in Haidian. Can we get subsidies for free job introduction services?",
])
def test_a_true_premise_or_the_askers_situation_is_not_declined(assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.answered, answer.answer


def test_evidence_from_another_document_does_not_answer_what_the_named_one_says(assistant) -> None:
    """Scope: the question names a document; when the evidence comes only from another one, it is not an answer,
    and the reader is told where it is, that clause first among the related ones."""
    from assistant.references import DocumentNames

    names = DocumentNames.of(assistant.state.docs)
    question = "Shenyang: what do the 2021 national conference remarks by Premier Li ask of HR services?"
    assert names.named(question) >= {"shenyang-hr-standards-2024", "premier-hr-services-conference-2021"}
    answered = assistant.ask("What does the Beijing plan say about HR service industrial parks?")
    assert answered.answered and answered.citations[0].doc_id == "beijing-hr-action-plan-2023"
    assert answered.preface == ""  # the question named the document: no need to say whose text it is
    # evidence about industrial parks (the Beijing plan's), judged for a question that names the Shenyang text
    retrieval = assistant.retriever.retrieve("HR service industrial parks", 4)
    hits = retrieval.hits
    assert all(h.meta["doc_id"] != "shenyang-hr-standards-2024" for h in hits[:4])
    outside = assistant.answerer.run("沈阳的文件对人力资源服务产业园怎么说？", retrieval.query_vector, hits,
                                     assistant.retriever.sentence_rows(hits[:4]), named={"shenyang-hr-standards-2024"})
    assert not outside.answered and outside.decline_reason.startswith("not in")
    assert "没有这方面的规定" in outside.answer and outside.related[0].doc_id == "beijing-hr-action-plan-2023"


def test_the_named_document_must_hold_the_best_evidence(assistant) -> None:
    """A weaker sentence of the named document quoted beside another document's answer does not make that answer
    the named document's: the question is declined as out of scope, and the other document is shown first."""
    question = "What will HR service firms provide as part of rural revitalization?"
    retrieval = assistant.retriever.retrieve(question, 4)
    hits = retrieval.hits[:4]
    rows = assistant.retriever.sentence_rows(hits)
    unbounded = assistant.answerer.run(question, retrieval.query_vector, hits, rows)
    docs = [c.doc_id for c in unbounded.citations]
    assert unbounded.answered and len(set(docs)) > 1  # the best evidence in one document, more in another
    outside = assistant.answerer.run(question, retrieval.query_vector, hits, rows, named={docs[-1]})
    assert not outside.answered and outside.decline_reason.startswith("not in")
    assert outside.related[0].doc_id == docs[0]
    inside = assistant.answerer.run(question, retrieval.query_vector, hits, rows, named={docs[0]})
    assert inside.answered and inside.citations[0].doc_id == docs[0]


def test_an_answer_names_its_document_and_drops_an_opening_connective(assistant) -> None:
    answer = assistant.ask("What support can HR firms get for free job introduction?")
    assert answer.answered and answer.preface == f"{answer.citations[0].doc_title and answer.preface}"
    assert answer.answer.startswith(answer.preface) and answer.preface.endswith(":")
    body = answer.answer.removeprefix(answer.preface).strip()
    assert not body.lower().startswith(("notably", "additionally", "moreover", "furthermore", "in addition"))


def test_a_bare_number_does_not_state_a_duration_or_an_amount() -> None:
    """"six fundamental regulations" is not "every six months"; "within six months" is."""
    question = "The plan makes agencies renew their records every six months. Where do they file?"
    check = PremiseCheck({"plan": "It sets out six fundamental regulations."}, set())
    found = check.unsupported(question, ["plan"])
    assert found is not None and found[0].text == "six months" and found[1] is False
    assert PremiseCheck({"plan": "Records are renewed within six months."}, set()).unsupported(question, ["plan"]) is None
