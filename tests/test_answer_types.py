"""The requested-detail table: a question asking for an amount, date, contact, number or names needs one in the evidence."""

from __future__ import annotations

import pytest

from assistant.answer_types import answers_type, missing_detail, requested_details, stated_quantity

EVIDENCE_WITHOUT = "Institutions may also be eligible for relevant subsidies under the corresponding policies."


@pytest.mark.parametrize("question, evidence_with", [
    ("How much is the direct subsidy for overseas investment?", "The subsidy is CNY 500,000 per project."),
    ("What is the maximum fixed-asset investment subsidy?", "Projects receive up to 30% of the investment."),
    ("What is the minimum monthly wage in Shenyang?", "The minimum wage is 2,100 yuan a month."),
    ("补贴的具体金额是多少？", "补贴金额为每人5000元。"),
    ("When does the special campaign end?", "The campaign runs until December 2025."),
    ("What are the dates of the next service week?", "The week runs from 3 to 9 May 2025."),
    ("What number do I call to report a scam?", "Call the hotline 12333-0000 to report it."),
    ("Where can I download the standards?", "They are published on www.example.gov.cn."),
    ("What is the document number of the regulation?", "It was issued as Ren She Bu Fa [2022] No. 83."),
    ("What are the titles of the 11 documents?", "They include “Public Employment Service Specification” and others."),
    ("Which cities host the pilot projects?", "Pilot projects run in Wuhan, Hefei and Chengdu."),
    ("Which banks take part in the pilot?", "The Bank of China offers the settlement service."),
    ("At what age can I draw a pension?", "Men may draw it at the age of 60."),
    ("What are the opening hours of the talent market?", "It is open from 9:00 to 17:00 on weekdays."),
    ("How much is the housing allowance?", "The housing allowance is 1,500 yuan a month."),
])
def test_detail_is_required_and_recognised(question, evidence_with):
    assert requested_details(question), question
    assert missing_detail(question, EVIDENCE_WITHOUT) is not None
    assert missing_detail(question, evidence_with) is None


@pytest.mark.parametrize("question, evidence", [
    ("Which cities were picked for the pilots?", "The Ministry of Human Resources and Social Security picked pilots."),
    ("Which cities were picked in Beijing and Tianjin?", "Pilots in Beijing and Tianjin will start in spring."),
    ("How much is the housing allowance for graduates?", "With 1,300 enterprises and a value of 27 billion yuan, "
                                                         "the sector offers graduates a housing service."),
    ("How many staff work in the department?", "The department, founded in 2019, supervises 1,300 firms."),
    ("What are the four measures of Beijing's 6+4 supervision system called?",
     'It sets up the "6+4" supervision system of six regulations and four scenario-oriented measures.'),
])
def test_evidence_without_the_asked_detail_about_the_asked_thing_does_not_answer(question, evidence):
    assert not answers_type(question, evidence)


@pytest.mark.parametrize("question", [
    "Which HR firms can get subsidies for free job introduction?",
    "How will MHRSS share information with other departments when supervising the HR market?",
    "What does the Beijing plan say about employee sharing?",
])
def test_ordinary_questions_ask_for_no_particular_detail(question):
    assert requested_details(question) == []
    assert missing_detail(question, EVIDENCE_WITHOUT) is None


@pytest.mark.parametrize("question, evidence, lead", [
    ("How many HR service agencies were there at the end of 2023?",
     "By the end of 2023, there were 69,900 various human resource service agencies across the country.", "69,900"),
    ("How much revenue should the leading enterprises reach?",
     "It aims at two enterprises with an annual operating revenue of CNY 100 billion each.", "CNY 100 billion"),
    ("How many staff work in the department?", "The department was founded in 2019 to supervise the market.", None),
    ("What does the plan say about employee sharing?", "It supports 20 platforms for employee sharing.", None),
])
def test_stated_quantity_is_the_verbatim_number_next_to_the_asked_thing(question, evidence, lead):
    assert stated_quantity(question, evidence) == lead
    assert lead is None or lead in evidence
