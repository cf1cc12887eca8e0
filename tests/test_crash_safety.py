"""kill -9 during ingest, twenty times: the index always opens, consistent, on the old or the new corpus state.

A small corpus (three short files, the real embedder) is indexed by the real
``policy-assistant ingest`` command and its answers are recorded. Then, twenty times, a
document is changed or added, ingest is started and killed with SIGKILL after a seeded
random delay spread over an ingest's duration. After each kill the live generation must be
exactly one complete corpus state (the one before this ingest, or this ingest's own if the kill
came after the swap) with consistent collections, BM25 and pointer, and it must answer as
that state should. A final uninterrupted ingest must then bring everything up to date and
leave no debris of the killed runs.
"""

from __future__ import annotations

import gc
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant import Assistant
from common.settings import Settings
from ingest.bm25_index import BM25Index
from ingest.documents import discover, load_document
from ingest.store import IndexState, IndexStore
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("policy-assistant"))
ROUNDS = 20
SEED = 20240611
TRAINING = ("Training Rules\n\n"
            "(I) Training subsidy. Firms that train workers may receive a training subsidy of 300 yuan per worker.\n"
            "(II) Records. Firms keep training records for three years.\n")
HOLIDAY = ("Holiday Rules\n\n(I) Annual leave. Employees receive ten days of paid annual leave each year.\n"
           "(II) Sick leave. Employees on sick leave receive 80 percent of their salary.\n")
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "grey", "pink", "brown"]
STABLE_QUESTIONS = ["How long must firms keep training records?",
                    "How many days of annual leave do employees receive?",
                    "How much is the training subsidy per worker?"]
BADGE_QUESTION = "What colour are staff badges?"


def _badges(colour: str) -> str:
    return f"Badge Rules\n\n(I) Badge colour. Staff badges are {colour} this year.\n"


def _parking(n: int) -> str:
    return f"Parking Notice {n}\n\n(I) Bicycle racks. The bicycle racks near gate {n} open at {n % 9 + 5} o'clock.\n"


def _version_hashes(corpus: Path) -> dict[str, str]:
    """What the pointer records for the corpus as it is now: doc_id -> content hash."""
    docs = [load_document(p, corpus, 10**8) for p in discover([corpus])]
    return {d.meta.doc_id: d.hash for d in docs}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("POLICY_ASSISTANT_")}


def _release_chroma(settings: Settings) -> None:
    """Close this process's Chroma system for the index, so the next read sees what the ingest processes wrote."""
    from chromadb.api.shared_system_client import SharedSystemClient

    gc.collect()
    key = str(settings.index_dir / "chroma")
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        system.stop()


def _check_consistent(settings: Settings) -> IndexState:
    """The live generation is whole: pointer, chunks, sentences and BM25 all describe the same documents."""
    _release_chroma(settings)
    store = IndexStore(settings)
    state = store.current()
    assert state is not None, "the pointer is gone"
    chunks = store.collection(store.chunk_collection_name(state.generation)).get(include=["metadatas"])
    ids = chunks["ids"]
    assert len(ids) == len(set(ids)), "duplicate chunk IDs"
    per_doc = Counter(m["doc_id"] for m in chunks["metadatas"])
    assert set(per_doc) == set(state.docs), f"chunks of {set(per_doc) ^ set(state.docs)} disagree with the pointer"
    for doc_id, info in state.docs.items():
        assert per_doc[doc_id] == info["chunks"], f"{doc_id}: {per_doc[doc_id]} chunks, pointer says {info['chunks']}"
    assert len(ids) == sum(info["chunks"] for info in state.docs.values())
    clause_ids = Counter(m["clause_id"] for m in chunks["metadatas"] if not m.get("window"))
    assert all(n == 1 for n in clause_ids.values()), "a clause is stored twice"
    sentences = store.collection(store.sentence_collection_name(state.generation)).get(include=["metadatas"])
    assert len(sentences["ids"]) == len(set(sentences["ids"]))
    assert {m["chunk_id"] for m in sentences["metadatas"]} == set(ids), "sentences and chunks disagree"
    bm25 = BM25Index.load(store.bm25_dir(state.generation))
    assert bm25 is not None and sorted(bm25.ids) == sorted(ids), "the BM25 index is not the live generation's"
    return state


def _answers(settings: Settings) -> dict[str, tuple]:
    assistant = Assistant.open(settings=settings)
    out = {}
    for question in [*STABLE_QUESTIONS, BADGE_QUESTION]:
        answer = assistant.ask(question)
        out[question] = (answer.answered, answer.answer, tuple(c.clause_id for c in answer.citations))
    del assistant
    _release_chroma(settings)
    return out


class Run:
    """One ingest process: whether it finished, its exit status, and when it first wrote to the index."""

    def __init__(self, finished: bool, status: int | None, seconds: float, write_seconds: float | None,
                 wrote: bool) -> None:
        self.finished, self.status, self.seconds, self.write_seconds = finished, status, seconds, write_seconds
        self.wrote = wrote


