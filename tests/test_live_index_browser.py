"""The running chat follows the index (issue 16, items 2 and 3), in real Chromium against ``policy-assistant serve``.

The server starts over a copy of the seed index whose corpus lost one file: serving (what ``make run`` does) drops
that document. Then a new file is ingested by ``policy-assistant ingest`` in another process while the server runs:
the chat, the ``/ask`` API and the Documents tab show it without a restart.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import CLI, Server, clean_env, start_app, stop_process
from tests.test_app_browser import _ask, _open, _shot, browser, page  # noqa: F401  (fixtures)
from tests.conftest import CORPUS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REMOVED = "shenyang-hr-standards-2024"
BADGES = "Badge Rules\n\n(I) Badge colour. Staff badges are green this year.\n"
BADGE_QUESTION = "What colour are staff badges?"


@pytest.fixture(scope="module")
def live_server(seed_index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("live-server")
    corpus = workdir / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(f"{REMOVED}.*"))
    index = workdir / "index"
    shutil.copytree(seed_index_dir, index, ignore=shutil.ignore_patterns("READY"))
    started: list[subprocess.Popen] = []
    try:
        yield start_app(started, workdir, index, corpus)
    finally:
        for process in started:
            stop_process(process)


def _doc_ids(page, count: int) -> list[str]:
    """The Documents tab's rows, once it lists ``count`` documents (it refreshes when opened)."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Documents").click()
    expect(page.locator("#pa-docs-table tbody tr")).to_have_count(count)
    return page.locator("#pa-docs-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.docId)")


def test_a_deleted_corpus_file_is_dropped_and_a_new_ingest_is_served_without_restart(page, live_server: Server) -> None:
    from gradio_client import Client
    from playwright.sync_api import expect

    _open(page, live_server)
    before = _doc_ids(page, 4)
    assert REMOVED not in before  # make run / serve pruned the deleted file
    page.get_by_role("tab", name="Chat").click()
    gone = _ask(page, "What standards did Shenyang unveil for HR services?")
    expect(gone).not_to_contain_text("Shenyang HR Service Standards")  # never cited once deleted
    declined = _ask(page, BADGE_QUESTION)
    expect(declined).to_contain_text("Not answered.")

    (live_server.corpus_dir / "badges.txt").write_text(BADGES, encoding="utf-8")
    out = subprocess.run([str(CLI), "ingest", "--index-dir", str(live_server.index_dir), "--corpus-dir",
                          str(live_server.corpus_dir)], capture_output=True, text=True, env=clean_env(), timeout=600)
    assert out.returncode == 0, out.stderr

    answer = Client(live_server.url, verbose=False).predict(BADGE_QUESTION, api_name="/ask")
    assert answer["answered"] and answer["citations"][0]["clause_id"] == "badges#I", answer
    after = _doc_ids(page, 5)  # the same page, not reloaded: the tab refreshes when opened
    assert sorted(after) == sorted(before + ["badges"])
    page.get_by_role("tab", name="Chat").click()
    message = _ask(page, BADGE_QUESTION)
    expect(message).to_contain_text("Staff badges are green this year.")
    page.locator("#pa-doc-filter input").click()
    expect(page.locator('[data-testid="dropdown-option"]', has_text="Badge Rules")).to_have_count(1)
    page.keyboard.press("Escape")
    _shot(page, "live-index-new-document.png")
