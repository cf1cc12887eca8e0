"""The requested-detail table: a question asking for an amount, date, contact, number or names needs one in the evidence."""

from __future__ import annotations

import pytest

from assistant.answer_types import (answers_type, missing_detail, missing_money_item, requested_details,
                                    stated_quantity, unanswered_detail)

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
    ("What revenue target did the ministry set for the industry?", "Revenue should reach CNY 2 trillion by 2025."),
    ("Who is the contact person for the pilot?", "Questions go to Ms Wang on 010-12345678."),
    ("What is the street address of the service base?", "The base is at 18 Lize Road, Fengtai District."),
    ("Where can we check whether an agency is licensed?", "Licences are listed on www.example.gov.cn."),
    ("评价结果在哪里公布？", "结果在www.example.gov.cn公布。"),
    ("投诉电话是多少？", "投诉电话：010-12345678。"),
    ("违反了罚多少？", "处一万元以上五万元以下的罚款。"),
    ("分支机构要向哪个部门报告？", "书面报告分支机构所在地人力资源社会保障行政部门。"),
    ("Which two companies are expected to pass CNY 100 billion?", "They are FESCO Group and CIIC Holdings."),
    ("Which HR firms have been named as demonstration agencies?", "The list includes Beijing Talent Group and others."),
    ("Which parks already have national status?", "National status went to the Zhongguancun Talent Park in 2022."),
    ("What paperwork do we need to submit with the application?", "Applicants submit a business licence and a form."),
    ("What's the most a search firm can get as a reward?", "The reward is up to CNY 200,000 per placement."),
    ("Can you list the agencies that offer free placement?", "They are the Haidian Talent Center and FESCO Group."),
    ("Which firms did the ministry name in its case studies?", "The cases involved Jiaxin Labour Company and others."),
    ("How many parks does Beijing have right now?", "Beijing has 12 HR service industrial parks."),
    ("How often does the contact mechanism meet?", "The mechanism meets twice a year."),
    ("多久开展一次评估？", "评估每年开展一次。"),
    ("What are the eligibility criteria for the park subsidy?", "Parks must have at least 20 resident firms."),
    ("申请试点需要满足什么条件？", "申请单位应当符合以下条件。"),
    ("What was the theme of the 2021 conference?", 'It was held under the theme "Gathering Talent for Development".'),
    ("年度报告每年几月几号之前公示？", "Annual reports are published before 30 June 2025."),
    ("沈阳多长时间要按新标准评价一次？", "机构每年评价一次。"),
    ("What are the official standard numbers of the Shenyang standards?", "They include DB2101/T 0001-2024."),
    ("Which districts count as ecological conservation areas?", "They are Mentougou District and Huairou District."),
    ("Which ministry chairs the joint meeting?", "The Ministry of Commerce chairs the joint meeting."),
    ("Which MHRSS department does Sun Xiaoli work in?",
     "Sun Xiaoli, of the MHRSS Department of Human Resources Flow Management, spoke."),
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
    # a year range is no phone number, "Belt and Road" no street, the issuing ministry no company the question asks for
    ("Who is the contact person for the action plan?", "The Action Plan (2023-2025) was issued in 2023."),
    ("What is the street address of the overseas service base?", "It serves Belt and Road countries."),
    ("Which HR agencies have been named as specialised agencies?",
     "The Ministry of Human Resources and Social Security stated that agencies will be cultivated."),
    ("How long can the probation period be?", "The Action Plan regulates probation periods."),
    ("What score must an agency reach to be rated qualified?", "The standards include an evaluation system."),
    # a plan's target is no count of today
    ("How many HR service industrial parks does Beijing have at the moment?",
     "By 2025, the Action Plan aims to establish five to ten national and municipal-level HR service industrial parks."),
    ("目前北京有多少家人力资源服务企业？", "The plan strives to nurture approximately 20 HR service enterprises."),
    ("What was the total revenue of the HR service industry in 2023?",
     "The plan aims to foster two enterprises with an annual operating revenue of CNY 100 billion each by 2025."),
    # a ratio asked for is a percentage, whatever other numbers the evidence holds
    ("贴息比例是多少？", "对符合条件的企业给予贴息，每家最高100万元。"),
    # a Chinese number must be about a noun of the asking clause: this article's only figure is about years of service
    ("公司出钱培训了员工，服务期最长能约定几年？",
     "用人单位为劳动者提供专项培训费用的，可以与该劳动者订立协议，约定服务期。劳动者在该用人单位连续工作满十年的，应当订立无固定期限劳动合同。"),
])
def test_evidence_without_the_asked_detail_about_the_asked_thing_does_not_answer(question, evidence):
    assert not answers_type(question, evidence)


@pytest.mark.parametrize("question, evidence", [
    ("What revenue target did the plan set?", "The plan aims to foster two enterprises with revenue of CNY 100 billion."),
    ("How many parks will Beijing build by 2025?", "By 2025, the plan aims to establish five to ten parks."),
    ("How many people did HR services help find jobs in 2020?", "In 2020, HR services helped 290 million people."),
    ("试用期工资最少按多少比例发？", "试用期的工资不得低于劳动合同约定工资的百分之八十。"),
    # general words of the asking clause (规定, 单位) need not be there; the specific one (注册资本) is
    ("劳动合同法规定劳务派遣单位注册资本最少多少？", "经营劳务派遣业务应当具备下列条件：（一）注册资本不得少于人民币二百万元；"),
])
def test_targets_answer_questions_about_targets_and_facts_answer_questions_about_facts(question, evidence):
    assert answers_type(question, evidence)