def _ingest(settings: Settings, log: Path, kill_after: float | None = None, from_first_write: bool = False) -> Run:
    """Run ``policy-assistant ingest`` and SIGKILL it ``kill_after`` seconds after it started (or, with
    ``from_first_write``, after it first wrote to the Chroma database), unless it finished before."""
    cmd = [CLI, "ingest", "--index-dir", str(settings.index_dir), "--corpus-dir", str(settings.corpus_dir)]
    database = settings.index_dir / "chroma" / "chroma.sqlite3"
    mtime = database.stat().st_mtime_ns if database.exists() else None
    started = time.perf_counter()
    first_write = None
    with log.open("ab") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT, env=_env(),
                                start_new_session=True)
        while proc.poll() is None:
            now = time.perf_counter()
            if first_write is None and database.exists() and database.stat().st_mtime_ns != mtime:
                first_write = now
            origin = first_write if from_first_write else started
            if kill_after is not None and origin is not None and now - origin >= kill_after:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return Run(False, None, now - started, None, first_write is not None)
            if now - started > 600:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail("ingest did not finish in 10 minutes")
            time.sleep(0.005)
    ended = time.perf_counter()
    return Run(True, proc.returncode, ended - started, ended - first_write if first_write else None,
               first_write is not None)


def test_kill_minus_nine_during_ingest_never_corrupts_the_index(tmp_settings: Settings, tmp_path: Path):
    settings = tmp_settings
    corpus = settings.corpus_dir
    log = tmp_path / "ingest-stderr.log"
    (corpus / "training.txt").write_text(TRAINING, encoding="utf-8")
    (corpus / "holiday.txt").write_text(HOLIDAY, encoding="utf-8")
    (corpus / "badges.txt").write_text(_badges(COLOURS[0]), encoding="utf-8")
    versions = [_version_hashes(corpus)]
    colour_of = [COLOURS[0]]

    first = _ingest(settings, log)
    assert first.finished and first.status == 0, log.read_text()[-3000:]
    typical, writing = first.seconds, first.write_seconds or first.seconds / 3  # adapted as rounds complete
    state = _check_consistent(settings)
    assert {d: i["hash"] for d, i in state.docs.items()} == versions[0]
    recorded = _answers(settings)
    for question in STABLE_QUESTIONS:
        assert recorded[question][0], f"the small corpus should answer {question!r}"
    assert recorded[BADGE_QUESTION] == (True, f"Badge Rules: Staff badges are {COLOURS[0]} this year. [1]", ("badges#I",))

    rng = random.Random(SEED)
    started = time.perf_counter()
    live = 0  # the corpus version the pointer is on
    outcomes = Counter()
    for round_no in range(1, ROUNDS + 1):
        if round_no % 2:
            colour = COLOURS[(round_no // 2 + 1) % len(COLOURS)]
            (corpus / "badges.txt").write_text(_badges(colour), encoding="utf-8")
        else:
            colour = colour_of[-1]
            (corpus / f"parking-{round_no}.txt").write_text(_parking(round_no), encoding="utf-8")
        versions.append(_version_hashes(corpus))
        colour_of.append(colour)

        # A third of the kills land anywhere in start-up and loading; the rest between the first write to the
        # index and the end (embedding, writing the new generation, BM25, the swap, dropping the old one).
        if rng.random() < 1 / 3:
            run = _ingest(settings, log, kill_after=rng.uniform(0.05, 0.8) * typical)
        else:
            run = _ingest(settings, log, kill_after=rng.uniform(0.0, 1.1) * writing, from_first_write=True)
        finished = run.finished
        if finished:
            assert run.status == 0, log.read_text()[-3000:]
            typical, writing = run.seconds, run.write_seconds or writing

        state = _check_consistent(settings)
        pointer = {d: i["hash"] for d, i in state.docs.items()}
        matches = [v for v, hashes in enumerate(versions) if hashes == pointer]
        assert matches, f"round {round_no}: the pointer describes no corpus state that ever existed"
        now = matches[-1]
        assert now in (live, round_no), f"round {round_no}: pointer on version {now}, expected {live} or {round_no}"
        if finished:
            assert now == round_no, "a completed ingest did not swap the pointer"
        outcomes["completed" if finished else "killed-after-swap" if now == round_no
                 else "killed-while-writing" if run.wrote else "killed-before-writing"] += 1
        live = now

        answers = _answers(settings)
        for question in STABLE_QUESTIONS:
            assert answers[question] == recorded[question], f"round {round_no}: {question!r} changed"
        assert answers[BADGE_QUESTION] == (True, f"Badge Rules: Staff badges are {colour_of[now]} this year. [1]", ("badges#I",)), \
            f"round {round_no}: the badge answer is not version {now}'s"

    last = _ingest(settings, log)
    assert last.finished and last.status == 0, log.read_text()[-3000:]
    state = _check_consistent(settings)
    assert {d: i["hash"] for d, i in state.docs.items()} == versions[-1]
    answers = _answers(settings)
    assert {q: answers[q] for q in STABLE_QUESTIONS} == {q: recorded[q] for q in STABLE_QUESTIONS}
    assert answers[BADGE_QUESTION][1] == f"Badge Rules: Staff badges are {colour_of[-1]} this year. [1]"

    _release_chroma(settings)
    store = IndexStore(settings)
    prefix = settings.collection_prefix
    expected = {f"{prefix}_state", store.chunk_collection_name(state.generation),
                store.sentence_collection_name(state.generation)}
    # the generation before the live one stays until the next ingest (a running app may still be reading it)
    before = state.generation - 1
    allowed = expected | {store.chunk_collection_name(before), store.sentence_collection_name(before)}
    assert expected <= set(store._collection_names()) <= allowed, "debris of killed runs"
    bm25_dirs = {p.name for p in store.bm25_root().iterdir()}
    assert store.chunk_collection_name(state.generation) in bm25_dirs
    assert bm25_dirs <= {store.chunk_collection_name(state.generation), store.chunk_collection_name(before)}
    print(f"\ncrash safety: first ingest {first.seconds:.1f} s; {ROUNDS} rounds in "
          f"{time.perf_counter() - started:.0f} s; outcomes {dict(outcomes)}")
