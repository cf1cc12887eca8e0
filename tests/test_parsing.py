"""Clause parsing on the real seed texts, and PDFs built from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_clauses, count_tokens
from ingest.clauses import parse_clauses
from ingest.documents import load_document
from ingest.markers import to_roman
from ingest.records import DocumentMeta, SourceDocument
from tests.conftest import CORPUS
from tests.pdf_maker import text_to_pdf

BEIJING = "beijing-hr-action-plan-2023"


def load(doc_id: str) -> SourceDocument:
    return load_document(CORPUS / f"{doc_id}.txt", CORPUS, 10**8)


def all_docs() -> list[SourceDocument]:
    return [load_document(p, CORPUS, 10**8) for p in sorted(CORPUS.glob("*.txt"))]


def test_beijing_plan_has_eight_parts_and_twenty_eight_clauses_with_labels():
    clauses = parse_clauses(load(BEIJING))
    parts = [c for c in clauses if c.kind == "part"]
    numbered = [c for c in clauses if c.kind == "clause"]
    assert [p.number for p in parts] == [to_roman(i) for i in range(1, 9)]
    assert [c.number for c in numbered] == [to_roman(i) for i in range(1, 29)]
    by_id = {c.clause_id: c for c in clauses}
    vii = by_id[f"{BEIJING}#III.VII"]
    assert vii.label == ("Beijing HR Service Action Plan 2023–2025, Part III, Clause (VII): "
                         "Contribute to public employment services")
    assert vii.breadcrumb[0] == "Beijing HR Service Action Plan 2023–2025"
    assert vii.breadcrumb[1].startswith("Part III: Leverage Profession-specific Strengths")
    assert vii.text.startswith("(VII) Contribute to public employment services.")
    assert by_id[f"{BEIJING}#VIII.XXVIII"].title == "Enhance publicity and guidance"


def test_in_text_reference_is_not_a_heading():
    meta = DocumentMeta(doc_id="t", title="T", short_title="T")
    text = "I. Scope\n(I) First clause. It applies.\n(II) of the plan above is cited here in running text.\n"
    clauses = parse_clauses(SourceDocument(meta, text, "t.txt"))
    assert [c.key for c in clauses] == ["I", "I.I"]
    assert not any(c.number == "II" for c in clauses)


@pytest.mark.parametrize("doc", all_docs(), ids=lambda d: d.meta.doc_id)
def test_every_seed_document_is_covered_without_loss(doc: SourceDocument):
    clauses = parse_clauses(doc)
    covered = bytearray(len(doc.text))
    for c in clauses:
        assert c.text == doc.text[c.start:c.end]
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    lost = "".join(ch for ch, flag in zip(doc.text, covered) if not flag and not ch.isspace())
    assert lost == ""
    assert len({c.clause_id for c in clauses}) == len(clauses)


def test_structure_of_the_other_documents():
    opinions = {c.key: c for c in parse_clauses(load("mhrss-manufacturing-opinions-2024"))}
    assert [f"S2.{i}" in opinions for i in range(1, 9)] == [True] * 8
    assert opinions["S2"].title == "What specific measures does the “Opinions” propose?"
    order = {c.key: c for c in parse_clauses(load("mhrss-hr-market-order-2024"))}
    assert order["3"].title == "Collaborative Oversight"
    assert order["3"].label.endswith("Item 3: Collaborative Oversight")


def test_ids_are_stable_across_parses():
    first = [c.clause_id for doc in all_docs() for c in parse_clauses(doc)]
    second = [c.clause_id for doc in all_docs() for c in parse_clauses(doc)]
    assert first == second


def test_long_clause_splits_into_windows_that_keep_its_id_and_label():
    clauses = parse_clauses(load(BEIJING))
    xxvii = next(c for c in clauses if c.key == "VIII.XXVII")
    chunks = chunk_clauses([xxvii], budget=150)
    assert [c.chunk_id for c in chunks] == [f"{BEIJING}#VIII.XXVII/{i}" for i in range(1, len(chunks) + 1)]
    assert len(chunks) >= 2
    assert all(count_tokens(c.text) <= 150 for c in chunks)
    assert all(c.clause.label == xxvii.label for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == xxvii.text.replace(" ", "")
    assert "Clause (XXVII)" in chunks[1].embed_text


def test_a_heading_line_without_a_full_stop_is_its_own_sentence():
    part_one = next(c for c in parse_clauses(load(BEIJING)) if c.key == "I")
    first = chunk_clauses([part_one], budget=256)[0]
    assert first.sentences[0] == "I. General Guidelines"
    assert first.sentences[1].startswith("The formulation of the Action Plan strictly adheres")


def test_chinese_markers_are_data_driven():
    meta = DocumentMeta(doc_id="zh", title="办法", short_title="办法")
    text = "第一章 总则\n第一条 为了规范人力资源市场，制定本办法。\n第二条 本办法适用于全国。\n第二章 服务\n第三条 机构应当诚信。\n"
    clauses = parse_clauses(SourceDocument(meta, text, "zh.txt"))
    assert [c.key for c in clauses] == ["C1", "A1", "A2", "C2", "A3"]  # articles are numbered across the document
    assert clauses[2].label == "办法 第二条"
    assert clauses[2].breadcrumb == ("办法", "第一章 总则", "第二条")


def test_pdf_of_a_seed_yields_the_same_clause_ids_with_pages(tmp_path: Path):
    text_doc = load(BEIJING)
    pdf_dir = tmp_path / "corpus"
    pdf_dir.mkdir()
    pdf_path = text_to_pdf(text_doc.text, pdf_dir / f"{BEIJING}.pdf")
    (pdf_dir / f"{BEIJING}.meta.toml").write_text((CORPUS / f"{BEIJING}.meta.toml").read_text())
    pdf_doc = load_document(pdf_path, pdf_dir, 10**8)
    assert "English text" not in pdf_doc.text, "running header was not removed"
    assert not re.search(r"^\d+$", pdf_doc.text, re.MULTILINE), "page numbers were not removed"
    text_clauses = parse_clauses(text_doc)
    pdf_clauses = parse_clauses(pdf_doc)
    assert [c.clause_id for c in pdf_clauses] == [c.clause_id for c in text_clauses]
    assert len(pdf_doc.pages) >= 3
    pages = [c.page for c in pdf_clauses]
    assert pages[0] == 1 and pages == sorted(pages) and pages[-1] == len(pdf_doc.pages)
    norm = lambda s: re.sub(r"\W+", "", s)  # noqa: E731
    for t, p in zip(text_clauses, pdf_clauses):
        assert norm(p.text) == norm(t.text), p.clause_id


def test_hyphenated_line_breaks_are_joined(tmp_path: Path):
    from ingest.pdf import _reflow

    assert _reflow(["The ministry supports manu-", "facturing firms."]) == "The ministry supports manufacturing firms."
