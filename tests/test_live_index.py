"""A running app follows the live index generation, and ``make run`` drops files deleted from the corpus
(issue 16, items 2 and 3), over real Chroma and the real embedder.

* ``LiveAssistant.get`` notices a generation written by another process (``policy-assistant ingest``) and swaps
  it in; a snapshot taken before the swap still answers and looks clauses up on its own generation;
* ``ensure_index`` (what ``serve`` and so ``make run`` call) removes a document whose corpus file is gone, keeps one
  that was ingested from another path, and ``ingest`` without ``--prune`` keeps both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from assistant import Assistant
from assistant.cli import ensure_index
from assistant.live import LiveAssistant
from common.settings import Settings
from ingest.pipeline import run_ingest
from tests.conftest import CORPUS
from tests.helpers import CLI, clean_env

BADGES = "Badge Rules\n\n(I) Badge colour. Staff badges are green this year.\n"
BADGE_QUESTION = "What colour are staff badges?"
DOC_A = "I. Scope\n(I) Training support. Firms that train workers may receive a training subsidy.\n"
DOC_B = "Shenzhen opened a talent market in 2024.\n\nThe market serves job seekers every weekday.\n"


def _ingest_cli(index: Path, corpus: Path, *extra: str) -> dict:
    out = subprocess.run([str(CLI), "ingest", "--index-dir", str(index), "--corpus-dir", str(corpus), "--json",
                          *extra], capture_output=True, text=True, env=clean_env(), timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_new_generation_is_picked_up_and_running_snapshots_finish_on_theirs(index_copy: Path,
                                                                              tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings.load(index_dir=index_copy, corpus_dir=corpus)
    live = LiveAssistant(Assistant.open(settings=settings))
    before = live.get()
    assert live.get() is before  # nothing changed: the same snapshot, no reopening
    assert not before.ask(BADGE_QUESTION).answered

    (corpus / "badges.txt").write_text(BADGES, encoding="utf-8")
    report = _ingest_cli(index_copy, corpus)  # another process, as `policy-assistant ingest` is
    after = live.get()
    assert after is not before and after.state.generation == report["generation"] > before.state.generation
    answer = after.ask(BADGE_QUESTION)
    assert answer.answered and answer.citations[0].clause_id == "badges#I"
    assert "badges" in {d["doc_id"] for d in after.documents()}
    # a request that started on the old generation finishes on it
    assert before.show("beijing-hr-action-plan-2023#IV.XIV").text.startswith("(XIV)")
    assert before.ask("What does clause (XIV) of the Beijing plan say?").answered
    assert "badges" not in {d["doc_id"] for d in before.documents()}


def test_serve_prunes_files_deleted_from_the_corpus_but_ingest_keeps_them_without_prune(tmp_settings: Settings,
                                                                                        tmp_path: Path) -> None:
    corpus = tmp_settings.corpus_dir
    (corpus / "rules-a.txt").write_text(DOC_A, encoding="utf-8")
    (corpus / "news-b.txt").write_text(DOC_B, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "badges.txt").write_text(BADGES, encoding="utf-8")
    assert run_ingest(tmp_settings).documents == 2
    assert run_ingest(tmp_settings, paths=[elsewhere / "badges.txt"]).documents == 3  # from another path

    (corpus / "news-b.txt").unlink()
    kept = _ingest_cli(tmp_settings.index_dir, corpus)  # the CLI: pruning stays explicit
    assert kept["removed"] == 0 and kept["documents"] == 3
    ensure_index(tmp_settings)  # make run / serve: a deleted corpus file is a change
    docs = {d["doc_id"] for d in Assistant.open(settings=tmp_settings).documents()}
    assert docs == {"rules-a", "badges"}
    assert _ingest_cli(tmp_settings.index_dir, corpus, "--prune")["documents"] == 1  # --prune: everything else
