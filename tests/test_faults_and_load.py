"""Faults and load on the served app: its Chroma server going away, and 16 concurrent clients.

Why: the other tests ask one question at a time of a healthy index. A deployment also
meets the two situations the issue "Reliability and security" lists, checked here against
the real ``policy-assistant serve`` process on loopback, driven through ``gradio_client``:

* **The Chroma server goes away and comes back** (a crash, a restart, a redeploy). While it
  is away, every question fails quickly with one sentence that names the server, in the
  ``/ask`` API, in the chat and in the clause lookup: no traceback, no hang. Once it is
  back on the same folder and port, the same question gets the same answer as before,
  without restarting the app.
* **Load**: 16 clients at once, each with its own ``gradio_client.Client``, for a bounded
  number of requests and a bounded time. No errors; every answer is exactly the one a
  single client gets for that question (everything except ``latency_ms``); the server's
  resident memory does not keep growing.

Every subprocess is stopped in a ``finally``; every wait and loop is bounded.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from common import offline  # noqa: F401  (HF_HUB_OFFLINE etc. for gradio_client)
from tests.conftest import build_index
from tests.helpers import ChromaServer, copy_index_to_server, start_app, stop_process, tail

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
REQUEST_SECONDS = 60  # any one request; a healthy one takes about a second on 2 cores
AWAY_SECONDS = 15  # a request while the Chroma server is away must fail within this

SUBSIDY_Q = "Which HR firms can get subsidies for free job introduction?"
# Taken from evals/gold.jsonl: every document of the corpus, a Chinese question, a broad
# question and one that the corpus does not answer.
QUESTIONS = [
    "Can a small specialised HR firm in Beijing get a cash reward from its district once it is accredited?",  # g-014
    "How does Beijing help HR firms go international?",  # g-079
    "How will the Opinions help major innovation platforms find senior talent?",  # g-092
    "What is the new document on regulating HR management supposed to achieve for workers?",  # g-118
    "What is the HR services industry in Shenyang worth?",  # g-131
    "Who gave a video speech to the 2021 national HR services conference?",  # g-144
    "北京的网络招聘平台每家至少要有多少注册用户？",  # g-157
    "How large is the fine for an illegal labor intermediary in Beijing?",  # g-183, unanswerable
]
CLIENTS = 16
LOAD_REQUESTS = 160
LOAD_SECONDS = 60
RSS_GROWTH_MB = 150


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False)


def _ask(client, question: str) -> dict[str, Any]:
    """``/ask`` through the client, waiting at most ``REQUEST_SECONDS``."""
    return client.submit(question, api_name="/ask").result(timeout=REQUEST_SECONDS)


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """Everything in the answer except how long it took."""
    return {k: v for k, v in answer.items() if k != "latency_ms"}


def _assert_one_sentence(message: str, must_name: str) -> None:
    assert "Traceback" not in message and "\n" not in message, message
    assert message[0].isupper() and message.endswith("."), message
    assert message.count(". ") == 0, f"more than one sentence: {message!r}"
    assert must_name in message, message
    assert len(message) < 300, message


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _handler(demo, name: str):
    """The function the page calls for an event, e.g. ``on_ask`` behind the Ask button."""
    return next(f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name)


# -- 1. the Chroma server goes away and comes back ----------------------------------------
@pytest.mark.server
def test_serve_reports_an_absent_chroma_server_in_one_sentence_and_recovers_without_restart(
        seed_index_dir: Path, tmp_path: Path) -> None:
    import shutil

    from assistant.app import PLAIN, build_app
    from assistant.core import Assistant
    from common.settings import Settings

    chroma = ChromaServer(tmp_path / "chroma")
    started: list[subprocess.Popen] = []
    try:
        url = chroma.start()
        host = url.removeprefix("http://")
        index_dir = tmp_path / "index"  # this machine's BM25 cache only: the index itself lives on the server
        seed_copy = tmp_path / "seed-copy"
        shutil.copytree(seed_index_dir, seed_copy, ignore=shutil.ignore_patterns("READY"))
        copy_index_to_server(seed_copy, url)  # the seed index's vectors: what is tested is serving, not ingest
        server = start_app(started, tmp_path, index_dir, CORPUS, POLICY_ASSISTANT_CHROMA_URL=url)
        client = _client(server.url)

        # The chat's own handlers, over an in-process Assistant on the same server.
        settings = Settings.load(index_dir=index_dir, corpus_dir=CORPUS, chroma_url=url,
                                 feedback_path=tmp_path / "feedback-inproc.jsonl")
        demo = build_app(Assistant.open(settings=settings), settings)
        on_ask, on_lookup = _handler(demo, "on_ask"), _handler(demo, "on_lookup")

        def chat(question: str) -> str:
            *_, last = on_ask(question, [], PLAIN, [], [])  # a generator (the chat streams a model's draft)
            return last[0][-1]["content"]

        before = _ask(client, SUBSIDY_Q)
        assert before["answered"] and before["citations"], before
        chat_before = chat(SUBSIDY_Q)
        assert "Sources" in chat_before
        lookup_before = on_lookup("Beijing XIV")
        assert "pa-clause" in lookup_before

        chroma.kill()
        assert not chroma.heartbeat()
        for question in (SUBSIDY_Q, QUESTIONS[0], SUBSIDY_Q):  # the first one may meet a stale connection
            t0 = time.monotonic()
            away = _ask(client, question)
            assert time.monotonic() - t0 < AWAY_SECONDS
            assert set(away) == {"question", "error"}, away
            assert away["question"] == question
            _assert_one_sentence(away["error"], host)
        print(f"\nwhile the Chroma server is away, /ask returns: {away['error']}")
        server_log = tail(server.log_path, 100_000)
        assert host in server_log and "Traceback" not in server_log, server_log  # one warning line per failure

        chat_away = chat(SUBSIDY_Q)
        assert chat_away.startswith("⚠"), chat_away
        assert host.replace(".", "\\.") in chat_away  # the chat escapes Markdown punctuation
        assert "Traceback" not in chat_away and "Something went wrong" not in chat_away
        lookup_away = on_lookup("Beijing XIV")
        assert "⚠" in lookup_away and host in lookup_away and "pa-clause" not in lookup_away, lookup_away

        chroma.start()  # the same folder and port
        after = _ask(client, SUBSIDY_Q)
        assert _comparable(after) == _comparable(before)
        assert chat(SUBSIDY_Q) == chat_before
        assert on_lookup("Beijing XIV") == lookup_before
        assert started[0].poll() is None and server.pid == started[0].pid, "the app must not have restarted"
    finally:
        for process in started:
            stop_process(process)
        chroma.stop()


# -- 2. load ------------------------------------------------------------------------------------
def test_sixteen_concurrent_clients_get_the_single_client_answers_without_errors_or_memory_growth(
        seed_index_dir: Path, tmp_path: Path) -> None:
    import shutil

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, ignore=shutil.ignore_patterns("READY"))
    started: list[subprocess.Popen] = []
    try:
        server = start_app(started, tmp_path, index_dir, CORPUS)
        single = _client(server.url)
        expected = {q: _comparable(_ask(single, q)) for q in QUESTIONS}  # also the warm-up round
        for q, answer in expected.items():
            assert "error" not in answer, answer
        assert any(a["answered"] for a in expected.values())
        assert not expected[QUESTIONS[-1]]["answered"], "the unanswerable question was answered"
        for q in QUESTIONS:  # a second warm-up round: caches and arenas settle before the baseline
            _ask(single, q)
        rss_before = _rss_mb(server.pid)

        lock = threading.Lock()
        issued = [0]
        latencies: list[float] = []
        errors: list[str] = []
        mismatches: list[str] = []
        deadline = time.monotonic() + LOAD_SECONDS

        def work() -> None:
            try:
                client = _client(server.url)
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                with lock:
                    errors.append(f"connect: {exc!r}")
                return
            while True:
                with lock:
                    if issued[0] >= LOAD_REQUESTS or time.monotonic() > deadline:
                        return
                    question = QUESTIONS[issued[0] % len(QUESTIONS)]
                    issued[0] += 1
                t0 = time.monotonic()
                try:
                    answer = _ask(client, question)
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        errors.append(f"{question!r}: {exc!r}")
                    continue
                with lock:
                    latencies.append(time.monotonic() - t0)
                    if _comparable(answer) != expected[question]:
                        mismatches.append(f"{question!r}: {answer}")

        threads = [threading.Thread(target=work, daemon=True) for _ in range(CLIENTS)]
        t_start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_SECONDS + 30)
        elapsed = time.monotonic() - t_start
        assert not any(t.is_alive() for t in threads), "a client is still waiting after the load window"
        rss_after = _rss_mb(server.pid)

        latencies.sort()
        print(f"\nload: {CLIENTS} clients, {issued[0]} requests in {elapsed:.1f} s, {len(errors)} errors, "
              f"{len(mismatches)} mismatches, p50 {statistics.median(latencies) * 1e3:.0f} ms, "
              f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1e3:.0f} ms, "
              f"max {latencies[-1] * 1e3:.0f} ms; server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB")
        assert not errors, errors[:5]
        assert not mismatches, mismatches[:3]
        assert len(latencies) == issued[0]
        assert issued[0] >= 2 * CLIENTS, f"only {issued[0]} requests in {LOAD_SECONDS} s: not a load test"
        assert rss_after - rss_before <= RSS_GROWTH_MB, (rss_before, rss_after)
        assert started[0].poll() is None
        assert "Traceback" not in tail(server.log_path, 100_000)
    finally:
        for process in started:
            stop_process(process)


STALL_TIMEOUT_S = 3.0


def _try(function, *args):
    """The function's result, or the exception it raised."""
    try:
        return function(*args)
    except Exception as exc:  # noqa: BLE001 (the test inspects it)
        return exc
