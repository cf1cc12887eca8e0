"""Chinese legal and policy structure: one article is one clause, labelled as a Chinese reader cites it.

The real laws come from ../shared/corpus-zh (never copied into the repository); the shapes of Chinese plans
and opinions (一、/（一）/1./（1）, 附件) are checked on a small text written here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingest.clauses import parse_clauses
from ingest.crossrefs import article_references
from ingest.documents import load_document
from ingest.records import DocumentMeta, SourceDocument
from ingest.sentences import split_sentences

from tests.conftest import CORPUS_ZH, needs_shared  # noqa: E402

needs_zh = needs_shared(CORPUS_ZH)


def _law(name: str):
    path = CORPUS_ZH / f"{name}.md"
    doc = load_document(path, CORPUS_ZH, 10**8)
    return doc, parse_clauses(doc)


@needs_zh
def test_labor_contract_law_structure() -> None:
    _, clauses = _law("labor-contract-law-2012")
    kinds = Counter(c.kind for c in clauses)
    assert kinds["part"] == 8 and kinds["clause"] == 98
    sections = [c for c in clauses if c.kind == "section"]
    assert [c.label for c in sections] == ["劳动合同法 第五章 第一节 集体合同", "劳动合同法 第五章 第二节 劳务派遣",
                                           "劳动合同法 第五章 第三节 非全日制用工"]
    articles = [c for c in clauses if c.kind == "clause"]
    assert [c.key for c in articles] == [f"A{n}" for n in range(1, 99)]
    assert len({c.clause_id for c in clauses}) == len(clauses)


@needs_zh
def test_an_article_holds_all_its_paragraphs_and_items() -> None:
    _, clauses = _law("labor-contract-law-2012")
    by_key = {c.key: c for c in clauses}
    a19 = by_key["A19"]
    assert a19.clause_id == "labor-contract-law-2012#A19"
    assert a19.label == "劳动合同法 第十九条"
    assert a19.breadcrumb == ("劳动合同法", "第二章 劳动合同的订立", "第十九条")
    paragraphs = [p for p in a19.text.split("\n\n") if p.strip()]
    assert len(paragraphs) == 4 and paragraphs[-1].startswith("试用期包含在劳动合同期限内")
    a14 = by_key["A14"]  # its items （一）…（三） are part of it, not units of their own
    assert "（三）连续订立二次固定期限劳动合同" in a14.text
    assert not any(c.key.startswith("(") or "~" in c.key for c in clauses)
    a58 = by_key["A58"]  # in 第五章 第二节
    assert a58.breadcrumb[1:3] == ("第五章 特别规定", "第二节 劳务派遣")


@needs_zh
@pytest.mark.parametrize("name", ["labor-contract-law-2012", "employment-promotion-law-2015",
                                  "hr-market-interim-regulations-2018", "beijing-employment-assistance-2011",
                                  "beijing-talent-market-regulations-2016", "guangdong-hr-market-regulations-2021"])
def test_no_text_is_lost(name: str) -> None:
    doc, clauses = _law(name)
    covered = [False] * len(doc.text)
    for c in clauses:
        assert doc.text[c.start:c.end] == c.text
        for i in range(c.start, c.end):
            assert not covered[i], f"{c.clause_id} overlaps another unit"
            covered[i] = True
    lost = "".join(ch for ch, seen in zip(doc.text, covered) if not seen and not ch.isspace())
    assert lost == ""


@needs_zh
def test_cross_references_resolve_to_articles_that_exist() -> None:
    _, clauses = _law("hr-market-interim-regulations-2018")
    by_key = {c.key: c for c in clauses}
    assert by_key["A42"].refs == ("A18", "A20", "A21")
    assert by_key["A43"].refs == ("A24", "A27", "A28", "A29", "A30", "A31")
    assert by_key["A44"].refs == ("A32", "A33", "A36")
    for key in ("A42", "A43", "A44"):
        assert all(ref in by_key and by_key[ref].kind == "clause" for ref in by_key[key].refs)
        for ref in by_key[key].refs:  # and back: the duty links to the penalty that enforces it
            assert key in by_key[ref].cited_by


def test_reference_forms() -> None:
    assert article_references("依照本法第四十七条规定的经济补偿标准") == ["A47"]
    assert article_references("第四十七条 经济补偿按劳动者在本单位工作的年限") == []  # its own marker
    assert article_references("违反本法第三十九条和第四十条第一项、第二项规定") == ["A39", "A40"]
    assert article_references("依照《中华人民共和国劳动法》第四十四条的规定") == []  # another law
    assert article_references("本条例第十条至第十三条") == ["A10", "A13", "A11", "A12"]


def test_chinese_sentences_split_on_stops_not_inside_titles_or_quotes() -> None:
    text = "根据《关于修改<劳动法>的决定。》修正；用人单位应当告知：“不得收费。不得扣押。”劳动者有权拒绝！是否适用？"
    assert split_sentences(text) == ["根据《关于修改<劳动法>的决定。》修正；", "用人单位应当告知：“不得收费。不得扣押。”劳动者有权拒绝！",
                                     "是否适用？"]


PLAN = """关于推进人力资源服务业发展的实施意见

为贯彻落实国家部署，制定本意见。

一、总体要求

（一）指导思想。坚持就业优先，服务高质量发展。

（二）主要目标。到2025年，培育10家骨干企业。

二、重点任务

（三）支持机构发展。对符合条件的机构给予补贴：

1. 对新设立的机构给予一次性奖励；

2. 对吸纳就业的给予社会保险补贴。

（1）补贴标准为每人每月500元。

附件：重点企业名单

1. 北京某人力资源公司
"""


def test_chinese_plan_outline_and_annex() -> None:
    doc = SourceDocument(DocumentMeta(doc_id="plan", title="实施意见", short_title="实施意见"), PLAN, "plan.txt")
    clauses = parse_clauses(doc)
    by_key = {c.key: c for c in clauses}
    assert by_key["1"].label == "实施意见 一、总体要求"
    assert by_key["1.(1)"].label.startswith("实施意见 一、（一）指导思想")
    assert by_key["2.(3).1"].text.startswith("1. 对新设立的机构")
    assert by_key["2.(3).2.(1)"].text == "（1）补贴标准为每人每月500元。"
    assert by_key["ANX"].label == "实施意见 附件 重点企业名单"
    assert by_key["ANX.1"].text == "1. 北京某人力资源公司"
    assert len({c.clause_id for c in clauses}) == len(clauses)