@pytest.mark.parametrize("question", [
    "Which HR firms can get subsidies for free job introduction?",
    "How will MHRSS share information with other departments when supervising the HR market?",
    "When a company hires through an agency, what must it tell the agency?",  # a "when" clause sets the scene
    "What does the Beijing plan say about employee sharing?",
    "Is my personal information protected? Does the plan address this?",  # "address" as a verb
    "首届全国人力资源服务业发展大会在哪里举行？",  # where it was held: a city answers, no address is asked
    "Does the Beijing plan have a list of major HR enterprises?",  # "list" as a noun asks for no names
    "What are the most common problems agencies face?",  # "the most" without a sum to get
    "Have HR agencies already been serving manufacturers?",  # "already" without a count
    # a Chinese noun mentioned in the situation is not asked for: no website, address, phone, age, date or amount
    "广东这边我们在网上做招聘，网站首页要标什么？",
    "我们公司刚换了名字和地址，要不要告诉人社部门？",
    "我在招聘平台上留的简历和电话，中介能随便拿去给别人用吗？",
    "一个城市家庭里劳动年龄的人全都失业了，可以找哪里申请援助？",
    "我们想给已经报告过的招聘会改日期，要怎么办？",
    "集体合同里的工资标准能不能定得比当地最低标准还低？",
    "哪些企业和个人可以享受税收优惠？",  # a kind of firm, as "which firms can get" asks
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


@pytest.mark.parametrize("question, evidence, missing", [
    ("Is there a fee to list services on the platform?", "Firms may list their services on the platform.", "fee"),
    ("What tax breaks do agencies get?", "Agencies receive subsidies and rewards.", "tax"),
    ("What penalty does an agency face?", "Agencies that break the rules are named publicly.", "penalty"),
    ("What interest rate do banks charge?", "Banks extend credit to overseas branches.", "interest"),
    ("Is there a fee to list services on the platform?", "Listing is free of charge; no fee is collected.", None),
    ("Do accredited firms get tax breaks?", "Accredited firms enjoy preferential tax policies.", None),
    ("Is an agency allowed to keep a worker's file?", "Agencies shall not keep workers' personal files.", None),
    # in Chinese, an item whose value is asked for: a fine is no fee
    ("申请许可证要交多少审批费？", "无许可证从事中介活动的，处1万元以上5万元以下的罚款。", "费"),
    ("试用期满发的奖金最少多少？", "试用期工资不得低于约定工资的百分之八十。", "奖金"),
    ("要交多少审批费？", "审批费按每件200元收取。", None),
    # an English question over Chinese text: the item is looked for by its dictionary translations
    ("What fine can the agency get?", "由人力资源社会保障行政部门责令改正，处5000元以上1万元以下的罚款。", None),
    ("Does the agency have to pay my wages?", "用人单位应当按照劳动合同约定向劳动者及时足额支付劳动报酬。", "wages"),
    ("Does the agency have to pay my wages?", "劳务派遣单位应当按照国家规定和劳务派遣协议约定，依法支付被派遣劳动者的工资。", None),
    # an item in the sentence that sets the scene is not asked for; in the sentence that asks, it still is
    ("Our new bonus rules passed the workers' congress. Can the union still object?",
     "工会或者职工认为不适当的，有权向用人单位提出，通过协商予以修改完善。", None),
    ("Our rules passed the workers' congress. Is there a bonus for staff who object?",
     "工会或者职工认为不适当的，有权向用人单位提出，通过协商予以修改完善。", "bonus"),
])
def test_a_named_money_item_must_be_in_the_evidence(question, evidence, missing):
    """The texts speak of subsidies in general; a fee, a tax or a penalty is a near miss unless it is named."""
    assert missing_money_item(question, evidence) == missing
    assert answers_type(question, evidence) is (missing is None)


@pytest.mark.parametrize("question, evidence, missing", [
    # "a few years ago", "these few days", "over ten years": 几 that asks for nothing
    ("这个工程师几年前在涉密单位干过，现在能录用吗？", "用人单位不得招用尚在保密期限内的人员。", None),
    ("这几天公司一直拖着不办，合法吗？", "用人单位应当在解除劳动合同时出具解除劳动合同的证明。", None),
    ("我在这家公司干了十几年，能签无固定期限合同吗？", "劳动者在该用人单位连续工作满十年的，应当订立无固定期限劳动合同。", None),
    # a sentence that states ("I have a few clients.") asks for nothing, whatever 几 it holds
    ("我手上有几家做服务贸易的客户。金融机构要为这类企业做些什么？", "鼓励金融机构为服务贸易企业提供金融支持。", None),
    # the interrogative 几 still asks: "how many days in advance", "how many years"; without a question mark too
    ("招聘会信息要提前几天公布？", "举办招聘会应当公布招聘会信息。", "number"),
    ("试用期最长几个月？", "劳动合同期限三个月以上不满一年的，试用期不得超过一个月。", None),
    ("竞业限制最长几年？", "竞业限制的人员限于用人单位的高级管理人员。", "number"),
    ("竞业限制最长几年", "竞业限制的人员限于用人单位的高级管理人员。", "number"),
])
def test_an_indefinite_ji_asks_for_no_number(question, evidence, missing):
    """几 is "how many" only as a question; 几年前 (a few years ago) must not make a near miss of the question."""
    assert unanswered_detail(question, evidence) == missing


def test_the_scene_of_an_english_question_asks_for_nothing() -> None:
    """A detail the scene mentions (a deadline, a bonus) is not asked for; the same detail in the sentence that asks
    still is."""
    evidence = "逾期不支付的，责令用人单位按应付金额百分之五十以上百分之一百以下的标准向劳动者加付赔偿金。"
    assert answers_type("My boss ignored the deadline the bureau set. Does the extra payment cover overtime?", evidence)
    assert not answers_type("My boss ignored the bureau. What is the deadline for paying?", evidence)