RULES = ("Training Grant Rules\n\nI. Training Grants\n"
         "(I) Training subsidy. Firms that train workers receive a training subsidy of 300 yuan per worker.\n"
         "(II) Records. Firms keep training records for three years.\n")


@pytest.mark.server
def test_a_stalled_chroma_server_fails_requests_within_the_timeout_and_recovers(tmp_path: Path) -> None:
    """A server that stops answering but keeps the connection open (SIGSTOP: a hung process, a dropped network)
    must not hang the assistant: each request fails after ``chroma_timeout_s`` with one sentence, and the same
    open Assistant answers as before once the server runs again."""
    import os
    import signal

    from assistant.core import Assistant
    from ingest.store import IndexUnavailable

    server = ChromaServer(tmp_path / "chroma")
    url = server.start()
    try:
        settings = build_index(tmp_path, {"grants.txt": RULES}, chroma_url=url, embedder="hashing-384",
                               chroma_timeout_s=STALL_TIMEOUT_S)
        assistant = Assistant.open(settings=settings)
        question = "How much is the training subsidy per worker?"
        before = _comparable(assistant.ask(question).to_dict())
        shown = before["citations"] + before["related"]  # the hashing embedder is weak: it may decline; fine
        assert any(c["clause_id"] == "grants#I.I" for c in shown), before

        assert server.process is not None
        outcome: list[BaseException | dict] = []
        asking = threading.Thread(target=lambda: outcome.append(_try(assistant.ask, question)), daemon=True)
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            asking.start()
            asking.join(timeout=4 * STALL_TIMEOUT_S)  # without a bound the request would wait for ever
            held = asking.is_alive()
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert not held, f"a stalled server held the request for more than {4 * STALL_TIMEOUT_S:.0f} s"
        assert outcome and isinstance(outcome[0], IndexUnavailable), outcome
        message = str(outcome[0])  # the app and the CLI show it as one sentence (a capital, a full stop)
        assert "\n" not in message and url in message and "timed out" in message, message

        assert _comparable(assistant.ask(question).to_dict()) == before
    finally:
        server.stop()
