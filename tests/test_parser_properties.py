"""Property-based tests of the clause parser and the chunker: any text, nothing lost, IDs unique and stable.

The generated documents mix every marker style the grammar knows (Roman parts and clauses,
Arabic items, Markdown headings, 第X条 / 第X章, 一、 / （一）), broken and repeated numbering,
blank lines, odd line breaks and arbitrary Unicode, so the invariants are checked on text far
uglier than any real policy.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_clause, chunk_clauses
from ingest.clauses import parse_clauses
from ingest.records import Clause, DocumentMeta, SourceDocument

META = DocumentMeta(doc_id="doc", title="Test policy", short_title="Test policy")
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MARKERS = ["I. ", "II. ", "IV. ", "IIII. ", "(I) ", "(II) ", "(II)", "(V) ", "(XIV) ", "(IC) ", "1. ", "2) ", "99. ",
           "# ", "## ", "###### ", "第一条 ", "第十二条", "第三章 ", "第零条 ", "一、", "十、", "（二）", "(三) ", ""]
WORDS = ["Scope", "Training", "support", "The", "firms", "subsidy.", "records", "for", "three", "years.", "may",
         "receive", "Shall", "(XIV)", "of", "the", "plan", "每月", "补贴", "企业。", "员工", "Règles", "café", "Noël",
         "**Bold title**", "“Quoted”", "e.g.", "No.", "5,000", "yuan;", "CNY", "100", "ok?", "Yes!", ":", "—", "🙂",
         "\u00a0", "\u3000", "\t", "x" * 120, "Long" * 30]
LINE_BREAKS = ["\n", "\n\n", "\n \n", "\r\n", "\r", "\n\n\n", "\u2028", "\x0c", "\x85", "\n\t\n"]


@st.composite
def policy_like_line(draw) -> str:
    marker = draw(st.sampled_from(MARKERS))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=12))
    indent = draw(st.sampled_from(["", "", "", " ", "  ", "\t", "\u3000"]))
    tail = draw(st.sampled_from(["", "", ".", "。", ":", " ", "  "]))
    return indent + marker + " ".join(words) + tail


@st.composite
def policy_like_text(draw) -> str:
    lines = draw(st.lists(st.one_of(policy_like_line(), policy_like_line(), st.text(max_size=40)), min_size=0,
                          max_size=30))
    out = []
    for line in lines:
        out.append(line)
        out.append(draw(st.sampled_from(LINE_BREAKS)))
    return "".join(out)


any_text = st.one_of(policy_like_text(), policy_like_text(), st.text(max_size=400),
                     st.text(alphabet=st.sampled_from(list("IVX()().、一二十条第 \n\n\tABab。.")), max_size=200))


def _doc(text: str) -> SourceDocument:
    return SourceDocument(meta=META, text=text, path="doc.txt")


def _assert_covers(text: str, spans: list[tuple[int, int]], what: str) -> None:
    covered = bytearray(len(text))
    for start, end in spans:
        covered[start:end] = b"\x01" * (end - start)
    lost = [(i, ch) for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not lost, f"{what}: characters outside every span: {lost[:10]}"


@PROPERTY_SETTINGS
@given(any_text)
def test_parse_keeps_every_character_with_unique_stable_ids(text: str):
    doc = _doc(text)
    clauses = parse_clauses(doc)
    for c in clauses:
        assert 0 <= c.start <= c.end <= len(text)
        assert c.text == text[c.start:c.end]
        assert c.text.strip(), f"empty clause {c.clause_id}"
        assert c.clause_id == f"{META.doc_id}#{c.key}"
    _assert_covers(text, [(c.start, c.end) for c in clauses], "parse_clauses")
    ids = [c.clause_id for c in clauses]
    assert len(ids) == len(set(ids)), f"duplicate clause IDs: {sorted(i for i in ids if ids.count(i) > 1)}"
    again = parse_clauses(_doc(text))
    assert [(c.clause_id, c.start, c.end) for c in again] == [(c.clause_id, c.start, c.end) for c in clauses]


@PROPERTY_SETTINGS
@given(any_text)
def test_clauses_do_not_overlap(text: str):
    clauses = sorted(parse_clauses(_doc(text)), key=lambda c: c.start)
    for before, after in zip(clauses, clauses[1:]):
        assert before.end <= after.start, f"{before.clause_id} overlaps {after.clause_id}"


def _clause(text: str) -> Clause:
    return Clause(clause_id="doc#I", doc_id="doc", key="I", kind="clause", number="I", title="", label="Doc, (I)",
                  breadcrumb=("Doc", "Clause (I)"), text=text, start=0, end=len(text))


clause_text = st.one_of(
    policy_like_text().map(str.strip),
    st.text(min_size=1, max_size=600).map(str.strip),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=200).map(" ".join).map(str.strip),
    st.text(alphabet=st.sampled_from(list("企业补贴。员工每月é🙂 abc.")), min_size=1, max_size=600).map(str.strip),
).filter(bool)


@PROPERTY_SETTINGS
@given(clause_text, st.integers(min_value=1, max_value=64))
def test_chunks_are_verbatim_and_cover_their_clause(text: str, budget: int):
    clause = _clause(text)
    chunks = chunk_clause(clause, budget)
    assert chunks, "a clause produced no chunk"
    positions = []
    pos = 0
    for chunk in chunks:
        assert chunk.clause is clause
        found = text.find(chunk.text, pos)
        assert chunk.text and found >= 0, f"chunk {chunk.chunk_id} is not a verbatim slice of its clause"
        positions.append((found, found + len(chunk.text)))
        pos = found + len(chunk.text)
        for sentence in chunk.sentences:
            assert sentence in chunk.text
    _assert_covers(text, positions, "chunk_clause")
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
    if ids == [clause.clause_id]:  # the clause fits the budget: one chunk, the whole clause
        assert chunks[0].text == text and chunks[0].window == 0
    else:  # windows of a longer clause keep its ID with /1, /2, …
        assert ids == [f"{clause.clause_id}/{n}" for n in range(1, len(chunks) + 1)]


@PROPERTY_SETTINGS
@given(any_text, st.integers(min_value=4, max_value=256))
def test_document_chunks_cover_every_clause_with_unique_ids(text: str, budget: int):
    clauses = parse_clauses(_doc(text))
    chunks = chunk_clauses(clauses, budget)
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk IDs"
    by_clause: dict[str, list] = {}
    for chunk in chunks:
        assert chunk.text in chunk.clause.text
        assert re.fullmatch(re.escape(chunk.clause.clause_id) + r"(/\d+)?", chunk.chunk_id)
        by_clause.setdefault(chunk.clause.clause_id, []).append(chunk)
    assert set(by_clause) == {c.clause_id for c in clauses}
    for clause in clauses:
        spans, pos = [], 0
        for chunk in by_clause[clause.clause_id]:
            found = clause.text.find(chunk.text, pos)
            spans.append((found, found + len(chunk.text)))
            pos = found + len(chunk.text)
        _assert_covers(clause.text, spans, clause.clause_id)
