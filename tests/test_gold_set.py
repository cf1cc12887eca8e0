"""Sanity checks for the gold evaluation set (evals/gold.jsonl) and the shared examples.

Stdlib + pytest only: the checks read the JSONL files and the corpus texts directly,
so they do not depend on the project's own code.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
GOLD_PATH = ROOT / "evals" / "gold.jsonl"
from tests.conftest import CORPUS_ZH, EXAMPLES as EXAMPLES_PATH, missing_shared  # noqa: E402
CORPUS_DIR = ROOT / "corpus"

# Seed file name (the value of "source") -> corpus slug (corpus/<slug>.txt).
SEED_TO_SLUG = {
    "000_73b245ad0b63cf2c.txt": "shenyang-hr-standards-2024",
    "001_1cd342f746a5290c.txt": "mhrss-manufacturing-opinions-2024",
    "002_ac010e4341a5ae90.txt": "premier-hr-services-conference-2021",
    "003_530a0ab8a52cd05e.txt": "beijing-hr-action-plan-2023",
    "004_6fb59348af0e4fbb.txt": "mhrss-hr-market-order-2024",
}
BEIJING_SEED = "003_530a0ab8a52cd05e.txt"
ZH_SETS = ("gold_zh.jsonl", "heldout_zh.jsonl", "heldout_zh2.jsonl", "heldout_zh3.jsonl", "heldout_zh4.jsonl",
           "heldout_zh5.jsonl", "heldout_zh6.jsonl", "heldout_zh7.jsonl",
           "heldout_zh8.jsonl", "heldout_zh9.jsonl", "heldout_zh10.jsonl", "heldout_zh11.jsonl",
           "heldout_zh12.jsonl", "heldout_zh13.jsonl", "heldout_zh14.jsonl", "heldout_zh15.jsonl")

FIELDS = {
    "id": str,
    "persona": str,
    "question": str,
    "source": (str, type(None)),
    "evidence": list,
    "must_mention": list,
    "clause_label": (str, type(None)),
    "category": str,
    "answerable": bool,
    "lang": str,
}
PERSONAS = {"agency_staff", "policy_officer", "job_seeker"}
CATEGORIES = {"fact", "multi", "unanswerable", "crosslingual"}
LANGS = {"en", "zh"}
ROMAN = re.compile(r"^(X{0,3})(IX|IV|V?I{0,3})$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def norm(s: str) -> str:
    """Lowercase and keep only letters and digits (matching ignores case, spaces, punctuation)."""
    return "".join(ch for ch in s.lower() if ch.isalnum())


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            pytest.fail(f"{path.name}:{lineno} does not parse: {exc}")
    return rows


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    """Normalised corpus text per seed name, and per file name for the Chinese laws when they are present."""
    texts = {}
    for seed, slug in SEED_TO_SLUG.items():
        path = CORPUS_DIR / f"{slug}.txt"
        assert path.exists(), f"missing corpus file {path}"
        texts[seed] = norm(path.read_text(encoding="utf-8"))
    for path in sorted(CORPUS_ZH.glob("*.md")) if CORPUS_ZH.is_dir() else []:
        texts[path.name] = norm(path.read_text(encoding="utf-8"))
    return texts


def _sets() -> list:
    """Every question file in evals/ (gold, the held-out sets, the follow-ups, the Chinese sets) and the examples."""
    params = [pytest.param(GOLD_PATH, id="gold")]
    for path in sorted((ROOT / "evals").glob("*.jsonl")):
        if path == GOLD_PATH:
            continue
        marks = [pytest.mark.skipif(not CORPUS_ZH.is_dir(), reason=missing_shared(CORPUS_ZH))] \
            if path.name in ZH_SETS else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    params.append(pytest.param(
        EXAMPLES_PATH, id="examples",
        marks=pytest.mark.skipif(not EXAMPLES_PATH.exists(), reason=missing_shared(EXAMPLES_PATH))))
    return params


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    assert GOLD_PATH.exists(), f"missing {GOLD_PATH}"
    return load_jsonl(GOLD_PATH)


# ---------------------------------------------------------------- per-item checks (gold and examples)

@pytest.mark.parametrize("path", _sets())
def test_fields_and_types(path: Path) -> None:
    rows = load_jsonl(path)
    assert rows, f"{path} is empty"
    for row in rows:
        rid = row.get("id", "?")
        extra = {"history"} if path.name == "followups.jsonl" else set()  # the earlier turns of a conversation
        assert set(row) == set(FIELDS) | extra, f"{rid}: fields {sorted(row)}"
        if extra:
            assert row["history"] and all(isinstance(q, str) and q.strip() for q in row["history"]), rid
        for field, typ in FIELDS.items():
            assert isinstance(row[field], typ), f"{rid}: {field} has type {type(row[field]).__name__}"
        assert row["question"].strip(), f"{rid}: empty question"
        assert all(isinstance(s, str) and s.strip() for s in row["evidence"]), f"{rid}: bad evidence"
        for group in row["must_mention"]:
            assert isinstance(group, list) and group, f"{rid}: must_mention group must be a non-empty list"
            assert all(isinstance(a, str) and a.strip() for a in group), f"{rid}: bad must_mention alternative"
        assert row["persona"] in PERSONAS, f"{rid}: persona {row['persona']}"
        assert row["category"] in CATEGORIES, f"{rid}: category {row['category']}"
        assert row["lang"] in LANGS, f"{rid}: lang {row['lang']}"
        if row["source"] is not None:
            known = {p.name for p in CORPUS_ZH.glob("*.md")} if path.name in ZH_SETS else SEED_TO_SLUG
            assert row["source"] in known, f"{rid}: unknown source {row['source']}"


@pytest.mark.parametrize("path", _sets())
def test_ids_unique(path: Path) -> None:
    ids = [row["id"] for row in load_jsonl(path)]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


@pytest.mark.parametrize("path", _sets())
def test_answerable_consistency(path: Path) -> None:
    for row in load_jsonl(path):
        rid = row["id"]
        if row["answerable"]:
            assert row["source"], f"{rid}: answerable without source"
            assert row["evidence"], f"{rid}: answerable without evidence"
            assert row["category"] != "unanswerable", f"{rid}: answerable but category unanswerable"
        else:
            assert row["source"] is None, f"{rid}: unanswerable with a source"
            assert row["evidence"] == [], f"{rid}: unanswerable with evidence"
            assert row["must_mention"] == [], f"{rid}: unanswerable with must_mention"
            assert row["category"] == "unanswerable", f"{rid}: not answerable but category {row['category']}"


@pytest.mark.parametrize("path", _sets())
def test_evidence_in_source(path: Path, corpus: dict[str, str]) -> None:
    missing = []
    for row in load_jsonl(path):
        if not row["source"]:
            continue
        text = corpus[row["source"]]
        for snippet in row["evidence"]:
            if norm(snippet) not in text:
                missing.append(f"{row['id']}: {snippet!r}")
    assert not missing, "evidence not found in source text:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", _sets())
def test_must_mention_in_source(path: Path, corpus: dict[str, str]) -> None:
    missing = []
    for row in load_jsonl(path):
        if not row["source"]:
            continue
        text = corpus[row["source"]]
        for group in row["must_mention"]:
            if not any(norm(alt) in text for alt in group):
                missing.append(f"{row['id']}: {group}")
    assert not missing, "must_mention groups with no alternative in the source text:\n" + "\n".join(missing)


# ---------------------------------------------------------------- gold-set-only checks

def test_gold_set_size_and_coverage(gold: list[dict]) -> None:
    assert len(gold) >= 100, f"only {len(gold)} questions"
    unanswerable = [r for r in gold if not r["answerable"]]
    assert len(unanswerable) >= 20, f"only {len(unanswerable)} unanswerable"
    chinese = [r for r in gold if r["lang"] == "zh"]
    assert len(chinese) >= 15, f"only {len(chinese)} Chinese questions"
    assert {r["persona"] for r in gold} == PERSONAS
    assert {r["source"] for r in gold if r["source"]} == set(SEED_TO_SLUG), "not every document is covered"
    assert {r["category"] for r in gold} == CATEGORIES, "every category should occur"


def test_gold_item_shape(gold: list[dict]) -> None:
    for n, row in enumerate(gold, 1):
        rid = row["id"]
        assert rid == f"g-{n:03d}", f"id {rid} out of sequence (expected g-{n:03d})"
        if row["answerable"]:
            assert 1 <= len(row["evidence"]) <= 3, f"{rid}: {len(row['evidence'])} evidence snippets"
            assert 1 <= len(row["must_mention"]) <= 2, f"{rid}: {len(row['must_mention'])} must_mention groups"
            for snippet in row["evidence"]:
                words = len(snippet.split())
                assert 5 <= words <= 25, f"{rid}: snippet of {words} words: {snippet!r}"
        if row["category"] == "multi":
            assert len(row["evidence"]) >= 2, f"{rid}: multi needs evidence from two or more clauses"
        if row["category"] == "crosslingual":
            assert row["lang"] == "zh" and row["answerable"], f"{rid}: crosslingual must be answerable zh"
        if row["lang"] == "zh":
            assert CJK.search(row["question"]), f"{rid}: lang zh but no Chinese characters"
        if row["clause_label"] is not None:
            assert row["source"] == BEIJING_SEED, f"{rid}: clause_label only for the Beijing plan"
            assert ROMAN.match(row["clause_label"]), f"{rid}: clause_label {row['clause_label']!r} not Roman"


def test_gold_does_not_copy_examples(gold: list[dict]) -> None:
    if not EXAMPLES_PATH.exists():
        pytest.skip(missing_shared(EXAMPLES_PATH))
    examples = {norm(r["question"]) for r in load_jsonl(EXAMPLES_PATH)}
    copied = [r["id"] for r in gold if norm(r["question"]) in examples]
    assert not copied, f"copied example questions: {copied}"


def test_gold_questions_unique(gold: list[dict]) -> None:
    dupes = [q for q, n in Counter(norm(r["question"]) for r in gold).items() if n > 1]
    assert not dupes, f"duplicate questions: {dupes}"
